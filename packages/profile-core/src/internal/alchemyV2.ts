/**
 * Alchemy v2's `profiles.json` homes (generations 2a, `version: 0`, and 2b, `version: 2`): what each of their
 * provider entries becomes in our layout. Pure: the caller reads their credentials files and writes ours.
 *
 * Their provider `Cloudflare`:
 * - `oauth` (+ `cloudflare-oauth.json` / `cf-oauth.json`) -> `cloudflare` `oauth`, `metadata` from `accountId`;
 * - `stored` (+ `cloudflare-stored.json` / `cf-stored.json`, type `apiToken` | `apiKey`) -> `api-token` | `api-key`,
 *   `metadata` from the file's `accountId`.
 * Their provider `AWS`:
 * - `sso` with `ssoProfile` -> `aws` `aws-profile` naming that `~/.aws/config` profile (`awsProfile`);
 * - `stored` (+ `aws-stored.json` / `aws.json`) -> `access-keys`, `region` and `metadata.id` from the file.
 * `method: "env"` and other providers have nothing to move.
 *
 * @internal
 */
import { isRecord } from "./decode.js"

/** @internal */
export type Generation = "2a" | "2b"

/** Their credentials file names, newest first, per provider and method. @internal */
export const sourceFiles = {
  cloudflareOauth: ["cloudflare-oauth.json", "cf-oauth.json"],
  cloudflareStored: ["cloudflare-stored.json", "cf-stored.json"],
  awsStored: ["aws-stored.json", "aws.json"]
} as const

/** Which of their files a provider entry needs, if any. @internal */
export const sourceFilesFor = (provider: string, entry: Record<string, unknown>): ReadonlyArray<string> => {
  if (provider === "Cloudflare" && entry.method === "oauth") return sourceFiles.cloudflareOauth
  if (provider === "Cloudflare" && entry.method === "stored") return sourceFiles.cloudflareStored
  if (provider === "AWS" && entry.method === "stored") return sourceFiles.awsStored
  return []
}

/** One of their credentials files, as found next to the entry. @internal */
export interface SourceFile {
  /** File name inside `credentials/<profile>/`. */
  readonly name: string
  readonly json: unknown
}

/** What one of their provider entries becomes. @internal */
export type Conversion =
  | {
    readonly _tag: "Convert"
    /** Our provider id. */
    readonly provider: "cloudflare" | "aws"
    /** The entry for `config.json` (no secret). */
    readonly entry: Record<string, unknown>
    /** Our credentials file content, when they had one. */
    readonly credentials?: Record<string, unknown>
    /** Why no credentials file is written (their file is missing), for the report. */
    readonly note?: string
  }
  | { readonly _tag: "Skip"; readonly reason: string }

const skip = (reason: string): Conversion => ({ _tag: "Skip", reason })

const isString = (u: unknown): u is string => typeof u === "string" && u.length > 0
const isStringArray = (u: unknown): u is ReadonlyArray<string> =>
  Array.isArray(u) && u.every((s) => typeof s === "string")

/** Everything but `keys` (their unknown fields travel with the entry or the file). */
const without = (record: Record<string, unknown>, keys: ReadonlyArray<string>): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(record)) if (!keys.includes(key)) out[key] = value
  return out
}

const cloudflareAccountId = /^[0-9a-f]{32}$/

/**
 * Cloudflare metadata needs `{ id, name }`; only the id is known, so the name is the id (as `configure` does when
 * the API gives no name). An id that is not a Cloudflare account id is left out: the provider would refuse it.
 */
const cloudflareMetadata = (accountId: unknown): Record<string, unknown> =>
  typeof accountId === "string" && cloudflareAccountId.test(accountId)
    ? { metadata: { id: accountId, name: accountId } }
    : {}

const noFile = (profile: string) => `no credentials file: run alchemy login --profile ${profile}`

/**
 * Convert one of their provider entries. `file` is the first of `sourceFilesFor(provider, entry)` that exists.
 *
 * @internal
 */
export const convert = (
  profile: string,
  provider: string,
  entry: unknown,
  file: SourceFile | undefined
): Conversion => {
  if (!isRecord(entry) || typeof entry.method !== "string") return skip("unexpected shape")
  if (entry.method === "env") return skip("method env")
  switch (provider) {
    case "Cloudflare":
      return cloudflare(profile, entry, file)
    case "AWS":
      return aws(profile, entry, file)
    default:
      return skip("unknown provider")
  }
}

const cloudflare = (profile: string, entry: Record<string, unknown>, file: SourceFile | undefined): Conversion => {
  const extra = without(entry, ["method", "scopes", "accountId", "credentialType"])
  if (entry.method === "oauth") {
    if (entry.scopes !== undefined && !isStringArray(entry.scopes)) return skip("unexpected shape")
    const scopes = entry.scopes
    const config = {
      ...extra,
      method: "oauth",
      ...cloudflareMetadata(entry.accountId),
      ...(scopes !== undefined ? { scopes } : {})
    }
    if (file === undefined) return { _tag: "Convert", provider: "cloudflare", entry: config, note: noFile(profile) }
    const json = file.json
    if (
      !isRecord(json) || json.type !== "oauth" || !isString(json.access) || !isString(json.refresh) ||
      typeof json.expires !== "number" || (json.scopes !== undefined && !isStringArray(json.scopes))
    ) return skip(`${file.name} of an unexpected shape`)
    // Same shape as ours; extra keys (clientId, ...) are kept.
    return {
      _tag: "Convert",
      provider: "cloudflare",
      entry: config,
      credentials: { ...json, scopes: json.scopes ?? scopes ?? [] }
    }
  }
  if (entry.method === "stored") {
    const declared = entry.credentialType
    if (file === undefined) {
      const method = declared === "apiToken" ? "api-token" : declared === "apiKey" ? "api-key" : undefined
      if (method === undefined) return skip("unexpected shape")
      return { _tag: "Convert", provider: "cloudflare", entry: { ...extra, method }, note: noFile(profile) }
    }
    const json = file.json
    if (!isRecord(json)) return skip(`${file.name} of an unexpected shape`)
    const rest = without(json, ["type", "accountId", "apiToken", "apiKey", "email"])
    if (json.type === "apiToken" && isString(json.apiToken)) {
      return {
        _tag: "Convert",
        provider: "cloudflare",
        entry: { ...extra, method: "api-token", ...cloudflareMetadata(json.accountId) },
        credentials: { type: "api-token", apiToken: json.apiToken, ...rest }
      }
    }
    if (json.type === "apiKey" && isString(json.apiKey) && isString(json.email)) {
      return {
        _tag: "Convert",
        provider: "cloudflare",
        entry: { ...extra, method: "api-key", ...cloudflareMetadata(json.accountId) },
        credentials: { type: "api-key", apiKey: json.apiKey, email: json.email, ...rest }
      }
    }
    return skip(`${file.name} of an unexpected shape`)
  }
  return skip(`unexpected shape (method ${printableMethod(entry.method)})`)
}

const aws = (profile: string, entry: Record<string, unknown>, file: SourceFile | undefined): Conversion => {
  if (entry.method === "sso") {
    if (!isString(entry.ssoProfile)) return skip("unexpected shape")
    return {
      _tag: "Convert",
      provider: "aws",
      entry: { ...without(entry, ["method", "ssoProfile"]), method: "aws-profile", awsProfile: entry.ssoProfile }
    }
  }
  if (entry.method === "stored") {
    const extra = without(entry, ["method"])
    if (file === undefined) {
      return { _tag: "Convert", provider: "aws", entry: { ...extra, method: "access-keys" }, note: noFile(profile) }
    }
    const json = file.json
    if (
      !isRecord(json) || json.type !== undefined || !isString(json.accessKeyId) || !isString(json.secretAccessKey) ||
      (json.sessionToken !== undefined && json.sessionToken !== null && !isString(json.sessionToken)) ||
      (json.region !== undefined && typeof json.region !== "string") ||
      (json.accountId !== undefined && typeof json.accountId !== "string")
    ) return skip(`${file.name} of an unexpected shape`)
    const rest = without(json, ["accountId", "accessKeyId", "secretAccessKey", "sessionToken", "region"])
    return {
      _tag: "Convert",
      provider: "aws",
      entry: {
        ...extra,
        method: "access-keys",
        ...(isString(json.region) ? { region: json.region } : {}),
        // AWS metadata is `{ id: account, name: arn }`; the ARN is unknown until the next sign-in ("" is what the
        // provider stores when STS gives none, and it shows no arn line for it).
        ...(isString(json.accountId) ? { metadata: { id: json.accountId, name: "" } } : {})
      },
      credentials: {
        type: "access-keys",
        accessKeyId: json.accessKeyId,
        secretAccessKey: json.secretAccessKey,
        ...(isString(json.sessionToken) ? { sessionToken: json.sessionToken } : {}),
        ...rest
      }
    }
  }
  return skip(`unexpected shape (method ${printableMethod(entry.method)})`)
}

/** JSON.stringify escapes control characters: safe to print. */
const printableMethod = (method: unknown) => JSON.stringify(String(method).slice(0, 20))

/**
 * Is a file in our `aws.json` slot ours (it has a `type`) or Alchemy v2's (no `type`)?
 *
 * @internal
 */
export const isOurs = (json: unknown): boolean => isRecord(json) && typeof json.type === "string"

/**
 * The provider entries of one of their profiles, or why there are none.
 *
 * @internal
 */
export const providersOf = (
  generation: Generation,
  profile: unknown
): { readonly providers: Record<string, unknown> } | { readonly problem: string } => {
  if (!isRecord(profile)) return { problem: "not an object" }
  if (generation === "2a") return { providers: profile }
  if (profile.providers === undefined) return { providers: {} }
  return isRecord(profile.providers) ? { providers: profile.providers } : { problem: "providers: not an object" }
}
