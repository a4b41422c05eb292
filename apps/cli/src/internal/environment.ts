/**
 * `alchemy exec`, `alchemy env`, `alchemy aws credential-process`: the profile's credentials as the usual
 * environment variables, for other programs.
 */
import { ProfileNotFound } from "@alchemy/profile-core/Errors"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { spawn } from "node:child_process"
import { constants } from "node:os"
import { ChildExit, CliError, forceExitCode } from "./Failure.js"
import * as Output from "./Output.js"
import * as Providers from "./Providers.js"
import * as Session from "./Session.js"

/** The variables of every provider the selected profile(s) configure, or the raw environment credentials. */
export const variables = (flag: Option.Option<string>) =>
  Effect.gen(function*() {
    // Read once, when a provider first needs it (environment credentials alone do not).
    const readConfig = yield* Effect.cached(Providers.readConfig)
    const vars: Record<string, Redacted.Redacted<string>> = {}
    let first: Session.Selection | undefined
    for (const entry of Providers.entries) {
      const selection = yield* Session.select(entry, { flag })
      first ??= selection
      for (const w of selection.warnings) yield* Output.warning(w)
      if (selection.useEnvironmentCredentials) {
        for (const v of selection.environmentVariables) vars[v] = Redacted.make(process.env[v] ?? "")
        continue
      }
      const provider = yield* Providers.loadConfigured(yield* readConfig, entry, selection.profile)
      if (Option.isNone(provider)) continue
      Object.assign(vars, yield* provider.value.auth.environment(selection.profile))
    }
    if (Object.keys(vars).length === 0) {
      return yield* new ProfileNotFound({ profile: first!.profile, available: Providers.profileNames(yield* readConfig) })
    }
    return vars
  })

const sh = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`
const fish = (value: string) => `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`
const dotenv = (value: string) => JSON.stringify(value)

export const env = (flags: { readonly profile: Option.Option<string>; readonly format: "sh" | "fish" | "dotenv" | "json" }) =>
  Effect.gen(function*() {
    const vars = yield* variables(flags.profile)
    const hide = process.stdout.isTTY === true
    const value = (v: Redacted.Redacted<string>) => (hide ? "<hidden>" : Redacted.value(v))
    const names = Object.keys(vars).sort()
    let text: string
    switch (flags.format) {
      case "json":
        text = JSON.stringify(Object.fromEntries(names.map((n) => [n, value(vars[n]!)])), null, 2)
        break
      case "fish":
        text = names.map((n) => `set -gx ${n} ${fish(value(vars[n]!))};`).join("\n")
        break
      case "dotenv":
        text = names.map((n) => `${n}=${dotenv(value(vars[n]!))}`).join("\n")
        break
      default:
        text = names.map((n) => `export ${n}=${sh(value(vars[n]!))}`).join("\n")
    }
    yield* Output.line(text)
    if (hide) {
      yield* Output.note(
        "Values are hidden on a terminal. Use eval \"$(alchemy env)\" or redirect to a file to get them."
      )
    }
  })

const forwarded: ReadonlyArray<NodeJS.Signals> = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"]

export const exec = (flags: { readonly profile: Option.Option<string>; readonly command: ReadonlyArray<string> }) =>
  Effect.gen(function*() {
    const vars = yield* variables(flags.profile)
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

export const credentialProcess = (flags: { readonly profile: Option.Option<string> }) =>
  Effect.gen(function*() {
    const entry = Providers.entry("aws")!
    const selection = yield* Session.select(entry, { flag: flags.profile })
    const aws = yield* Effect.promise(() => import("./providers/aws.js"))
    const output = yield* aws.credentialProcess(selection)
    yield* Output.line(JSON.stringify(output))
  })
