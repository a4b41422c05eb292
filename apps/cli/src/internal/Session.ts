/**
 * What several commands share: choosing the profile for a provider (profile-core's `selectProfile`, DESIGN §4)
 * and decoding profile names.
 */
import { decodeProfileName, type ProfileName } from "@alchemy/profile-core/ProfileName"
import { type Selection, selectProfile } from "@alchemy/profile-core/Selection"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Entry } from "./Providers.js"

export const env = (): Readonly<Record<string, string | undefined>> => process.env

/** DESIGN §4 for one provider, from the command's `--profile` and the app's `profile` (an `Either`: yield it). */
export const select = (
  provider: Entry,
  options: { readonly flag: Option.Option<string>; readonly app?: string | undefined }
) =>
  selectProfile({
    provider: provider.id,
    providerVariable: provider.profileVariable,
    environmentCredentials: provider.environmentCredentials,
    app: options.app,
    flag: Option.getOrUndefined(options.flag),
    env: env()
  })

/**
 * The profile a provider-agnostic command works on (`configure`, `login`, `logout`): `--profile`, else
 * `ALCHEMY_PROFILE`, else `default`.
 */
export const profileFor = (flag: Option.Option<string>) =>
  decodeProfileName(Option.getOrElse(flag, () => {
    const v = env().ALCHEMY_PROFILE
    return v === undefined || v === "" ? "default" : v
  }))

/** The profile of a provider-agnostic view (`profile show`'s header): `--profile`, `ALCHEMY_PROFILE`, `default`. */
export const commandProfile = (flag: Option.Option<string>) => {
  const variable = env().ALCHEMY_PROFILE
  const [source, explanation] = Option.isSome(flag)
    ? ["flag", "--profile flag"] as const
    : variable !== undefined && variable !== ""
    ? ["alchemy-variable", `ALCHEMY_PROFILE=${variable}`] as const
    : ["default", "default profile (no profile named)"] as const
  return Effect.map(profileFor(flag), (profile) => ({ profile, source, explanation }))
}

export type { ProfileName, Selection }
