import * as Fs from "node:fs"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { assert, describe, it } from "@effect/vitest"
import { unsafeMakeProfileName } from "@alchemy/profile-core/ProfileName"
import * as CloudflareEmulator from "@alchemy/testing/CloudflareEmulator"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Redacted from "effect/Redacted"
import * as CloudflareProvider from "../src/CloudflareProvider.js"
import { assertNoSecrets, configFile, credentialsFile, emulator, envFor, failureOf, filesUnder, layer, readJson, tempHome } from "./support.js"

const profile = unsafeMakeProfileName("prod")
const provider = CloudflareProvider.provider


describe("api-token", () => {
  it.scopedLive("a valid token is verified, saved, described without the secret, and exported by environment", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const home = yield* tempHome
      const token = emu.addApiToken()
      const { layer: live, recording } = layer(home, envFor(emu, home))
      const configured = yield* provider.configure({
        profile,
        method: "api-token",
        values: {},
        switches: {},
        references: {},
        secrets: { "api-token": Redacted.make(token) }
      }).pipe(Effect.provide(live))
      assert.strictEqual(emu.counters.api["GET /user/tokens/verify"], 1)
      assert.deepStrictEqual(readJson(credentialsFile(home, "prod")), { type: "api-token", apiToken: token })
      const entry = readJson(configFile(home)).profiles.prod.cloudflare
      assert.deepStrictEqual(entry, { method: "api-token", metadata: { id: emu.accounts[0]!.id, name: emu.accounts[0]!.name } })

      const described = yield* provider.describe(profile).pipe(Effect.provide(live))
      const line = (label: string) => described.lines.find((l) => l.label === label)
      assert.strictEqual(line("apiToken")?.value, `${token.slice(0, 4)}****`)
      assert.isTrue(line("apiToken")?.secret)
      assert.strictEqual(line("accountId")?.value, emu.accounts[0]!.id)
      assert.strictEqual(line("source")?.value, "api-token")
      assert.isTrue(yield* provider.isConfigured(profile).pipe(Effect.provide(live)))

      const vars = yield* provider.environment(profile).pipe(Effect.provide(live))
      assert.strictEqual(Redacted.value(vars.CLOUDFLARE_API_TOKEN!), token)
      assert.strictEqual(Redacted.value(vars.CLOUDFLARE_ACCOUNT_ID!), emu.accounts[0]!.id)

      assertNoSecrets(
        [configured, described, described.json, recording, readJson(configFile(home)), String(vars.CLOUDFLARE_API_TOKEN)],
        [token]
      )
    }))

  it.scopedLive("a wrong token is refused before anything is saved, with a hint and no secret in the error", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const home = yield* tempHome
      const wrong = "wrong-token-0123456789abcdefghijklmnop"
      const { layer: live, recording } = layer(home, envFor(emu, home))
      const exit = yield* provider.configure({
        profile,
        method: "api-token",
        values: {},
        switches: {},
        references: {},
        secrets: { "api-token": Redacted.make(wrong) }
      }).pipe(Effect.provide(live), Effect.exit)
      const error = failureOf(exit)
      assert.strictEqual(error._tag, "CloudflareApiError")
      assert.strictEqual(error.reason, "Credentials")
      assert.match(error.message, /token/)
      assert.deepStrictEqual(filesUnder(home), {})
      assertNoSecrets([error, error.message, recording, Cause.pretty((exit as any).cause)], [wrong])
    }))

  it.scopedLive("no token and no terminal: NonInteractive naming what would supply it, nothing saved", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const home = yield* tempHome
      const { layer: live } = layer(home, envFor(emu, home))
      const error = failureOf(
        yield* provider.configure({ profile, method: "api-token", values: {}, switches: {}, references: {}, secrets: {} }).pipe(
          Effect.provide(live),
          Effect.exit
        )
      )
      assert.strictEqual(error._tag, "NonInteractive")
      assert.deepStrictEqual(filesUnder(home), {})
    }))

  it.scopedLive("an interactive run asks for the method and the token", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const home = yield* tempHome
      const token = emu.addApiToken()
      const { layer: live, recording } = layer(home, envFor(emu, home), {
        interactive: true,
        select: (_message, titles) => titles.findIndex((t) => t.startsWith("API token")),
        secret: () => token
      })
      yield* provider.configure({ profile, values: {}, switches: {}, references: {}, secrets: {} }).pipe(Effect.provide(live))
      assert.strictEqual(readJson(credentialsFile(home, "prod")).apiToken, token)
      assert.strictEqual(recording.prompts.length, 2)
    }))
})

describe("account API tokens", () => {
  it.scopedLive("an account token verifies through /accounts/{id}/tokens/verify when --account-id is given", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const home = yield* tempHome
      const accountId = emu.accounts[0]!.id
      const token = emu.addAccountApiToken(accountId)
      const { layer: live } = layer(home, envFor(emu, home))
      const withoutId = failureOf(
        yield* provider.configure({ profile, method: "api-token", values: {}, switches: {}, references: {}, secrets: { "api-token": Redacted.make(token) } }).pipe(
          Effect.provide(live),
          Effect.exit
        )
      )
      assert.strictEqual(withoutId.reason, "Credentials")
      assert.deepStrictEqual(filesUnder(home), {})
      yield* provider.configure({
        profile,
        method: "api-token",
        values: { "account-id": accountId },
        switches: {},
        references: {},
        secrets: { "api-token": Redacted.make(token) }
      }).pipe(Effect.provide(live))
      assert.strictEqual(emu.counters.api["GET /accounts/:account_id/tokens/verify"], 1)
      assert.strictEqual(readJson(configFile(home)).profiles.prod.cloudflare.metadata.id, accountId)
    }))
})

describe("api-key", () => {
  it.scopedLive("a global key + email is verified with /user and saved; a wrong key saves nothing", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const home = yield* tempHome
      const email = "user@example.com"
      const key = emu.addGlobalKey(email)
      const { layer: live } = layer(home, envFor(emu, home))
      const wrong = "0123456789abcdef0123456789abcdef01234"
      const error = failureOf(
        yield* provider.configure({
          profile,
          method: "api-key",
          values: { email },
          switches: {},
          references: {},
          secrets: { "api-key": Redacted.make(wrong) }
        }).pipe(Effect.provide(live), Effect.exit)
      )
      assert.strictEqual(error._tag, "CloudflareApiError")
      assert.deepStrictEqual(filesUnder(home), {})
      assertNoSecrets([error.message, error], [wrong])

      const described = yield* provider.configure({
        profile,
        method: "api-key",
        values: { email },
        switches: {},
        references: {},
        secrets: { "api-key": Redacted.make(key) }
      }).pipe(Effect.provide(live))
      assert.deepStrictEqual(readJson(credentialsFile(home, "prod")), { type: "api-key", apiKey: key, email })
      assert.strictEqual(emu.counters.api["GET /user"], 2)
      const vars = yield* provider.environment(profile).pipe(Effect.provide(live))
      assert.strictEqual(Redacted.value(vars.CLOUDFLARE_API_KEY!), key)
      assert.strictEqual(Redacted.value(vars.CLOUDFLARE_EMAIL!), email)
      assertNoSecrets([described, described.json], [key])
    }))
})

describe("logout and login", () => {
  it.scopedLive("oauth without a terminal fails at once: no browser, nothing written", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const home = yield* tempHome
      const { layer: live, recording } = layer(home, envFor(emu, home), { browser: () => {} })
      const error = failureOf(
        yield* provider.configure({ profile, method: "oauth", values: {}, switches: {}, references: {}, secrets: {} }).pipe(Effect.provide(live), Effect.exit)
      )
      assert.strictEqual(error._tag, "NonInteractive")
      assert.include(error.message, "api-token")
      assert.deepStrictEqual(recording.opened, [])
      assert.deepStrictEqual(filesUnder(home), {})
      assert.strictEqual(emu.counters.authorize, 0)
    }))

  it.scopedLive("logout revokes the OAuth grant and deletes the credentials; the configuration stays", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const home = yield* tempHome
      const tokens = emu.issueOAuthTokens({ scopes: ["account:read", "user:read"] })
      const { layer: live } = layer(home, envFor(emu, home))
      Fs.mkdirSync(`${home}/credentials/prod`, { recursive: true, mode: 0o700 })
      Fs.writeFileSync(
        configFile(home),
        JSON.stringify({ version: 1, profiles: { prod: { cloudflare: { method: "oauth", metadata: { id: emu.accounts[0]!.id, name: "x" } } } } })
      )
      Fs.writeFileSync(
        credentialsFile(home, "prod"),
        JSON.stringify({ type: "oauth", access: tokens.access, refresh: tokens.refresh, expires: Date.now() + 3_600_000, scopes: tokens.scopes }),
        { mode: 0o600 }
      )
      const config = Fs.readFileSync(configFile(home), "utf8")
      yield* provider.logout(profile).pipe(Effect.provide(live))
      assert.isAtLeast(emu.counters.revoke, 1)
      assert.strictEqual(emu.refreshTokenStatus(tokens.refresh), "revoked")
      assert.strictEqual(emu.accessTokenStatus(tokens.access), "revoked")
      assert.isFalse(Fs.existsSync(credentialsFile(home, "prod")))
      assert.strictEqual(Fs.readFileSync(configFile(home), "utf8"), config)
      assert.isTrue(yield* provider.isConfigured(profile).pipe(Effect.provide(live)))

      // describe after logout: configured, not logged in.
      const described = yield* provider.describe(profile).pipe(Effect.provide(live))
      assert.strictEqual(described.json.loggedIn, false)
    }))

  it.scopedLive("logout's revocation requests are RFC 7009 forms: token, token_type_hint, client_id", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const home = yield* tempHome
      // An authorization server that records what it is sent.
      const received: Array<{ readonly path: string; readonly type: string; readonly form: Record<string, string> }> = []
      const server = Http.createServer((req, res) => {
        let body = ""
        req.on("data", (d) => (body += String(d)))
        req.on("end", () => {
          received.push({
            path: req.url ?? "",
            type: req.headers["content-type"] ?? "",
            form: Object.fromEntries(new URLSearchParams(body))
          })
          res.writeHead(200, { "content-length": "0" })
          res.end()
        })
      })
      yield* Effect.acquireRelease(
        Effect.async<void>((resume) => void server.listen(0, "127.0.0.1", () => resume(Effect.void))),
        () => Effect.async<void>((resume) => void server.close(() => resume(Effect.void)))
      )
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      const { layer: live } = layer(
        home,
        envFor(emu, home, { ALCHEMY_CLOUDFLARE_OAUTH_URL: origin, ALCHEMY_CLOUDFLARE_CLIENT_ID: "client-under-test" })
      )
      const access = "access-token-0123456789abcdef"
      const refresh = "refresh-token-0123456789abcdef"
      Fs.mkdirSync(`${home}/credentials/prod`, { recursive: true, mode: 0o700 })
      Fs.writeFileSync(
        credentialsFile(home, "prod"),
        JSON.stringify({ type: "oauth", access, refresh, expires: Date.now() + 3_600_000, scopes: ["account:read"] }),
        { mode: 0o600 }
      )
      yield* provider.logout(profile).pipe(Effect.provide(live))
      assert.deepStrictEqual(received.map((r) => r.path), ["/oauth2/revoke", "/oauth2/revoke"])
      for (const r of received) assert.match(r.type, /^application\/x-www-form-urlencoded/)
      assert.deepStrictEqual(received.map((r) => r.form), [
        { token: refresh, token_type_hint: "refresh_token", client_id: "client-under-test" },
        { token: access, token_type_hint: "access_token", client_id: "client-under-test" }
      ])
      assert.isFalse(Fs.existsSync(credentialsFile(home, "prod")))
    }))

  it.scopedLive("login with valid stored OAuth tokens does not open a browser; a token revoked at Cloudflare and login after logout do", () =>
    Effect.gen(function*() {
      const emu = yield* emulator({ autoApprove: true })
      const home = yield* tempHome
      const { layer: live, recording } = layer(home, envFor(emu, home), {
        interactive: true,
        browser: (url) => void fetch(url, { redirect: "manual" }).then((r) => fetch(r.headers.get("location")!))
      })
      yield* provider.configure({ profile, method: "oauth", values: {}, switches: {}, references: {}, secrets: {} }).pipe(Effect.provide(live))
      assert.strictEqual(recording.opened.length, 1)
      yield* provider.login({ profile, values: {}, switches: {}, references: {}, secrets: {} }).pipe(Effect.provide(live))
      assert.strictEqual(recording.opened.length, 1)
      // Revoked at Cloudflare while the file still says valid: login notices and signs in again.
      const revoked = readJson(credentialsFile(home, "prod")).access as string
      emu.expireAccessToken(revoked)
      yield* provider.login({ profile, values: {}, switches: {}, references: {}, secrets: {} }).pipe(Effect.provide(live))
      assert.strictEqual(recording.opened.length, 2)
      assert.notStrictEqual(readJson(credentialsFile(home, "prod")).access, revoked)
      yield* provider.logout(profile).pipe(Effect.provide(live))
      const described = yield* provider.login({ profile, values: {}, switches: {}, references: {}, secrets: {} }).pipe(Effect.provide(live))
      assert.strictEqual(recording.opened.length, 3)
      assert.strictEqual(described.json.loggedIn, true)
      assert.strictEqual(readJson(credentialsFile(home, "prod")).type, "oauth")
    }))
})

describe("secrets never leak", () => {
  it.scopedLive("configure, describe, environment, a failing revoke and failing calls: no token in any output", () =>
    Effect.gen(function*() {
      const emu = yield* emulator({ autoApprove: true, accounts: CloudflareEmulator.makeAccounts(2) })
      const home = yield* tempHome
      const { layer: live, recording } = layer(home, envFor(emu, home), {
        interactive: true,
        browser: (url) => void fetch(url, { redirect: "manual" }).then((r) => fetch(r.headers.get("location")!))
      })
      const outputs: Array<unknown> = []
      const record = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
        effect.pipe(
          Effect.exit,
          Effect.tap((exit) =>
            Effect.sync(() => {
              outputs.push(Exit.isSuccess(exit) ? exit.value : [Cause.pretty(exit.cause), Cause.squash(exit.cause)])
            })
          )
        )
      yield* record(provider.configure({ profile, method: "oauth", values: {}, switches: {}, references: {}, secrets: {} })).pipe(Effect.provide(live))
      const stored = readJson(credentialsFile(home, "prod"))
      yield* record(provider.describe(profile)).pipe(Effect.provide(live))
      yield* record(Effect.map(provider.environment(profile), (vars) => [String(vars.CLOUDFLARE_API_TOKEN), vars])).pipe(
        Effect.provide(live)
      )
      // A refused token that starts with the live one, and a refused revoke.
      yield* record(provider.configure({ profile, method: "api-token", values: {}, switches: {}, references: {}, secrets: { "api-token": Redacted.make(`${stored.access}-x`) } })).pipe(
        Effect.provide(live)
      )
      emu.failNext("/oauth2/revoke", 503, [{ code: 503, message: "temporarily_unavailable" }], 5)
      yield* record(provider.logout(profile)).pipe(Effect.provide(live))
      assert.isFalse(Fs.existsSync(credentialsFile(home, "prod")))
      assert.isTrue(recording.warn.some((w) => w.includes("Revoking")))
      yield* record(provider.describe(profile)).pipe(Effect.provide(live))
      assert.isAtLeast(outputs.length, 6)
      assertNoSecrets([outputs, recording, filesUnder(home)["config.json"]], [stored.access, stored.refresh])
    }))
})
