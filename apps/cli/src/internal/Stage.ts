/**
 * Stages of a stack file (`stages: { prod: { profile, accounts } }`): which profile `--stage prod` selects, the
 * `--profile` that contradicts it (a usage error unless `--force`), and the pinned accounts checked before anything
 * runs.
 */
import type { ConsumerLayer, ProviderPort } from "@alchemy/profile-core/AuthProvider"
import { isProfileName } from "@alchemy/profile-core/ProfileName"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { Stack, StageDefinition } from "../Stack.js"
import { StackFileError, UsageError } from "./Failure.js"
import * as Declared from "./Declared.js"
import * as Providers from "./Providers.js"
import * as Session from "./Session.js"

/** What a stage decides for one command. */
export interface StagePlan {
  readonly stage: string
  readonly definition: StageDefinition | undefined
  /** The profile at the app's level of DESIGN §4: the stage's, else the app's own. */
  readonly appProfile: string | undefined
  /** How `profile show` and the stack commands explain it: `stage prod of my-app`. */
  readonly appExplanation: string | undefined
  /** `stage prod of my-app`, for pinned-account errors. */
  readonly label: string
}

/** The stage's definition, checked (a profile name that cannot be used, an account id of the wrong form, ...). */
const definitionOf = (file: string, stack: Stack, stage: string) =>
  Effect.gen(function*() {
    const stages = stack.stages
    if (stages === undefined || !Object.prototype.hasOwnProperty.call(stages, stage)) return undefined
    const definition = stages[stage]!
    const bad = (detail: string) => new StackFileError({ file, detail: `stages.${stage}: ${detail}` })
    if (typeof definition !== "object" || definition === null) return yield* bad("must be an object { profile, accounts }")
    if (definition.profile !== undefined && !isProfileName(definition.profile)) {
      return yield* bad(`profile ${JSON.stringify(String(definition.profile)).slice(0, 80)} is not a valid profile name`)
    }
    for (const [provider, account] of Object.entries(definition.accounts ?? {})) {
      const format = Providers.entry(provider)?.account
      if (format === undefined || !stack.providers.includes(provider as never)) {
        return yield* bad(`accounts.${provider}: the stack does not use ${JSON.stringify(provider).slice(0, 40)} (its providers: ${stack.providers.join(", ")})`)
      }
      if (typeof account !== "string" || !format.pattern.test(account)) {
        return yield* bad(`accounts.${provider} must be ${format.what}`)
      }
    }
    for (const [provider, declaration] of Object.entries(definition.credentials ?? {})) {
      if (declaration === undefined) continue
      if (!stack.providers.includes(provider as never)) {
        return yield* bad(`credentials.${provider}: the stack does not use ${JSON.stringify(provider).slice(0, 40)}`)
      }
      yield* Declared.check(file, stage, provider, declaration)
    }
    return definition
  })

/**
 * The plan for `stage`: the stage's profile at the app's level, refusing a `--profile` that names another one
 * unless `force`.
 */
export const plan = (
  file: string,
  stack: Stack,
  stage: string,
  flags: { readonly profile: Option.Option<string>; readonly force: boolean }
): Effect.Effect<StagePlan, StackFileError | UsageError> =>
  Effect.gen(function*() {
    const definition = yield* definitionOf(file, stack, stage)
    const label = `stage ${stage} of ${stack.name}`
    const stageProfile = definition?.profile
    if (stageProfile !== undefined && Option.isSome(flags.profile) && flags.profile.value !== stageProfile && !flags.force) {
      return yield* new UsageError({
        message: `--profile ${flags.profile.value} is not the profile of ${label} (${stageProfile}, in ${file}); ` +
          `pass --force to use profile ${flags.profile.value} for stage ${stage}, or drop --profile`
      })
    }
    if (stageProfile !== undefined && Option.isSome(flags.profile) && flags.profile.value !== stageProfile) {
      // --force: the named profile takes the stage's place (at the app's level, which outranks the flag).
      return {
        stage,
        definition,
        appProfile: flags.profile.value,
        appExplanation: `--profile with --force, over the profile of ${label}`,
        label
      }
    }
    return {
      stage,
      definition,
      appProfile: stageProfile ?? stack.profile,
      appExplanation: stageProfile !== undefined ? label : undefined,
      label
    }
  })

/**
 * Checks every pinned account of the stage with the credentials the program will get (`layers`), before anything
 * runs: `AccountMismatch` (exit 1) names the stage, the pinned and the found account.
 */
export const checkPins = (
  stagePlan: StagePlan,
  layerFor: (id: string) => ConsumerLayer | undefined
) =>
  Effect.forEach(Object.entries(stagePlan.definition?.accounts ?? {}), ([id, expected]) =>
    Effect.gen(function*() {
      const layer = layerFor(id)
      if (layer === undefined || expected === undefined) return
      const provider = yield* Providers.load(Providers.entry(id)!)
      yield* provider.requireAccount(expected, stagePlan.label, layer)
    }), { discard: true })

/**
 * The stage's declared credentials for provider `id`, when they apply: the stage declares them and the selected
 * profile of the home does not configure the provider (a developer's own sign-in wins).
 */
export const declarationFor = (
  stagePlan: StagePlan | undefined,
  id: string,
  configured: boolean
): Declared.Declaration | undefined => {
  if (stagePlan === undefined || configured) return undefined
  return (stagePlan.definition?.credentials as Record<string, Declared.Declaration | undefined> | undefined)?.[id]
}

/**
 * Use a declaration: its variables become the provider's usual environment credentials in this process (read by
 * the provider's environment layer and passed to child programs), and nothing is written anywhere.
 */
export const useDeclared = (
  stagePlan: StagePlan,
  provider: ProviderPort,
  profile: string,
  declaration: Declared.Declaration
) =>
  Effect.gen(function*() {
    const pinned = (stagePlan.definition?.accounts as Record<string, string | undefined> | undefined)?.[provider.descriptor.id]
    const variables = Declared.variablesOf(provider.descriptor.id, declaration)
    const explanation = `credentials declared by ${stagePlan.label}${
      variables.length > 0 ? ` from ${variables.map((v) => `$${v}`).join(", ")}` : ` (${declaration.method})`
    }`
    // AWS web identity: a session held in memory by the provider's own layer.
    const own = provider.declared(declaration, `${stagePlan.label} (declared ${declaration.method})`)
    if (own !== undefined) {
      return {
        layer: own.layer,
        explanation,
        vars: Effect.map(own.variables, (env) =>
          Object.fromEntries(Object.entries(env).map(([k, v]) => [k, Redacted.value(v)])) as Record<string, string>)
      }
    }
    const vars = yield* Declared.environment(provider.descriptor.id, declaration, { profile, pinned }, yield* Session.env)
    Object.assign(process.env, vars)
    return { layer: provider.fromEnvironment, explanation, vars: Effect.succeed(vars) }
  })
