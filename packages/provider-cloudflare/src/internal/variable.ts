/**
 * Secrets by reference: a profile whose entry names the environment variable its secret lives in
 * (`"variables":{"api-token":"CF_PROD_TOKEN"}`) keeps no secret on disk; the value is read from the environment each
 * time it is needed (never cached across runs), registered with the scrub, and an unset or empty variable is
 * `SecretVariableNotSet`.
 *
 * @internal
 */
import { SecretVariableNotSet } from "@alchemy/profile-core/Errors"
import type { ProfileName } from "@alchemy/profile-core/ProfileName"
import * as SecretVariable from "@alchemy/profile-core/SecretVariable"
import * as Effect from "effect/Effect"
import { CloudflareInputError } from "../CloudflareErrors.js"
import { type Entry, providerId, type StoredCredentials, variableNamePattern } from "../CloudflareProfile.js"

/** The methods whose secret can be kept by reference. */
export type Kind = "api-token" | "api-key"

/** What the variable holds, for people. */
export const what: Readonly<Record<Kind, string>> = { "api-token": "API token", "api-key": "global API key" }

/** The CLI flag that names the variable, without its dashes (the value arrives as `ConfigureInput.references[kind]`). */
export const flagOf = (kind: Kind): `${Kind}-variable` => `${kind}-variable`

export interface Reference {
  readonly kind: Kind
  readonly variable: string
  /** `api-key`: the account's email, kept in the entry. */
  readonly email: string | undefined
}

export const isVariableName = (name: string): boolean => variableNamePattern.test(name)

/** The entry's reference for its own method (a name recorded for another method is not used). */
export const referenceOf = (entry: Entry): Reference | undefined => {
  if (entry.method === "oauth") return undefined
  const variable = entry.variables?.[entry.method]
  return variable === undefined ? undefined : { kind: entry.method, variable, email: entry.email }
}

/** The variable's value now (see profile-core's `SecretVariable.read`). */
export const read = SecretVariable.read

export const notSet = (profile: ProfileName, reference: Reference): SecretVariableNotSet =>
  new SecretVariableNotSet({ profile, provider: providerId, variable: reference.variable, what: what[reference.kind] })

/** The credentials the reference gives now, shaped as stored ones. */
export const resolve = (
  profile: ProfileName,
  reference: Reference,
  env: Readonly<Record<string, string | undefined>>
): Effect.Effect<StoredCredentials, SecretVariableNotSet | CloudflareInputError> =>
  Effect.suspend((): Effect.Effect<StoredCredentials, SecretVariableNotSet | CloudflareInputError> => {
    const value = read(env, reference.variable)
    if (value === undefined) return Effect.fail(notSet(profile, reference))
    if (reference.kind === "api-token") return Effect.succeed<StoredCredentials>({ type: "api-token", apiToken: value })
    const email = reference.email?.trim()
    if (email === undefined || email === "") {
      return Effect.fail(
        new CloudflareInputError({
          field: "config.json",
          detail: `profile ${profile} reads its Cloudflare global API key from ${reference.variable} but records no ` +
            `email; run alchemy configure --profile ${profile} --provider ${providerId}`
        })
      )
    }
    return Effect.succeed<StoredCredentials>({ type: "api-key", apiKey: value, email })
  })
