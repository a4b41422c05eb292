/**
 * Which profile a provider uses, and whether raw environment credentials apply (DESIGN §4), as data the CLI can
 * print. First match wins:
 *
 * 1. the resource's `profile` option, 2. the app's `profile` option, 3. `--profile`, 4. the provider's variable
 * (`CLOUDFLARE_PROFILE`, `ALCHEMY_AWS_PROFILE`), 5. `ALCHEMY_PROFILE`, 6. `default`.
 *
 * Raw credentials in the environment are used only when no profile was named (steps 1-5); when one was, the
 * profile wins and a warning names the ignored variables. Empty or blank environment variables count as unset.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import type { InvalidProfileName } from "./Errors.js"
import { defaultProfile, type ProfileName, parseProfileName } from "./ProfileName.js"

/** @since 0.1.0 */
export type SelectionSource = "resource" | "app" | "flag" | "provider-variable" | "alchemy-variable" | "default"

/** @since 0.1.0 */
export interface SelectionInput {
  /** `cloudflare` | `aws` */
  readonly provider: string
  /** `CLOUDFLARE_PROFILE` | `ALCHEMY_AWS_PROFILE` */
  readonly providerVariable: string
  /** Groups of variables that must all be set to count as credentials. */
  readonly environmentCredentials: ReadonlyArray<ReadonlyArray<string>>
  readonly resource?: string | undefined
  readonly app?: string | undefined
  /** How to explain the app's profile when it comes from elsewhere (a stage: `stage prod of my-app`). */
  readonly appExplanation?: string | undefined
  readonly flag?: string | undefined
  readonly env: Readonly<Record<string, string | undefined>>
}

/** @since 0.1.0 */
export interface Selection {
  readonly profile: ProfileName
  readonly source: SelectionSource
  /** The variable that named the profile, for the `*-variable` sources. */
  readonly variable?: string
  /** Named by steps 1-5. */
  readonly explicit: boolean
  /** Environment credentials are set and no profile was named explicitly. */
  readonly useEnvironmentCredentials: boolean
  /** The environment credential variables that are set (complete groups only). */
  readonly environmentVariables: ReadonlyArray<string>
  readonly warnings: ReadonlyArray<string>
  /** `--profile flag`, `CLOUDFLARE_PROFILE=prod`, ... */
  readonly explanation: string
}

/** The variable every provider honours after its own. @since 0.1.0 */
export const alchemyProfileVariable = "ALCHEMY_PROFILE"

interface Candidate {
  readonly source: SelectionSource
  readonly value: string | undefined
  readonly variable?: string
  readonly explanation: (value: string) => string
}

/**
 * A variable's value, or `undefined` when it is unset, empty or blank (white space only): the one rule for every
 * variable that names a profile (`ALCHEMY_PROFILE`, `CLOUDFLARE_PROFILE`, `ALCHEMY_AWS_PROFILE`) or holds a
 * credential, in every command.
 *
 * @since 0.1.0
 */
export const variableValue = (env: SelectionInput["env"], name: string): string | undefined => {
  const value = env[name]
  return value === undefined || value.trim() === "" ? undefined : value
}

/**
 * @since 0.1.0
 */
export const selectProfile = (input: SelectionInput): Either.Either<Selection, InvalidProfileName> => {
  const candidates: ReadonlyArray<Candidate> = [
    { source: "resource", value: input.resource, explanation: (v) => `profile option of the resource (${v})` },
    {
      source: "app",
      value: input.app,
      explanation: (v) => input.appExplanation !== undefined ? `${input.appExplanation} (${v})` : `profile option of the app (${v})`
    },
    { source: "flag", value: input.flag, explanation: (v) => `--profile ${v}` },
    {
      source: "provider-variable",
      value: variableValue(input.env, input.providerVariable),
      variable: input.providerVariable,
      explanation: (v) => `${input.providerVariable}=${v}`
    },
    {
      source: "alchemy-variable",
      value: variableValue(input.env, alchemyProfileVariable),
      variable: alchemyProfileVariable,
      explanation: (v) => `${alchemyProfileVariable}=${v}`
    }
  ]
  const chosenIndex = candidates.findIndex((c) => c.value !== undefined)
  const chosen = chosenIndex === -1 ? undefined : candidates[chosenIndex]!

  const complete = input.environmentCredentials.filter((group) =>
    group.length > 0 && group.every((name) => variableValue(input.env, name) !== undefined)
  )
  const environmentVariables = [...new Set(complete.flat())]
  const warnings: Array<string> = []

  for (const group of input.environmentCredentials) {
    const present = group.filter((name) => variableValue(input.env, name) !== undefined)
    const missing = group.filter((name) => variableValue(input.env, name) === undefined)
    if (present.length > 0 && missing.length > 0 && !present.every((name) => environmentVariables.includes(name))) {
      warnings.push(`${present.join(", ")} ${present.length === 1 ? "is" : "are"} set without ${missing.join(", ")}; ignoring ${present.length === 1 ? "it" : "them"}`)
    }
  }

  if (chosen === undefined) {
    return Either.right({
      profile: defaultProfile,
      source: "default",
      explicit: false,
      useEnvironmentCredentials: environmentVariables.length > 0,
      environmentVariables,
      warnings,
      explanation: environmentVariables.length > 0
        ? `environment credentials (${environmentVariables.join(", ")}); no profile named`
        : "default profile (no profile named)"
    })
  }

  return Either.map(parseProfileName(chosen.value!), (profile) => {
    const explanation = chosen.explanation(profile)
    for (const shadowed of candidates.slice(chosenIndex + 1)) {
      if (shadowed.variable !== undefined && shadowed.value !== undefined && shadowed.value !== profile) {
        warnings.push(`${explanation} wins over ${shadowed.variable}=${shadowed.value}`)
      }
    }
    if (environmentVariables.length > 0) {
      warnings.push(`profile ${profile} (${explanation}) wins; ignoring ${environmentVariables.join(", ")}`)
    }
    return {
      profile,
      source: chosen.source,
      ...(chosen.variable !== undefined ? { variable: chosen.variable } : {}),
      explicit: true,
      useEnvironmentCredentials: false,
      environmentVariables,
      warnings,
      explanation
    }
  })
}
