/**
 * The OAuth origin: `/oauth2/authorize` (+ `/oauth2/auth`), the consent form, `/oauth2/token`, `/oauth2/revoke`.
 *
 * @internal
 */
import { createHash, timingSafeEqual } from "node:crypto"
import type { IncomingMessage, ServerResponse } from "node:http"
import { consentPage, errorPage } from "./consentPage.js"
import { readForm, redirect, sendHtml, sendJson } from "./http.js"
import { knownScopes } from "./scopes.js"
import type { EmulatorState, InjectedFailure, PendingConsent } from "./state.js"
import { randomToken } from "./state.js"

const loopbackHosts = new Set(["127.0.0.1", "localhost", "[::1]"])

/** `null` when `redirectUri` is acceptable, else why not. */
const checkRedirectUri = (state: EmulatorState, redirectUri: string | null): string | null => {
  if (redirectUri === null || redirectUri === "") return "redirect_uri is missing"
  let url: URL
  try {
    url = new URL(redirectUri)
  } catch {
    return "redirect_uri is not a URL"
  }
  if (url.protocol !== "http:") return "redirect_uri must use http on a loopback address"
  if (!loopbackHosts.has(url.hostname)) return "redirect_uri must point to 127.0.0.1, localhost or [::1]"
  if (url.hash !== "") return "redirect_uri must not have a fragment"
  if (url.username !== "" || url.password !== "") return "redirect_uri must not carry credentials"
  const registered = state.config.redirectUris
  if (registered !== undefined && !registered.includes(redirectUri)) {
    return "redirect_uri is not registered for this client"
  }
  return null
}

/** `redirectUri` with `params` added to its query. */
const withParams = (redirectUri: string, params: Record<string, string | undefined>): string => {
  const url = new URL(redirectUri)
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) url.searchParams.set(key, value)
  }
  return url.toString()
}

const parseScopes = (raw: string | null): Array<string> =>
  raw === null ? [] : [...new Set(raw.split(/[\s+]+/).filter((s) => s !== ""))]

const pkceChallengePattern = /^[A-Za-z0-9_-]{43}$/
const pkceVerifierPattern = /^[A-Za-z0-9._~-]{43,128}$/

/** GET `/oauth2/authorize`: validates the request, then renders the consent page (or approves directly). */
export const authorize = (state: EmulatorState, url: URL, res: ServerResponse): void => {
  state.counters.authorize++
  const failure = state.takeFailure("/oauth2/authorize")
  if (failure !== undefined) {
    sendHtml(res, failure.status, errorPage("Cloudflare error", failureText(failure)))
    return
  }
  const q = url.searchParams
  const clientId = q.get("client_id")
  if (clientId !== state.config.clientId) {
    sendHtml(res, 400, errorPage("Invalid client", "The client_id is missing or not registered."))
    return
  }
  const redirectUri = q.get("redirect_uri")
  const redirectProblem = checkRedirectUri(state, redirectUri)
  if (redirectProblem !== null || redirectUri === null) {
    sendHtml(res, 400, errorPage("Invalid redirect URI", redirectProblem ?? "redirect_uri is missing"))
    return
  }
  const stateParam = q.get("state") ?? undefined
  const fail = (error: string, description: string) =>
    redirect(res, withParams(redirectUri, { error, error_description: description, state: stateParam }))

  if (q.get("response_type") !== "code") return fail("unsupported_response_type", "response_type must be code")
  if (q.get("code_challenge_method") !== "S256") {
    return fail("invalid_request", "code_challenge_method must be S256")
  }
  const codeChallenge = q.get("code_challenge") ?? ""
  if (!pkceChallengePattern.test(codeChallenge)) {
    return fail("invalid_request", "code_challenge must be a base64url SHA-256 digest (43 characters)")
  }
  if (stateParam === undefined || stateParam.length < 8) {
    return fail("invalid_request", "state is missing or shorter than 8 characters")
  }
  const scopes = parseScopes(q.get("scope"))
  if (scopes.length === 0) return fail("invalid_scope", "scope is missing")
  const unknown = scopes.filter((s) => !knownScopes.has(s))
  if (unknown.length > 0) return fail("invalid_scope", `unknown scopes: ${unknown.join(" ")}`)
  if (state.config.requireOfflineAccess && !scopes.includes("offline_access")) {
    return fail("invalid_scope", "offline_access is required")
  }

  const pending: PendingConsent = { clientId, redirectUri, state: stateParam, codeChallenge, scopes }
  if (state.config.autoApprove) {
    state.counters.consentAllow++
    redirect(res, approve(state, pending))
    return
  }
  const consentId = randomToken(24)
  state.consents.set(consentId, pending)
  sendHtml(res, 200, consentPage({ consentId, clientId, redirectUri, scopes }))
}

/** Issues a single-use code for an approved consent; returns where to send the browser. */
const approve = (state: EmulatorState, pending: PendingConsent): string => {
  const code = randomToken(32)
  state.codes.set(code, {
    clientId: pending.clientId,
    redirectUri: pending.redirectUri,
    codeChallenge: pending.codeChallenge,
    scopes: pending.scopes,
    expiresAt: Date.now() + state.config.codeTtlSeconds * 1000,
    used: false,
    grant: undefined
  })
  return withParams(pending.redirectUri, { code, scope: pending.scopes.join(" "), state: pending.state })
}

/** POST `/oauth2/consent`: the Allow / Deny form. */
export const consent = async (state: EmulatorState, req: IncomingMessage, res: ServerResponse): Promise<void> => {
  const form = await readForm(req)
  const consentId = form?.get("consent") ?? ""
  const pending = state.consents.get(consentId)
  if (form === undefined || pending === undefined) {
    sendHtml(res, 400, errorPage("Consent request not found", "It expired or was already answered. Start again."))
    return
  }
  state.consents.delete(consentId)
  if (form.get("decision") === "allow") {
    state.counters.consentAllow++
    redirect(res, approve(state, pending))
  } else {
    state.counters.consentDeny++
    redirect(
      res,
      withParams(pending.redirectUri, {
        error: "access_denied",
        error_description: "The resource owner denied the request",
        state: pending.state
      })
    )
  }
}

const noStore = { "cache-control": "no-store", pragma: "no-cache" }

const oauthError = (res: ServerResponse, status: number, error: string, description: string): void =>
  sendJson(res, status, { error, error_description: description }, noStore)

const oauthErrorCodes = new Set([
  "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type",
  "invalid_scope", "server_error", "temporarily_unavailable", "unsupported_token_type"
])

const failureText = (failure: InjectedFailure): string =>
  failure.errors.map((e) => `${e.code}: ${e.message}`).join("; ") || `HTTP ${failure.status}`

/** Replies with a failure a test queued: an OAuth error body (`error` from the first message when it is one). */
const sendOAuthFailure = (res: ServerResponse, failure: InjectedFailure): void => {
  const first = failure.errors[0]?.message
  const error = first !== undefined && oauthErrorCodes.has(first)
    ? first
    : failure.status >= 500 || failure.status === 429
    ? failure.status === 503 || failure.status === 429 ? "temporarily_unavailable" : "server_error"
    : failure.status === 401
    ? "invalid_client"
    : "invalid_request"
  sendJson(
    res,
    failure.status,
    { error, error_description: failureText(failure), errors: failure.errors },
    failure.status === 429 ? { ...noStore, "retry-after": "1" } : noStore
  )
}

/** The client id from the form, or from HTTP Basic client authentication. */
const clientIdOf = (req: IncomingMessage, form: URLSearchParams): string | null => {
  const fromForm = form.get("client_id")
  if (fromForm !== null) return fromForm
  const auth = req.headers.authorization
  if (auth?.toLowerCase().startsWith("basic ")) {
    const decoded = Buffer.from(auth.slice(6).trim(), "base64").toString("utf8")
    return decodeURIComponent(decoded.split(":")[0] ?? "")
  }
  return null
}

const s256 = (verifier: string): string => createHash("sha256").update(verifier).digest("base64url")

const sameText = (a: string, b: string): boolean => {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

const sendTokens = (
  res: ServerResponse,
  tokens: { readonly access: string; readonly refresh: string | undefined; readonly expiresIn: number },
  scopes: ReadonlyArray<string>
): void =>
  sendJson(
    res,
    200,
    {
      access_token: tokens.access,
      token_type: "bearer",
      expires_in: tokens.expiresIn,
      ...(tokens.refresh === undefined ? {} : { refresh_token: tokens.refresh }),
      scope: scopes.join(" ")
    },
    noStore
  )

/** POST `/oauth2/token`: the authorization-code and refresh-token grants. */
export const token = async (
  state: EmulatorState,
  req: IncomingMessage,
  res: ServerResponse,
  delay: (route: string) => Promise<void>
): Promise<void> => {
  state.counters.token++
  const form = await readForm(req)
  const grantType = form?.get("grant_type")
  if (grantType === "authorization_code") state.counters.tokenCode++
  if (grantType === "refresh_token") state.counters.tokenRefresh++
  await delay("/oauth2/token")
  const failure = state.takeFailure("/oauth2/token")
  if (failure !== undefined) return sendOAuthFailure(res, failure)
  if (form === undefined) {
    return oauthError(res, 400, "invalid_request", "the body must be application/x-www-form-urlencoded")
  }
  if (clientIdOf(req, form) !== state.config.clientId) {
    return oauthError(res, 401, "invalid_client", "client_id is missing or unknown")
  }

  if (grantType === "authorization_code") {
    const code = form.get("code")
    const verifier = form.get("code_verifier")
    const redirectUri = form.get("redirect_uri")
    if (code === null || verifier === null || redirectUri === null) {
      return oauthError(res, 400, "invalid_request", "code, code_verifier and redirect_uri are required")
    }
    const entry = state.codes.get(code)
    if (entry === undefined) return oauthError(res, 400, "invalid_grant", "the authorization code is unknown")
    if (entry.used) {
      // RFC 6749 §4.1.2: a reused code revokes what was issued from it.
      if (entry.grant !== undefined) state.revokeGrant(entry.grant)
      return oauthError(res, 400, "invalid_grant", "the authorization code was already used")
    }
    entry.used = true
    if (Date.now() >= entry.expiresAt) {
      return oauthError(res, 400, "invalid_grant", "the authorization code expired")
    }
    if (entry.clientId !== state.config.clientId) {
      return oauthError(res, 400, "invalid_grant", "the code was issued to another client")
    }
    if (entry.redirectUri !== redirectUri) {
      return oauthError(res, 400, "invalid_grant", "redirect_uri does not match the authorization request")
    }
    if (!pkceVerifierPattern.test(verifier) || !sameText(s256(verifier), entry.codeChallenge)) {
      return oauthError(res, 400, "invalid_grant", "PKCE verification failed: code_verifier does not match")
    }
    const grant = state.newGrant(entry.scopes)
    entry.grant = grant
    const tokens = state.issueTokens(grant, state.config.accessTokenTtlSeconds, entry.scopes.includes("offline_access"))
    return sendTokens(res, tokens, entry.scopes)
  }

  if (grantType === "refresh_token") {
    const refreshToken = form.get("refresh_token")
    if (refreshToken === null) return oauthError(res, 400, "invalid_request", "refresh_token is required")
    const entry = state.refreshTokens.get(refreshToken)
    if (entry === undefined) return oauthError(res, 400, "invalid_grant", "the refresh token is unknown")
    if (entry.status === "used") {
      return oauthError(res, 400, "invalid_grant", "the refresh token was already used (refresh tokens rotate)")
    }
    if (entry.status === "revoked" || entry.grant.revoked) {
      return oauthError(res, 400, "invalid_grant", "the refresh token was revoked")
    }
    const requested = parseScopes(form.get("scope"))
    const outside = requested.filter((s) => !entry.grant.scopes.includes(s))
    if (outside.length > 0) {
      return oauthError(res, 400, "invalid_scope", `scopes not granted originally: ${outside.join(" ")}`)
    }
    const rotate = state.config.rotateRefreshTokens
    if (rotate) entry.status = "used"
    const tokens = state.issueTokens(entry.grant, state.config.accessTokenTtlSeconds, rotate)
    return sendTokens(res, tokens, requested.length > 0 ? requested : entry.grant.scopes)
  }

  return oauthError(res, 400, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
}

/** POST `/oauth2/revoke` (RFC 7009): always 200 for a well-formed request, known token or not. */
export const revoke = async (state: EmulatorState, req: IncomingMessage, res: ServerResponse): Promise<void> => {
  state.counters.revoke++
  const form = await readForm(req)
  const failure = state.takeFailure("/oauth2/revoke")
  if (failure !== undefined) return sendOAuthFailure(res, failure)
  if (form === undefined) {
    return oauthError(res, 400, "invalid_request", "the body must be application/x-www-form-urlencoded")
  }
  const value = form.get("token")
  if (value === null || value === "") return oauthError(res, 400, "invalid_request", "token is required")
  if (clientIdOf(req, form) !== state.config.clientId) {
    return oauthError(res, 401, "invalid_client", "client_id is missing or unknown")
  }
  const refresh = state.refreshTokens.get(value)
  if (refresh !== undefined) state.revokeGrant(refresh.grant)
  const access = state.accessTokens.get(value)
  if (access !== undefined) access.revoked = true
  res.writeHead(200, { "content-length": "0", ...noStore })
  res.end()
}
