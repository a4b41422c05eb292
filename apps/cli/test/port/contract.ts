/**
 * The contract of profile-core's provider port, as vitest tests every provider must pass through the port alone:
 * `descriptor.load()`, then `make` on core's services (a temp ALCHEMY_HOME, an Interaction with no terminal), then
 * only `ProviderPort` operations. A case brings the provider's descriptor and a `setup` that starts its local server
 * (emulator) and returns the variables pointing the provider at it, one input that works and one the server
 * refuses, the secrets to scan for, and the variables `resolve` must give.
 *
 * What is checked: the descriptor is well formed and loads; configure returns a description of this provider and
 * method and writes files 0600 / directories 0700 with the secret only in the credentials file; describe never shows
 * a secret; resolve gives the expected variables, `Redacted`; one built port serves many calls; a refused secret is
 * this provider's `ProviderError`, without the secret, and changes nothing on disk; nothing given and no terminal
 * fails (NonInteractive, or a usage error) and changes nothing; logout makes resolve fail `NeedsLogin` and keeps the
 * configuration; every failure is a `PortError`.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import type {
  ConfigureInput,
  Description,
  PortError,
  ProviderDescriptor,
  ProviderPort
} from "@alchemy/profile-core/AuthProvider"
import { portErrorTags } from "@alchemy/profile-core/AuthProvider"
import { NonInteractive } from "@alchemy/profile-core/Errors"
import { Interaction } from "@alchemy/profile-core/Interaction"
import * as ProfileCore from "@alchemy/profile-core/ProfileCore"
import { type ProfileName, unsafeMakeProfileName } from "@alchemy/profile-core/ProfileName"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { afterAll, beforeAll } from "vitest"

/**
 * What a case gives to configure: `ConfigureInput` without the profile, secrets as plain text (the suite wraps
 * them in `Redacted`, as the CLI does once it has read them).
 */
export interface InputFields {
  readonly method?: string
  readonly values?: Readonly<Record<string, string>>
  readonly switches?: Readonly<Record<string, boolean>>
  readonly secrets?: Readonly<Record<string, string>>
  readonly references?: Readonly<Record<string, string>>
}

/** What a case's `setup` returns. */
export interface Setup {
  /** Variables set in `process.env` for the case (`undefined`: removed), restored afterwards. */
  readonly env: Readonly<Record<string, string | undefined>>
  /** An input the server accepts. */
  readonly good: InputFields
  /** An input whose secret the server refuses. */
  readonly bad: InputFields
  /** Secrets that must never appear in a description, a message, or a file other than the credentials file. */
  readonly canaries: ReadonlyArray<string>
  /** The variable names `resolve` must give after configuring with `good` (exactly these). */
  readonly expectedVariables: ReadonlyArray<string>
  /** Stops the server. */
  readonly close?: () => Promise<void>
}

/** One provider under the contract. */
export interface ContractCase {
  readonly name: string
  readonly descriptor: ProviderDescriptor
  readonly setup: () => Promise<Setup>
}

const kebab = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/
/** Flags the CLI itself owns: a provider declaring one would shadow or be shadowed. */
const reservedFlags = ["profile", "provider", "method", "yes", "help", "json", "store"]

/** No terminal: every prompt fails at once with `NonInteractive` (and is recorded). */
const nonInteractive = (prompts: Array<string>): Layer.Layer<Interaction> => {
  const refuse = (what: string, flag: string) =>
    Effect.suspend(() => {
      prompts.push(what)
      return Effect.fail(new NonInteractive({ what, flag }))
    })
  return Layer.succeed(Interaction, {
    interactive: false,
    select: (o) => refuse(o.message, o.flag),
    multiSelect: (o) => refuse(o.message, o.flag),
    text: (o) => refuse(o.message, o.flag),
    secret: (o) => refuse(o.message, o.flag),
    confirm: (o) => refuse(o.message, o.flag),
    openUrl: () => Effect.die(new Error("openUrl without a terminal")),
    info: () => Effect.void,
    warn: () => Effect.void
  })
}

/** Every file and directory under `root`: relative path -> mode and content (files). */
interface Entry {
  readonly kind: "file" | "dir"
  readonly mode: number
  readonly content?: string
}
const snapshot = (root: string): Record<string, Entry> => {
  const out: Record<string, Entry> = {}
  const walk = (dir: string) => {
    for (const entry of Fs.readdirSync(dir, { withFileTypes: true })) {
      const full = Path.join(dir, entry.name)
      const mode = Fs.statSync(full).mode & 0o777
      const key = Path.relative(root, full)
      if (entry.isDirectory()) {
        out[key] = { kind: "dir", mode }
        walk(full)
      } else out[key] = { kind: "file", mode, content: Fs.readFileSync(full, "utf8") }
    }
  }
  if (Fs.existsSync(root)) walk(root)
  return out
}

const inputOf = (profile: ProfileName, fields: InputFields): ConfigureInput => ({
  profile,
  method: fields.method,
  values: fields.values ?? {},
  switches: fields.switches ?? {},
  secrets: Object.fromEntries(Object.entries(fields.secrets ?? {}).map(([k, v]) => [k, Redacted.make(v)])),
  references: fields.references ?? {}
})

/** Text of anything, for secret scanning (errors with their message and fields). */
const textOf = (u: unknown): string => {
  if (u instanceof Error) return `${u.name}: ${u.message}\n${JSON.stringify(u)}\n${String(u)}`
  try {
    return `${JSON.stringify(u)}\n${String(u)}`
  } catch {
    return String(u)
  }
}

const assertNoCanary = (what: string, value: unknown, canaries: ReadonlyArray<string>) => {
  const text = textOf(value)
  for (const canary of canaries) {
    assert.isFalse(text.includes(canary), `${what} contains a secret (starting ${canary.slice(0, 4)})`)
  }
}

/**
 * Registers the contract's tests for one provider.
 */
export const portContract = (c: ContractCase): void => {
  const { descriptor } = c
  describe(`provider port contract: ${c.name}`, () => {
    let setup: Setup
    const saved = new Map<string, string | undefined>()
    const homes: Array<string> = []
    /** Every typed failure observed by this case's tests. */
    const failures: Array<{ readonly test: string; readonly error: unknown }> = []

    beforeAll(async () => {
      setup = await c.setup()
      // Nothing from the real environment selects a profile or carries credentials for this provider.
      const cleared = [
        descriptor.profileVariable,
        "ALCHEMY_PROFILE",
        "CI",
        ...descriptor.environmentCredentials.flat(),
        ...descriptor.secretVariables
      ]
      for (const name of [...cleared, ...Object.keys(setup.env)]) {
        if (!saved.has(name)) saved.set(name, process.env[name])
        delete process.env[name]
      }
      for (const [name, value] of Object.entries(setup.env)) if (value !== undefined) process.env[name] = value
    })

    afterAll(async () => {
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name]
        else process.env[name] = value
      }
      await setup?.close?.()
      for (const home of homes) Fs.rmSync(home, { recursive: true, force: true })
    })

    const newHome = () => {
      const home = Fs.mkdtempSync(Path.join(Os.tmpdir(), `alchemy-port-${descriptor.id}-`))
      homes.push(home)
      return home
    }

    /** Loads the provider and builds its port once on `home`, then runs `f` with it. */
    const withPort = <A, E>(home: string, f: (port: ProviderPort) => Effect.Effect<A, E>) => {
      const prompts: Array<string> = []
      const core = ProfileCore.layerAt(home).pipe(Layer.provide(Layer.merge(NodeFileSystem.layer, NodePath.layer)))
      return Effect.gen(function*() {
        const module = yield* Effect.promise(() => descriptor.load())
        const port = yield* module.make
        return yield* f(port)
      }).pipe(Effect.provide(Layer.merge(core, nonInteractive(prompts))))
    }

    /** The typed failure of `exit`, recorded; a success or a defect fails the test. */
    const failureOf = (test: string, exit: Exit.Exit<unknown, PortError>): PortError => {
      if (Exit.isSuccess(exit)) throw new Error(`${test}: expected a failure, got a success`)
      const failure = Cause.failureOption(exit.cause)
      if (Option.isNone(failure)) throw new Error(`${test}: expected a typed failure, got ${Cause.pretty(exit.cause)}`)
      failures.push({ test, error: failure.value })
      assert.isTrue(
        Object.hasOwn(portErrorTags, (failure.value as { _tag?: unknown })._tag as string),
        `${test}: ${String((failure.value as { _tag?: unknown })._tag)} is not a PortError`
      )
      return failure.value
    }

    const profile = unsafeMakeProfileName("contract")

    /** A home with `profile` configured by the good input, and the description configure returned. */
    const configured = (home: string) => withPort(home, (port) => port.configure(inputOf(profile, setup.good)))

    it("the descriptor is well formed and loads a module with make", async () => {
      assert.match(descriptor.id, kebab, "provider id")
      assert.isAbove(descriptor.methods.length, 0, "at least one method")
      const optionNames = descriptor.options.map((o) => o.name)
      const secretNames = descriptor.secrets.map((s) => s.name)
      for (const [kind, names] of [["option", optionNames], ["secret", secretNames]] as const) {
        assert.strictEqual(new Set(names).size, names.length, `${kind} names are unique`)
        for (const name of names) assert.match(name, kebab, `${kind} ${name}`)
      }
      const secretFlags = descriptor.secrets.flatMap((s) => [`${s.name}-env`, `${s.name}-stdin`, `${s.name}-variable`])
      for (const name of optionNames) {
        assert.notInclude(secretFlags, name, `option ${name} collides with a secret's flag`)
        assert.notInclude(reservedFlags, name, `option ${name} is a flag of the CLI itself`)
      }
      const methodIds = descriptor.methods.map((m) => m.id)
      assert.strictEqual(new Set(methodIds).size, methodIds.length, "method ids are unique")
      for (const method of descriptor.methods) {
        assert.match(method.id, kebab, `method ${method.id}`)
        assert.isNotEmpty(method.title, `method ${method.id} has a title`)
        for (const option of method.options) assert.include(optionNames, option, `method ${method.id}'s option`)
        for (const secret of method.secrets) assert.include(secretNames, secret, `method ${method.id}'s secret`)
      }
      for (const command of descriptor.commands) assert.match(command.name, kebab, `command ${command.name}`)
      assert.match(descriptor.profileVariable, /^[A-Z][A-Z0-9_]*$/)
      for (const name of [...descriptor.environmentCredentials.flat(), ...descriptor.secretVariables]) {
        assert.match(name, /^[A-Z][A-Z0-9_]*$/, `variable ${name}`)
      }
      const module = await descriptor.load()
      assert.isTrue(Effect.isEffect(module.make), "load() resolves to a module whose make is an Effect")
      assert.strictEqual(await descriptor.load(), module, "load() is the same module every time")
    })

    it.live("configure with the good input: a description of this provider and method, safe files, no secret shown", () =>
      Effect.gen(function*() {
        const home = newHome()
        const [description, isConfigured, described] = yield* withPort(home, (port) =>
          Effect.all([port.configure(inputOf(profile, setup.good)), port.isConfigured(profile), port.describe(profile)]))
        for (const d of [description, described] as ReadonlyArray<Description>) {
          assert.strictEqual(d.provider, descriptor.id)
          if (setup.good.method !== undefined) assert.strictEqual(d.method, setup.good.method)
          assertNoCanary("the description", d, setup.canaries)
          for (const line of d.lines) assertNoCanary(`line ${line.label}`, line.value, setup.canaries)
        }
        assert.isTrue(isConfigured)
        const files = snapshot(home)
        const credentialsFile = Path.join("credentials", profile, `${descriptor.id}.json`)
        assert.property(files, credentialsFile, "the credentials file is written")
        assert.property(files, "config.json")
        for (const [path, entry] of Object.entries(files)) {
          assert.strictEqual(entry.mode, entry.kind === "dir" ? 0o700 : 0o600, `mode of ${path}`)
          if (path !== credentialsFile) assertNoCanary(path, entry.content ?? "", setup.canaries)
        }
        const config = JSON.parse(files["config.json"]!.content!)
        assert.property(config.profiles[profile], descriptor.id, "config.json lists the provider in the profile")
      }))

    it.live("resolve gives the expected variables, Redacted; one built port serves every call", () =>
      Effect.gen(function*() {
        const home = newHome()
        yield* configured(home)
        const [first, second] = yield* withPort(home, (port) => Effect.all([port.resolve(profile), port.resolve(profile)]))
        assert.deepStrictEqual(Object.keys(first).sort(), [...setup.expectedVariables].sort())
        for (const [name, value] of Object.entries(first)) assert.isTrue(Redacted.isRedacted(value), `${name} is Redacted`)
        assert.deepStrictEqual(
          Object.fromEntries(Object.entries(second).map(([k, v]) => [k, Redacted.value(v)])),
          Object.fromEntries(Object.entries(first).map(([k, v]) => [k, Redacted.value(v)])),
          "the same port resolves the same credentials twice"
        )
        assertNoCanary("the variables as printed", first, setup.canaries)
      }))

    it.live("configure with a refused secret: this provider's ProviderError, no secret in it, nothing changed", () =>
      Effect.gen(function*() {
        const home = newHome()
        yield* configured(home)
        const before = snapshot(home)
        const exit = yield* Effect.exit(withPort(home, (port) => port.configure(inputOf(profile, setup.bad))))
        const error = failureOf("refused secret", exit)
        assert.strictEqual(error._tag, "ProviderError")
        assert.strictEqual(error._tag === "ProviderError" ? error.provider : undefined, descriptor.id)
        assert.isNotEmpty(error.message)
        assertNoCanary("the error", error, setup.canaries)
        assert.deepStrictEqual(snapshot(home), before, "the home is unchanged")
      }))

    it.live("nothing given and no terminal: NonInteractive (or a usage error), nothing changed", () =>
      Effect.gen(function*() {
        const home = newHome()
        const exit = yield* Effect.exit(withPort(home, (port) => port.configure(inputOf(profile, {}))))
        const error = failureOf("nothing given", exit)
        assert.isTrue(
          error._tag === "NonInteractive" || (error._tag === "ProviderError" && error.usage),
          `expected NonInteractive or a usage ProviderError, got ${error._tag}`
        )
        assert.isNotEmpty(error.message)
        assert.deepStrictEqual(
          Object.values(snapshot(home)).filter((e) => e.kind === "file").length,
          0,
          "no file written"
        )
      }))

    it.live("a method the provider does not have: this provider's ProviderError, nothing written", () =>
      Effect.gen(function*() {
        const home = newHome()
        const exit = yield* Effect.exit(withPort(home, (port) =>
          port.configure(inputOf(profile, { ...setup.good, method: "no-such-method" }))))
        const error = failureOf("unknown method", exit)
        assert.strictEqual(error._tag, "ProviderError")
        assert.strictEqual(error._tag === "ProviderError" ? error.provider : undefined, descriptor.id)
        assert.include(error.message, "no-such-method")
        assert.strictEqual(Object.values(snapshot(home)).filter((e) => e.kind === "file").length, 0, "no file written")
      }))

    it.live("login with stored credentials: no prompt, a description of the configured method", () =>
      Effect.gen(function*() {
        const home = newHome()
        yield* configured(home)
        const description = yield* withPort(home, (port) => port.login(inputOf(profile, {})))
        assert.strictEqual(description.provider, descriptor.id)
        if (setup.good.method !== undefined) assert.strictEqual(description.method, setup.good.method)
        assertNoCanary("the description", description, setup.canaries)
      }))

    it.live("logout: resolve then fails NeedsLogin, the configuration stays", () =>
      Effect.gen(function*() {
        const home = newHome()
        yield* configured(home)
        const [resolved, isConfigured, described] = yield* withPort(home, (port) =>
          Effect.gen(function*() {
            yield* port.logout(profile)
            return [
              yield* Effect.exit(port.resolve(profile)),
              yield* port.isConfigured(profile),
              yield* Effect.exit(port.describe(profile))
            ] as const
          }))
        const error = failureOf("resolve after logout", resolved)
        assert.strictEqual(error._tag, "NeedsLogin")
        assertNoCanary("the error", error, setup.canaries)
        assert.isTrue(isConfigured, "still configured")
        assert.notProperty(snapshot(home), Path.join("credentials", profile, `${descriptor.id}.json`))
        // `profile show` of a logged-out profile: a description (saying so), or NeedsLogin.
        if (Exit.isFailure(described)) assert.strictEqual(failureOf("describe after logout", described)._tag, "NeedsLogin")
        else assertNoCanary("the description", described.value, setup.canaries)
      }))

    it("every failure observed is a PortError", () => {
      assert.isAbove(failures.length, 0, "failures were observed")
      for (const { error, test } of failures) {
        assert.property(portErrorTags, (error as { _tag: string })._tag, `${test}`)
      }
    })
  })
}
