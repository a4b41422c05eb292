/**
 * The API credential of stored credentials: the OAuth access token or the API token as a bearer token, or the
 * global key with its email.
 *
 * @internal
 */
import type { Credential } from "../CloudflareApi.js"
import type { StoredCredentials } from "../CloudflareProfile.js"

export const credentialOf = (stored: StoredCredentials): Credential =>
  stored.type === "oauth"
    ? { _tag: "Bearer", token: stored.access }
    : stored.type === "api-token"
    ? { _tag: "Bearer", token: stored.apiToken }
    : { _tag: "GlobalKey", key: stored.apiKey, email: stored.email }
