/**
 * DESIGN.md §4, every row: which profile, environment credentials, and which account, with the warnings.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as CloudflareEmulator from "@alchemy/testing/CloudflareEmulator"
import { unsafeMakeProfileName } from "@alchemy/profile-core/ProfileName"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { Environment } from "../src/CloudflareEndpoints.js"
import * as CloudflareCredentials from "../src/CloudflareCredentials.js"
import * as CloudflareProvider from "../src/CloudflareProvider.js"
import * as Live from "../src/internal/live.js"
import { assertNoSecrets, configFile, emulator, envFor, failureOf, layer, tempHome } from "./support.js"

const names = ["default", "res", "app", "flag", "cfvar", "alcvar"] as const

/** Every profile an api-token profile with its own token and a stored account (except `default`: none stored). */
const seed = (home: string, emu: CloudflareEmulator.CloudflareEmulator, stored: Record<string, string | undefined>) => {
  const tokens: Record<string, string> = {}
  const profiles: Record<string, unknown> = {}
  for (const name of names) {
    tokens[name] = emu.addApiToken()
    const id = stored[name]
    profiles[name] = { cloudflare: { method: "api-token", ...(id === undefined ? {} : { metadata: { id, name: `Stored ${name}` } }) } }
    Fs.mkdirSync(Path.join(home, "credentials", name), { recursive: true, mode: 0o700 })
    Fs.writeFileSync(
      Path.join(home, "credentials", name, "cloudflare.json"),
      JSON.stringify({ type: "api-token", apiToken: tokens[name] }),
      { mode: 0o600 }
    )
  }
  Fs.writeFileSync(configFile(home), JSON.stringify({ version: 1, profiles }), { mode: 0o600 })
  return tokens
}


describe("which profile (DESIGN §4)", () => {
  const rows: ReadonlyArray<{
    readonly name: string
    readonly options: CloudflareCredentials.Options
    readonly env: Record<string, string>
    readonly profile: string
    readonly source: string
    /** Variables that named another profile and lost: each is named in a warning. */
    readonly shadowed: ReadonlyArray<string>
  }> = [
    { name: "resource option wins over everything", options: { resource: "res", app: "app", flag: "flag" }, env: { CLOUDFLARE_PROFILE: "cfvar", ALCHEMY_PROFILE: "alcvar" }, profile: "res", source: "resource", shadowed: ["CLOUDFLARE_PROFILE=cfvar", "ALCHEMY_PROFILE=alcvar"] },
    { name: "app option over flag and variables", options: { app: "app", flag: "flag" }, env: { CLOUDFLARE_PROFILE: "cfvar", ALCHEMY_PROFILE: "alcvar" }, profile: "app", source: "app", shadowed: ["CLOUDFLARE_PROFILE=cfvar", "ALCHEMY_PROFILE=alcvar"] },
    { name: "--profile flag over variables", options: { flag: "flag" }, env: { CLOUDFLARE_PROFILE: "cfvar", ALCHEMY_PROFILE: "alcvar" }, profile: "flag", source: "flag", shadowed: ["CLOUDFLARE_PROFILE=cfvar", "ALCHEMY_PROFILE=alcvar"] },
    { name: "CLOUDFLARE_PROFILE over ALCHEMY_PROFILE", options: {}, env: { CLOUDFLARE_PROFILE: "cfvar", ALCHEMY_PROFILE: "alcvar" }, profile: "cfvar", source: "provider-variable", shadowed: ["ALCHEMY_PROFILE=alcvar"] },
    { name: "ALCHEMY_PROFILE", options: {}, env: { ALCHEMY_PROFILE: "alcvar" }, profile: "alcvar", source: "alchemy-variable", shadowed: [] },
    { name: "default", options: {}, env: {}, profile: "default", source: "default", shadowed: [] }
  ]
  for (const row of rows) {
    it.scopedLive(row.name, () =>
      Effect.gen(function*() {
        const emu = yield* emulator()
        const home = yield* tempHome
        const tokens = seed(home, emu, {})
        const { layer: live, recording } = layer(home, envFor(emu, home, row.env))
        const resolved = yield* Effect.flatMap(
          Effect.provide(CloudflareCredentials.CloudflareCredentials, CloudflareCredentials.layer(row.options)),
          (s) => s.get
        ).pipe(Effect.provide(live))
        assert.strictEqual(resolved.sources.profile?.profile, row.profile)
        assert.strictEqual(resolved.sources.profile?.source, row.source)
        assert.strictEqual(resolved.headers.Authorization, `Bearer ${tokens[row.profile]}`)
        assert.strictEqual(recording.warn.length, row.shadowed.length)
        row.shadowed.forEach((variable, i) => assert.include(recording.warn[i], variable))
        assert.deepStrictEqual(resolved.warnings, recording.warn)
      }))
  }

  it.scopedLive("environment credentials are used when no profile is named", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const home = yield* tempHome
      seed(home, emu, {})
      const envToken = emu.addApiToken()
      const { layer: live, recording } = layer(home, envFor(emu, home, { CLOUDFLARE_API_TOKEN: envToken }))
      const resolved = yield* Effect.flatMap(CloudflareCredentials.make(), (s) => s.get).pipe(Effect.provide(live))
      assert.strictEqual(resolved.sources.profile, undefined)
      assert.deepStrictEqual(resolved.sources.credentials, { _tag: "Environment", variable: "CLOUDFLARE_API_TOKEN" })
      assert.strictEqual(resolved.headers.Authorization, `Bearer ${envToken}`)
      assert.deepStrictEqual(recording.warn, [])
    }))

  it.scopedLive("a global key + email from the environment", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const home = yield* tempHome
      const key = emu.addGlobalKey("ops@example.com")
      const { layer: live } = layer(home, envFor(emu, home, { CLOUDFLARE_API_KEY: key, CLOUDFLARE_EMAIL: "ops@example.com" }))
      const resolved = yield* Effect.flatMap(CloudflareCredentials.fromEnv.pipe(
        (l) => Effect.provide(CloudflareCredentials.CloudflareCredentials, l)
      ), (s) => s.get).pipe(Effect.provide(live))
      assert.deepStrictEqual(resolved.headers, { "X-Auth-Key": key, "X-Auth-Email": "ops@example.com" })
      assert.strictEqual(resolved.accountId, emu.accounts[0]!.id)
    }))

  for (const named of [
    { how: "--profile", options: { flag: "flag" }, env: {}, profile: "flag" },
    { how: "CLOUDFLARE_PROFILE", options: {}, env: { CLOUDFLARE_PROFILE: "cfvar" }, profile: "cfvar" },
    { how: "ALCHEMY_PROFILE", options: {}, env: { ALCHEMY_PROFILE: "alcvar" }, profile: "alcvar" }
  ]) {
    it.scopedLive(`a profile named by ${named.how} wins over CLOUDFLARE_API_TOKEN, with a warning naming it`, () =>
      Effect.gen(function*() {
        const emu = yield* emulator()
        const home = yield* tempHome
        const tokens = seed(home, emu, {})
        const envToken = emu.addApiToken()
        const { layer: live, recording } = layer(
          home,
          envFor(emu, home, { ...named.env, CLOUDFLARE_API_TOKEN: envToken })
        )
        const resolved = yield* Effect.flatMap(
          Effect.provide(CloudflareCredentials.CloudflareCredentials, CloudflareCredentials.layer(named.options)),
          (s) => s.get
        ).pipe(Effect.provide(live))
        assert.strictEqual(resolved.headers.Authorization, `Bearer ${tokens[named.profile]}`)
        assert.strictEqual(recording.warn.length, 1)
        assert.include(recording.warn[0], "CLOUDFLARE_API_TOKEN")
        assert.deepStrictEqual(resolved.warnings, recording.warn)
        assertNoSecrets([recording.warn, resolved.sources], [envToken, tokens[named.profile]!])
      }))
  }
})

describe("which account (DESIGN §4)", () => {
  const accounts = CloudflareEmulator.makeAccounts(3, "Team")
  const [a, b, c] = accounts.map((x) => x.id) as [string, string, string]

  it.scopedLive("accountId option > CLOUDFLARE_ACCOUNT_ID > stored > only account > error", () =>
    Effect.gen(function*() {
      const emu = yield* emulator({ accounts })
      const home = yield* tempHome
      seed(home, emu, { flag: a })
      const resolve = (options: CloudflareCredentials.Options, env: Record<string, string>) => {
        const { layer: live, recording } = layer(home, envFor(emu, home, env))
        return Effect.flatMap(CloudflareCredentials.make(options), (s) => s.get).pipe(
          Effect.provide(live),
          Effect.map((r) => ({ r, warn: recording.warn }))
        )
      }
      // option beats env and stored; the stored/env mismatch still warns
      const byOption = yield* resolve({ flag: "flag", accountId: c }, { CLOUDFLARE_ACCOUNT_ID: b })
      assert.strictEqual(byOption.r.accountId, c)
      assert.deepStrictEqual(byOption.r.sources.accountId, { _tag: "Option", name: "accountId option" })
      assert.strictEqual(byOption.r.warnings.length, 1)

      // env beats stored, with a warning naming both
      const byEnv = yield* resolve({ flag: "flag" }, { CLOUDFLARE_ACCOUNT_ID: b })
      assert.strictEqual(byEnv.r.accountId, b)
      assert.deepStrictEqual(byEnv.r.sources.accountId, { _tag: "Environment", variable: "CLOUDFLARE_ACCOUNT_ID" })
      assert.strictEqual(byEnv.r.warnings.length, 1)
      assert.include(byEnv.r.warnings[0], b)
      assert.include(byEnv.r.warnings[0], a)

      // env equal to stored: no warning
      const same = yield* resolve({ flag: "flag" }, { CLOUDFLARE_ACCOUNT_ID: a })
      assert.deepStrictEqual(same.r.warnings, [])

      // stored
      const stored = yield* resolve({ flag: "flag" }, {})
      assert.strictEqual(stored.r.accountId, a)
      assert.strictEqual(stored.r.sources.accountId._tag, "Profile")

      // nothing stored, several accounts, no terminal: the error lists every `name: id`
      const error = failureOf(yield* Effect.exit(resolve({ flag: "res" }, {})))
      assert.strictEqual(error._tag, "NonInteractive")
      for (const x of accounts) assert.include(error.message, `${x.name}: ${x.id}`)

      // an invalid CLOUDFLARE_ACCOUNT_ID
      const invalid = failureOf(yield* Effect.exit(resolve({ flag: "flag" }, { CLOUDFLARE_ACCOUNT_ID: "nope" })))
      assert.strictEqual(invalid.reason, "InvalidAccountId")

      // an API token put in CLOUDFLARE_ACCOUNT_ID by mistake is named, never printed
      const misplaced = emu.addApiToken()
      const leaked = failureOf(yield* Effect.exit(resolve({ flag: "flag" }, { CLOUDFLARE_ACCOUNT_ID: misplaced })))
      assert.strictEqual(leaked.reason, "InvalidAccountId")
      assert.include(leaked.message, "CLOUDFLARE_ACCOUNT_ID")
      assert.include(leaked.message, `${misplaced.slice(0, 4)}****`)
      assertNoSecrets([leaked, leaked.message], [misplaced])
    }))

  it.scopedLive("a stored account overridden by CLOUDFLARE_ACCOUNT_ID is never silent: the layer and the port's environment warn once, on stderr without an Interaction", () =>
    Effect.gen(function*() {
      const emu = yield* emulator({ accounts })
      const home = yield* tempHome
      seed(home, emu, { flag: a })
      const env = envFor(emu, home, { CLOUDFLARE_ACCOUNT_ID: b })
      const expected = `CLOUDFLARE_ACCOUNT_ID=${b} differs from the account stored in profile flag (Stored flag: ${a}); using CLOUDFLARE_ACCOUNT_ID`

      // With an Interaction (the CLI's): one warning however often credentials are asked for.
      const { layer: live, recording } = layer(home, env)
      const calls = Effect.flatMap(CloudflareCredentials.CloudflareCredentials, (s) => Effect.replicateEffect(s.get, 3))
      const got = yield* calls.pipe(Effect.provide(CloudflareCredentials.layer({ flag: "flag" })), Effect.provide(live))
      assert.deepStrictEqual(got.map((r) => r.accountId), [b, b, b])
      assert.deepStrictEqual(recording.warn, [expected])

      // The port's environment (what env, exec and stacks hand out) says it too.
      const { layer: live2, recording: recording2 } = layer(home, env)
      const vars = yield* CloudflareProvider.provider.environment(unsafeMakeProfileName("flag")).pipe(Effect.provide(live2))
      assert.strictEqual(Redacted.value(vars.CLOUDFLARE_ACCOUNT_ID!), b)
      assert.deepStrictEqual(recording2.warn, [expected])

      // Without an Interaction (a program using the layer on its own): on stderr, nothing on stdout.
      const bare = Live.layerAt(home, { retryBase: Duration.millis(5) }).pipe(Layer.provideMerge(Layer.succeed(Environment, env)))
      const printed = { log: [] as Array<string>, error: [] as Array<string> }
      const console: Console.Console = {
        ...(yield* Effect.console),
        log: (...args) => Effect.sync(() => void printed.log.push(args.join(" "))),
        error: (...args) => Effect.sync(() => void printed.error.push(args.join(" ")))
      } as Console.Console
      yield* calls.pipe(Effect.provide(CloudflareCredentials.layer({ flag: "flag" })), Effect.provide(bare), Effect.withConsole(console))
      assert.deepStrictEqual(printed, { log: [], error: [`warning: ${expected}`] })

      // The accountId option wins and the warning says so.
      const { layer: live3, recording: recording3 } = layer(home, env)
      yield* calls.pipe(Effect.provide(CloudflareCredentials.layer({ flag: "flag", accountId: c })), Effect.provide(live3))
      assert.deepStrictEqual(recording3.warn, [expected.replace("using CLOUDFLARE_ACCOUNT_ID", `using the accountId option (${c})`)])
    }))

  it.scopedLive("environment credentials: CLOUDFLARE_ACCOUNT_ID names the account; without it several accounts are an error", () =>
    Effect.gen(function*() {
      const emu = yield* emulator({ accounts })
      const home = yield* tempHome
      const envToken = emu.addApiToken()
      const resolve = (env: Record<string, string>) => {
        const { layer: live } = layer(home, envFor(emu, home, { CLOUDFLARE_API_TOKEN: envToken, ...env }))
        return Effect.flatMap(CloudflareCredentials.make(), (s) => s.get).pipe(Effect.provide(live))
      }
      emu.resetCounters()
      const byEnv = yield* resolve({ CLOUDFLARE_ACCOUNT_ID: b })
      assert.strictEqual(byEnv.accountId, b)
      assert.deepStrictEqual(byEnv.sources.accountId, { _tag: "Environment", variable: "CLOUDFLARE_ACCOUNT_ID" })
      assert.deepStrictEqual(byEnv.sources.credentials, { _tag: "Environment", variable: "CLOUDFLARE_API_TOKEN" })
      assert.deepStrictEqual(byEnv.warnings, [])
      // The named account is trusted as given: no listing on the way.
      assert.deepStrictEqual(emu.counters.api, {})

      const error = failureOf(yield* Effect.exit(resolve({})))
      assert.strictEqual(error._tag, "NonInteractive")
      for (const x of accounts) assert.include(error.message, `${x.name}: ${x.id}`)
      assertNoSecrets([error, error.message], [envToken])
    }))

  it.scopedLive("nothing stored and one account: the only account", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const home = yield* tempHome
      seed(home, emu, {})
      const { layer: live } = layer(home, envFor(emu, home))
      const resolved = yield* Effect.flatMap(CloudflareCredentials.make(), (s) => s.get).pipe(Effect.provide(live))
      assert.strictEqual(resolved.accountId, emu.accounts[0]!.id)
      assert.deepStrictEqual(resolved.sources.accountId, { _tag: "Api", detail: "the only account" })
    }))
})
