import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { CloudflareApi } from "../src/CloudflareApi.js"
import { emulator, envFor, failureOf, layer, tempHome } from "./support.js"


describe("CloudflareApi", () => {
  it.scopedLive("retries 5xx and 429 with backoff, a bounded number of times", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const home = yield* tempHome
      const token = Redacted.make(emu.addApiToken())
      const { layer: live } = layer(home, envFor(emu, home))
      const api = yield* Effect.provide(CloudflareApi, live)

      emu.failNext("/user/tokens/verify", 503, [{ code: 10013, message: "unavailable" }])
      emu.failNext("/user/tokens/verify", 429, [{ code: 10429, message: "rate limited" }])
      const status = yield* api.verifyToken(token)
      assert.strictEqual(status.status, "active")
      assert.strictEqual(emu.counters.api["GET /user/tokens/verify"], 3)

      emu.resetCounters()
      emu.failNext("/user/tokens/verify", 500, [{ code: 10000, message: "boom" }], 10)
      const error = failureOf(yield* Effect.exit(api.verifyToken(token)))
      assert.strictEqual(error.reason, "Server")
      assert.strictEqual(emu.counters.api["GET /user/tokens/verify"], 4)
    }))

  it.scopedLive("envelope errors carry Cloudflare's code and a hint", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const home = yield* tempHome
      const { layer: live } = layer(home, envFor(emu, home))
      const api = yield* Effect.provide(CloudflareApi, live)
      const bearer = { _tag: "Bearer", token: Redacted.make(emu.addApiToken()) } as const

      const wrongToken = failureOf(yield* Effect.exit(api.user({ _tag: "Bearer", token: Redacted.make("nope-0123456789abcdef") })))
      assert.strictEqual(wrongToken.reason, "Credentials")
      assert.strictEqual(wrongToken.code, 10000)
      assert.match(wrongToken.message, /alchemy login/)

      const wrongAccount = failureOf(
        yield* Effect.exit(api.get("account lookup", `/accounts/${"e".repeat(32)}`, Schema.Unknown, bearer))
      )
      assert.strictEqual(wrongAccount.reason, "AccountId")
      assert.strictEqual(wrongAccount.code, 7003)
      assert.match(wrongAccount.message, /CLOUDFLARE_ACCOUNT_ID/)

      const noRoute = failureOf(yield* Effect.exit(api.get("lookup", "/no-such-route", Schema.Unknown, bearer)))
      assert.strictEqual(noRoute.reason, "Request")
      assert.strictEqual(noRoute.status, 404)
      assert.match(noRoute.message, /No route for that URI/)
      assert.match(noRoute.message, /CLOUDFLARE_BASE_URL/)
    }))

  it.scopedLive("a reply that is not an envelope, or a result of the wrong shape, is a typed InvalidReply error", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const home = yield* tempHome
      // Something that is not the Cloudflare API at CLOUDFLARE_BASE_URL: an HTML page, then a wrong result.
      const server = Http.createServer((req, res) => {
        if (req.url?.startsWith("/html/")) {
          res.writeHead(200, { "content-type": "text/html" })
          res.end("<!doctype html><title>Sign in</title>")
        } else {
          res.writeHead(200, { "content-type": "application/json" })
          res.end(JSON.stringify({ success: true, errors: [], result: { nope: 1 } }))
        }
      })
      yield* Effect.acquireRelease(
        Effect.async<void>((resume) => void server.listen(0, "127.0.0.1", () => resume(Effect.void))),
        () => Effect.async<void>((resume) => void server.close(() => resume(Effect.void)))
      )
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      const credential = { _tag: "Bearer", token: Redacted.make("x-0123456789") } as const
      for (const [path, detail] of [["/html", /not a Cloudflare API JSON envelope/], ["/shape", /expected shape/]] as const) {
        const { layer: live } = layer(home, envFor(emu, home, { CLOUDFLARE_BASE_URL: `${base}${path}` }))
        const api = yield* Effect.provide(CloudflareApi, live)
        const error = failureOf(yield* Effect.exit(api.user(credential)))
        assert.strictEqual(error.reason, "InvalidReply")
        assert.match(error.message, detail)
        assert.match(error.message, /CLOUDFLARE_BASE_URL/)
      }
    }))
})
