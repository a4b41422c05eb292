/**
 * The Cloudflare OAuth client on `oauth4webapi`: authorization code + PKCE (S256) + `state` with a loopback
 * callback server (or a pasted redirect URL), token refresh and RFC 7009 revocation.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { Interaction } from "@alchemy/profile-core/Interaction"
import type { NonInteractive } from "@alchemy/profile-core/Errors"
import { registerSecret } from "@alchemy/profile-core/Redaction"
import * as oauth from "oauth4webapi"
import * as CloudflareEndpoints from "./CloudflareEndpoints.js"
import { CloudflareInputError, CloudflareOAuthError } from "./CloudflareErrors.js"
import type { OAuthCredentials } from "./CloudflareProfile.js"
import * as CallbackServer from "./internal/callbackServer.js"
import * as Pages from "./internal/pages.js"
import * as Scopes from "./internal/scopes.js"

/**
 * The scopes a deploy tool asks for by default.
 *
 * @since 0.1.0
 */
export const defaultScopes: ReadonlyArray<string> = Scopes.defaultScopes

/**
 * Every scope registered for OAuth clients: the defaults first, then the others (for a "customise" picker).
 *
 * @since 0.1.0
 */
export const scopeCatalogue: ReadonlyArray<string> = [...Scopes.defaultScopes, ...Scopes.otherScopes]

/**
 * Always requested so a refresh token is issued.
 *
 * @since 0.1.0
 */
export const offlineAccess = "offline_access"

/**
 * Parse a space/comma separated scope list (`--scopes`). `offline_access` is implied and dropped here; the word
 * `default` stands for the default scope list (`--scopes default,d1:write` adds to it).
 *
 * @since 0.1.0
 */
export const parseScopes = (input: string): Effect.Effect<ReadonlyArray<string>, CloudflareInputError> => {
  const words = input.split(/[\s,]+/).flatMap((s) => (s === "default" ? defaultScopes : [s]))
  const scopes = [...new Set(words.filter((s) => s !== "" && s !== offlineAccess))]
  const bad = scopes.filter((s) => !Scopes.scopePattern.test(s))
  if (bad.length > 0) {
    return Effect.fail(
      new CloudflareInputError({ field: "--scopes", detail: `not a scope: ${bad.map((s) => JSON.stringify(s.slice(0, 40))).join(", ")}` })
    )
  }
  if (scopes.length === 0) return Effect.fail(new CloudflareInputError({ field: "--scopes", detail: "no scope given" }))
  return Effect.succeed(scopes)
}

/** The oauth4webapi view of the endpoints. */
const server = (endpoints: CloudflareEndpoints.CloudflareEndpoints) => {
  const as: oauth.AuthorizationServer = {
    issuer: endpoints.oauthOrigin,
    authorization_endpoint: endpoints.authorizeUrl,
    token_endpoint: endpoints.tokenUrl,
    revocation_endpoint: endpoints.revokeUrl
  }
  const client: oauth.Client = { client_id: endpoints.clientId, token_endpoint_auth_method: "none" }
  const options = endpoints.allowInsecure ? { [oauth.allowInsecureRequests]: true } : {}
  return { as, client, options }
}

const describeOAuthFailure = (e: unknown): { readonly code: string; readonly detail: string } => {
  if (e instanceof oauth.ResponseBodyError) {
    return { code: e.error, detail: `${e.error} (HTTP ${e.status})` }
  }
  if (e instanceof oauth.AuthorizationResponseError) return { code: e.error, detail: e.error }
  if (e instanceof oauth.WWWAuthenticateChallengeError) return { code: "challenge", detail: `HTTP ${e.status}` }
  if (e instanceof oauth.OperationProcessingError) return { code: e.code ?? "processing", detail: e.message }
  if (e instanceof TypeError) return { code: "network", detail: `network error (${e.message})` }
  return { code: "unknown", detail: e instanceof Error ? e.name : "unknown error" }
}

const toCredentials = (
  response: oauth.TokenEndpointResponse,
  requested: ReadonlyArray<string>,
  previousRefresh: Redacted.Redacted<string> | undefined,
  nowMillis: number
): Option.Option<OAuthCredentials> => {
  const refresh = response.refresh_token !== undefined && response.refresh_token !== ""
    ? Redacted.make(response.refresh_token)
    : previousRefresh
  if (refresh === undefined) return Option.none()
  registerSecret(response.access_token)
  registerSecret(refresh)
  const granted = typeof response.scope === "string" && response.scope.trim() !== ""
    ? response.scope.trim().split(/\s+/).filter((s) => s !== offlineAccess)
    : requested
  return Option.some({
    type: "oauth",
    access: Redacted.make(response.access_token),
    refresh,
    expires: nowMillis + (response.expires_in ?? 3600) * 1000,
    scopes: [...granted]
  })
}

/**
 * Options of a browser login.
 *
 * @since 0.1.0
 */
export interface LoginOptions {
  readonly scopes: ReadonlyArray<string>
  /** Print the URL and read the pasted redirect URL instead of running the callback server. */
  readonly noBrowser?: boolean | undefined
  /** How long to wait for the browser (default 5 minutes). */
  readonly timeout?: Duration.DurationInput | undefined
}

/**
 * Authorize in a browser and exchange the code: returns the new credentials (nothing is written here).
 *
 * @since 0.1.0
 */
export const login = (
  options: LoginOptions
): Effect.Effect<OAuthCredentials, CloudflareOAuthError | NonInteractive, Interaction> =>
  Effect.scoped(Effect.gen(function*() {
    const interaction = yield* Interaction
    const endpoints = yield* CloudflareEndpoints.current
    const { as, client, options: httpOptions } = server(endpoints)
    const verifier = oauth.generateRandomCodeVerifier()
    const challenge = yield* Effect.promise(() => oauth.calculatePKCECodeChallenge(verifier))
    const state = oauth.generateRandomState()
    const requested = options.scopes.filter((s) => s !== offlineAccess)

    const authorizeUrl = (redirectUri: string) => {
      const url = new URL(endpoints.authorizeUrl)
      url.searchParams.set("response_type", "code")
      url.searchParams.set("client_id", endpoints.clientId)
      url.searchParams.set("redirect_uri", redirectUri)
      url.searchParams.set("scope", [...requested, offlineAccess].join(" "))
      url.searchParams.set("state", state)
      url.searchParams.set("code_challenge", challenge)
      url.searchParams.set("code_challenge_method", "S256")
      return url.toString()
    }

    const exchange = (redirectUri: string, callback: URL) =>
      Effect.gen(function*() {
        const params = yield* Effect.try({
          try: () => oauth.validateAuthResponse(as, client, callback, state),
          catch: (e) => {
            const failure = describeOAuthFailure(e)
            return failure.code === "access_denied"
              ? new CloudflareOAuthError({ reason: "AccessDenied", detail: "access_denied" })
              : new CloudflareOAuthError({ reason: "InvalidCallback", detail: failure.detail })
          }
        })
        const response = yield* Effect.tryPromise({
          try: async () => {
            const res = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri, verifier, httpOptions)
            return oauth.processAuthorizationCodeResponse(as, client, res)
          },
          catch: (e) => new CloudflareOAuthError({ reason: "TokenExchange", detail: describeOAuthFailure(e).detail })
        })
        return yield* toCredentials(response, requested, undefined, yield* Clock.currentTimeMillis).pipe(
          Effect.mapError(() =>
            new CloudflareOAuthError({
              reason: "TokenExchange",
              detail: "no refresh token was issued (offline_access not granted)"
            })
          )
        )
      })

    const timeout = Duration.decode(options.timeout ?? Duration.minutes(5))
    const timedOut = new CloudflareOAuthError({
      reason: "Timeout",
      detail: `no authorization arrived within ${Duration.format(timeout)}`
    })

    if (options.noBrowser) {
      const redirectUri = endpoints.callback._tag === "fixed"
        ? endpoints.callback.redirectUri
        : `http://127.0.0.1:${CloudflareEndpoints.defaultCallbackPort}${CloudflareEndpoints.callbackPath}`
      yield* interaction.info(`Open this URL in a browser and authorize Alchemy:\n\n  ${authorizeUrl(redirectUri)}\n`)
      const pasted = yield* interaction.text({
        message: "Paste the full URL your browser was redirected to (it starts with " + redirectUri + ")",
        flag: "a terminal (--no-browser reads the redirect URL from the prompt)"
      })
      const url = yield* Effect.try({
        try: () => new URL(pasted.trim()),
        catch: () => new CloudflareOAuthError({ reason: "InvalidCallback", detail: "the pasted text is not a URL" })
      })
      if (url.searchParams.get("state") !== state) {
        return yield* new CloudflareOAuthError({
          reason: "InvalidCallback",
          detail: "the state in the pasted URL does not match this login"
        })
      }
      return yield* exchange(redirectUri, url)
    }

    const arrived = yield* Deferred.make<CallbackServer.Accepted>()
    const callback = yield* CallbackServer.start({
      port: endpoints.callback._tag === "fixed" ? endpoints.callback.port : 0,
      path: CloudflareEndpoints.callbackPath,
      notFoundPage: Pages.notFound,
      alreadyDonePage: Pages.alreadyDone,
      decide: (url) =>
        url.searchParams.get("state") === state
          ? { _tag: "Accept" }
          : { _tag: "Ignore", status: 400, page: Pages.stateMismatch },
      onAccept: (accepted) => Deferred.unsafeDone(arrived, Effect.succeed(accepted))
    })
    const redirectUri = endpoints.callback._tag === "fixed"
      ? endpoints.callback.redirectUri
      : `http://127.0.0.1:${callback.port}${CloudflareEndpoints.callbackPath}`
    const url = authorizeUrl(redirectUri)
    yield* interaction.info(`Opening your browser to log in to Cloudflare. If it does not open, visit:\n\n  ${url}\n`)
    yield* interaction.openUrl(url)
    const accepted = yield* Deferred.await(arrived).pipe(
      Effect.timeoutFail({ duration: timeout, onTimeout: () => timedOut })
    )
    return yield* exchange(redirectUri, accepted.url).pipe(
      Effect.tapBoth({
        onFailure: (e) => Effect.sync(() => accepted.respond(e.reason === "AccessDenied" ? 403 : 400, Pages.failure(e.message))),
        onSuccess: () => Effect.sync(() => accepted.respond(200, Pages.success))
      })
    )
  }))

/**
 * Why a refresh failed: `invalid_grant` (the refresh token is dead or already rotated) or anything else.
 *
 * @since 0.1.0
 */
export type RefreshFailure =
  | { readonly _tag: "InvalidGrant" }
  | { readonly _tag: "Failed"; readonly error: CloudflareOAuthError }

/**
 * Exchange the refresh token. The old refresh token is kept when the reply carries none.
 *
 * @since 0.1.0
 */
export const refresh = (credentials: OAuthCredentials): Effect.Effect<OAuthCredentials, RefreshFailure> =>
  Effect.gen(function*() {
    const endpoints = yield* CloudflareEndpoints.current
    const { as, client, options } = server(endpoints)
    const response = yield* Effect.tryPromise({
      try: async () => {
        const res = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), Redacted.value(credentials.refresh), options)
        return oauth.processRefreshTokenResponse(as, client, res)
      },
      catch: (e): RefreshFailure => {
        const failure = describeOAuthFailure(e)
        return failure.code === "invalid_grant"
          ? { _tag: "InvalidGrant" }
          : { _tag: "Failed", error: new CloudflareOAuthError({ reason: "Refresh", detail: failure.detail }) }
      }
    })
    return Option.getOrThrow(toCredentials(response, credentials.scopes, credentials.refresh, yield* Clock.currentTimeMillis))
  })

/**
 * Revoke a token at the authorization server (RFC 7009: `token`, `token_type_hint`, `client_id`).
 *
 * @since 0.1.0
 */
export const revoke = (
  token: Redacted.Redacted<string>,
  hint: "refresh_token" | "access_token"
): Effect.Effect<void, CloudflareOAuthError> =>
  Effect.gen(function*() {
    const endpoints = yield* CloudflareEndpoints.current
    const { as, client, options } = server(endpoints)
    yield* Effect.tryPromise({
      try: async () => {
        const res = await oauth.revocationRequest(as, client, oauth.None(), Redacted.value(token), {
          ...options,
          additionalParameters: { token_type_hint: hint }
        })
        await oauth.processRevocationResponse(res)
      },
      catch: (e) => new CloudflareOAuthError({ reason: "Revoke", detail: describeOAuthFailure(e).detail })
    })
  })
