/**
 * AWS-tool interop out of an alchemy profile: the `credential_process` JSON (Version 1) that the AWS CLI and SDKs
 * read from `alchemy aws credential-process --profile p`, and the `AWS_*` environment variables for
 * `alchemy env` / `alchemy exec`.
 *
 * Recursion guard: while alchemy resolves an `aws-profile` it exports `ALCHEMY_CREDENTIAL_PROCESS_CHAIN` (the
 * alchemy profiles being resolved) and `ALCHEMY_CREDENTIAL_PROCESS_DEPTH` to child processes; an
 * `alchemy aws credential-process` started by such a child for a profile already in the chain fails at once with
 * `AwsError { reason: "CredentialProcessLoop" }` instead of looping.
 *
 * @since 0.1.0
 */
import type { ProfileName } from "@alchemy/profile-core/ProfileName"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { type AwsResolved, type AwsResolveError, AwsResolver } from "./AwsResolver.js"
import * as Guard from "./internal/guard.js"

/** Names of the recursion-guard variables. @since 0.1.0 */
export const guardVariables = { chain: Guard.chainVariable, depth: Guard.depthVariable } as const

/**
 * The `credential_process` output (Version 1). It holds secrets in clear: write it to stdout and nowhere else.
 *
 * @since 0.1.0
 */
export interface CredentialProcessOutput {
  readonly Version: 1
  readonly AccessKeyId: string
  readonly SecretAccessKey: string
  readonly SessionToken?: string
  /** ISO 8601; absent for long-term keys. */
  readonly Expiration?: string
}

/** Build the Version 1 object from resolved credentials. @since 0.1.0 */
export const toCredentialProcessOutput = (resolved: AwsResolved): CredentialProcessOutput => ({
  Version: 1,
  AccessKeyId: resolved.accessKeyId,
  SecretAccessKey: Redacted.value(resolved.secretAccessKey),
  ...(resolved.sessionToken !== undefined ? { SessionToken: Redacted.value(resolved.sessionToken) } : {}),
  ...(resolved.expiration !== undefined ? { Expiration: new Date(resolved.expiration).toISOString() } : {})
})

/**
 * Resolve the profile and return the `credential_process` object.
 *
 * @since 0.1.0
 */
export const credentialProcessOutput = (
  profile: ProfileName
): Effect.Effect<CredentialProcessOutput, AwsResolveError, AwsResolver> =>
  Effect.gen(function*() {
    yield* Guard.checkDepth(profile)
    const resolver = yield* AwsResolver
    return toCredentialProcessOutput(yield* resolver.resolve(profile))
  })

/** `AWS_*` variables of resolved credentials, values `Redacted`. @since 0.1.0 */
export const toEnvironment = (resolved: AwsResolved): Record<string, Redacted.Redacted<string>> => {
  const env: Record<string, Redacted.Redacted<string>> = {
    AWS_ACCESS_KEY_ID: Redacted.make(resolved.accessKeyId),
    AWS_SECRET_ACCESS_KEY: resolved.secretAccessKey
  }
  if (resolved.sessionToken !== undefined) env.AWS_SESSION_TOKEN = resolved.sessionToken
  if (resolved.expiration !== undefined) {
    env.AWS_CREDENTIAL_EXPIRATION = Redacted.make(new Date(resolved.expiration).toISOString())
  }
  if (resolved.region !== undefined) {
    env.AWS_REGION = Redacted.make(resolved.region)
    env.AWS_DEFAULT_REGION = Redacted.make(resolved.region)
  }
  return env
}

/** @internal */
export const environmentFor = (
  resolver: AwsResolver.Service,
  profile: ProfileName
): Effect.Effect<Record<string, Redacted.Redacted<string>>, AwsResolveError> =>
  Effect.map(resolver.resolve(profile), toEnvironment)

/**
 * Environment variables for `alchemy env` / `alchemy exec`: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
 * `AWS_SESSION_TOKEN`, `AWS_CREDENTIAL_EXPIRATION`, `AWS_REGION`, `AWS_DEFAULT_REGION`.
 *
 * @since 0.1.0
 */
export const environment = (
  profile: ProfileName
): Effect.Effect<Record<string, Redacted.Redacted<string>>, AwsResolveError, AwsResolver> =>
  Effect.flatMap(AwsResolver, (resolver) => environmentFor(resolver, profile))
