/**
 * The port (`CloudflarePort`) and the descriptor (`CloudflareDescriptor`): built once, every call shares its API
 * client and the refresh coordinator; every failure is a `PortError` (Cloudflare's errors as `ProviderError` with
 * their message, core's as they are); resolve and the consumer layers hand out the profile's credentials.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as AuthProvider from "@alchemy/profile-core/AuthProvider"
import { type ConfigureInput, secretFlags } from "@alchemy/profile-core/AuthProvider"
import { unsafeMakeProfileName } from "@alchemy/profile-core/ProfileName"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { CloudflareApi } from "../src/CloudflareApi.js"
import { CloudflareCredentials } from "../src/CloudflareCredentials.js"
import * as CloudflareDescriptor from "../src/CloudflareDescriptor.js"
import * as CloudflarePort from "../src/CloudflarePort.js"
import * as CloudflareProvider from "../src/CloudflareProvider.js"
import { table } from "../src/internal/methods/table.js"
import { assertNoSecrets, configFile, credentialsFile, emulator, envFor, failureOf, filesUnder, layer, tempHome } from "./support.js"

const profile = unsafeMakeProfileName("prod")

const input = (fields: Partial<ConfigureInput> = {}): ConfigureInput => AuthProvider.input(fields.profile ?? profile, fields)

/** An HTTP client on `fetch` that counts how many times it is built and how many requests go through it. */
const countingClient = () => {
  const count = { builds: 0, requests: 0 }
  const client = Layer.effect(
    HttpClient.HttpClient,
    Effect.map(HttpClient.HttpClient, (client) => {
      count.builds++
      return HttpClient.tapRequest(client, () => Effect.sync(() => void count.requests++))
    })
  ).pipe(Layer.provide(FetchHttpClient.layer))
  return { client, count }
}

const fast = { retryBase: Duration.millis(5) }

/** A profile whose access token expired an hour ago, with a refresh token. */
const seedExpiredOAuth = (home: string, tokens: { access: string; refresh: string; scopes: ReadonlyArray<string> }, accountId: string) => {
  Fs.mkdirSync(Path.join(home, "credentials", "prod"), { recursive: true, mode: 0o700 })
  Fs.writeFileSync(
    configFile(home),
    JSON.stringify({
      version: 1,
      profiles: { prod: { cloudflare: { method: "oauth", metadata: { id: accountId, name: "Example" }, scopes: tokens.scopes } } }
    }),
    { mode: 0o600 }
  )
  Fs.writeFileSync(
    credentialsFile(home, "prod"),
    JSON.stringify({ type: "oauth", access: tokens.access, refresh: tokens.refresh, expires: Date.now() - 3_600_000, scopes: tokens.scopes }),
    { mode: 0o600 }
  )
}

describe("descriptor", () => {
  it("lists every method of the table, in the picker's order, with declared options and secrets only", () => {
    const { descriptor } = CloudflareDescriptor
    assert.strictEqual(descriptor.id, "cloudflare")
    assert.strictEqual(descriptor.profileVariable, "CLOUDFLARE_PROFILE")
    assert.deepStrictEqual(descriptor.methods.map((m) => m.id), ["oauth", "api-token", "api-key"])
    assert.deepStrictEqual([...descriptor.methods.map((m) => m.id)].sort(), Object.keys(table).sort())
    assert.strictEqual(CloudflareProvider.methods, descriptor.methods)
    const options = new Set(descriptor.options.map((o) => o.name))
    const secrets = new Set(descriptor.secrets.map((s) => s.name))
    assert.strictEqual(CloudflareDescriptor.methods, descriptor.methods)
    for (const method of CloudflareDescriptor.methods) {
      for (const option of method.options) assert.isTrue(options.has(option), `${method.id}: ${option}`)
      for (const secret of method.secrets) assert.isTrue(secrets.has(secret), `${method.id}: ${secret}`)
      assert.strictEqual(table[method.id].descriptor, method)
    }
    // The wording the CLI and its tests have always shown.
    assert.strictEqual(
      secretFlags(descriptor.secrets[0]!),
      "--api-token-stdin, --api-token-env <VARIABLE> or --api-token-variable <VARIABLE>"
    )
    assert.strictEqual(
      secretFlags(descriptor.secrets[1]!),
      "--api-key-stdin, --api-key-env <VARIABLE> or --api-key-variable <VARIABLE>"
    )
  })

  it.live("load resolves to the port module", () =>
    Effect.gen(function*() {
      const module = yield* Effect.promise(() => CloudflareDescriptor.descriptor.load())
      assert.strictEqual(module.make, CloudflarePort.make)
    }))
})

describe("port", () => {
  it.scopedLive("built once: configure, describe, resolve, a program's layer and the pin share one API client", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const home = yield* tempHome
      const token = emu.addApiToken()
      const { layer: live, recording } = layer(home, envFor(emu, home))
      const { client, count } = countingClient()
      const port = yield* CloudflarePort.makeWith({ api: fast, httpClient: client }).pipe(Effect.provide(live))
      assert.strictEqual(count.builds, 1)
      assert.strictEqual(port.descriptor, CloudflareDescriptor.descriptor)

      yield* port.configure(input({ method: "api-token", secrets: { "api-token": Redacted.make(token) } }))
      const described = yield* port.describe(profile)
      assert.strictEqual(described.lines.find((l) => l.label === "source")?.value, "api-token")
      yield* port.resolve(profile)
      // A program on the consumer layer: the credentials service and the port's API client.
      const consumer = port.credentials({ flag: "prod" })
      const listed = yield* Effect.gen(function*() {
        const credentials = yield* CloudflareCredentials
        const api = yield* CloudflareApi
        const resolved = yield* credentials.get
        return yield* api.accounts(resolved.credential)
      }).pipe(Effect.provide(consumer as Layer.Layer<CloudflareCredentials | CloudflareApi>), Effect.orDie)
      assert.deepStrictEqual(listed.map((a) => a.id), emu.accounts.map((a) => a.id))
      yield* port.requireAccount(emu.accounts[0]!.id, "stage prod of test", consumer)
      assert.strictEqual(count.builds, 1, "one API client for every call")
      // Every API call of the port went through that client.
      assert.isAtLeast(count.requests, 4)

      // A second port is a second client (the counter does count builds).
      yield* CloudflarePort.makeWith({ api: fast, httpClient: client }).pipe(Effect.provide(live))
      assert.strictEqual(count.builds, 2)
      assertNoSecrets([described, recording], [token])
    }))

  it.scopedLive("two resolves share the refresh coordinator: an expired token is refreshed once", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const home = yield* tempHome
      const tokens = emu.issueOAuthTokens({ scopes: ["account:read", "user:read"] })
      seedExpiredOAuth(home, tokens, emu.accounts[0]!.id)
      emu.resetCounters()
      const { layer: live } = layer(home, envFor(emu, home))
      const port = yield* CloudflarePort.makeWith({ api: fast }).pipe(Effect.provide(live))
      const first = yield* port.resolve(profile)
      const second = yield* port.resolve(profile)
      assert.strictEqual(emu.counters.tokenRefresh, 1)
      assert.strictEqual(Redacted.value(first.CLOUDFLARE_API_TOKEN!), Redacted.value(second.CLOUDFLARE_API_TOKEN!))
      assert.notStrictEqual(Redacted.value(first.CLOUDFLARE_API_TOKEN!), tokens.access)
    }))

  it.scopedLive("resolve returns the profile's variables", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const home = yield* tempHome
      const token = emu.addApiToken()
      const email = "user@example.com"
      const key = emu.addGlobalKey(email)
      const { layer: live } = layer(home, envFor(emu, home))
      const port = yield* CloudflarePort.makeWith({ api: fast }).pipe(Effect.provide(live))
      yield* port.configure(input({ method: "api-token", secrets: { "api-token": Redacted.make(token) } }))
      const vars = yield* port.resolve(profile)
      assert.deepStrictEqual(Object.keys(vars).sort(), ["CLOUDFLARE_ACCOUNT_ID", "CLOUDFLARE_API_BASE_URL", "CLOUDFLARE_API_TOKEN"])
      assert.strictEqual(Redacted.value(vars.CLOUDFLARE_API_TOKEN!), token)
      assert.strictEqual(Redacted.value(vars.CLOUDFLARE_ACCOUNT_ID!), emu.accounts[0]!.id)
      assert.strictEqual(Redacted.value(vars.CLOUDFLARE_API_BASE_URL!), emu.apiBaseUrl)

      const keyed = unsafeMakeProfileName("keyed")
      yield* port.configure(input({ profile: keyed, method: "api-key", values: { email }, secrets: { "api-key": Redacted.make(key) } }))
      const keyVars = yield* port.resolve(keyed)
      assert.strictEqual(Redacted.value(keyVars.CLOUDFLARE_API_KEY!), key)
      assert.strictEqual(Redacted.value(keyVars.CLOUDFLARE_EMAIL!), email)
      assert.isUndefined(keyVars.CLOUDFLARE_API_TOKEN)
      assert.isTrue(yield* port.isConfigured(keyed))
      assert.isFalse(yield* port.isConfigured(unsafeMakeProfileName("other")))
      assert.isUndefined(port.declared({ method: "oauth" }, "stage prod"))
      assert.deepStrictEqual(port.commands, {})
    }))

  it.scopedLive("a wrong token: ProviderError with the provider's message, the Cloudflare error as cause, nothing saved", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const home = yield* tempHome
      const wrong = "wrong-token-0123456789abcdefghijklmnop"
      const { layer: live, recording } = layer(home, envFor(emu, home))
      const port = yield* CloudflarePort.makeWith({ api: fast }).pipe(Effect.provide(live))
      const wrongInput = input({ method: "api-token", secrets: { "api-token": Redacted.make(wrong) } })
      const error = failureOf(yield* Effect.exit(port.configure(wrongInput)))
      // The message the provider itself gives (what the CLI printed before the port).
      const original = failureOf(yield* CloudflareProvider.provider.configure(wrongInput).pipe(Effect.provide(live), Effect.exit))
      assert.strictEqual(original._tag, "CloudflareApiError")
      assert.strictEqual(error._tag, "ProviderError")
      assert.strictEqual(error.provider, "cloudflare")
      assert.strictEqual(error.usage, false)
      assert.strictEqual(error.message, original.message)
      assert.match(error.message, /^Cloudflare token verification failed .*Hint: /)
      assert.strictEqual(error.cause._tag, "CloudflareApiError")
      assert.strictEqual(error.cause.reason, "Credentials")
      assert.deepStrictEqual(filesUnder(home), {})

      // Every kind of Cloudflare failure of configure is a ProviderError: an unknown method, a bad variable name, a
      // malformed account id.
      const token = emu.addApiToken()
      const others = [
        input({ method: "passkey" }),
        input({ method: "api-token", references: { "api-token": "1BAD" } }),
        input({ method: "api-token", values: { "account-id": "not-an-id" }, secrets: { "api-token": Redacted.make(token) } })
      ]
      for (const other of others) {
        const failure = failureOf(yield* Effect.exit(port.configure(other)))
        const direct = failureOf(yield* CloudflareProvider.provider.configure(other).pipe(Effect.provide(live), Effect.exit))
        assert.strictEqual(failure._tag, "ProviderError", failure.message)
        assert.strictEqual(failure.message, direct.message)
        assert.strictEqual(failure.cause._tag, direct._tag)
      }
      assert.deepStrictEqual(filesUnder(home), {})
      assertNoSecrets([error, error.message, recording], [wrong])
    }))

  it.scopedLive("core's errors pass as they are: NeedsLogin, NonInteractive, ProviderNotConfigured", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const home = yield* tempHome
      const tokens = emu.issueOAuthTokens({ scopes: ["account:read", "user:read"] })
      seedExpiredOAuth(home, tokens, emu.accounts[0]!.id)
      emu.revokeRefreshToken(tokens.refresh)
      const { layer: live } = layer(home, envFor(emu, home))
      const port = yield* CloudflarePort.makeWith({ api: fast }).pipe(Effect.provide(live))

      const needsLogin = failureOf(yield* Effect.exit(port.resolve(profile)))
      assert.strictEqual(needsLogin._tag, "NeedsLogin")
      assert.include(needsLogin.message, "alchemy login --profile prod")
      // A program on the consumer layer gets it when it asks for the credentials (the layer itself resolves the
      // account from the profile, without a token).
      const fromLayer = failureOf(
        yield* Effect.flatMap(CloudflareCredentials, (credentials) => credentials.get).pipe(
          Effect.provide(port.credentials({ flag: "prod" }) as Layer.Layer<CloudflareCredentials>),
          Effect.exit
        )
      )
      assert.strictEqual(fromLayer._tag, "NeedsLogin")
      // describe reports it as a warning and succeeds.
      const described = yield* port.describe(profile)
      assert.isTrue(described.warnings.some((w) => w.includes("alchemy login --profile prod")))

      const nonInteractive = failureOf(yield* Effect.exit(port.configure(input({ method: "oauth" }))))
      assert.strictEqual(nonInteractive._tag, "NonInteractive")
      const notConfigured = failureOf(yield* Effect.exit(port.describe(unsafeMakeProfileName("nothing"))))
      assert.strictEqual(notConfigured._tag, "ProviderNotConfigured")
    }))

  it.scopedLive("requireAccount: AccountMismatch for another account; fromEnvironment reads CLOUDFLARE_API_TOKEN", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const home = yield* tempHome
      const token = emu.addApiToken()
      const { layer: live } = layer(home, envFor(emu, home, { CLOUDFLARE_API_TOKEN: token }))
      const port = yield* CloudflarePort.makeWith({ api: fast }).pipe(Effect.provide(live))
      const other = "0123456789abcdef0123456789abcdef"
      const mismatch = failureOf(yield* Effect.exit(port.requireAccount(other, "stage prod of test", port.fromEnvironment)))
      assert.strictEqual(mismatch._tag, "AccountMismatch")
      yield* port.requireAccount(emu.accounts[0]!.id, "stage prod of test", port.fromEnvironment)
      const resolved = yield* Effect.flatMap(CloudflareCredentials, (c) => c.get).pipe(
        Effect.provide(port.fromEnvironment as Layer.Layer<CloudflareCredentials>),
        Effect.orDie
      )
      assert.strictEqual(resolved.accountId, emu.accounts[0]!.id)
      assert.deepStrictEqual(resolved.sources.credentials, { _tag: "Environment", variable: "CLOUDFLARE_API_TOKEN" })
    }))
})
