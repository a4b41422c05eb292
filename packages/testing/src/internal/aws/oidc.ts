/**
 * IAM Identity Center OIDC (`@aws-sdk/client-sso-oidc`, restJson1): RegisterClient,
 * StartDeviceAuthorization and CreateToken for the device-code, authorization-code (PKCE)
 * and refresh-token grants.
 *
 * @internal
 */
import type { ServerResponse } from "node:http"
import { parseJsonObject, sendJson, sendJsonError, stringArrayField, stringField } from "./http.js"
import { type EmulatorState, s256, type SsoSession } from "./state.js"

const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"

/** An OAuth error in the shape SSO-OIDC returns: modeled type in the header, OAuth code in the body. */
const oauthError = (
  response: ServerResponse,
  status: number,
  errorType: string,
  error: string,
  description: string
): void => sendJsonError(response, status, errorType, { error, error_description: description, message: description })

/** `POST /client/register` */
export const registerClient = (state: EmulatorState, text: string, response: ServerResponse): void => {
  state.counters.registerClient++
  const body = parseJsonObject(text)
  const clientName = stringField(body, "clientName")
  const clientType = stringField(body, "clientType")
  const scopes = stringArrayField(body, "scopes") ?? []
  const grantTypes = stringArrayField(body, "grantTypes") ?? []
  const redirectUris = stringArrayField(body, "redirectUris") ?? []
  state.record("RegisterClient", { clientName, clientType, scopes, grantTypes, redirectUris })
  if (clientName === undefined || clientType === undefined) {
    return oauthError(response, 400, "InvalidRequestException", "invalid_request", "clientName and clientType are required")
  }
  if (clientType !== "public") {
    return oauthError(response, 400, "InvalidClientMetadataException", "invalid_client_metadata", "clientType must be public")
  }
  if (grantTypes.includes("authorization_code") && redirectUris.length === 0) {
    return oauthError(
      response,
      400,
      "InvalidRedirectUriException",
      "invalid_redirect_uri",
      "authorization_code clients must register redirectUris"
    )
  }
  const registration = state.registerClient(clientName, scopes, grantTypes, redirectUris)
  sendJson(response, 200, {
    clientId: registration.clientId,
    clientSecret: registration.clientSecret,
    clientIdIssuedAt: Math.floor(Date.now() / 1000),
    clientSecretExpiresAt: registration.secretExpiresAt,
    authorizationEndpoint: `${state.url}/authorize`,
    tokenEndpoint: `${state.url}/token`
  })
}

/** `POST /device_authorization` */
export const startDeviceAuthorization = (state: EmulatorState, text: string, response: ServerResponse): void => {
  state.counters.startDeviceAuthorization++
  const body = parseJsonObject(text)
  const clientId = stringField(body, "clientId")
  const startUrl = stringField(body, "startUrl")
  state.record("StartDeviceAuthorization", { clientId, startUrl })
  const registration = state.authenticateClient(clientId, stringField(body, "clientSecret"))
  if (registration === undefined) {
    return oauthError(response, 401, "InvalidClientException", "invalid_client", "Unknown or expired client")
  }
  if (startUrl === undefined) {
    return oauthError(response, 400, "InvalidRequestException", "invalid_request", "startUrl is required")
  }
  const grant = state.startDevice(registration.clientId, startUrl)
  const verificationUri = `${state.url}/device`
  sendJson(response, 200, {
    deviceCode: grant.deviceCode,
    userCode: grant.userCode,
    verificationUri,
    verificationUriComplete: `${verificationUri}?user_code=${encodeURIComponent(grant.userCode)}`,
    expiresIn: Math.round((grant.expiresAt - Date.now()) / 1000),
    interval: state.options.deviceIntervalSeconds ?? 1
  })
}

const sendTokens = (response: ServerResponse, session: SsoSession): void =>
  sendJson(response, 200, {
    accessToken: session.accessToken,
    tokenType: "Bearer",
    expiresIn: Math.round((session.expiresAt - Date.now()) / 1000),
    refreshToken: session.refreshToken
  })

/** `POST /token` */
export const createToken = (state: EmulatorState, text: string, response: ServerResponse): void => {
  state.counters.createToken++
  const body = parseJsonObject(text)
  const clientId = stringField(body, "clientId")
  const grantType = stringField(body, "grantType")
  const redirectUri = stringField(body, "redirectUri")
  state.record("CreateToken", { clientId, grantType, redirectUri, scope: stringArrayField(body, "scope") })
  if (grantType === "refresh_token") state.counters.createTokenRefresh++
  const registration = state.authenticateClient(clientId, stringField(body, "clientSecret"))
  if (registration === undefined) {
    return oauthError(response, 401, "InvalidClientException", "invalid_client", "Unknown or expired client")
  }
  switch (grantType) {
    case DEVICE_GRANT:
      return deviceCodeGrant(state, response, registration.clientId, stringField(body, "deviceCode"))
    case "authorization_code":
      return authorizationCodeGrant(
        state,
        response,
        registration.clientId,
        stringField(body, "code"),
        redirectUri,
        stringField(body, "codeVerifier")
      )
    case "refresh_token":
      return refreshTokenGrant(state, response, registration.clientId, stringField(body, "refreshToken"))
    default:
      return oauthError(
        response,
        400,
        "UnsupportedGrantTypeException",
        "unsupported_grant_type",
        `Unsupported grant type: ${grantType ?? "(none)"}`
      )
  }
}

const deviceCodeGrant = (
  state: EmulatorState,
  response: ServerResponse,
  clientId: string,
  deviceCode: string | undefined
): void => {
  const grant = deviceCode === undefined ? undefined : state.devices.get(deviceCode)
  if (grant === undefined || grant.clientId !== clientId || grant.redeemed) {
    return oauthError(response, 400, "InvalidGrantException", "invalid_grant", "Invalid device code provided")
  }
  if (grant.expiresAt <= Date.now()) {
    return oauthError(response, 400, "ExpiredTokenException", "expired_token", "Device code has expired")
  }
  if (grant.decision === "denied") {
    return oauthError(response, 400, "AccessDeniedException", "access_denied", "The user denied the authorization")
  }
  if (grant.decision === "pending") {
    if (state.options.slowDownOnce === true && !grant.slowDownSent) {
      grant.slowDownSent = true
      return oauthError(response, 400, "SlowDownException", "slow_down", "Client is polling too quickly")
    }
    const autoApproveAfter = state.options.devicePendingPolls
    if (autoApproveAfter !== undefined && grant.pendingReplies >= autoApproveAfter) {
      grant.decision = "allowed"
    } else {
      grant.pendingReplies++
      return oauthError(
        response,
        400,
        "AuthorizationPendingException",
        "authorization_pending",
        "Authorization is still pending"
      )
    }
  }
  grant.redeemed = true
  sendTokens(response, state.issueSession(clientId))
}

const authorizationCodeGrant = (
  state: EmulatorState,
  response: ServerResponse,
  clientId: string,
  code: string | undefined,
  redirectUri: string | undefined,
  codeVerifier: string | undefined
): void => {
  const grant = code === undefined ? undefined : state.codes.get(code)
  if (grant === undefined || grant.clientId !== clientId) {
    return oauthError(response, 400, "InvalidGrantException", "invalid_grant", "Invalid authorization code")
  }
  if (grant.used) {
    return oauthError(response, 400, "InvalidGrantException", "invalid_grant", "Authorization code already used")
  }
  grant.used = true
  if (grant.expiresAt <= Date.now()) {
    return oauthError(response, 400, "InvalidGrantException", "invalid_grant", "Authorization code expired")
  }
  if (redirectUri !== grant.redirectUri) {
    return oauthError(response, 400, "InvalidGrantException", "invalid_grant", "redirectUri does not match")
  }
  if (codeVerifier === undefined || s256(codeVerifier) !== grant.codeChallenge) {
    return oauthError(response, 400, "InvalidGrantException", "invalid_grant", "PKCE verification failed")
  }
  sendTokens(response, state.issueSession(clientId))
}

const refreshTokenGrant = (
  state: EmulatorState,
  response: ServerResponse,
  clientId: string,
  refreshToken: string | undefined
): void => {
  const session = refreshToken === undefined ? undefined : state.sessionsByRefreshToken.get(refreshToken)
  if (session === undefined || session.clientId !== clientId || session.revoked || session.refreshUsed) {
    return oauthError(response, 400, "InvalidGrantException", "invalid_grant", "Invalid refresh token provided")
  }
  session.refreshUsed = true
  sendTokens(response, state.issueSession(clientId))
}
