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
import { checkVersion, type DecodeProblem, describeParseError, isRecord, parseJson, restoreOrder } from "./internal/decode.js"
import { isProfileName, ProfileName } from "./ProfileName.js"

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
  metadata: Schema.optional(Schema.Struct({ id: Schema.String, name: Schema.String }))
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
 * Parse and decode the text of `config.json`. Never throws; never echoes values.
 *
 * @since 0.1.0
 */
export const decodeConfigText = (text: string): Either.Either<ConfigFile, DecodeProblem> =>
  Either.flatMap(parseJson(text), decodeConfigJson)

/** @since 0.1.0 */
export const decodeConfigJson = (json: unknown): Either.Either<ConfigFile, DecodeProblem> =>
  Either.flatMap(Either.flatMap(checkVersion(json, { required: true }), checkProfileNames), (object) =>
    Either.mapBoth(ParseResult.decodeUnknownEither(ConfigFile, parseOptions)(object), {
      onLeft: (error): DecodeProblem => ({ reason: "SchemaMismatch", detail: describeParseError(error) }),
      onRight: (config) => restoreOrder(object, config)
    }))

/** Record keys that fail their refinement would be kept as "excess" keys under `preserve`: reject them first. */
const checkProfileNames = (object: Record<string, unknown>): Either.Either<Record<string, unknown>, DecodeProblem> => {
  const profiles = object.profiles
  if (!isRecord(profiles)) return Either.right(object)
  const bad = Object.keys(profiles).filter((name) => !isProfileName(name))
  return bad.length === 0 ? Either.right(object) : Either.left({
    reason: "SchemaMismatch",
    detail: `profiles: ${bad.slice(0, 3).map((name) => JSON.stringify(name.slice(0, 70))).join(", ")} ${
      bad.length === 1 ? "is not a valid profile name" : "are not valid profile names"
    } (1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit)`
  })
}

/**
 * The text written to `config.json`: 2-space JSON with a trailing newline.
 *
 * @since 0.1.0
 */
export const encodeConfigText = (config: ConfigFile): string =>
  `${JSON.stringify(restoreOrder(config, ParseResult.encodeSync(ConfigFile, parseOptions)(config)), null, 2)}\n`

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
            ParseResult.decodeUnknownEither(schema, parseOptions)(object),
            (error): DecodeProblem => ({ reason: "SchemaMismatch", detail: describeParseError(error) })
          )
      )))
