/**
 * Profile names and provider ids. Both become path segments on disk, so they are validated (and branded) before
 * anything touches the file system.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { InvalidProfileName } from "./Errors.js"

const profileNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
const providerIdPattern = /^[a-z][a-z0-9-]{0,31}$/

/**
 * `^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`, branded.
 *
 * @since 0.1.0
 */
export const ProfileName = Schema.String.pipe(
  Schema.pattern(profileNamePattern, {
    message: () => "a profile name is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"
  }),
  Schema.brand("ProfileName")
)
/** @since 0.1.0 */
export type ProfileName = typeof ProfileName.Type

/**
 * `^[a-z][a-z0-9-]{0,31}$`, branded (`cloudflare`, `aws`).
 *
 * @since 0.1.0
 */
export const ProviderId = Schema.String.pipe(Schema.pattern(providerIdPattern), Schema.brand("ProviderId"))
/** @since 0.1.0 */
export type ProviderId = typeof ProviderId.Type

/** @since 0.1.0 */
export const isProfileName = (u: unknown): u is ProfileName => typeof u === "string" && profileNamePattern.test(u)

/** @since 0.1.0 */
export const isProviderId = (u: unknown): u is ProviderId => typeof u === "string" && providerIdPattern.test(u)

/** A printable, bounded rendering of hostile input (NUL, control characters, very long strings). */
const printable = (input: string): string => {
  // eslint-disable-next-line no-control-regex
  const cleaned = input.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
  return cleaned.length > 80 ? `${cleaned.slice(0, 80)}...` : cleaned
}

const problem = (input: string): string => {
  if (input.length === 0) return "it is empty"
  if (input.length > 64) return `it is ${input.length} characters long (at most 64)`
  if (input.includes("\u0000")) return "it contains a NUL character"
  if (input.includes("/") || input.includes("\\")) return "it contains a path separator"
  if (!/^[A-Za-z0-9]/.test(input)) return "it must start with a letter or a digit"
  return "it contains characters other than letters, digits, '.', '_' and '-'"
}

/**
 * Synchronous validation, for callers that are not in an Effect (selection, argument parsing).
 *
 * @since 0.1.0
 */
export const parseProfileName = (input: string): Either.Either<ProfileName, InvalidProfileName> =>
  isProfileName(input)
    ? Either.right(input)
    : Either.left(new InvalidProfileName({ input: printable(input), detail: problem(input) }))

/**
 * @since 0.1.0
 */
export const decodeProfileName = (input: string): Effect.Effect<ProfileName, InvalidProfileName> =>
  Either.match(parseProfileName(input), { onLeft: Effect.fail, onRight: Effect.succeed })

/**
 * Unsafe constructor for literals known to be valid (`"default"`); throws on invalid input.
 *
 * @since 0.1.0
 */
export const unsafeMakeProfileName = (input: string): ProfileName =>
  Either.getOrThrowWith(parseProfileName(input), (e) => new Error(e.message))

/** @since 0.1.0 */
export const defaultProfile: ProfileName = "default" as ProfileName
