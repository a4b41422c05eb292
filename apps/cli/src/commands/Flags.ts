/**
 * Options shared by several commands: `--profile`, the provider/method flags of `configure` and `login`.
 * Secrets have no value flag: only `--<secret>-env VAR` (read the variable), `--<secret>-stdin`, or, where the provider
 * allows it, `--<secret>-variable VAR` (keep no secret: store the variable's name and read it each time it is used).
 */
import * as Args from "@effect/cli/Args"
import * as Options from "@effect/cli/Options"
import type * as Option from "effect/Option"
import { flagsOf } from "@alchemy/profile-core/AuthProvider"
import { providers } from "../ProviderList.js"

/** Flags that take a value, with what the value is (for the error when it is missing). */
const valued = new Map<string, string>()
const valueFlag = (name: string, placeholder = "<value>"): string => {
  valued.set(name, placeholder)
  return name
}

/**
 * A flag that takes a value left bare at the end of the command line (before `--`): `alchemy env --profile`.
 * @effect/cli would report it as an unknown argument, or take it as the stack file or the command to run.
 */
export const missingValue = (args: ReadonlyArray<string>): string | undefined => {
  const end = args.indexOf("--")
  const last = end === -1 ? args[args.length - 1] : args[end - 1]
  const placeholder = last?.startsWith("--") ? valued.get(last.slice(2)) : undefined
  return placeholder === undefined ? undefined : `${last} needs a value: ${last} ${placeholder}`
}

export const profile = Options.text(valueFlag("profile", "<name>")).pipe(
  Options.withDescription(
    `Profile to use (default: ${providers.map((p) => p.profileVariable).join(" / ")}, then ALCHEMY_PROFILE, then \`default\`)`
  ),
  Options.optional
)

/** `--profile` of the commands that work on one profile whatever the provider (configure, login, logout). */
export const targetProfile = Options.text("profile").pipe(
  Options.withDescription("Profile to work on (default: ALCHEMY_PROFILE, then `default`)"),
  Options.optional
)

export const json = Options.boolean("json").pipe(Options.withDescription("Print stable JSON (documented in the README; no secrets)"))

export const yes = Options.boolean("yes").pipe(
  Options.withAlias("y"),
  Options.withDescription("Do not ask for confirmation")
)

export const provider = Options.choice(valueFlag("provider", providers.map((e) => e.id).join("|")), providers.map((e) => e.id)).pipe(
  Options.withDescription("Only this provider"),
  Options.optional
)

const text = (name: string, description: string) =>
  Options.text(valueFlag(name, name.endsWith("-env") || name.endsWith("-variable") ? "<VARIABLE>" : "<value>")).pipe(
    Options.withDescription(description),
    Options.optional
  )

const flag = (name: string, description: string) => Options.boolean(name).pipe(Options.withDescription(description))

/** `cloudflare: ...; aws: ...` when several providers declare a flag, else the one description. */
const describe = (uses: ReadonlyArray<{ readonly provider: string; readonly text: string }>): string =>
  uses.length === 1 ? uses[0]!.text : uses.map((u) => `${u.provider}: ${u.text}`).join("; ")

/**
 * The method flags, derived from the providers' descriptors: `--method`, each declared option as `--<name>`, each
 * declared secret as `--<name>-env VAR`, `--<name>-stdin`, `--<name>-variable VAR`. A name two providers declare is
 * one flag; its value reaches only the provider being configured. Every prompt of the wizard has one of these as its
 * scripted equivalent.
 */
export const inputs = (() => {
  const options: Record<string, Options.Options<Option.Option<string>> | Options.Options<boolean>> = {}
  const uses = new Map<string, { kind: "text" | "switch"; uses: Array<{ provider: string; text: string }> }>()
  const use = (name: string, kind: "text" | "switch", provider: string, text: string) => {
    const known = uses.get(name) ?? { kind, uses: [] }
    known.uses.push({ provider, text })
    uses.set(name, known)
  }
  for (const e of providers) for (const f of flagsOf(e)) use(f.name, f.kind, e.id, f.description)
  options.method = text(
    "method",
    `Authentication method: ${providers.map((e) => `${e.id} ${e.methods.map((m) => m.id).join("|")}`).join(", ")}`
  )
  for (const [name, { kind, uses: u }] of uses) {
    options[name] = kind === "switch" ? flag(name, describe(u)) : text(name, describe(u))
  }
  options.yes = yes
  return options
})()

/** The flags of {@link inputs} as parsed: by flag name. */
export type MethodFlags = Readonly<Record<string, Option.Option<string> | boolean>>

/** `--store`: where `configure` keeps the secrets it saves (DESIGN §3). */
export const store = Options.choice(valueFlag("store", "file|keychain"), ["file", "keychain"]).pipe(
  Options.withDescription(
    "Where to keep the secrets: file (credentials/<profile>/<provider>.json, mode 0600; the default) or keychain " +
      "(the OS keychain: Secret Service on Linux, Keychain on macOS, Credential Manager on Windows). Remembered per " +
      "profile and provider; change it later with `alchemy profile move`"
  ),
  Options.optional
)

export const format = Options.choice(valueFlag("format", "sh|fish|dotenv|json"), ["sh", "fish", "dotenv", "json"]).pipe(
  Options.withDefault("sh" as const),
  Options.withDescription("Output format")
)

export const stage = text("stage", "Stage to deploy (default: $STAGE, then $USER, then dev); what is deployed, while the profile says how to authenticate")

/** `--stage` of env and exec: no default (without it, no stack file is read). */
export const envStage = Options.text("stage").pipe(
  Options.withDescription(
    "Use the profile of this stage of ./alchemy.run.ts, and check its pinned accounts before printing or running anything"
  ),
  Options.optional
)

export const force = Options.boolean("force").pipe(
  Options.withDescription("Use --profile even though the stack file gives the stage another profile (pinned accounts are still checked)")
)

export const stackFile = Args.text({ name: "stack-file" }).pipe(
  Args.withDescription("The stack file (default ./alchemy.run.ts)"),
  Args.optional
)
