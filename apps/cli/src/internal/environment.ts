/**
 * `alchemy exec`, `alchemy env`, `alchemy aws credential-process`: the profile's credentials as the usual
 * environment variables, for other programs.
 */
import type { ConsumerLayer } from "@alchemy/profile-core/AuthProvider"
import { ProfileNotFound } from "@alchemy/profile-core/Errors"
import { hasControlCharacter } from "@alchemy/profile-core/Printable"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { spawn } from "node:child_process"
import { constants } from "node:os"
import { ChildExit, CliError, forceExitCode } from "./Failure.js"
import * as Output from "./Output.js"
import * as Providers from "./Providers.js"
import * as Session from "./Session.js"
import * as StackFile from "./StackFile.js"
import * as Stage from "./Stage.js"

/** `--stage` and `--force` of env and exec. */
export interface StageFlags {
  readonly stage: Option.Option<string>
  readonly force: boolean
}

/** With `--stage`: the stack file of the current directory and the stage's plan (its profile, its pins). */
const stageOf = (flag: Option.Option<string>, flags: StageFlags | undefined) =>
  Effect.gen(function*() {
    if (flags === undefined || Option.isNone(flags.stage)) return undefined
    const file = yield* StackFile.locate(Option.none())
    const stack = yield* StackFile.load(file)
    const plan = yield* Stage.plan(file, stack, flags.stage.value, { profile: flag, force: flags.force })
    return { stack, plan }
  })

/**
 * The variables of every provider the selected profile(s) configure, or the raw environment credentials. With
 * `--stage`: the stack's providers, selected as the stage says, and its pinned accounts checked first.
 */
export const variables = (flag: Option.Option<string>, stageFlags?: StageFlags) =>
  Effect.gen(function*() {
    const staged = yield* stageOf(flag, stageFlags)
    // Read once, when a provider first needs it (environment credentials alone do not).
    const readConfig = yield* Effect.cached(Providers.readConfig)
    const vars: Record<string, Redacted.Redacted<string>> = {}
    const read: Array<string> = []
    let first: Session.Selection | undefined
    const entries = staged === undefined
      ? Providers.entries
      : Providers.entries.filter((e) => (staged.stack.providers as ReadonlyArray<string>).includes(e.id))
    const options = { flag, app: staged?.plan.appProfile, appExplanation: staged?.plan.appExplanation }
    // Providers whose credentials are the stage's declared ones: their layers.
    const declaredLayers = new Map<string, ConsumerLayer>()
    for (const entry of entries) {
      const selection = yield* Session.select(entry, options)
      first ??= selection
      for (const w of selection.warnings) yield* Output.warning(w)
      if (selection.useEnvironmentCredentials) {
        const env = yield* Session.env
        for (const v of selection.environmentVariables) vars[v] = Redacted.make(env[v] ?? "")
        continue
      }
      const declaration = Stage.declarationFor(
        staged?.plan,
        entry.id,
        Providers.isConfigured(yield* readConfig, entry, selection.profile)
      )
      if (staged !== undefined && declaration !== undefined) {
        const provider = yield* Providers.load(entry)
        const declared = yield* Stage.useDeclared(staged.plan, provider, selection.profile, declaration)
        for (const [k, v] of Object.entries(yield* declared.vars)) vars[k] = Redacted.make(v)
        declaredLayers.set(entry.id, declared.layer)
        continue
      }
      const provider = yield* Providers.loadConfigured(yield* readConfig, entry, selection.profile)
      if (Option.isNone(provider)) continue
      Object.assign(vars, yield* provider.value.resolve(selection.profile))
      read.push(selection.profile)
    }
    yield* Session.warnExposed(read)
    if (staged !== undefined) {
      // Nothing is printed or run until the credentials are shown to reach the stage's pinned accounts.
      const layers = new Map<string, ConsumerLayer>()
      for (const entry of entries) {
        const provider = yield* Providers.load(entry)
        layers.set(
          entry.id,
          declaredLayers.get(entry.id) ??
            provider.credentials({ app: staged.plan.appProfile, flag: Option.getOrUndefined(flag) })
        )
      }
      yield* Stage.checkPins(staged.plan, (id) => layers.get(id))
    }
    if (Object.keys(vars).length === 0) {
      if (first === undefined) return yield* new CliError({ message: "the stack uses no provider: there are no variables to give" })
      return yield* new ProfileNotFound({ profile: first.profile, available: Providers.profileNames(yield* readConfig) })
    }
    return vars
  })

type Format = "sh" | "fish" | "dotenv" | "json"

const sh = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`
const fish = (value: string) => `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`
/**
 * A `.env` value is read by shells (`set -a; . ./.env`) and by dotenv parsers (the `dotenv` package, Node's
 * `--env-file`). Single quotes are literal to both, whatever the value holds (`$(…)`, backticks, `"`, `\`,
 * newlines). Neither reads an escaped single quote inside them the same way, so a value holding one is double-quoted
 * when it holds nothing that either would expand or unescape (`$`, backtick, `"`, `\`); otherwise no quoting works
 * for both, and the value is refused (`undefined`).
 */
const dotenv = (value: string): string | undefined =>
  !value.includes("'") ? `'${value}'` : !/[$`"\\]/.test(value) ? `"${value}"` : undefined

/**
 * The line for one variable, or why this format cannot carry its value. A control character (other than newline
 * and tab) is refused in every format but JSON: printed raw it reaches the terminal, escaped it is another value.
 */
const assignment = (format: Exclude<Format, "json">, name: string, value: string): Either.Either<string, CliError> => {
  const refuse = (why: string) =>
    Either.left(
      new CliError({ message: `the value of ${name} ${why}, which --format ${format} cannot write safely; use --format json, or alchemy exec` })
    )
  if (hasControlCharacter(value)) return refuse("holds a control character")
  switch (format) {
    case "fish":
      return Either.right(`set -gx ${name} ${fish(value)};`)
    case "dotenv": {
      const quoted = dotenv(value)
      return quoted === undefined
        ? refuse("holds a single quote and one of $ ` \" \\ (no quoting reads the same in a shell and in dotenv parsers)")
        : Either.right(`${name}=${quoted}`)
    }
    case "sh":
      return Either.right(`export ${name}=${sh(value)}`)
  }
}

export const env = (flags: { readonly profile: Option.Option<string>; readonly format: Format } & StageFlags) =>
  Effect.gen(function*() {
    const vars = yield* variables(flags.profile, flags)
    const hide = yield* Output.stdoutIsTerminal
    const value = (v: Redacted.Redacted<string>) => (hide ? "<hidden>" : Redacted.value(v))
    const names = Object.keys(vars).sort()
    let text: string
    if (flags.format === "json") {
      text = JSON.stringify(Object.fromEntries(names.map((n) => [n, value(vars[n]!)])), null, 2)
    } else {
      const format = flags.format
      // Every real value is checked (hidden or not), so a script gets the same answer on a terminal and off one.
      const lines = yield* Effect.all(names.map((n) => assignment(format, n, Redacted.value(vars[n]!))))
      text = (hide ? yield* Effect.all(names.map((n) => assignment(format, n, "<hidden>"))) : lines).join("\n")
    }
    yield* Output.line(text)
    if (hide) {
      yield* Output.note(
        "Values are hidden on a terminal. Use eval \"$(alchemy env)\" or redirect to a file to get them."
      )
    }
  })

const forwarded: ReadonlyArray<NodeJS.Signals> = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"]

export const exec = (
  flags: { readonly profile: Option.Option<string>; readonly command: ReadonlyArray<string> } & StageFlags
) =>
  Effect.gen(function*() {
    const vars = yield* variables(flags.profile, flags)
    const childEnv: Record<string, string | undefined> = { ...process.env }
    for (const [k, v] of Object.entries(vars)) childEnv[k] = Redacted.value(v)
    const [command, ...args] = flags.command
    // Uninterruptible: Ctrl-C goes to the child (same process group) and we wait for its status.
    const code = yield* Effect.uninterruptible(Effect.async<number, CliError>((resume) => {
      const child = spawn(command!, args, { stdio: "inherit", env: childEnv })
      const handlers = forwarded.map((signal) => {
        const handler = () => {
          child.kill(signal)
        }
        process.on(signal, handler)
        return [signal, handler] as const
      })
      const cleanup = () => {
        for (const [signal, handler] of handlers) process.removeListener(signal, handler)
      }
      child.once("error", (e: NodeJS.ErrnoException) => {
        cleanup()
        resume(Effect.fail(new CliError({ message: `cannot run ${command}: ${e.code === "ENOENT" ? "command not found" : e.code ?? "spawn failed"}` })))
      })
      child.once("exit", (code, signal) => {
        cleanup()
        const status = code ?? 128 + (signal !== null ? (constants.signals[signal] ?? 0) : 0)
        forceExitCode(status)
        resume(Effect.succeed(status))
      })
    }))
    if (code !== 0) return yield* new ChildExit({ code })
  })

/**
 * A provider's own command (`alchemy aws credential-process`): what the provider prints for the profile selected by
 * DESIGN §4 (or for the raw environment credentials).
 */
export const providerCommand = (entry: Providers.Entry, name: string) => (flags: { readonly profile: Option.Option<string> }) =>
  Effect.gen(function*() {
    const selection = yield* Session.select(entry, { flag: flags.profile })
    const provider = yield* Providers.load(entry)
    const output = yield* provider.commands[name]!(selection)
    if (!selection.useEnvironmentCredentials) yield* Session.warnExposed([selection.profile])
    yield* Output.line(output)
  })

/** The provider of the list with this id (for the commands built from descriptors). */
export const entryOf = (id: string): Providers.Entry => Providers.entry(id)!
