/**
 * What several commands share: choosing the profile for a provider (profile-core's `selectProfile`, DESIGN §4),
 * decoding profile names, and reporting credentials files others can read.
 */
import { auditProfiles } from "@alchemy/profile-core/Permissions"
import { decodeProfileName, type ProfileName } from "@alchemy/profile-core/ProfileName"
import { alchemyProfileVariable, type Selection, selectProfile, variableValue } from "@alchemy/profile-core/Selection"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Output from "./Output.js"
import type { Entry } from "./Providers.js"

export const env = (): Readonly<Record<string, string | undefined>> => process.env

/** DESIGN §4 for one provider, from the command's `--profile` and the app's `profile` (an `Either`: yield it). */
export const select = (
  provider: Entry,
  options: { readonly flag: Option.Option<string>; readonly app?: string | undefined; readonly appExplanation?: string | undefined }
) =>
  selectProfile({
    provider: provider.id,
    providerVariable: provider.profileVariable,
    environmentCredentials: provider.environmentCredentials,
    app: options.app,
    appExplanation: options.appExplanation,
    flag: Option.getOrUndefined(options.flag),
    env: env()
  })

/**
 * The profile a provider-agnostic command works on (`configure`, `login`, `logout`): `--profile`, else
 * `ALCHEMY_PROFILE` (unless empty or blank, as in `select`), else `default`.
 */
export const profileFor = (flag: Option.Option<string>) =>
  decodeProfileName(Option.getOrElse(flag, () => variableValue(env(), alchemyProfileVariable) ?? "default"))

/** The profile of a provider-agnostic view (`profile show`'s header): `--profile`, `ALCHEMY_PROFILE`, `default`. */
export const commandProfile = (flag: Option.Option<string>) => {
  const variable = variableValue(env(), alchemyProfileVariable)
  const [source, explanation] = Option.isSome(flag)
    ? ["flag", "--profile flag"] as const
    : variable !== undefined
    ? ["alchemy-variable", `ALCHEMY_PROFILE=${variable}`] as const
    : ["default", "default profile (no profile named)"] as const
  return Effect.map(profileFor(flag), (profile) => ({ profile, source, explanation }))
}

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
