/**
 * IAM Identity Center (AWS SSO) through the SDK v3 clients `@aws-sdk/client-sso-oidc` and `@aws-sdk/client-sso`:
 * OIDC client registration, sign-in by PKCE authorization code on a loopback redirect or by device authorization,
 * token refresh, account and role listing, role credentials and logout.
 *
 * @since 0.1.0
 */
import { Environment } from "@alchemy/profile-core/Environment"
import { Interaction } from "@alchemy/profile-core/Interaction"
import { variableValue } from "@alchemy/profile-core/Selection"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { createHash, randomBytes } from "node:crypto"
import { AwsError } from "./AwsError.js"
import type { SessionCredentials, SsoFile, SsoSettings } from "./AwsConfig.js"
import * as Loopback from "./internal/loopback.js"
import { call, callRaw, describeError, errorName, loadSso, loadSsoOidc } from "./internal/sdk.js"

const scopes = ["sso:account:access"]
const clientName = "alchemy"
const deviceGrant = "urn:ietf:params:oauth:grant-type:device_code"
/** Registered redirect URI: loopback, any port (RFC 8252 §7.3), like the AWS CLI. */
const registeredRedirectUri = "http://127.0.0.1/oauth/callback"

/**
 * Pacing of the device-authorization poll. `intervalScale` multiplies the server's interval and
 * `slowDownIncrementSeconds` is added on every `slow_down` reply (RFC 8628: 5 seconds). Tests shrink both.
 *
 * @since 0.1.0
 */
export class DevicePolling extends Context.Reference<DevicePolling>()("@alchemy/provider-aws/DevicePolling", {
  defaultValue: () => ({ intervalScale: 1, slowDownIncrementSeconds: 5, timeout: Duration.minutes(10) })
}) {}

/** A cached OIDC client registration. @since 0.1.0 */
export interface Registration {
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  readonly expiresAt: number
  readonly grant: "device" | "authorization_code"
}

/** A fresh SSO token. @since 0.1.0 */
export interface SsoToken {
  readonly accessToken: Redacted.Redacted<string>
  readonly refreshToken?: Redacted.Redacted<string> | undefined
  readonly expiresAt: number
}

const oidcClient = (region: string) => Effect.promise(() => loadSsoOidc()).pipe(
  Effect.map((sdk) => ({ sdk, client: new sdk.SSOOIDCClient({ region }) }))
)
const portalClient = (region: string) => Effect.promise(() => loadSso()).pipe(
  Effect.map((sdk) => ({ sdk, client: new sdk.SSOClient({ region }) }))
)

/**
 * Reuse `existing` when it was made for the same grant and is valid for another hour, else `RegisterClient`.
 *
 * @since 0.1.0
 */
export const register = (
  profile: string,
  settings: SsoSettings,
  grant: Registration["grant"],
  existing: Option.Option<Registration>
): Effect.Effect<Registration, AwsError> =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    if (Option.isSome(existing) && existing.value.grant === grant && existing.value.expiresAt > now + 3_600_000) {
      return existing.value
    }
    const { client, sdk } = yield* oidcClient(settings.region)
    const response = yield* call(profile, "SsoFailed", () =>
      client.send(
        new sdk.RegisterClientCommand({
          clientName,
          clientType: "public",
          scopes,
          ...(grant === "authorization_code"
            ? {
              grantTypes: ["authorization_code", "refresh_token"],
              redirectUris: [registeredRedirectUri],
              issuerUrl: settings.startUrl
            }
            : {})
        })
      ))
    if (response.clientId === undefined || response.clientSecret === undefined) {
      return yield* new AwsError({ reason: "SsoFailed", profile, detail: "RegisterClient returned no client" })
    }
    return {
      clientId: response.clientId,
      clientSecret: Redacted.make(response.clientSecret),
      expiresAt: (response.clientSecretExpiresAt ?? Math.floor(now / 1000) + 86_400) * 1000,
      grant
    }
  })

const toToken = (
  profile: string,
  response: { accessToken?: string | undefined; refreshToken?: string | undefined; expiresIn?: number | undefined },
  previousRefresh?: Redacted.Redacted<string>
) =>
  Effect.gen(function*() {
    if (response.accessToken === undefined) {
      return yield* new AwsError({ reason: "SsoFailed", profile, detail: "CreateToken returned no access token" })
    }
    const now = yield* Clock.currentTimeMillis
    return {
      accessToken: Redacted.make(response.accessToken),
      refreshToken: response.refreshToken !== undefined ? Redacted.make(response.refreshToken) : previousRefresh,
      expiresAt: now + (response.expiresIn ?? 3600) * 1000
    } satisfies SsoToken
  })

/** The authorize URL: `AWS_ENDPOINT_URL_SSO_OIDC` > `AWS_ENDPOINT_URL` > the region's, read from `Environment`. */
const authorizeEndpoint = (region: string) =>
  Effect.map(Environment, (env) => {
    const base = variableValue(env, "AWS_ENDPOINT_URL_SSO_OIDC") ?? variableValue(env, "AWS_ENDPOINT_URL") ??
      `https://oidc.${region}.amazonaws.com`
    return `${base.replace(/\/+$/, "")}/authorize`
  })

const base64url = (buffer: Buffer) => buffer.toString("base64url")

/**
 * Sign in with the authorization-code flow and PKCE (S256) on a 127.0.0.1 loopback redirect: the authorize URL
 * is opened through `Interaction.openUrl` (or printed with `noBrowser`, the redirect URL then pasted back).
 *
 * @since 0.1.0
 */
export const loginWithAuthorizationCode = (
  profile: string,
  settings: SsoSettings,
  registration: Registration,
  options: { readonly noBrowser?: boolean | undefined } = {}
): Effect.Effect<SsoToken, AwsError, Interaction> =>
  Effect.scoped(Effect.gen(function*() {
    const interaction = yield* Interaction
    const state = base64url(randomBytes(24))
    const verifier = base64url(randomBytes(48))
    const challenge = base64url(createHash("sha256").update(verifier).digest())
    const loopback = yield* Loopback.start(state).pipe(
      Effect.mapError((error) =>
        new AwsError({ reason: "SsoFailed", profile, detail: `cannot listen on 127.0.0.1: ${error.message}` })
      )
    )
    const url = new URL(yield* authorizeEndpoint(settings.region))
    url.searchParams.set("response_type", "code")
    url.searchParams.set("client_id", registration.clientId)
    url.searchParams.set("redirect_uri", loopback.redirectUri)
    url.searchParams.set("state", state)
    url.searchParams.set("code_challenge", challenge)
    url.searchParams.set("code_challenge_method", "S256")
    url.searchParams.set("scopes", scopes.join(" "))
    let result: Loopback.CallbackResult
    if (options.noBrowser === true) {
      yield* interaction.info(`Open this URL in a browser to sign in to AWS IAM Identity Center:\n  ${url.href}`)
      const pasted = yield* interaction.text({
        message: "Paste the URL your browser was redirected to",
        flag: "--use-device-code"
      }).pipe(Effect.mapError((e) => new AwsError({ reason: "SsoFailed", profile, detail: e.message })))
      const back = yield* Effect.try({
        try: () => new URL(pasted.trim()),
        catch: () => new AwsError({ reason: "SsoFailed", profile, detail: "the pasted text is not a URL" })
      })
      if (back.searchParams.get("state") !== state) {
        return yield* new AwsError({ reason: "SsoFailed", profile, detail: "the pasted URL belongs to another sign-in (state mismatch)" })
      }
      const code = back.searchParams.get("code")
      result = code !== null
        ? { _tag: "Code", code }
        : { _tag: "Denied", error: back.searchParams.get("error") ?? "no code", description: "" }
    } else {
      yield* interaction.info(`Opening the browser to sign in to AWS IAM Identity Center. If it does not open, visit:\n  ${url.href}`)
      yield* interaction.openUrl(url.href)
      result = yield* loopback.result.pipe(
        Effect.timeoutFail({
          duration: Duration.minutes(5),
          onTimeout: () => new AwsError({ reason: "Timeout", profile, detail: "no sign-in within 5 minutes" })
        })
      )
    }
    if (result._tag === "Denied") {
      return yield* new AwsError({
        reason: "SsoFailed",
        profile,
        detail: `the sign-in was denied (${result.error}${result.description === "" ? "" : `: ${result.description}`})`
      })
    }
    const code = result.code
    const { client, sdk } = yield* oidcClient(settings.region)
    const response = yield* call(profile, "SsoFailed", () =>
      client.send(
        new sdk.CreateTokenCommand({
          clientId: registration.clientId,
          clientSecret: Redacted.value(registration.clientSecret),
          grantType: "authorization_code",
          code,
          redirectUri: loopback.redirectUri,
          codeVerifier: verifier
        })
      ))
    return yield* toToken(profile, response)
  }))

/**
 * Sign in with device authorization: show the user code through `Interaction.info`, open the verification page
 * (unless `noBrowser`), then poll `CreateToken`, honouring `authorization_pending` and `slow_down`.
 *
 * @since 0.1.0
 */
export const loginWithDeviceCode = (
  profile: string,
  settings: SsoSettings,
  registration: Registration,
  options: { readonly noBrowser?: boolean | undefined } = {}
): Effect.Effect<SsoToken, AwsError, Interaction> =>
  Effect.gen(function*() {
    const interaction = yield* Interaction
    const pacing = yield* DevicePolling
    const { client, sdk } = yield* oidcClient(settings.region)
    const clientSecret = Redacted.value(registration.clientSecret)
    const start = yield* call(profile, "SsoFailed", () =>
      client.send(
        new sdk.StartDeviceAuthorizationCommand({
          clientId: registration.clientId,
          clientSecret,
          startUrl: settings.startUrl
        })
      ))
    if (start.deviceCode === undefined || start.userCode === undefined) {
      return yield* new AwsError({ reason: "SsoFailed", profile, detail: "StartDeviceAuthorization returned no code" })
    }
    const deviceCode = start.deviceCode
    const page = start.verificationUriComplete ?? start.verificationUri ?? ""
    yield* interaction.info(`To sign in, confirm the code ${start.userCode} at:\n  ${page}`)
    if (options.noBrowser !== true && page !== "") yield* interaction.openUrl(page)
    let intervalSeconds = start.interval ?? 5
    const deadline = (yield* Clock.currentTimeMillis) +
      Math.min((start.expiresIn ?? 600) * 1000, Duration.toMillis(pacing.timeout))
    while (true) {
      yield* Effect.sleep(Duration.millis(intervalSeconds * 1000 * pacing.intervalScale))
      if ((yield* Clock.currentTimeMillis) > deadline) {
        return yield* new AwsError({ reason: "Timeout", profile, detail: "the device code expired before it was confirmed" })
      }
      const attempt = yield* callRaw(() =>
        client.send(
          new sdk.CreateTokenCommand({ clientId: registration.clientId, clientSecret, grantType: deviceGrant, deviceCode })
        )
      ).pipe(Effect.either)
      if (attempt._tag === "Right") return yield* toToken(profile, attempt.right)
      const name = errorName(attempt.left)
      if (name === "AuthorizationPendingException") continue
      if (name === "SlowDownException") {
        intervalSeconds += pacing.slowDownIncrementSeconds
        continue
      }
      return yield* new AwsError({
        reason: name === "AccessDeniedException" ? "AccessDenied" : "SsoFailed",
        profile,
        detail: describeError(attempt.left)
      })
    }
  })

/**
 * Exchange the refresh token for a new access token. Any failure is an `AwsError` (`detail` starts with the AWS
 * error name); the resolver turns every one into `NeedsLogin`.
 *
 * @since 0.1.0
 */
export const refresh = (
  profile: string,
  settings: SsoSettings,
  file: SsoFile
): Effect.Effect<SsoToken, AwsError> =>
  Effect.gen(function*() {
    if (file.refreshToken === undefined) {
      return yield* new AwsError({ reason: "SsoFailed", profile, detail: "no refresh token" })
    }
    const refreshToken = file.refreshToken
    const { client, sdk } = yield* oidcClient(settings.region)
    const response = yield* call(profile, "SsoFailed", () =>
      client.send(
        new sdk.CreateTokenCommand({
          clientId: file.clientId,
          clientSecret: Redacted.value(file.clientSecret),
          grantType: "refresh_token",
          refreshToken: Redacted.value(refreshToken)
        })
      ))
    return yield* toToken(profile, response, refreshToken)
  })

/** An account the token can reach. @since 0.1.0 */
export interface SsoAccount {
  readonly accountId: string
  readonly accountName: string
  readonly emailAddress?: string | undefined
}

/** Every account (all pages of `ListAccounts`). @since 0.1.0 */
export const listAccounts = (
  profile: string,
  region: string,
  accessToken: Redacted.Redacted<string>
): Effect.Effect<ReadonlyArray<SsoAccount>, AwsError> =>
  Effect.gen(function*() {
    const { client, sdk } = yield* portalClient(region)
    const accounts: Array<SsoAccount> = []
    let nextToken: string | undefined
    do {
      const page = yield* call(profile, "SsoFailed", () =>
        client.send(
          new sdk.ListAccountsCommand({
            accessToken: Redacted.value(accessToken),
            ...(nextToken !== undefined ? { nextToken } : {})
          })
        ))
      for (const account of page.accountList ?? []) {
        if (account.accountId !== undefined) {
          accounts.push({
            accountId: account.accountId,
            accountName: account.accountName ?? account.accountId,
            emailAddress: account.emailAddress
          })
        }
      }
      nextToken = page.nextToken
    } while (nextToken !== undefined && nextToken !== "")
    return accounts
  })

/** Every role of one account (all pages of `ListAccountRoles`). @since 0.1.0 */
export const listAccountRoles = (
  profile: string,
  region: string,
  accessToken: Redacted.Redacted<string>,
  accountId: string
): Effect.Effect<ReadonlyArray<string>, AwsError> =>
  Effect.gen(function*() {
    const { client, sdk } = yield* portalClient(region)
    const roles: Array<string> = []
    let nextToken: string | undefined
    do {
      const page = yield* call(profile, "SsoFailed", () =>
        client.send(
          new sdk.ListAccountRolesCommand({
            accessToken: Redacted.value(accessToken),
            accountId,
            ...(nextToken !== undefined ? { nextToken } : {})
          })
        ))
      for (const role of page.roleList ?? []) if (role.roleName !== undefined) roles.push(role.roleName)
      nextToken = page.nextToken
    } while (nextToken !== undefined && nextToken !== "")
    return roles
  })

/**
 * `GetRoleCredentials`. An `UnauthorizedException` (token expired or revoked) is reported as `reason: "SsoFailed"`
 * with detail starting `UnauthorizedException`, which callers turn into `NeedsLogin`.
 *
 * @since 0.1.0
 */
export const getRoleCredentials = (
  profile: string,
  settings: SsoSettings,
  accessToken: Redacted.Redacted<string>
): Effect.Effect<SessionCredentials, AwsError> =>
  Effect.gen(function*() {
    const { client, sdk } = yield* portalClient(settings.region)
    const response = yield* call(profile, "SsoFailed", () =>
      client.send(
        new sdk.GetRoleCredentialsCommand({
          accessToken: Redacted.value(accessToken),
          accountId: settings.accountId,
          roleName: settings.roleName
        })
      ))
    const c = response.roleCredentials
    if (
      c?.accessKeyId === undefined || c.secretAccessKey === undefined || c.sessionToken === undefined ||
      c.expiration === undefined
    ) {
      return yield* new AwsError({ reason: "SsoFailed", profile, detail: "GetRoleCredentials returned no credentials" })
    }
    return {
      accessKeyId: c.accessKeyId,
      secretAccessKey: Redacted.make(c.secretAccessKey),
      sessionToken: Redacted.make(c.sessionToken),
      expiration: c.expiration
    }
  })

/** `Logout`: ends the portal session of the token (best effort by the caller). @since 0.1.0 */
export const logout = (
  profile: string,
  region: string,
  accessToken: Redacted.Redacted<string>
): Effect.Effect<void, AwsError> =>
  Effect.gen(function*() {
    const { client, sdk } = yield* portalClient(region)
    yield* call(profile, "SsoFailed", () =>
      client.send(new sdk.LogoutCommand({ accessToken: Redacted.value(accessToken) })))
  })
