import * as Fs from "node:fs"
import * as Os from "node:os"
import { assert, describe, it } from "@effect/vitest"
import { unsafeMakeProfileName } from "@alchemy/profile-core/ProfileName"
import * as Effect from "effect/Effect"
import { CloudflareApi } from "../src/CloudflareApi.js"
import * as CloudflareCredentials from "../src/CloudflareCredentials.js"
import * as CloudflareProvider from "../src/CloudflareProvider.js"
import { assertNoSecrets, browserOpener, configFile, credentialsFile, emulator, envFor, failureOf, filesUnder, layer, readJson, tempHome } from "./support.js"

const profile = unsafeMakeProfileName("default")

const interfaces = Object.values(Os.networkInterfaces()).flat().filter((i) => i !== undefined)
const hasIpv6Loopback = interfaces.some((i) => i.internal && i.family === "IPv6" && i.address === "::1")
/** 127.0.0.2 reaches a wildcard (0.0.0.0) listener on Linux but not one bound to 127.0.0.1. */
const externalAddresses = ["127.0.0.2", ...interfaces.filter((i) => !i.internal && i.family === "IPv4").map((i) => i.address)]


/** The callback URL the emulator would redirect to, obtained without a browser (autoApprove emulator). */
const approve = (authorizeUrl: string) =>
  fetch(authorizeUrl, { redirect: "manual" }).then((r) => {
    const location = r.headers.get("location")
    if (location === null) throw new Error(`authorize answered ${r.status} without a redirect`)
    return location
  })

describe("OAuth login", () => {
  it.scopedLive("a real browser clicks Allow: tokens stored, account chosen, credentials work against the API", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const home = yield* tempHome
      const { layer: live, recording } = layer(home, envFor(emu, home), {
        interactive: true,
        browser: { action: "Allow", opener: browserOpener }
      })
      const description = yield* CloudflareProvider.provider.configure({
        profile,
        method: "oauth",
        values: {},
        switches: {},
        references: {},
        secrets: {}
      }).pipe(Effect.provide(live))
      const browser = yield* Effect.promise(() => recording.browsers[0]!)
      assert.strictEqual(browser.code, 0, browser.output)
      assert.match(browser.output, /Logged in to Cloudflare/)
      assert.strictEqual(emu.counters.consentAllow, 1)
      assert.strictEqual(emu.counters.tokenCode, 1)

      const stored = readJson(credentialsFile(home, "default"))
      assert.strictEqual(stored.type, "oauth")
      assert.isTrue(stored.expires > Date.now())
      assert.include(stored.scopes, "workers:write")
      assert.strictEqual(emu.accessTokenStatus(stored.access), "active")
      assert.strictEqual(emu.refreshTokenStatus(stored.refresh), "active")
      const config = readJson(configFile(home))
      assert.deepStrictEqual(config.profiles.default.cloudflare.metadata, emu.accounts.map(({ id, name }) => ({ id, name }))[0])
      assert.strictEqual(config.profiles.default.cloudflare.method, "oauth")
      assert.strictEqual((Fs.statSync(credentialsFile(home, "default")).mode & 0o777), 0o600)

      // The stored credentials work against the API.
      const accounts = yield* Effect.gen(function*() {
        const credentials = yield* CloudflareCredentials.CloudflareCredentials
        const resolved = yield* credentials.get
        assert.strictEqual(resolved.accountId, emu.accounts[0]!.id)
        const api = yield* CloudflareApi
        return yield* api.accounts(resolved.credential)
      }).pipe(Effect.provide(CloudflareCredentials.fromProfile("default")), Effect.provide(live))
      assert.strictEqual(accounts.length, 1)

      // The redirect was to 127.0.0.1 on a free port (endpoints overridden), never a wildcard.
      const opened = new URL(recording.opened[0]!)
      const redirect = new URL(opened.searchParams.get("redirect_uri")!)
      assert.strictEqual(redirect.hostname, "127.0.0.1")
      assert.strictEqual(redirect.pathname, "/auth/callback")
      assert.strictEqual(opened.searchParams.get("code_challenge_method"), "S256")
      assert.include(opened.searchParams.get("scope")!.split(" "), "offline_access")

      assertNoSecrets(
        [recording.info, recording.warn, description, config, browser.output],
        [stored.access, stored.refresh]
      )
    }))

  it.scopedLive("Deny in the browser: a clear error and nothing written", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const home = yield* tempHome
      const { layer: live, recording } = layer(home, envFor(emu, home), {
        interactive: true,
        browser: { action: "Deny", opener: browserOpener }
      })
      const exit = yield* CloudflareProvider.provider.configure({ profile, method: "oauth", values: {}, switches: {}, references: {}, secrets: {} }).pipe(
        Effect.provide(live),
        Effect.exit
      )
      const error = failureOf(exit) as { _tag: string; reason: string; message: string }
      assert.strictEqual(error._tag, "CloudflareOAuthError")
      assert.strictEqual(error.reason, "AccessDenied")
      assert.match(error.message, /denied/)
      const browser = yield* Effect.promise(() => recording.browsers[0]!)
      assert.match(browser.output, /login failed/i)
      assert.deepStrictEqual(filesUnder(home), {})
      assert.strictEqual(emu.counters.tokenCode, 0)
    }))

  it.scopedLive("a tampered state and stray requests are refused while the login goes on", () =>
    Effect.gen(function*() {
      const emu = yield* emulator({ autoApprove: true })
      const home = yield* tempHome
      const statuses: Array<number> = []
      let done: Promise<void> = Promise.resolve()
      const { layer: live } = layer(home, envFor(emu, home), {
        interactive: true,
        browser: (url) => {
          done = (async () => {
            const callback = new URL(await approve(url))
            const stray = await fetch(new URL("/favicon.ico", callback))
            statuses.push(stray.status)
            const rootPath = await fetch(new URL("/", callback))
            statuses.push(rootPath.status)
            const tampered = new URL(callback)
            tampered.searchParams.set("state", "attacker-state-0123456789")
            statuses.push((await fetch(tampered)).status)
            const noState = new URL(callback)
            noState.searchParams.delete("state")
            statuses.push((await fetch(noState)).status)
            // Bound to ::1 as well (when the machine has IPv6 loopback), never to another interface.
            if (hasIpv6Loopback) {
              statuses.push((await fetch(`http://[::1]:${callback.port}/stray`)).status)
            }
            for (const address of externalAddresses) {
              const reached = await fetch(`http://${address}:${callback.port}/stray`).then(() => true, () => false)
              if (reached) statuses.push(-1)
            }
            statuses.push((await fetch(callback)).status)
          })()
        }
      })
      yield* CloudflareProvider.provider.configure({ profile, method: "oauth", values: {}, switches: {}, references: {}, secrets: {} }).pipe(
        Effect.provide(live)
      )
      yield* Effect.promise(() => done)
      assert.deepStrictEqual(statuses, [404, 404, 400, 400, ...(hasIpv6Loopback ? [404] : []), 200])
      assert.strictEqual(emu.counters.tokenCode, 1)
      assert.strictEqual(readJson(credentialsFile(home, "default")).type, "oauth")
    }))

  it.scopedLive("the code is accepted once: a replayed callback is refused and never exchanged again", () =>
    Effect.gen(function*() {
      const emu = yield* emulator({ autoApprove: true })
      const home = yield* tempHome
      let callbackUrl = ""
      let deliveries: Promise<ReadonlyArray<number | "failed">> = Promise.resolve([])
      const { layer: live } = layer(home, envFor(emu, home), {
        interactive: true,
        browser: (url) => {
          deliveries = approve(url).then((callback) => {
            callbackUrl = callback
            // Two deliveries of the same redirect, concurrently: only one may be exchanged; the other is answered.
            const deliver = () => fetch(callback).then((r) => r.status, () => "failed" as const)
            return Promise.all([deliver(), deliver()])
          })
        }
      })
      yield* CloudflareProvider.provider.configure({ profile, method: "oauth", values: {}, switches: {}, references: {}, secrets: {} }).pipe(
        Effect.provide(live)
      )
      const statuses = yield* Effect.promise(() => deliveries)
      assert.deepStrictEqual([...statuses].sort(), [200, 409])
      const before = readJson(credentialsFile(home, "default"))
      // After the login nothing listens any more.
      assert.notStrictEqual(callbackUrl, "")
      const replay = yield* Effect.promise(() =>
        fetch(callbackUrl).then((r) => r.status, () => "refused" as const)
      )
      assert.strictEqual(replay, "refused")
      assert.strictEqual(emu.counters.tokenCode, 1)
      assert.deepStrictEqual(readJson(credentialsFile(home, "default")), before)
    }))

  it.scopedLive("no browser arrives: the login times out, nothing is written and the port is closed", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const home = yield* tempHome
      const { layer: live, recording } = layer(home, envFor(emu, home), { interactive: true, browser: () => {} })
      const exit = yield* CloudflareProvider.make({ loginTimeout: "300 millis" })
        .configure({ profile, method: "oauth", values: {}, switches: {}, references: {}, secrets: {} })
        .pipe(Effect.provide(live), Effect.exit)
      const error = failureOf(exit) as { _tag: string; reason: string }
      assert.strictEqual(error._tag, "CloudflareOAuthError")
      assert.strictEqual(error.reason, "Timeout")
      assert.deepStrictEqual(filesUnder(home), {})
      const redirect = new URL(new URL(recording.opened[0]!).searchParams.get("redirect_uri")!)
      const after = yield* Effect.promise(() => fetch(redirect).then((r) => r.status, () => "refused" as const))
      assert.strictEqual(after, "refused")
    }))

  it.scopedLive("--no-browser: the URL is printed and the pasted redirect URL completes the login", () =>
    Effect.gen(function*() {
      const emu = yield* emulator({ autoApprove: true })
      const home = yield* tempHome
      const { layer: live, recording } = layer(home, envFor(emu, home), {
        interactive: true,
        text: async () => {
          const printed = recording.info.join("\n").match(/https?:\/\/\S+oauth2\/authorize\S+/)
          if (printed === null) throw new Error("no URL printed")
          return approve(printed[0])
        }
      })
      yield* CloudflareProvider.provider.configure({
        profile,
        method: "oauth",
        values: { scopes: "account:read user:read workers:write" },
        switches: { "no-browser": true },
        references: {},
        secrets: {}
      }).pipe(Effect.provide(live))
      assert.deepStrictEqual(recording.opened, [])
      const stored = readJson(credentialsFile(home, "default"))
      assert.deepStrictEqual([...stored.scopes].sort(), ["account:read", "user:read", "workers:write"])
      assert.deepStrictEqual(readJson(configFile(home)).profiles.default.cloudflare.scopes.sort(), [
        "account:read",
        "user:read",
        "workers:write"
      ])
    }))

  it.scopedLive("--no-browser: a pasted URL with another state is refused and nothing is written", () =>
    Effect.gen(function*() {
      const emu = yield* emulator({ autoApprove: true })
      const home = yield* tempHome
      const { layer: live, recording } = layer(home, envFor(emu, home), {
        interactive: true,
        text: async () => {
          const printed = recording.info.join("\n").match(/https?:\/\/\S+oauth2\/authorize\S+/)![0]
          const pasted = new URL(await approve(printed))
          pasted.searchParams.set("state", "someone-elses-state-123")
          return pasted.toString()
        }
      })
      const exit = yield* CloudflareProvider.provider.configure({
        profile,
        method: "oauth",
        values: {},
        switches: { "no-browser": true },
        references: {},
        secrets: {}
      }).pipe(Effect.provide(live), Effect.exit)
      const error = failureOf(exit) as { _tag: string; reason: string }
      assert.strictEqual(error.reason, "InvalidCallback")
      assert.strictEqual(emu.counters.tokenCode, 0)
      assert.deepStrictEqual(filesUnder(home), {})
    }))
})
