/**
 * AWS credentials for consumers: an `AwsCredentials` service chosen per DESIGN §4 (resource option > app option >
 * `--profile` > `ALCHEMY_AWS_PROFILE` > `ALCHEMY_PROFILE` > `default`, with raw `AWS_ACCESS_KEY_ID` +
 * `AWS_SECRET_ACCESS_KEY` [+ `AWS_SESSION_TOKEN`] used only when no profile was named), an
 * `AwsCredentialIdentityProvider` for any AWS SDK v3 client, and a Promise face for code without Effect.
 *
 * @since 0.1.0
 */
import { Environment } from "@alchemy/profile-core/Environment"
import type { InvalidProfileName } from "@alchemy/profile-core/Errors"
import { Interaction } from "@alchemy/profile-core/Interaction"
import { decodeProfileName, type ProfileName } from "@alchemy/profile-core/ProfileName"
import { selectProfile, variableValue } from "@alchemy/profile-core/Selection"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Runtime from "effect/Runtime"
import { descriptor } from "./AwsDescriptor.js"
import { AwsError } from "./AwsError.js"
import { type AwsResolved, type AwsResolveError, AwsResolver } from "./AwsResolver.js"

/** The provider's own profile variable (from `AwsDescriptor`). @since 0.1.0 */
export const profileVariable: string = descriptor.profileVariable
/** Raw credentials in the environment, as groups that must all be set (from `AwsDescriptor`). @since 0.1.0 */
export const environmentCredentials: ReadonlyArray<ReadonlyArray<string>> = descriptor.environmentCredentials

/**
 * The AWS SDK v3 credential shape (structurally `AwsCredentialIdentity` of `@smithy/types`).
 *
 * @since 0.1.0
 */
export interface AwsCredentialIdentity {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string
  readonly expiration?: Date
  readonly accountId?: string
}

/** What every SDK v3 client accepts as `credentials`. @since 0.1.0 */
export type AwsCredentialIdentityProvider = (options?: Record<string, unknown>) => Promise<AwsCredentialIdentity>

/** @since 0.1.0 */
export declare namespace AwsCredentials {
  /** @since 0.1.0 */
  export interface Service {
    /** The profile used; `undefined` when the credentials come from the environment. */
    readonly profile: ProfileName | undefined
    /** Where the choice came from (`--profile flag`, `ALCHEMY_AWS_PROFILE=prod`, `environment`, ...). */
    readonly explanation: string
    /** Valid credentials, refreshed when needed; a memory lookup while they are valid. */
    readonly get: Effect.Effect<AwsResolved, AwsResolveError>
  }
}

/**
 * @since 0.1.0
 */
export class AwsCredentials extends Context.Tag("@alchemy/provider-aws/AwsCredentials")<
  AwsCredentials,
  AwsCredentials.Service
>() {}

/** Credentials of one named profile. @since 0.1.0 */
export const fromProfile = (
  profile: string,
  explanation = `profile ${profile}`
): Layer.Layer<AwsCredentials, InvalidProfileName, AwsResolver> =>
  Layer.effect(
    AwsCredentials,
    Effect.gen(function*() {
      const name = yield* decodeProfileName(profile)
      const resolver = yield* AwsResolver
      return { profile: name, explanation, get: resolver.resolve(name) }
    })
  )

/** The environment's raw credentials as a service (no layer: `fromEnv` and `layer` build it from their environment). */
const fromEnvironment = (env: Readonly<Record<string, string | undefined>>): Effect.Effect<AwsCredentials.Service, AwsError> =>
  Effect.gen(function*() {
    // Unset, empty and blank are all "not set" (profile-core's one rule for variables that hold credentials).
    const read = (name: string) => Option.fromNullable(variableValue(env, name))
    const accessKeyId = read("AWS_ACCESS_KEY_ID")
    const secretAccessKey = Option.map(read("AWS_SECRET_ACCESS_KEY"), Redacted.make)
    if (Option.isNone(accessKeyId) || Option.isNone(secretAccessKey)) {
      return yield* new AwsError({
        reason: "MissingSetting",
        profile: "(environment)",
        detail: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must both be set"
      })
    }
    const configRegion = read("AWS_REGION")
    const regionVariable = Option.isSome(configRegion) ? "AWS_REGION" : "AWS_DEFAULT_REGION"
    const region = Option.orElse(configRegion, () => read("AWS_DEFAULT_REGION"))
    const expiration = Option.map(read("AWS_CREDENTIAL_EXPIRATION"), (text) => Date.parse(text)).pipe(
      Option.filter((ms) => Number.isFinite(ms))
    )
    const resolved: AwsResolved = {
      profile: undefined,
      method: "environment",
      accessKeyId: accessKeyId.value,
      secretAccessKey: secretAccessKey.value,
      sessionToken: Option.getOrUndefined(Option.map(read("AWS_SESSION_TOKEN"), Redacted.make)),
      expiration: Option.getOrUndefined(expiration),
      region: Option.getOrUndefined(region),
      regionSource: Option.isSome(region) ? { _tag: "Environment", variable: regionVariable } : undefined
    }
    return { profile: undefined, explanation: "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY", get: Effect.succeed(resolved) }
  })

/**
 * Credentials from `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` [+ `AWS_SESSION_TOKEN`, `AWS_CREDENTIAL_EXPIRATION`,
 * `AWS_REGION` / `AWS_DEFAULT_REGION`], read from profile-core's `Environment` (the process's unless one is
 * provided). Unset, empty and blank variables are all not set.
 *
 * @since 0.1.0
 */
export const fromEnv: Layer.Layer<AwsCredentials, AwsError> = Layer.effect(
  AwsCredentials,
  Effect.flatMap(Environment, fromEnvironment)
)

/** Options of the automatic layer: the names of DESIGN §4 steps 1-3. @since 0.1.0 */
export interface SelectOptions {
  readonly resource?: string | undefined
  readonly app?: string | undefined
  readonly flag?: string | undefined
  /** The environment to choose from and read raw credentials from (default: profile-core's `Environment`). */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
}

/**
 * The automatic choice of DESIGN §4. Warnings (a named profile wins over raw variables) go to `Interaction.warn`.
 *
 * @since 0.1.0
 */
export const layer = (
  options: SelectOptions = {}
): Layer.Layer<AwsCredentials, InvalidProfileName | AwsError, AwsResolver | Interaction> =>
  Layer.unwrapEffect(
    Effect.gen(function*() {
      const env = options.env ?? (yield* Environment)
      const selection = selectProfile({
        provider: "aws",
        providerVariable: profileVariable,
        environmentCredentials,
        resource: options.resource,
        app: options.app,
        flag: options.flag,
        env
      })
      if (Either.isLeft(selection)) return Layer.fail(selection.left)
      const chosen = selection.right
      const interaction = yield* Interaction
      for (const warning of chosen.warnings) yield* interaction.warn(warning)
      const chosenLayer: Layer.Layer<AwsCredentials, InvalidProfileName | AwsError, AwsResolver> =
        chosen.useEnvironmentCredentials
          ? Layer.effect(AwsCredentials, fromEnvironment(env))
          : fromProfile(chosen.profile, chosen.explanation)
      return chosenLayer
    })
  )

/** SDK v3 shape of resolved credentials (secrets unwrapped here, at the SDK boundary). @since 0.1.0 */
export const toIdentity = (resolved: AwsResolved): AwsCredentialIdentity => ({
  accessKeyId: resolved.accessKeyId,
  secretAccessKey: Redacted.value(resolved.secretAccessKey),
  ...(resolved.sessionToken !== undefined ? { sessionToken: Redacted.value(resolved.sessionToken) } : {}),
  ...(resolved.expiration !== undefined ? { expiration: new Date(resolved.expiration) } : {}),
  ...(resolved.accountId !== undefined && resolved.accountId !== "" ? { accountId: resolved.accountId } : {})
})

/**
 * An `AwsCredentialIdentityProvider` over any credentials effect: pass it as `credentials` to an SDK v3 client.
 * It carries `expiration`, so the SDK asks again when they near expiry; each call is a memory lookup while valid.
 *
 * @since 0.1.0
 */
export const toCredentialIdentityProvider = <E>(
  get: Effect.Effect<AwsResolved, E>,
  runtime: Runtime.Runtime<never> = Runtime.defaultRuntime
): AwsCredentialIdentityProvider => {
  const run = Runtime.runPromise(runtime)
  const effect = Effect.map(get, toIdentity)
  return () => run(effect)
}

/** The provider for the `AwsCredentials` in context. @since 0.1.0 */
export const credentialIdentityProvider: Effect.Effect<AwsCredentialIdentityProvider, never, AwsCredentials> = Effect
  .map(AwsCredentials, (service) => toCredentialIdentityProvider(service.get))
