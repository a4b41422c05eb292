/**
 * From parsed flags to the port's `ConfigureInput`, keyed by the names each provider declared (commands/Flags.ts
 * derives the flags from the same descriptors). Secrets are read from standard input or from the environment
 * variable a flag names (never from argv) and are `Redacted` from the moment they are read. A
 * `--<secret>-variable VAR` flag reads nothing: the variable's name goes to the provider as a reference, to be
 * stored in place of the secret.
 */
import { type ConfigureInput, flagsOf, type InputSecret } from "@alchemy/profile-core/AuthProvider"
import type { ProfileName } from "@alchemy/profile-core/ProfileName"
import * as SecretVariable from "@alchemy/profile-core/SecretVariable"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { MethodFlags } from "../commands/Flags.js"
import { UsageError } from "./Failure.js"
import * as Providers from "./Providers.js"
import * as Session from "./Session.js"

export type { MethodFlags }

/** A text flag's value, if given. */
export const textOf = (flags: MethodFlags, name: string): string | undefined => {
  const v = flags[name]
  return v !== undefined && typeof v !== "boolean" && Option.isSome(v) ? v.value : undefined
}

/** Was a flag given (a switch on, or a text flag with a value)? */
export const isGiven = (flags: MethodFlags, name: string): boolean => flags[name] === true || textOf(flags, name) !== undefined

/** Every secret any provider declares, by name (two providers may declare the same one: the first spelling wins). */
const secrets: ReadonlyArray<InputSecret> = [
  ...new Map(Providers.entries.flatMap((e) => e.secrets.map((s) => [s.name, s] as const))).values()
]

/**
 * `--<secret>-variable VAR`: a variable name, and the only source of that secret (not with its `-env` or `-stdin`).
 * The variable itself is not read here: it may be unset on the machine that configures the profile.
 */
const checkVariableFlags = (flags: MethodFlags): Effect.Effect<void, UsageError> =>
  Effect.forEach(secrets, (s) => {
    const name = s.reference ? textOf(flags, `${s.name}-variable`) : undefined
    if (name === undefined) return Effect.void
    if (!SecretVariable.isName(name)) {
      return Effect.fail(
        new UsageError({
          message: `--${s.name}-variable needs an environment variable name (a letter or _, then letters, digits or _), got ${
            JSON.stringify(name.slice(0, 40))
          }`
        })
      )
    }
    const other = isGiven(flags, `${s.name}-env`)
      ? `--${s.name}-env`
      : s.stdin && flags[`${s.name}-stdin`] === true
      ? `--${s.name}-stdin`
      : undefined
    if (other !== undefined) {
      return Effect.fail(
        new UsageError({
          message: `--${s.name}-variable and ${other} cannot be used together: keep the secret by reference (the variable's name) or store it, not both`
        })
      )
    }
    return Effect.void
  }, { discard: true })

/** Read all of standard input (a piped secret), without the trailing newline. */
export const readStdin: Effect.Effect<Redacted.Redacted<string>, UsageError> = Effect.async((resume) => {
  if (process.stdin.isTTY) {
    resume(Effect.fail(new UsageError({ message: "--*-stdin expects the secret piped on standard input, not a terminal" })))
    return
  }
  const chunks: Array<Buffer> = []
  process.stdin.on("data", (chunk: Buffer) => chunks.push(chunk))
  process.stdin.once("end", () => {
    const text = Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "")
    chunks.length = 0
    resume(Effect.succeed(Redacted.make(text)))
  })
  process.stdin.once("error", () => resume(Effect.fail(new UsageError({ message: "could not read standard input" }))))
})

/** The secrets of the flags, read now (at most one from stdin), by declared name. */
export const secretsFromFlags = (
  flags: MethodFlags
): Effect.Effect<Record<string, Redacted.Redacted<string> | undefined>, UsageError> =>
  Effect.gen(function*() {
    const env = yield* Session.env
    const read: Record<string, Redacted.Redacted<string> | undefined> = {}
    yield* checkVariableFlags(flags)
    const stdin = secrets.filter((s) => s.stdin && flags[`${s.name}-stdin`] === true)
    if (stdin.length > 1) {
      return yield* new UsageError({
        message: `only one secret can come from standard input (got ${stdin.map((s) => `--${s.name}-stdin`).join(", ")}); use --<secret>-env VAR for the others`
      })
    }
    for (const s of secrets) {
      const variable = textOf(flags, `${s.name}-env`)
      if (variable === undefined) continue
      if (s.stdin && flags[`${s.name}-stdin`] === true) {
        return yield* new UsageError({ message: `--${s.name}-env and --${s.name}-stdin cannot be used together` })
      }
      const value = env[variable]
      if (value === undefined || value === "") {
        return yield* new UsageError({
          message: `--${s.name}-env names ${variable}, but that environment variable is not set`
        })
      }
      read[s.name] = Redacted.make(value)
    }
    if (stdin.length === 1) {
      const value = yield* readStdin
      if (Redacted.value(value) === "") {
        return yield* new UsageError({ message: `--${stdin[0]!.name}-stdin: standard input was empty` })
      }
      read[stdin[0]!.name] = value
    }
    return read
  })

/**
 * The `ConfigureInput` of one provider: only the options and secrets it declares (a flag another provider declares
 * too reaches this one only if this one declares it).
 */
export const configureInput = (
  entry: Providers.Entry,
  profile: ProfileName,
  flags: MethodFlags,
  read: Readonly<Record<string, Redacted.Redacted<string> | undefined>>,
  method: string | undefined
): ConfigureInput => {
  const values: Record<string, string> = {}
  const switches: Record<string, boolean> = {}
  for (const o of entry.options) {
    if (o.kind === "switch") {
      if (flags[o.name] === true) switches[o.name] = true
    } else {
      const value = textOf(flags, o.name)
      if (value !== undefined) values[o.name] = value
    }
  }
  const secretsOf: Record<string, Redacted.Redacted<string>> = {}
  const references: Record<string, string> = {}
  for (const s of entry.secrets) {
    const value = read[s.name]
    if (value !== undefined) secretsOf[s.name] = value
    const reference = s.reference ? textOf(flags, `${s.name}-variable`) : undefined
    if (reference !== undefined) references[s.name] = reference
  }
  return { profile, method, values, switches, secrets: secretsOf, references, confirmed: flags.yes === true }
}

/**
 * The flags only one provider declares, by flag name: giving one of them picks that provider (`--api-token-env`
 * means Cloudflare). A flag two providers declare picks neither.
 */
export const ownedFlags: ReadonlyMap<string, Providers.Entry> = (() => {
  const owners = new Map<string, Set<Providers.Entry>>()
  for (const e of Providers.entries) for (const f of flagsOf(e)) owners.set(f.name, (owners.get(f.name) ?? new Set()).add(e))
  return new Map([...owners].filter(([, set]) => set.size === 1).map(([name, set]) => [name, [...set][0]!]))
})()

/** The flag names a provider's descriptor gives it (`account-id`, `api-token-env`, ...). */
const namesOf = (e: Providers.Entry): ReadonlyArray<string> => flagsOf(e).map((f) => f.name)

/**
 * A method flag given that none of the chosen providers takes (`--provider aws --api-token-env T`) would be ignored
 * without a word: a usage error names the flag and who takes it.
 */
export const checkFlagsBelong = (
  flags: MethodFlags,
  chosen: ReadonlyArray<Providers.Entry>
): Effect.Effect<void, UsageError> => {
  const taken = new Set(chosen.flatMap(namesOf))
  for (const e of Providers.entries) {
    for (const name of namesOf(e)) {
      if (taken.has(name) || !isGiven(flags, name)) continue
      const owners = Providers.entries.filter((o) => namesOf(o).includes(name)).map((o) => o.title)
      return Effect.fail(
        new UsageError({
          message: `--${name} is not an option of ${chosen.map((c) => c.title).join(" or ")} (it is ${
            owners.join(" and ")
          }'s); remove it, or configure that provider with --provider`
        })
      )
    }
  }
  return Effect.void
}
