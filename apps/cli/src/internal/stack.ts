/**
 * `alchemy deploy|destroy|dev|plan|run`: load the stack, resolve each provider's credentials for the selected
 * profile (configuring a missing provider when a person is at the terminal), run the program.
 *
 * A script of the `alchemy` library (0.x, see StackFile) is not loaded: it runs as a child process, as that
 * library's own CLI runs it, with the selected profile and the stage forwarded (`runScript`).
 */
import { ProviderNotConfigured } from "@alchemy/profile-core/Errors"
import { Interaction } from "@alchemy/profile-core/Interaction"
import { type ConsumerLayer, input, type PortError } from "@alchemy/profile-core/AuthProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import { constants } from "node:os"
import * as path from "node:path"
import { type Phase, StackContext, type StackInfo } from "../Stack.js"
import { ChildExit, forceExitCode, StackFileError } from "./Failure.js"
import * as Output from "./Output.js"
import * as Providers from "./Providers.js"
import * as Session from "./Session.js"
import * as Stage from "./Stage.js"
import * as StackFile from "./StackFile.js"

const verb: Record<Phase, string> = {
  deploy: "Deploying",
  destroy: "Destroying",
  dev: "Starting",
  plan: "Planning",
  run: "Running"
}

const stageOf = (flag: Option.Option<string>): string =>
  Option.getOrElse(flag, () => process.env.STAGE || process.env.USER || "dev")

const passThrough = (tag: string | undefined) =>
  tag === "NeedsLogin" || tag === "NonInteractive" || tag === "ProviderNotConfigured" || tag === "AccountMismatch"

export const runStack = (
  phase: Phase,
  flags: {
    readonly stackFile: Option.Option<string>
    readonly profile: Option.Option<string>
    readonly stage: Option.Option<string>
    readonly force: boolean
  }
) =>
  Effect.gen(function*() {
    const file = yield* StackFile.locate(flags.stackFile)
    if ((yield* StackFile.kind(file)) === "script") return yield* runScript(phase, file, flags)
    const stack = yield* StackFile.load(file)
    const interaction = yield* Interaction
    const stage = stageOf(flags.stage)
    const stagePlan = yield* Stage.plan(file, stack, stage, flags)
    const readConfig = yield* Effect.cached(Providers.readConfig)
    const profiles: Record<string, { profile: string; explanation: string }> = {}
    const layers: Array<ConsumerLayer> = []
    const credentialLayers = new Map<string, ConsumerLayer>()
    const env: Record<string, string> = {}
    // The profiles whose credentials the program gets (their files are checked for exposure).
    const read: Array<string> = []
    for (const id of stack.providers) {
      const entry = Providers.entry(id)!
      const selection = yield* Session.select(entry, {
        flag: flags.profile,
        app: stagePlan.appProfile,
        appExplanation: stagePlan.appExplanation
      })
      for (const w of selection.warnings) yield* Output.warning(w)
      const provider = yield* Providers.load(entry)
      const declaration = selection.useEnvironmentCredentials ? undefined : Stage.declarationFor(
        stagePlan,
        id,
        Providers.isConfigured(yield* readConfig, entry, selection.profile)
      )
      if (declaration !== undefined) {
        // A CI runner without the profile: the stage's declared credentials, kept in this process only.
        const declared = yield* Stage.useDeclared(stagePlan, provider, selection.profile, declaration)
        profiles[id] = { profile: "(declared)", explanation: declared.explanation }
        if (typeof stack.run === "function") Object.assign(env, yield* declared.vars)
        credentialLayers.set(id, declared.layer)
        layers.push(declared.layer)
        continue
      }
      if (selection.useEnvironmentCredentials) {
        profiles[id] = { profile: "(environment)", explanation: selection.environmentVariables.join(", ") }
        for (const v of selection.environmentVariables) env[v] = process.env[v] ?? ""
      } else {
        if (!(yield* provider.isConfigured(selection.profile))) {
          if (!interaction.interactive) {
            return yield* new ProviderNotConfigured({ profile: selection.profile, provider: id })
          }
          yield* interaction.info(`${entry.title} is not configured in profile ${selection.profile}; let's do that now.`)
          yield* provider.configure(input(selection.profile))
        }
        profiles[id] = { profile: selection.profile, explanation: selection.explanation }
        read.push(selection.profile)
        if (typeof stack.run === "function") {
          const vars = yield* provider.resolve(selection.profile)
          for (const [k, v] of Object.entries(vars)) env[k] = Redacted.value(v)
        }
      }
      const credentials = provider.credentials({ app: stagePlan.appProfile, flag: Option.getOrUndefined(flags.profile) })
      credentialLayers.set(id, credentials)
      layers.push(credentials)
    }
    yield* Session.warnExposed(read)
    // A stage pinned to accounts runs nothing until the credentials are shown to reach them.
    yield* Stage.checkPins(stagePlan, (id) => credentialLayers.get(id))
    const info: StackInfo = { name: stack.name, phase, stage, profiles }
    yield* Output.note(
      `${verb[phase]} ${Output.bold(stack.name, Output.stderr)} (stage ${stage})${
        Object.entries(profiles).map(([id, p]) => `\n  ${Providers.entry(id)!.title}: profile ${p.profile} (${p.explanation})`).join("")
      }`
    )
    const run = stack.run
    const program: Effect.Effect<unknown, unknown, any> = Effect.isEffect(run)
      ? (run as Effect.Effect<unknown, unknown, any>)
      : Effect.tryPromise({
        try: async () => (run as (ctx: any) => unknown)({ ...info, env }),
        catch: (e) => e
      })
    const services = layers.reduce(
      (acc: Layer.Layer<StackContext, PortError>, l) => Layer.merge(acc, l),
      Layer.succeed(StackContext, info) as Layer.Layer<StackContext, PortError>
    )
    // The program may require any of the services the layers give (StackContext, each provider's credentials).
    const provided = Effect.provide(program, services) as Effect.Effect<unknown, unknown>
    yield* provided.pipe(
      Effect.catchAll((e: any) =>
        passThrough(e?._tag)
          ? Effect.fail(e)
          : Effect.fail(new StackFileError({ file, detail: `the stack's program failed: ${StackFile.fullMessage(e?.message ?? e)}` }))
      ),
      Effect.catchAllDefect((e) =>
        Effect.fail(new StackFileError({ file, detail: `the stack's program threw: ${StackFile.fullMessage(e)}` }))
      )
    )
    yield* Output.note(`${Output.green("✓", Output.stderr)} ${phase} of ${stack.name} finished`)
  })

/**
 * The arguments the `alchemy` library (0.x) reads from `process.argv` for each phase, as its CLI passes them:
 * `destroy` → `--destroy`, `dev` → `--dev --watch` (and Node's `--watch`), `run` → `--read`. It has no `plan`;
 * `plan` runs it read-only (`--read`) too.
 */
const scriptPhase: Record<Phase, { readonly node: ReadonlyArray<string>; readonly args: ReadonlyArray<string> }> = {
  deploy: { node: [], args: [] },
  destroy: { node: [], args: ["--destroy"] },
  dev: { node: ["--watch"], args: ["--dev", "--watch"] },
  plan: { node: [], args: ["--read"] },
  run: { node: [], args: ["--read"] }
}

/** Signals passed on to the script (a Ctrl-C reaches it from the terminal as well). */
const forwarded: ReadonlyArray<NodeJS.Signals> = ["SIGINT", "SIGTERM", "SIGHUP"]

/**
 * Run a script stack: `node [--env-file=.env] --import <tsx> <file> [phase args] --stage <s> [--profile <p>]`, with
 * standard input and output inherited. A profile named by `--profile` or `ALCHEMY_PROFILE` is passed as
 * `--profile <p>` and `ALCHEMY_PROFILE`; each provider's selected profile (DESIGN §4 steps 3-5) as its variable
 * (`CLOUDFLARE_PROFILE`, `ALCHEMY_AWS_PROFILE`). When no profile is named nothing is set, so the script's own
 * defaults (and raw credentials in the environment) apply. Signals are forwarded; the exit code is the script's
 * (128 + n when it died of signal n).
 */
const runScript = (
  phase: Phase,
  file: string,
  flags: { readonly profile: Option.Option<string>; readonly stage: Option.Option<string> }
) =>
  Effect.gen(function*() {
    const stage = stageOf(flags.stage)
    const named = yield* Session.commandProfile(flags.profile)
    const childEnv: Record<string, string | undefined> = { ...process.env }
    const args: Array<string> = [...scriptPhase[phase].args, "--stage", stage]
    if (named.source !== "default") {
      args.push("--profile", named.profile)
      childEnv.ALCHEMY_PROFILE = named.profile
    }
    const lines: Array<string> = []
    for (const entry of Providers.entries) {
      const selection = yield* Session.select(entry, { flag: flags.profile })
      if (!selection.explicit) continue
      childEnv[entry.profileVariable] = selection.profile
      lines.push(`\n  ${entry.title}: profile ${selection.profile} (${selection.explanation})`)
    }
    const loader = yield* StackFile.tsxLoader()
    const envFile = path.resolve(".env")
    const nodeArgs = [
      ...scriptPhase[phase].node,
      ...(fs.existsSync(envFile) ? [`--env-file=${envFile}`] : []),
      "--import",
      loader
    ]
    yield* Output.note(
      `${verb[phase]} ${Output.bold(path.basename(file), Output.stderr)} (stage ${stage}; a script of the alchemy library, run as ${
        ["node", ...scriptPhase[phase].node, path.relative(process.cwd(), file) || file, ...args].join(" ")
      })${lines.join("")}`
    )
    // Uninterruptible: a signal goes on to the script and we wait for its status.
    const code = yield* Effect.uninterruptible(Effect.async<number, StackFileError>((resume) => {
      const child = spawn(process.execPath, [...nodeArgs, file, ...args], { stdio: "inherit", env: childEnv })
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
        resume(Effect.fail(new StackFileError({ file, detail: `cannot start node: ${e.code ?? e.message}` })))
      })
      child.once("exit", (code, signal) => {
        cleanup()
        const status = code ?? 128 + (signal !== null ? (constants.signals[signal] ?? 0) : 0)
        forceExitCode(status)
        resume(Effect.succeed(status))
      })
    }))
    if (code !== 0) return yield* new ChildExit({ code })
    yield* Output.note(`${Output.green("✓", Output.stderr)} ${phase} of ${path.basename(file)} finished`)
  })
