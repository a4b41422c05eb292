/**
 * Example Cloud's port against a real ExampleServer on 127.0.0.1 and a temp ALCHEMY_HOME: configure, describe,
 * resolve, login, logout, the consumer layers and the account pin.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as AuthProvider from "@alchemy/profile-core/AuthProvider"
import type { PortError, ProviderPort } from "@alchemy/profile-core/AuthProvider"
import { Environment } from "@alchemy/profile-core/Environment"
import { NonInteractive } from "@alchemy/profile-core/Errors"
import { Interaction } from "@alchemy/profile-core/Interaction"
import * as ProfileCore from "@alchemy/profile-core/ProfileCore"
import { unsafeMakeProfileName } from "@alchemy/profile-core/ProfileName"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { afterAll, afterEach, beforeAll } from "vitest"
import { ExampleCredentials } from "../src/ExampleCredentials.js"
import { descriptor } from "../src/ExampleDescriptor.js"
import * as ExampleServer from "../src/ExampleServer.js"

let server: ExampleServer.ExampleServer
const homes: Array<string> = []

beforeAll(async () => {
  server = await ExampleServer.start()
  process.env.EXAMPLE_API_URL = server.url
})
afterAll(async () => {
  delete process.env.EXAMPLE_API_URL
  await server.close()
  for (const home of homes) Fs.rmSync(home, { recursive: true, force: true })
})
afterEach(() => {
  for (const name of ["EXAMPLE_API_KEY", "EXAMPLE_ACCOUNT_ID", "EXAMPLE_PROFILE", "ALCHEMY_PROFILE"]) delete process.env[name]
})

const prompts: Array<string> = []

/** No terminal, unless `secret` answers the secret prompt. */
const interaction = (secret?: string): Layer.Layer<Interaction> => {
  const refuse = (what: string, flag: string) => {
    prompts.push(flag)
    return Effect.fail(new NonInteractive({ what, flag }))
  }
  return Layer.succeed(Interaction, {
    interactive: secret !== undefined,
    select: (o) => refuse(o.message, o.flag),
    multiSelect: (o) => refuse(o.message, o.flag),
    text: (o) => refuse(o.message, o.flag),
    secret: (o) => (secret === undefined ? refuse(o.message, o.flag) : Effect.succeed(Redacted.make(secret))),
    confirm: (o) => refuse(o.message, o.flag),
    openUrl: () => Effect.void,
    info: () => Effect.void,
    warn: () => Effect.void
  })
}

const newHome = () => {
  const home = Fs.mkdtempSync(Path.join(Os.tmpdir(), "alchemy-example-test-"))
  homes.push(home)
  return home
}

/** The port built once on `home`, with `f` run against it. */
const withPort = <A, E>(home: string, f: (port: ProviderPort) => Effect.Effect<A, E>, secret?: string) =>
  Effect.gen(function*() {
    const module = yield* Effect.promise(() => descriptor.load())
    return yield* f(yield* module.make)
  }).pipe(
    Effect.provide(Layer.merge(
      ProfileCore.layerAt(home).pipe(Layer.provide(Layer.merge(NodeFileSystem.layer, NodePath.layer))),
      interaction(secret)
    ))
  )

const failureOf = <A>(exit: Exit.Exit<A, PortError>): PortError => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const failure = Cause.failureOption(exit.cause)
  if (Option.isNone(failure)) throw new Error(`expected a typed failure, got ${Cause.pretty(exit.cause)}`)
  return failure.value
}

const prod = unsafeMakeProfileName("prod")
const input = (secrets: Record<string, string> = {}, values: Record<string, string> = {}) =>
  AuthProvider.input(prod, {
    method: "api-key",
    values,
    secrets: Object.fromEntries(Object.entries(secrets).map(([k, v]) => [k, Redacted.make(v)]))
  })

const readJson = (file: string) => JSON.parse(Fs.readFileSync(file, "utf8"))

describe("Example Cloud port", () => {
  it.live("configure verifies the key, then writes the entry and the key; describe and resolve read them", () =>
    Effect.gen(function*() {
      const home = newHome()
      const key = server.addKey("acc-prod")
      const [configured, described, variables, configured2] = yield* withPort(home, (port) =>
        Effect.all([
          port.configure(input({ "api-key": key })),
          port.describe(prod),
          port.resolve(prod),
          port.isConfigured(prod)
        ]))
      assert.strictEqual(configured.provider, "example")
      assert.strictEqual(configured.method, "api-key")
      assert.isTrue(configured2)
      assert.deepStrictEqual(readJson(Path.join(home, "config.json")).profiles.prod.example, {
        method: "api-key",
        metadata: { id: "acc-prod", name: "Example Account acc-prod" }
      })
      const file = Path.join(home, "credentials", "prod", "example.json")
      assert.strictEqual(readJson(file).apiKey, key)
      assert.strictEqual(Fs.statSync(file).mode & 0o777, 0o600)
      assert.deepStrictEqual(described.lines.map((l) => [l.label, l.value, l.secret ?? false]), [
        ["apiKey", "exk_****", true],
        ["accountId", "acc-prod", false],
        ["account", "Example Account acc-prod", false],
        ["endpoint", server.url, false]
      ])
      assert.notInclude(JSON.stringify(described), key)
      assert.deepStrictEqual(described.json, {
        profile: "prod",
        method: "api-key",
        loggedIn: true,
        accountId: "acc-prod",
        accountName: "Example Account acc-prod",
        endpoint: server.url
      })
      assert.deepStrictEqual(Object.keys(variables).sort(), ["EXAMPLE_ACCOUNT_ID", "EXAMPLE_API_KEY", "EXAMPLE_API_URL"])
      assert.isTrue(Object.values(variables).every(Redacted.isRedacted))
      assert.strictEqual(Redacted.value(variables.EXAMPLE_API_KEY!), key)
      assert.strictEqual(Redacted.value(variables.EXAMPLE_ACCOUNT_ID!), "acc-prod")
      assert.strictEqual(Redacted.value(variables.EXAMPLE_API_URL!), server.url)
    }))

  it.live("a refused key is a ProviderError with the next step; nothing is written", () =>
    Effect.gen(function*() {
      const home = newHome()
      const exit = yield* Effect.exit(withPort(home, (port) => port.configure(input({ "api-key": "exk_not-issued-0123456789" }))))
      const error = failureOf(exit)
      assert.strictEqual(error._tag, "ProviderError")
      assert.include(error.message, "the Example Cloud API refused the key")
      assert.include(error.message, "alchemy configure --profile prod --provider example")
      assert.notInclude(error.message, "exk_not-issued")
      assert.deepStrictEqual(Fs.readdirSync(home), [])
    }))

  it.live("--account-id must be the key's account", () =>
    Effect.gen(function*() {
      const home = newHome()
      const key = server.addKey("acc-a")
      const error = failureOf(yield* Effect.exit(withPort(home, (port) =>
        port.configure(input({ "api-key": key }, { "account-id": "acc-b" })))))
      assert.strictEqual(error._tag, "ProviderError")
      assert.include(error.message, "belongs to Example Cloud account acc-a, not acc-b")
      const ok = yield* withPort(home, (port) => port.configure(input({ "api-key": key }, { "account-id": "acc-a" })))
      assert.strictEqual(ok.json.accountId, "acc-a")
    }))

  it.live("an unknown method is a usage error", () =>
    Effect.gen(function*() {
      const error = failureOf(yield* Effect.exit(withPort(newHome(), (port) => port.configure({ ...input(), method: "oauth" }))))
      assert.strictEqual(error._tag, "ProviderError")
      assert.isTrue(error._tag === "ProviderError" && error.usage)
    }))

  it.live("without the key and without a terminal: NonInteractive naming the flags; with one: the masked prompt", () =>
    Effect.gen(function*() {
      const home = newHome()
      const error = failureOf(yield* Effect.exit(withPort(home, (port) => port.configure(input()))))
      assert.strictEqual(error._tag, "NonInteractive")
      assert.strictEqual(error._tag === "NonInteractive" ? error.flag : "", "--api-key-stdin or --api-key-env <VARIABLE>")
      const key = server.addKey()
      const configured = yield* withPort(home, (port) => port.configure(input()), key)
      assert.strictEqual(configured.json.loggedIn, true)
    }))

  it.live("logout deletes the key and keeps the configuration; login checks a stored key, asks for a new one", () =>
    Effect.gen(function*() {
      const home = newHome()
      const key = server.addKey()
      yield* withPort(home, (port) => port.configure(input({ "api-key": key })))
      const before = server.counters.whoami
      yield* withPort(home, (port) => port.login(input()))
      assert.strictEqual(server.counters.whoami, before + 1)

      yield* withPort(home, (port) => port.logout(prod))
      assert.isFalse(Fs.existsSync(Path.join(home, "credentials", "prod", "example.json")))
      const [configured, resolved, described, login] = yield* withPort(home, (port) =>
        Effect.all([
          port.isConfigured(prod),
          Effect.exit(port.resolve(prod)),
          port.describe(prod),
          Effect.exit(port.login(input()))
        ]))
      assert.isTrue(configured)
      assert.strictEqual(failureOf(resolved)._tag, "NeedsLogin")
      assert.strictEqual(described.json.loggedIn, false)
      assert.strictEqual(described.warnings.length, 1)
      assert.strictEqual(failureOf(login)._tag, "NonInteractive")

      // A key revoked at the server: login without a terminal says so.
      yield* withPort(home, (port) => port.configure(input({ "api-key": key })))
      server.revokeKey(key)
      const refused = failureOf(yield* Effect.exit(withPort(home, (port) => port.login(input()))))
      assert.include(refused.message, "refused the key")
    }))

  it.live("consumer layers: a profile by flag, EXAMPLE_API_KEY when none is named; requireAccount", () =>
    Effect.gen(function*() {
      const home = newHome()
      const key = server.addKey("acc-layer")
      yield* withPort(home, (port) => port.configure(input({ "api-key": key })))
      // A consumer layer is typed `Layer<never>` (layers of any provider combine): the service is looked up.
      const get = (layer: Layer.Layer<never, PortError>) =>
        Effect.serviceOption(ExampleCredentials).pipe(
          Effect.flatMap((service) => Option.getOrThrow(service).get),
          Effect.provide(layer)
        )
      const viaFlag = yield* withPort(home, (port) => get(port.credentials({ flag: "prod" })))
      assert.strictEqual(viaFlag.accountId, "acc-layer")

      const other = server.addKey("acc-env")
      process.env.EXAMPLE_API_KEY = other
      const viaEnv = yield* withPort(home, (port) => get(port.credentials({})))
      assert.strictEqual(viaEnv.accountId, "acc-env")
      assert.strictEqual(Redacted.value(viaEnv.apiKey), other)
      process.env.EXAMPLE_PROFILE = "prod"
      const viaVariable = yield* withPort(home, (port) => get(port.credentials({})))
      assert.strictEqual(viaVariable.accountId, "acc-layer")

      const mismatch = yield* withPort(home, (port) =>
        Effect.exit(port.requireAccount("acc-other", "stage prod of app", port.credentials({ flag: "prod" }))))
      const error = failureOf(mismatch)
      assert.strictEqual(error._tag, "AccountMismatch")
      assert.include(error.message, "profile prod reach account acc-layer")
      yield* withPort(home, (port) => port.requireAccount("acc-env", "stage dev", port.fromEnvironment))
    }))

  it.live("the environment is profile-core's Environment: a provided one is read, not process.env", () =>
    Effect.gen(function*() {
      const home = newHome()
      const key = server.addKey("acc-provided")
      // process.env names a key the server does not know and a profile: neither is read.
      process.env.EXAMPLE_API_KEY = "exk_not_a_key_of_the_server"
      process.env.EXAMPLE_PROFILE = "prod"
      const get = (layer: Layer.Layer<never, PortError>) =>
        Effect.serviceOption(ExampleCredentials).pipe(
          Effect.flatMap((service) => Option.getOrThrow(service).get),
          Effect.provide(layer)
        )
      const env = { EXAMPLE_API_KEY: key, EXAMPLE_API_URL: `${server.url}/` }
      const [chosen, raw] = yield* withPort(home, (port) =>
        Effect.all([get(port.credentials({})), get(port.fromEnvironment)])).pipe(
          Effect.provideService(Environment, env)
        )
      for (const resolved of [chosen, raw]) {
        assert.strictEqual(resolved.accountId, "acc-provided")
        assert.strictEqual(Redacted.value(resolved.apiKey), key)
        assert.strictEqual(resolved.endpoint, server.url)
      }
    }))
})
