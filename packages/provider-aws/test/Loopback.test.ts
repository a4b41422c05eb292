import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Loopback from "../src/internal/loopback.js"

const get = (url: string) => Effect.promise(() => fetch(url).then((r) => r.status))

describe("loopback redirect receiver", () => {
  it.live("127.0.0.1 only; unknown paths 404 and wrong state 400 without ending the wait; one code, once", () =>
    Effect.scoped(Effect.gen(function*() {
      const loopback = yield* Loopback.start("expected-state")
      const url = new URL(loopback.redirectUri)
      assert.strictEqual(url.hostname, "127.0.0.1")
      assert.strictEqual(url.pathname, "/oauth/callback")
      const waiting = yield* Effect.fork(loopback.result)

      assert.strictEqual(yield* get(`${url.origin}/favicon.ico`), 404)
      assert.strictEqual(yield* get(`${loopback.redirectUri}?code=stolen&state=other`), 400)
      assert.isTrue(Option.isNone(yield* Fiber.poll(waiting)))

      assert.strictEqual(yield* get(`${loopback.redirectUri}?code=the-code&state=expected-state`), 200)
      const result = yield* Fiber.join(waiting)
      assert.deepStrictEqual(result, { _tag: "Code", code: "the-code" })
      // replaying the redirect is refused
      assert.strictEqual(yield* get(`${loopback.redirectUri}?code=the-code&state=expected-state`), 400)
      // not reachable on the IPv6 loopback or any other address of the machine
      const other = yield* Effect.promise(() =>
        fetch(`http://[::1]:${url.port}/oauth/callback`).then(() => "reached", () => "refused")
      )
      assert.strictEqual(other, "refused")
    })))

  it.live("a denial in the browser ends the wait with the error", () =>
    Effect.scoped(Effect.gen(function*() {
      const loopback = yield* Loopback.start("s")
      const waiting = yield* Effect.fork(loopback.result)
      assert.strictEqual(yield* get(`${loopback.redirectUri}?error=access_denied&state=s`), 200)
      const result = yield* Fiber.join(waiting)
      assert.strictEqual(result._tag, "Denied")
    })))
})
