/**
 * What several commands share: choosing the profile for a provider (profile-core's `selectProfile`, DESIGN §4),
 * decoding profile names, and reporting credentials files others can read.
 */
import { auditProfiles } from "@alchemy/profile-core/Permissions"
import { decodeProfileName, type ProfileName } from "@alchemy/profile-core/ProfileName"
import { alchemyProfileVariable, type Selection, selectProfile, variableValue } from "@alchemy/profile-core/Selection"
import { Environment } from "@alchemy/profile-core/Environment"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Output from "./Output.js"
import type { Entry } from "./Providers.js"

/** The environment variables a command reads (profile-core's `Environment`: the process's unless a test gives others). */
export const env: Effect.Effect<Readonly<Record<string, string | undefined>>> = Environment

/** DESIGN §4 for one provider, from the command's `--profile` and the app's `profile` (an `Either`: yield it). */
export const select = (
  provider: Entry,
  options: { readonly flag: Option.Option<string>; readonly app?: string | undefined; readonly appExplanation?: string | undefined }
) =>
  Effect.flatMap(env, (variables) =>
    selectProfile({
      provider: provider.id,
      providerVariable: provider.profileVariable,
      environmentCredentials: provider.environmentCredentials,
      app: options.app,
      appExplanation: options.appExplanation,
      flag: Option.getOrUndefined(options.flag),
      env: variables
    }))

/**
 * The profile a provider-agnostic command works on (`configure`, `login`, `logout`): `--profile`, else
 * `ALCHEMY_PROFILE` (unless empty or blank, as in `select`), else `default`.
 */
export const profileFor = (flag: Option.Option<string>) =>
  Effect.flatMap(env, (variables) =>
    decodeProfileName(Option.getOrElse(flag, () => variableValue(variables, alchemyProfileVariable) ?? "default")))

/** The profile of a provider-agnostic view (`profile show`'s header): `--profile`, `ALCHEMY_PROFILE`, `default`. */
export const commandProfile = (flag: Option.Option<string>) => Effect.flatMap(env, (variables) => {
  const variable = variableValue(variables, alchemyProfileVariable)
  const [source, explanation] = Option.isSome(flag)
    ? ["flag", "--profile flag"] as const
    : variable !== undefined
    ? ["alchemy-variable", `ALCHEMY_PROFILE=${variable}`] as const
    : ["default", "default profile (no profile named)"] as const
  return Effect.map(profileFor(flag), (profile) => ({ profile, source, explanation }))
})

/**
 * DESIGN §8: every command that reads a profile's secrets (env, exec, aws credential-process, the stack commands,
 * login, profile show) warns on stderr when its credentials files, their directories, config.json or the home can
 * be read or written by others, naming each path and the `chmod` that fixes it. It changes nothing.
 */
export const warnExposed = (profiles: Iterable<string>) =>
  Effect.flatMap(
    auditProfiles([...new Set(profiles)]),
    Effect.forEach((exposure) => Output.warning(exposure.message), { discard: true })
  )

export type { ProfileName, Selection }
