/**
 * Where Cloudflare lives: the API v4 base, the OAuth origin, the OAuth client id and how the login callback is
 * served. Real endpoints by default; `CLOUDFLARE_BASE_URL`, `ALCHEMY_CLOUDFLARE_OAUTH_URL` and
 * `ALCHEMY_CLOUDFLARE_CLIENT_ID` override them (DESIGN.md §5).
 *
 * The process environment is read through profile-core's `Environment` reference so tests and embedders can supply
 * their own.
 *
 * @since 0.1.0
 */
import { Environment } from "@alchemy/profile-core/Environment"
import * as Effect from "effect/Effect"

/**
 * The environment variables the provider reads (defaults to `process.env`): profile-core's `Environment`, re-exported
 * under its old name. It is the same reference (the same key), so providing one provides the other.
 *
 * @since 0.1.0
 */
export { Environment }

/** @since 0.1.0 */
export const defaultApiBaseUrl = "https://api.cloudflare.com/client/v4"
/** @since 0.1.0 */
export const defaultOAuthOrigin = "https://dash.cloudflare.com"
/** Alchemy's public OAuth client id. @since 0.1.0 */
export const defaultClientId = "6d8c2255-0773-45f6-b376-2914632e6f91"
/** The redirect URI registered for the real client. @since 0.1.0 */
export const defaultRedirectUri = "http://localhost:9976/auth/callback"
/** @since 0.1.0 */
export const defaultCallbackPort = 9976
/** @since 0.1.0 */
export const callbackPath = "/auth/callback"

/**
 * The resolved endpoints.
 *
 * @since 0.1.0
 */
export interface CloudflareEndpoints {
  readonly apiBaseUrl: string
  readonly oauthOrigin: string
  readonly authorizeUrl: string
  readonly tokenUrl: string
  readonly revokeUrl: string
  readonly clientId: string
  /**
   * `fixed`: the real client, callback on port 9976 with `http://localhost:9976/auth/callback`.
   * `loopback`: endpoints overridden, any free port with `http://127.0.0.1:<port>/auth/callback`.
   */
  readonly callback: { readonly _tag: "fixed"; readonly port: number; readonly redirectUri: string } | {
    readonly _tag: "loopback"
  }
  /** oauth4webapi refuses http:// unless allowed; allowed only for loopback hosts. */
  readonly allowInsecure: boolean
}

const trimSlash = (url: string) => url.replace(/\/+$/, "")

/**
 * Is the URL on this machine (127.0.0.0/8, ::1, localhost)?
 *
 * @since 0.1.0
 */
export const isLoopbackUrl = (url: string): boolean => {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, "")
    return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host)
  } catch {
    return false
  }
}

/**
 * Compute the endpoints from an environment record.
 *
 * @since 0.1.0
 */
export const fromEnvironment = (env: Readonly<Record<string, string | undefined>>): CloudflareEndpoints => {
  const apiBaseUrl = trimSlash(nonEmpty(env.CLOUDFLARE_BASE_URL) ?? defaultApiBaseUrl)
  const override = nonEmpty(env.ALCHEMY_CLOUDFLARE_OAUTH_URL)
  const oauthOrigin = trimSlash(override ?? defaultOAuthOrigin)
  return {
    apiBaseUrl,
    oauthOrigin,
    authorizeUrl: `${oauthOrigin}/oauth2/authorize`,
    tokenUrl: `${oauthOrigin}/oauth2/token`,
    revokeUrl: `${oauthOrigin}/oauth2/revoke`,
    clientId: nonEmpty(env.ALCHEMY_CLOUDFLARE_CLIENT_ID) ?? defaultClientId,
    callback: override === undefined
      ? { _tag: "fixed", port: defaultCallbackPort, redirectUri: defaultRedirectUri }
      : { _tag: "loopback" },
    allowInsecure: isLoopbackUrl(oauthOrigin)
  }
}

const nonEmpty = (s: string | undefined) => (s === undefined || s.trim() === "" ? undefined : s.trim())

/**
 * The endpoints for the current `Environment`.
 *
 * @since 0.1.0
 */
export const current: Effect.Effect<CloudflareEndpoints> = Effect.map(Environment, fromEnvironment)
