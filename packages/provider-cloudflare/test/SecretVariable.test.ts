/**
 * Secrets by reference: a profile that names the environment variable its secret lives in keeps no secret on disk,
 * reads the variable each time the secret is needed, and says which variable is missing when it is not set.
 */
import * as Fs from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import { unsafeMakeProfileName } from "@alchemy/profile-core/ProfileName"
import { scrub } from "@alchemy/profile-core/Redaction"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as CloudflareCredentials from "../src/CloudflareCredentials.js"
import * as CloudflareProvider from "../src/CloudflareProvider.js"
import {
  assertNoSecrets,
  configFile,
  credentialsFile,
  emulator,
  envFor,
  type Env,
  failureOf,
  filesUnder,
  layer,
  readJson,
  tempHome
} from "./support.js"

const profile = unsafeMakeProfileName("prod")
const provider = CloudflareProvider.provider
const variable = "CF_PROD_TOKEN"

/** The `env` record is the `Environment` the layer reads: changing it is changing the process environment. */
const setUp = (extra: Env = {}) =>
  Effect.gen(function*() {
    const emu = yield* emulator()
    const home = yield* tempHome
    const env: Env = envFor(emu, home, extra)
    const { layer: live, recording } = layer(home, env)
    return { emu, home, env, live, recording }
  })

const configureByReference = (values: Record<string, string | undefined> = {}) =>
  provider.configure({ profile, method: "api-token", values, switches: {}, references: { "api-token": variable }, secrets: {} })

const get = CloudflareCredentials.makeFromProfile("prod").pipe(Effect.flatMap((service) => service.get))

const tokenOf = (resolved: CloudflareCredentials.Resolved) => {
  assert.strictEqual(resolved.credential._tag, "Bearer")
  return resolved.credential._tag === "Bearer" ? Redacted.value(resolved.credential.token) : ""
}

describe("configure by reference", () => {
  it.scopedLive("the variable is set: verified like a stored token, the entry names it, no secret anywhere on disk", () =>
    Effect.gen(function*() {
      const { emu, home, env, live, recording } = yield* setUp()
      const token = emu.addApiToken()
      env[variable] = token
      const configured = yield* configureByReference().pipe(Effect.provide(live))
      assert.strictEqual(emu.counters.api["GET /user/tokens/verify"], 1)
      const account = emu.accounts[0]!
      assert.deepStrictEqual(readJson(configFile(home)).profiles.prod.cloudflare, {
        method: "api-token",
        metadata: { id: account.id, name: account.name },
        variables: { "api-token": variable }
      })
      assert.isFalse(Fs.existsSync(credentialsFile(home, "prod")))
      const files = filesUnder(home)
      assert.deepStrictEqual(Object.keys(files).filter((f) => f.startsWith("credentials/") && !f.endsWith(".lock")), [])
      for (const [name, text] of Object.entries(files)) assert.notInclude(text, token, name)

      const line = configured.lines.find((l) => l.label === "apiToken")
      assert.strictEqual(line?.value, `from $${variable} (set)`)
      assert.deepStrictEqual(configured.json.secretVariable, { name: variable, set: true })
      assert.deepStrictEqual(configured.warnings, [])
      assertNoSecrets([configured, configured.json, recording], [token])
    }))

  it.scopedLive("a wrong value is refused before anything is written", () =>
    Effect.gen(function*() {
      const { home, live } = yield* setUp({ [variable]: "wrong-token-0123456789abcdefghijklmnop" })
      const error = failureOf(yield* configureByReference().pipe(Effect.provide(live), Effect.exit))
      assert.strictEqual(error._tag, "CloudflareApiError")
      assert.isUndefined(filesUnder(home)["config.json"])
    }))

  it.scopedLive("the variable is not set: saved unverified with --account-id (a warning says so), else an error naming it", () =>
    Effect.gen(function*() {
      const { emu, home, live } = yield* setUp()
      const refused = failureOf(yield* configureByReference().pipe(Effect.provide(live), Effect.exit))
      assert.strictEqual(refused._tag, "CloudflareInputError")
      assert.include(refused.message, variable)
      assert.include(refused.message, "--account-id")
      assert.isUndefined(filesUnder(home)["config.json"])

      const account = emu.accounts[0]!
      const configured = yield* configureByReference({ "account-id": account.id }).pipe(Effect.provide(live))
      assert.strictEqual(emu.counters.api["GET /user/tokens/verify"] ?? 0, 0)
      assert.isTrue(configured.warnings.some((w) => w.includes(`not verified: $${variable} is not set now`)), configured.warnings.join("\n"))
      assert.strictEqual(configured.lines.find((l) => l.label === "apiToken")?.value, `from $${variable} (not set)`)
      const entry = readJson(configFile(home)).profiles.prod.cloudflare
      assert.deepStrictEqual(entry.variables, { "api-token": variable })
      assert.strictEqual(entry.metadata.id, account.id)
      assert.isFalse(Fs.existsSync(credentialsFile(home, "prod")))
    }))

  it.scopedLive("a bad name, the secret given too, or another method's variable: refused, nothing written", () =>
    Effect.gen(function*() {
      const { emu, home, live } = yield* setUp()
      const token = emu.addApiToken()
      const cases = [
        provider.configure({ profile, method: "api-token", values: {}, switches: {}, references: { "api-token": "1BAD" }, secrets: {} }),
        provider.configure({
          profile,
          method: "api-token",
          values: {},
          switches: {},
          references: { "api-token": variable },
          secrets: { "api-token": Redacted.make(token) }
        }),
        provider.configure({ profile, method: "api-token", values: {}, switches: {}, references: { "api-key": "CF_KEY" }, secrets: { "api-token": Redacted.make(token) } }),
        provider.configure({ profile, method: "oauth", values: {}, switches: {}, references: { "api-token": variable }, secrets: {} })
      ]
      for (const effect of cases) {
        const error = failureOf(yield* effect.pipe(Effect.provide(live), Effect.exit))
        assert.strictEqual(error._tag, "CloudflareInputError", error.message)
      }
      assert.deepStrictEqual(filesUnder(home), {})
    }))

  it.scopedLive("the method follows from the variable flag when --method is not given", () =>
    Effect.gen(function*() {
      const { emu, home, env, live } = yield* setUp()
      env[variable] = emu.addApiToken()
      yield* provider.configure({ profile, values: {}, switches: {}, references: { "api-token": variable }, secrets: {} }).pipe(Effect.provide(live))
      assert.strictEqual(readJson(configFile(home)).profiles.prod.cloudflare.method, "api-token")
    }))

  it.scopedLive("switching between a stored secret and a reference: the pair is replaced as one", () =>
    Effect.gen(function*() {
      const { emu, home, env, live } = yield* setUp()
      const stored = emu.addApiToken()
      const referenced = emu.addApiToken()
      // Another tool's key at the top of config.json and another profile survive every rewrite.
      Fs.writeFileSync(
        configFile(home),
        JSON.stringify({ version: 1, other: { keep: true }, profiles: { dev: { cloudflare: { method: "oauth" } } } })
      )
      yield* provider.configure({ profile, method: "api-token", values: {}, switches: {}, references: {}, secrets: { "api-token": Redacted.make(stored) } }).pipe(
        Effect.provide(live)
      )
      assert.strictEqual(readJson(credentialsFile(home, "prod")).apiToken, stored)

      env[variable] = referenced
      yield* configureByReference().pipe(Effect.provide(live))
      assert.isFalse(Fs.existsSync(credentialsFile(home, "prod")), "the stored secret is removed with the new entry")
      for (const text of Object.values(filesUnder(home))) assert.notInclude(text, stored)
      assert.strictEqual(tokenOf(yield* get.pipe(Effect.provide(live))), referenced)

      // And back to a stored secret: the reference goes, the file comes back.
      yield* provider.configure({ profile, method: "api-token", values: {}, switches: {}, references: {}, secrets: { "api-token": Redacted.make(stored) } }).pipe(
        Effect.provide(live)
      )
      const config = readJson(configFile(home))
      assert.notProperty(config.profiles.prod.cloudflare, "variables")
      assert.deepStrictEqual(config.other, { keep: true })
      assert.deepStrictEqual(config.profiles.dev, { cloudflare: { method: "oauth" } })
      assert.strictEqual(readJson(credentialsFile(home, "prod")).apiToken, stored)
      delete env[variable]
      assert.strictEqual(tokenOf(yield* get.pipe(Effect.provide(live))), stored)
    }))
})

describe("resolving a referenced secret", () => {
  it.scopedLive("each resolve reads the variable as it is now; unset or empty is SecretVariableNotSet naming it", () =>
    Effect.gen(function*() {
      const { emu, env, live } = yield* setUp()
      const first = emu.addApiToken()
      const second = emu.addApiToken()
      env[variable] = first
      yield* configureByReference().pipe(Effect.provide(live))

      // One service, several calls: the value is never kept from one call to the next.
      const service = yield* CloudflareCredentials.makeFromProfile("prod").pipe(Effect.provide(live))
      const resolved = yield* service.get
      assert.strictEqual(tokenOf(resolved), first)
      assert.strictEqual(resolved.headers.Authorization, `Bearer ${first}`)
      assert.strictEqual(resolved.method, "api-token")
      assert.strictEqual(resolved.accountId, emu.accounts[0]!.id)
      assert.deepStrictEqual(resolved.sources.credentials, { _tag: "Environment", variable })
      env[variable] = second
      assert.strictEqual(tokenOf(yield* service.get), second)
      const vars = yield* provider.environment(profile).pipe(Effect.provide(live))
      assert.strictEqual(Redacted.value(vars.CLOUDFLARE_API_TOKEN!), second)
      assert.strictEqual(Redacted.value(vars.CLOUDFLARE_ACCOUNT_ID!), emu.accounts[0]!.id)

      for (const value of [undefined, "", "   "]) {
        if (value === undefined) delete env[variable]
        else env[variable] = value
        const error = failureOf(yield* Effect.exit(service.get))
        assert.strictEqual(error._tag, "SecretVariableNotSet", `value ${JSON.stringify(value)}`)
        assert.strictEqual(error.variable, variable)
        assert.strictEqual(error.profile, "prod")
        assert.strictEqual(error.provider, "cloudflare")
        assert.include(error.message, "Profile prod")
        assert.include(error.message, "cloudflare API token")
        assert.include(
          error.message,
          `Set ${variable} (in CI: map the secret to this variable), or configure the profile with a stored secret: alchemy configure --profile prod --provider cloudflare`
        )
        const fromEnvironment = failureOf(yield* provider.environment(profile).pipe(Effect.provide(live), Effect.exit))
        assert.strictEqual(fromEnvironment._tag, "SecretVariableNotSet")
        // Set again: the next call works, nothing was remembered from the failure.
        env[variable] = first
        assert.strictEqual(tokenOf(yield* service.get), first)
      }
    }))

  it.scopedLive("a value read from the variable is known to the scrub: no error message can echo it", () =>
    Effect.gen(function*() {
      const { emu, env, live } = yield* setUp()
      const token = `scrubcanary-${emu.addApiToken()}`
      emu.addApiToken(token)
      env[variable] = token
      yield* configureByReference().pipe(Effect.provide(live))
      yield* get.pipe(Effect.provide(live))
      const scrubbed = scrub(`the server said: ${token} is bad`)
      assert.notInclude(scrubbed, token)
      assert.include(scrubbed, `${token.slice(0, 4)}****`)
    }))

  it.scopedLive("describe says where the secret is read from and whether it is set, never the value", () =>
    Effect.gen(function*() {
      const { emu, env, live } = yield* setUp()
      const token = emu.addApiToken()
      env[variable] = token
      yield* configureByReference().pipe(Effect.provide(live))
      const set = yield* provider.describe(profile).pipe(Effect.provide(live))
      assert.strictEqual(set.lines.find((l) => l.label === "apiToken")?.value, `from $${variable} (set)`)
      assert.deepStrictEqual(set.json.secretVariable, { name: variable, set: true })
      assert.deepStrictEqual(set.warnings, [])
      assert.strictEqual(set.lines.find((l) => l.label === "accountId")?.value, emu.accounts[0]!.id)
      assertNoSecrets([set, set.json], [token])
      assert.notInclude(JSON.stringify(set), token.slice(0, 4) + "****")

      delete env[variable]
      const unset = yield* provider.describe(profile).pipe(Effect.provide(live))
      assert.strictEqual(unset.lines.find((l) => l.label === "apiToken")?.value, `from $${variable} (not set)`)
      assert.deepStrictEqual(unset.json.secretVariable, { name: variable, set: false })
      assert.isTrue(unset.warnings.some((w) => w.includes(variable)), unset.warnings.join("\n"))
      assert.strictEqual(unset.lines.find((l) => l.label === "accountId")?.value, emu.accounts[0]!.id)
    }))

  it.scopedLive("login re-verifies the variable's value and stores nothing", () =>
    Effect.gen(function*() {
      const { emu, home, env, live } = yield* setUp()
      env[variable] = emu.addApiToken()
      yield* configureByReference().pipe(Effect.provide(live))
      const before = emu.counters.api["GET /user/tokens/verify"] ?? 0
      const config = Fs.readFileSync(configFile(home), "utf8")
      const ok = yield* provider.login({ profile, values: {}, switches: {}, references: {}, secrets: {} }).pipe(Effect.provide(live))
      assert.strictEqual(emu.counters.api["GET /user/tokens/verify"], before + 1)
      assert.strictEqual(ok.json.loggedIn, true)
      assert.strictEqual(Fs.readFileSync(configFile(home), "utf8"), config)
      assert.isFalse(Fs.existsSync(credentialsFile(home, "prod")))

      env[variable] = "wrong-token-0123456789abcdefghijklmnop"
      const refused = failureOf(yield* provider.login({ profile, values: {}, switches: {}, references: {}, secrets: {} }).pipe(Effect.provide(live), Effect.exit))
      assert.strictEqual(refused._tag, "CloudflareApiError")
      delete env[variable]
      const unset = failureOf(yield* provider.login({ profile, values: {}, switches: {}, references: {}, secrets: {} }).pipe(Effect.provide(live), Effect.exit))
      assert.strictEqual(unset._tag, "SecretVariableNotSet")
      assert.isFalse(Fs.existsSync(credentialsFile(home, "prod")))
    }))
})

describe("api-key by reference", () => {
  it.scopedLive("the key is read from its variable, the email is kept in the entry", () =>
    Effect.gen(function*() {
      const { emu, home, env, live } = yield* setUp()
      const email = "user@example.com"
      const key = emu.addGlobalKey(email)
      env.CF_KEY = key
      const configured = yield* provider.configure({
        profile,
        method: "api-key",
        values: { email },
        switches: {},
        references: { "api-key": "CF_KEY" },
        secrets: {}
      }).pipe(Effect.provide(live))
      const entry = readJson(configFile(home)).profiles.prod.cloudflare
      assert.deepStrictEqual(entry.variables, { "api-key": "CF_KEY" })
      assert.strictEqual(entry.email, email)
      assert.isFalse(Fs.existsSync(credentialsFile(home, "prod")))
      for (const text of Object.values(filesUnder(home))) assert.notInclude(text, key)
      assert.strictEqual(configured.lines.find((l) => l.label === "apiKey")?.value, "from $CF_KEY (set)")

      const vars = yield* provider.environment(profile).pipe(Effect.provide(live))
      assert.strictEqual(Redacted.value(vars.CLOUDFLARE_API_KEY!), key)
      assert.strictEqual(Redacted.value(vars.CLOUDFLARE_EMAIL!), email)

      delete env.CF_KEY
      const error = failureOf(yield* get.pipe(Effect.provide(live), Effect.exit))
      assert.strictEqual(error._tag, "SecretVariableNotSet")
      assert.strictEqual(error.what, "global API key")
      assert.include(error.message, "CF_KEY")
    }))
})
