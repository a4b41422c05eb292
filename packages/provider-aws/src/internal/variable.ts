/**
 * Secrets by reference for `access-keys`: an entry naming the environment variables its secrets live in
 * (`"variables":{"aws-secret-access-key":"AWS_PROD_SECRET"}`, the access key id beside it in the entry) keeps no
 * secret on disk; the values are read from the environment each time the profile is resolved (never cached across
 * runs), registered with the scrub, and an unset or empty variable is `SecretVariableNotSet`.
 *
 * @internal
 */
import { SecretVariableNotSet } from "@alchemy/profile-core/Errors"
import type { ProfileName } from "@alchemy/profile-core/ProfileName"
import * as SecretVariable from "@alchemy/profile-core/SecretVariable"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { type AwsProviderEntry, providerId, variableNamePattern } from "../AwsConfig.js"

/** The secrets that can be kept by reference (`ConfigureInput.secrets` keys). @internal */
export type Kind = "aws-secret-access-key" | "aws-session-token"

/** What the variable holds, for people. @internal */
export const what: Readonly<Record<Kind, string>> = {
  "aws-secret-access-key": "secret access key",
  "aws-session-token": "session token"
}

/** The flag that names the variable (`ConfigureInput.values` key without the dashes). @internal */
export const flagOf = (kind: Kind): `${Kind}-variable` => `${kind}-variable`

/** @internal */
export const isVariableName = (name: string): boolean => variableNamePattern.test(name)

/** The entry's references, when it is an `access-keys` entry that keeps its secret by reference. @internal */
export interface Reference {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken: string | undefined
}

/** @internal */
export const referenceOf = (entry: AwsProviderEntry): Reference | undefined => {
  if (entry.method !== "access-keys") return undefined
  const secret = entry.variables?.["aws-secret-access-key"]
  if (secret === undefined || entry.accessKeyId === undefined) return undefined
  return { accessKeyId: entry.accessKeyId, secretAccessKey: secret, sessionToken: entry.variables?.["aws-session-token"] }
}

/** The variable's value now (see profile-core's `SecretVariable.read`). */
export const read = SecretVariable.read

/** @internal */
export const notSet = (profile: ProfileName, kind: Kind, variable: string): SecretVariableNotSet =>
  new SecretVariableNotSet({ profile, provider: providerId, variable, what: what[kind] })

/** @internal */
export interface Credentials {
  readonly accessKeyId: string
  readonly secretAccessKey: Redacted.Redacted<string>
  readonly sessionToken: Redacted.Redacted<string> | undefined
}

/** The credentials the reference gives now. @internal */
export const resolve = (
  profile: ProfileName,
  reference: Reference,
  env: Readonly<Record<string, string | undefined>>
): Effect.Effect<Credentials, SecretVariableNotSet> =>
  Effect.suspend((): Effect.Effect<Credentials, SecretVariableNotSet> => {
    const secretAccessKey = read(env, reference.secretAccessKey)
    if (secretAccessKey === undefined) {
      return Effect.fail(notSet(profile, "aws-secret-access-key", reference.secretAccessKey))
    }
    if (reference.sessionToken === undefined) {
      return Effect.succeed({ accessKeyId: reference.accessKeyId, secretAccessKey, sessionToken: undefined })
    }
    const sessionToken = read(env, reference.sessionToken)
    if (sessionToken === undefined) return Effect.fail(notSet(profile, "aws-session-token", reference.sessionToken))
    return Effect.succeed({ accessKeyId: reference.accessKeyId, secretAccessKey, sessionToken })
  })
