/**
 * Schemas of the files in the alchemy home: `config.json` (version 1, DESIGN §3) and the credentials-file
 * envelope. Decoding preserves unknown keys (`onExcessProperty: "preserve"`) so a rewrite never drops a field
 * written by a newer alchemy or by a provider.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type { ParseOptions } from "effect/SchemaAST"
import {
  checkVersion,
  type DecodeProblem,
  defineKey,
  describeParseError,
  hasOwn,
  isRecord,
  parseJson,
  transformKeeping
} from "./internal/decode.js"
import { isProfileName, isProviderId, ProfileName } from "./ProfileName.js"

/**
 * Options used for every decode and encode of a stored file: keep unknown keys, report every problem.
 *
 * @since 0.1.0
 */
export const parseOptions: ParseOptions = { onExcessProperty: "preserve", errors: "all" }

/**
 * The part of a provider entry core knows about. Providers decode the same JSON with their own (wider) schema.
 *
 * @since 0.1.0
 */
export const ProviderEntry = Schema.Struct({
  method: Schema.String,
  metadata: Schema.optional(Schema.Struct({ id: Schema.String, name: Schema.String })),
  /**
   * Where the provider's secret lives: absent for the credentials file, `"keychain"` for the OS keychain
   * (`CredentialStore.StoreKind`). Never the secret itself.
   */
  store: Schema.optional(Schema.String)
})
/** @since 0.1.0 */
export type ProviderEntry = typeof ProviderEntry.Type

/**
 * `{ version: 1, profiles: { <profile>: { <provider>: ProviderEntry } } }` plus any unknown top-level keys.
 *
 * @since 0.1.0
 */
export const ConfigFile = Schema.Struct({
  version: Schema.Literal(1),
  profiles: Schema.Record({ key: ProfileName, value: Schema.Record({ key: Schema.String, value: ProviderEntry }) })
})
/** @since 0.1.0 */
export type ConfigFile = typeof ConfigFile.Type
/** @since 0.1.0 */
export type ConfigFileEncoded = typeof ConfigFile.Encoded

/** The configuration of a home where nothing was configured yet. @since 0.1.0 */
export const empty: ConfigFile = { version: 1, profiles: {} }

/**
 * The envelope every credentials file shares: a JSON object with a string `type` (`oauth`, `api-token`, ...) and,
 * optionally, `version: 1`.
 *
 * @since 0.1.0
 */
export const CredentialsEnvelope = Schema.Struct({
  type: Schema.String,
  version: Schema.optional(Schema.Literal(1))
})

/**
 * What a version 1 `config.json` may hold that this version cannot use, kept as written: a profile name outside
 * the rule (written by `alchemy` 0.x, which accepts any key), a profile that is not an object, a key of a profile
 * that is not a provider id, or a provider entry that does not decode. Carried on the decoded objects under a
 * symbol (object spread copies it, JSON never sees it), so every rewrite puts them back byte for byte, in place.
 */
const carried: unique symbol = Symbol.for("@alchemy/profile-core/ConfigFile/carried")

interface Carried {
  /** The keys in the order the file had them. */
  readonly order: ReadonlyArray<string>
  /** Keys kept as written, with why they are not used. */
  readonly kept: ReadonlyMap<string, { readonly value: unknown; readonly reason: string }>
}

const carriedOf = (u: object): Carried | undefined => (u as { readonly [carried]?: Carried })[carried]

const carry = <A extends object>(target: A, value: Carried): A =>
  Object.defineProperty(target, carried, { value, enumerable: true, writable: false, configurable: true })

/**
 * Something in `config.json` that this version keeps but cannot use, and why (the reason names no value).
 *
 * @since 0.2.0
 */
export interface KeptEntry {
  /** The profile's key as written (may hold any character: escape it before printing). */
  readonly profile: string
  /** The key within the profile, when the profile itself is usable. */
  readonly key?: string
  readonly reason: string
}

/**
 * Everything kept but unusable, in file order: whole profiles first-class (`key` absent), then keys of usable
 * profiles.
 *
 * @since 0.2.0
 */
export const keptEntries = (config: ConfigFile): ReadonlyArray<KeptEntry> => {
  const out: Array<KeptEntry> = []
  const profiles = carriedOf(config.profiles)
  for (const [profile, { reason }] of profiles?.kept ?? []) out.push({ profile, reason })
  for (const [profile, entries] of Object.entries(config.profiles)) {
    for (const [key, { reason }] of carriedOf(entries)?.kept ?? []) out.push({ profile, key, reason })
  }
  return out
}

/**
 * The profile's entries, looked up as data only (`constructor`, `__proto__` never reach the prototype chain).
 *
 * @since 0.2.0
 */
export const profileOf = (
  config: ConfigFile,
  profile: string
): Readonly<Record<string, ProviderEntry>> | undefined =>
  hasOwn(config.profiles, profile) ? config.profiles[profile as ProfileName] : undefined

/**
 * The provider's entry of a profile, looked up as data only.
 *
 * @since 0.2.0
 */
export const providerOf = (config: ConfigFile, profile: string, provider: string): ProviderEntry | undefined => {
  const entries = profileOf(config, profile)
  return entries !== undefined && hasOwn(entries, provider) ? entries[provider] : undefined
}

/**
 * Why a provider entry that is present in the file cannot be used (it does not decode), if so.
 *
 * @since 0.2.0
 */
export const unusableReason = (config: ConfigFile, profile: string, provider: string): string | undefined => {
  const entries = profileOf(config, profile)
  return entries === undefined ? undefined : carriedOf(entries)?.kept.get(provider)?.reason
}

/**
 * Parse and decode the text of `config.json`. Never throws; never echoes values.
 *
 * @since 0.1.0
 */
export const decodeConfigText = (text: string): Either.Either<ConfigFile, DecodeProblem> =>
  Either.flatMap(parseJson(text), decodeConfigJson)

/**
 * Decode `config.json`'s JSON. Only the file as a whole can fail (not an object, no or another `version`,
 * `profiles` not an object); an entry this version cannot use is kept and reported by `keptEntries`.
 *
 * @since 0.1.0
 */
export const decodeConfigJson = (json: unknown): Either.Either<ConfigFile, DecodeProblem> =>
  Either.flatMap(checkVersion(json, { required: true }), (object): Either.Either<ConfigFile, DecodeProblem> => {
    if (!hasOwn(object, "profiles")) {
      return Either.left({ reason: "SchemaMismatch", detail: "profiles: is missing" })
    }
    if (!isRecord(object.profiles)) {
      return Either.left({ reason: "SchemaMismatch", detail: "profiles: expected an object keyed by profile name" })
    }
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(object)) {
      defineKey(out, key, key === "profiles" ? decodeProfiles(object.profiles) : object[key])
    }
    return Either.right(out as unknown as ConfigFile)
  })

const printableKey = (key: string): string => {
  // eslint-disable-next-line no-control-regex
  const escaped = JSON.stringify(key).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) =>
    `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
  return escaped.length > 72 ? `${escaped.slice(0, 70)}..."` : escaped
}

const decodeProfiles = (raw: Record<string, unknown>): ConfigFile["profiles"] => {
  const profiles: Record<string, unknown> = {}
  const kept = new Map<string, { value: unknown; reason: string }>()
  for (const name of Object.keys(raw)) {
    const value = raw[name]
    if (!isProfileName(name)) {
      kept.set(name, {
        value,
        reason: `${printableKey(name)} is not a valid profile name (1 to 64 letters, digits, '.', '_' or '-', ` +
          `starting with a letter or digit); rename it in config.json to use it`
      })
    } else if (!isRecord(value)) {
      kept.set(name, { value, reason: `profiles.${name}: expected an object of providers` })
    } else {
      defineKey(profiles, name, decodeProfile(name, value))
    }
  }
  return carry(profiles, { order: Object.keys(raw), kept }) as ConfigFile["profiles"]
}

const decodeProfile = (profile: string, raw: Record<string, unknown>): Record<string, ProviderEntry> => {
  const entries: Record<string, unknown> = {}
  const kept = new Map<string, { value: unknown; reason: string }>()
  for (const key of Object.keys(raw)) {
    const value = raw[key]
    if (!isProviderId(key)) {
      kept.set(key, { value, reason: `profiles.${profile}[${printableKey(key)}]: not a provider this version knows` })
      continue
    }
    Either.match(transformKeeping(value, ParseResult.decodeUnknownEither(ProviderEntry, parseOptions)), {
      onLeft: (error) =>
        kept.set(key, { value, reason: `profiles.${profile}.${key}: ${describeParseError(error)}` }),
      onRight: (entry) => defineKey(entries, key, entry)
    })
  }
  return carry(entries, { order: Object.keys(raw), kept }) as Record<string, ProviderEntry>
}

/** The object to write: the entries in use, and every kept key back at its place. */
const merge = (current: Record<string, unknown>, encode: (value: unknown) => unknown): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  const from = carriedOf(current)
  for (const key of from?.order ?? []) {
    if (hasOwn(current, key)) defineKey(out, key, encode(current[key]))
    else if (from!.kept.has(key)) defineKey(out, key, from!.kept.get(key)!.value)
  }
  for (const key of Object.keys(current)) {
    if (!hasOwn(out, key)) defineKey(out, key, encode(current[key]))
  }
  return out
}

/**
 * The text written to `config.json`: 2-space JSON with a trailing newline; every key kept where it was.
 *
 * @since 0.1.0
 */
export const encodeConfigText = (config: ConfigFile): string => {
  const out: Record<string, unknown> = {}
  const top = config as unknown as Record<string, unknown>
  for (const key of Object.keys(top)) {
    defineKey(
      out,
      key,
      key === "profiles"
        ? merge(config.profiles, (entries) => merge(entries as Record<string, unknown>, (entry) => entry))
        : top[key]
    )
  }
  return `${JSON.stringify(out, null, 2)}\n`
}

/**
 * Encode a value with a provider schema for writing, keeping unknown keys (a `__proto__` key too) as data.
 *
 * @since 0.2.0
 */
export const encodeKeeping = <A, I>(schema: Schema.Schema<A, I>, value: A): Either.Either<I, ParseResult.ParseIssue> =>
  transformKeeping(value, (input) => ParseResult.encodeEither(schema, parseOptions)(input as A))

/**
 * Decode one entry or file with a provider schema, keeping unknown keys (a `__proto__` key too) as data, in order.
 *
 * @since 0.2.0
 */
export const decodeKeeping = <A, I>(schema: Schema.Schema<A, I>, raw: unknown) =>
  transformKeeping(raw, ParseResult.decodeUnknownEither(schema, parseOptions))

/**
 * Decode one credentials file's text with a provider schema (after the envelope check).
 *
 * @since 0.1.0
 */
export const decodeCredentialsText = <A, I>(
  text: string,
  schema: Schema.Schema<A, I>
): Either.Either<A, DecodeProblem> =>
  Either.flatMap(parseJson(text), (json) =>
    Either.flatMap(checkVersion(json, { required: false }), (object) =>
      Either.flatMap(
        Either.mapLeft(
          ParseResult.decodeUnknownEither(CredentialsEnvelope, parseOptions)(object),
          (error): DecodeProblem => ({ reason: "SchemaMismatch", detail: describeParseError(error) })
        ),
        () =>
          Either.mapLeft(
            transformKeeping(object, ParseResult.decodeUnknownEither(schema, parseOptions)),
            (error): DecodeProblem => ({ reason: "SchemaMismatch", detail: describeParseError(error) })
          )
      )))
