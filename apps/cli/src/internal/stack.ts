/**
 * `alchemy deploy|destroy|dev|plan|run`: load the stack, resolve each provider's credentials for the selected
 * profile (configuring a missing provider when a person is at the terminal), run the program.
 */
import { ProviderNotConfigured } from "@alchemy/profile-core/Errors"
import { Interaction } from "@alchemy/profile-core/Interaction"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { type Phase, StackContext, type StackInfo } from "../Stack.js"
import { StackFileError } from "./Failure.js"
import * as Output from "./Output.js"
import * as Providers from "./Providers.js"
import * as Session from "./Session.js"
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

const passThrough = (tag: string | undefined) => tag === "NeedsLogin" || tag === "NonInteractive" || tag === "ProviderNotConfigured"

export const runStack = (
  phase: Phase,
  flags: { readonly stackFile: Option.Option<string>; readonly profile: Option.Option<string>; readonly stage: Option.Option<string> }
) =>
  Effect.gen(function*() {
    const file = yield* StackFile.locate(flags.stackFile)
    const stack = yield* StackFile.load(file)
    const interaction = yield* Interaction
    const stage = stageOf(flags.stage)
    const profiles: Record<string, { profile: string; explanation: string }> = {}
    const layers: Array<Layer.Layer<any, unknown, Providers.Core>> = []
    const env: Record<string, string> = {}
    for (const id of stack.providers) {
      const entry = Providers.entry(id)!
      const selection = yield* Session.select(entry, { flag: flags.profile, app: stack.profile })
      for (const w of selection.warnings) yield* Output.warning(w)
      const provider = yield* Providers.load(entry)
      if (selection.useEnvironmentCredentials) {
        profiles[id] = { profile: "(environment)", explanation: selection.environmentVariables.join(", ") }
        for (const v of selection.environmentVariables) env[v] = process.env[v] ?? ""
      } else {
        if (!(yield* provider.auth.isConfigured(selection.profile))) {
          if (!interaction.interactive) {
            return yield* new ProviderNotConfigured({ profile: selection.profile, provider: id })
          }
          yield* interaction.info(`${entry.title} is not configured in profile ${selection.profile}; let's do that now.`)
          yield* provider.auth.configure({ profile: selection.profile, values: {}, secrets: {} })
        }
        profiles[id] = { profile: selection.profile, explanation: selection.explanation }
        if (typeof stack.run === "function") {
          const vars = yield* provider.auth.environment(selection.profile)
          for (const [k, v] of Object.entries(vars)) env[k] = Redacted.value(v)
        }
      }
      layers.push(provider.credentials({ app: stack.profile, flag: Option.getOrUndefined(flags.profile) }), provider.services)
    }
    const info: StackInfo = { name: stack.name, phase, stage, profiles }
    yield* Output.note(
      `${verb[phase]} ${Output.bold(stack.name, process.stderr)} (stage ${stage})${
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
      (acc: Layer.Layer<any, unknown, Providers.Core>, l) => Layer.merge(acc, l),
      Layer.succeed(StackContext, info) as Layer.Layer<any, unknown, Providers.Core>
    )
    yield* Effect.provide(program, services).pipe(
      Effect.catchAll((e: any) =>
        passThrough(e?._tag)
          ? Effect.fail(e)
          : Effect.fail(new StackFileError({ file, detail: `the stack's program failed: ${StackFile.firstLine(e?.message ?? e)}` }))
      ),
      Effect.catchAllDefect((e) =>
        Effect.fail(new StackFileError({ file, detail: `the stack's program threw: ${StackFile.firstLine(e)}` }))
      )
    )
    yield* Output.note(`${Output.green("✓", process.stderr)} ${phase} of ${stack.name} finished`)
  })
