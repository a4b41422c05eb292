/**
 * What a Cloudflare profile stores: the non-secret entry in `config.json` and the secret credentials file
 * `credentials/<profile>/cloudflare.json` (DESIGN.md §3). Secrets decode to `Redacted`.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { Account } from "./AccountId.js"

/**
 * The key of this provider in `config.json` and the name of its credentials file.
 *
 * @since 0.1.0
 */
export const providerId = "cloudflare"

/**
 * The three ways to authenticate to Cloudflare.
 *
 * @since 0.1.0
 */
export const Method = Schema.Literal("oauth", "api-token", "api-key")

/**
 * @since 0.1.0
 */
export type Method = typeof Method.Type

/**
 * The name of an environment variable: a letter or `_`, then letters, digits or `_`.
 *
 * @since 0.3.0
 */
export const variableNamePattern = /^[A-Za-z_][A-Za-z0-9_]*$/

/**
 * An environment variable's name (never its value).
 *
 * @since 0.3.0
 */
export const VariableName = Schema.String.pipe(
  Schema.pattern(variableNamePattern, {
    message: () => "an environment variable name is a letter or _ followed by letters, digits or _"
  })
)

/**
 * Secrets by reference: for a method's secret, the environment variable it is read from each time it is used
 * (`{"api-token":"CF_PROD_TOKEN"}`), instead of a credentials file. Holds names only, never values.
 *
 * @since 0.3.0
 */
export const SecretVariables = Schema.Struct({
  "api-token": Schema.optional(VariableName),
  "api-key": Schema.optional(VariableName)
})

/**
 * @since 0.3.0
 */
export type SecretVariables = typeof SecretVariables.Type

/**
 * The `cloudflare` entry of a profile in `config.json`: method, chosen account, granted scopes (oauth); for a
 * secret kept by reference, the variable it is read from (`variables`) and, for `api-key`, the account's email.
 *
 * @since 0.1.0
 */
export const Entry = Schema.Struct({
  method: Method,
  metadata: Schema.optional(Account),
  scopes: Schema.optional(Schema.Array(Schema.String)),
  variables: Schema.optional(SecretVariables),
  email: Schema.optional(Schema.String)
})

/**
 * @since 0.1.0
 */
export type Entry = typeof Entry.Type

/**
 * OAuth tokens: `{"type":"oauth","access","refresh","expires","scopes"}`, `expires` in epoch milliseconds.
 *
 * @since 0.1.0
 */
export const OAuthCredentials = Schema.Struct({
  type: Schema.Literal("oauth"),
  access: Schema.Redacted(Schema.String),
  refresh: Schema.Redacted(Schema.String),
  expires: Schema.Number,
  scopes: Schema.Array(Schema.String)
})

/**
 * @since 0.1.0
 */
export type OAuthCredentials = typeof OAuthCredentials.Type

/**
 * An API token: `{"type":"api-token","apiToken"}`.
 *
 * @since 0.1.0
 */
export const ApiTokenCredentials = Schema.Struct({
  type: Schema.Literal("api-token"),
  apiToken: Schema.Redacted(Schema.String)
})

/**
 * @since 0.1.0
 */
export type ApiTokenCredentials = typeof ApiTokenCredentials.Type

/**
 * A global API key with its email: `{"type":"api-key","apiKey","email"}`.
 *
 * @since 0.1.0
 */
export const ApiKeyCredentials = Schema.Struct({
  type: Schema.Literal("api-key"),
  apiKey: Schema.Redacted(Schema.String),
  email: Schema.String
})

/**
 * @since 0.1.0
 */
export type ApiKeyCredentials = typeof ApiKeyCredentials.Type

/**
 * Any Cloudflare credentials file.
 *
 * @since 0.1.0
 */
export const StoredCredentials = Schema.Union(OAuthCredentials, ApiTokenCredentials, ApiKeyCredentials)

/**
 * @since 0.1.0
 */
export type StoredCredentials = typeof StoredCredentials.Type
