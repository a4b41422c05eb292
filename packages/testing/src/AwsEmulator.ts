/**
 * A local AWS for tests and offline use: IAM Identity Center OIDC, the SSO portal and STS on
 * one HTTP server at 127.0.0.1, speaking the wire protocols of the real AWS SDK v3 clients
 * (`@aws-sdk/client-sso-oidc` and `@aws-sdk/client-sso`: restJson1; `@aws-sdk/client-sts`:
 * awsQuery), so those clients work unchanged when pointed at it with `endpoint` or the
 * `AWS_ENDPOINT_URL_*` variables in {@link AwsEmulator.env}.
 *
 * - SSO-OIDC: `RegisterClient`, `StartDeviceAuthorization`, `CreateToken` (device code with
 *   `authorization_pending` / `slow_down` replies, authorization code with PKCE S256, refresh
 *   token with rotation), the consent page `GET /authorize` and the device page `GET /device`,
 *   each with `#allow` and `#deny` buttons.
 * - SSO portal: `ListAccounts` and `ListAccountRoles` (paginated), `GetRoleCredentials`, `Logout`.
 * - STS: `GetCallerIdentity`, `AssumeRole` (external id and MFA checks), authenticated by a
 *   verified SigV4 signature from a known key: static keys, SSO role credentials or assumed roles;
 *   `AssumeRoleWithWebIdentity`, unsigned like the real one, for tokens of the emulator's issuer
 *   and roles registered with {@link AwsEmulator.addWebIdentityRole}.
 * - An OIDC issuer (RS256): `GET /oidc/.well-known/openid-configuration` and `GET /oidc/jwks`.
 * - GitHub Actions' OIDC token endpoint (`ACTIONS_ID_TOKEN_REQUEST_URL`): `GET /actions/token`,
 *   see {@link AwsEmulator.actions}.
 *
 * Standalone: `node --import tsx packages/testing/src/AwsEmulator.ts [--port 4566]` prints the
 * endpoint variables and serves until interrupted.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { pathToFileURL } from "node:url"
import * as Server from "./internal/aws/server.js"
import { DEFAULT_WEB_IDENTITY_AUDIENCE, EmulatorState } from "./internal/aws/state.js"

/**
 * An AWS account visible in the SSO portal with the permission sets (role names) the user
 * may use in it.
 *
 * @since 0.1.0
 */
export interface Account {
  readonly accountId: string
  readonly accountName: string
  readonly emailAddress?: string
  readonly roles: ReadonlyArray<string>
}

/**
 * Options of {@link start}. Every field is optional.
 *
 * @since 0.1.0
 */
export interface EmulatorOptions {
  /** Port on 127.0.0.1; default 0 (any free port). */
  readonly port?: number
  /** Accounts and roles in the SSO portal; default three accounts (`111111111111` has three roles). */
  readonly accounts?: ReadonlyArray<Account>
  /** Page size of `ListAccounts` / `ListAccountRoles` (a smaller `maxResults` wins); default 2. */
  readonly pageSize?: number
  /** Lifetime of `GetRoleCredentials` credentials; default 3600. */
  readonly roleCredentialTtlSeconds?: number
  /** Lifetime (`expiresIn`) of SSO access tokens; default 28800. */
  readonly accessTokenTtlSeconds?: number
  /** `clientSecretExpiresAt` of registrations, from now; default 90 days. */
  readonly clientRegistrationTtlSeconds?: number
  /**
   * Device-code polls answered `authorization_pending` before the emulator approves by itself.
   * Omitted: a device code is approved only by {@link AwsEmulator.approveDevice} or the Allow
   * button on `/device`.
   */
  readonly devicePendingPolls?: number
  /** Answer the first poll of every device code with `slow_down`. */
  readonly slowDownOnce?: boolean
  /** `interval` returned by `StartDeviceAuthorization`; default 1. */
  readonly deviceIntervalSeconds?: number
  /** Session name in the ARN of SSO role credentials; default `emulator-user`. */
  readonly ssoUserName?: string
  /**
   * MFA device for `AssumeRole`: `SerialNumber` and `TokenCode` must match. `roles` (ARNs or
   * role names) need MFA; omitted, every role does.
   */
  readonly mfa?: { readonly serial: string; readonly code: string; readonly roles?: ReadonlyArray<string> }
  /** Required `ExternalId` per role ARN. */
  readonly externalIds?: Readonly<Record<string, string>>
  /** Largest `DurationSeconds` accepted by `AssumeRole`; default 43200. */
  readonly maxSessionDurationSeconds?: number
  /** Long-term access keys STS accepts (account defaults to the first account, arn to `user/emulator-user`). */
  readonly accessKeys?: ReadonlyArray<AccessKeyOptions>
  /** Roles `AssumeRoleWithWebIdentity` may assume; more with {@link AwsEmulator.addWebIdentityRole}. */
  readonly webIdentityRoles?: ReadonlyArray<WebIdentityRole>
  /** `sub` of the tokens the Actions endpoint mints; default `repo:acme/app:ref:refs/heads/main`. */
  readonly actionsSubject?: string
  /** Lifetime of the Actions endpoint's tokens; default 300, negative for already expired tokens. */
  readonly actionsTokenTtlSeconds?: number
}

/**
 * A role whose trust policy names the emulator's OIDC issuer, as a GitHub Actions deploy role's
 * does: `aud` must contain `audience` (default `sts.amazonaws.com`) and `sub` must match one of
 * `subjects`, compared like IAM's `StringLike` (`*` any run of characters, `?` one character).
 *
 * @since 0.1.0
 */
export interface WebIdentityRole {
  readonly roleArn: string
  readonly subjects: ReadonlyArray<string>
  readonly audience?: string
}

/**
 * Claims of a token from {@link AwsEmulator.mintWebIdentityToken}; omitted ones take the values
 * an Actions job's token for STS would have.
 *
 * @since 0.1.0
 */
export interface WebIdentityTokenClaims {
  /** Default: the Actions subject ({@link EmulatorOptions.actionsSubject}). */
  readonly sub?: string
  /** Default `sts.amazonaws.com`. */
  readonly aud?: string | ReadonlyArray<string>
  /** `exp` from now; default 300, negative for an expired token. */
  readonly expiresInSeconds?: number
  /** Signs with another key under the issuer's `kid`, so only the signature check fails. */
  readonly signWithForeignKey?: boolean
  /** More claims (`repository`, `ref`, ...); they win over the standard ones, e.g. a forged `iss`. */
  readonly extra?: Readonly<Record<string, unknown>>
}

/**
 * The GitHub Actions OIDC token endpoint of a running emulator, and its switches.
 *
 * @since 0.1.0
 */
export interface ActionsEndpoint {
  /** `ACTIONS_ID_TOKEN_REQUEST_URL`: `${url}/actions/token?api-version=2.0`; clients append `&audience=...`. */
  readonly url: string
  /** `ACTIONS_ID_TOKEN_REQUEST_TOKEN`, generated at start: the bearer the endpoint wants. */
  readonly requestToken: string
  /** Changes the `sub` of the tokens minted from now on. */
  setSubject(sub: string): void
  /** While down, the endpoint answers 503 to every request. */
  setDown(down: boolean): void
}

/**
 * An access key to register with STS; omitted ids and secrets are generated.
 *
 * @since 0.1.0
 */
export interface AccessKeyOptions {
  readonly accessKeyId?: string
  readonly secretAccessKey?: string
  readonly account?: string
  readonly arn?: string
}

/**
 * Requests received per operation, successful or not. `createToken` counts every
 * `CreateToken` (every poll included); `createTokenRefresh` the refresh-token grants among
 * them; `authorize` the consent pages served.
 *
 * @since 0.1.0
 */
export interface Counters {
  registerClient: number
  startDeviceAuthorization: number
  createToken: number
  createTokenRefresh: number
  authorize: number
  listAccounts: number
  listAccountRoles: number
  getRoleCredentials: number
  logout: number
  getCallerIdentity: number
  assumeRole: number
  assumeRoleWithWebIdentity: number
  /** Requests to the Actions token endpoint, refused ones included. */
  actionsToken: number
}

/**
 * One request as the emulator understood it, without secrets (for assertions such as "AssumeRole
 * was called with this ExternalId").
 *
 * @since 0.1.0
 */
export interface Request {
  readonly operation: string
  readonly input: Readonly<Record<string, unknown>>
}

/**
 * A running emulator.
 *
 * @since 0.1.0
 */
export interface AwsEmulator {
  /** Base URL, `http://127.0.0.1:<port>`. */
  readonly url: string
  /** Endpoint per SDK client (all equal to {@link url}). */
  readonly endpoints: { readonly ssoOidc: string; readonly sso: string; readonly sts: string }
  /** `AWS_ENDPOINT_URL_SSO_OIDC`, `AWS_ENDPOINT_URL_SSO`, `AWS_ENDPOINT_URL_STS` for a child process. */
  readonly env: Readonly<Record<string, string>>
  /** `iss` of the emulator's tokens, `${url}/oidc`, the one issuer `AssumeRoleWithWebIdentity` trusts. */
  readonly issuer: string
  /** The stand-in for GitHub Actions' OIDC token endpoint. */
  readonly actions: ActionsEndpoint
  /** Live request counters. */
  readonly counters: Readonly<Counters>
  /** Every request so far, oldest first, without secrets. */
  readonly requests: ReadonlyArray<Request>
  /** Approves the pending device code with this user code, or every pending one. */
  approveDevice(userCode?: string): void
  /** Denies the pending device code with this user code, or every pending one. */
  denyDevice(userCode?: string): void
  /** Registers an access key with STS (generated id and secret unless given). */
  addAccessKey(key?: AccessKeyOptions): { readonly accessKeyId: string; readonly secretAccessKey: string }
  /** Lets `AssumeRoleWithWebIdentity` assume this role (replacing one with the same ARN); throws on a malformed ARN. */
  addWebIdentityRole(role: WebIdentityRole): void
  /** A JWT from the emulator's issuer, RS256-signed, for `AssumeRoleWithWebIdentity` or a token file. */
  mintWebIdentityToken(claims?: WebIdentityTokenClaims): string
  /** Makes every client registration expire now: its id and secret get `InvalidClientException`. */
  expireClientRegistrations(): void
  /** Makes an SSO access token expire now (its refresh token still works). */
  expireAccessToken(accessToken: string): void
  /** Makes every access key and role credential issued so far with this id expire now. */
  expireCredentials(accessKeyId: string): void
  /** Revokes every SSO access and refresh token (as after an administrator's sign-out). */
  revokeAll(): void
  /** Resets every counter to zero and forgets the request log. */
  resetCounters(): void
  /** Stops the server and closes kept-alive connections. */
  close(): Promise<void>
}

/**
 * Starts an emulator on 127.0.0.1.
 *
 * @since 0.1.0
 */
export const start = async (options: EmulatorOptions = {}): Promise<AwsEmulator> => {
  const state = new EmulatorState(options)
  const { server, url } = await Server.listen(state, options.port ?? 0)
  const decide = (decision: "allowed" | "denied", userCode: string | undefined) => {
    const grants = userCode === undefined
      ? [...state.devices.values()]
      : [state.findDeviceByUserCode(userCode)].filter((grant) => grant !== undefined)
    for (const grant of grants) {
      if (grant.decision === "pending") grant.decision = decision
    }
  }
  return {
    url,
    endpoints: { ssoOidc: url, sso: url, sts: url },
    env: { AWS_ENDPOINT_URL_SSO_OIDC: url, AWS_ENDPOINT_URL_SSO: url, AWS_ENDPOINT_URL_STS: url },
    issuer: state.issuerUrl,
    actions: {
      url: `${url}/actions/token?api-version=2.0`,
      requestToken: state.actionsRequestToken,
      setSubject: (sub) => {
        state.actionsSubject = sub
      },
      setDown: (down) => {
        state.actionsDown = down
      }
    },
    counters: state.counters,
    requests: state.requests,
    approveDevice: (userCode) => decide("allowed", userCode),
    denyDevice: (userCode) => decide("denied", userCode),
    addWebIdentityRole: (role) => state.addWebIdentityRole(role),
    mintWebIdentityToken: (claims = {}) =>
      state.mintToken({
        sub: claims.sub ?? state.actionsSubject,
        aud: claims.aud ?? DEFAULT_WEB_IDENTITY_AUDIENCE,
        expiresInSeconds: claims.expiresInSeconds ?? 300,
        extra: claims.extra,
        foreign: claims.signWithForeignKey
      }),
    addAccessKey: (key = {}) => {
      const added = state.addAccessKey(key)
      return { accessKeyId: added.accessKeyId, secretAccessKey: added.secretAccessKey }
    },
    expireClientRegistrations: () => {
      for (const registration of state.clients.values()) registration.secretExpiresAt = Math.floor(Date.now() / 1000) - 1
    },
    expireAccessToken: (accessToken) => {
      const session = state.sessionsByAccessToken.get(accessToken)
      if (session !== undefined) session.expiresAt = Date.now() - 1
    },
    expireCredentials: (accessKeyId) => {
      const key = state.accessKeys.get(accessKeyId)
      if (key !== undefined) state.accessKeys.set(accessKeyId, { ...key, expiresAt: Date.now() - 1 })
    },
    revokeAll: () => {
      for (const session of state.sessionsByAccessToken.values()) session.revoked = true
    },
    resetCounters: () => {
      for (const name of Object.keys(state.counters) as Array<keyof Counters>) state.counters[name] = 0
      state.requests.length = 0
    },
    close: () => Server.close(server)
  }
}

/**
 * {@link start} as a scoped Effect: the emulator closes with the scope.
 *
 * @since 0.1.0
 */
export const make = (options: EmulatorOptions = {}): Effect.Effect<AwsEmulator, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => start(options)),
    (emulator) => Effect.promise(() => emulator.close())
  )

const serveStandalone = async (): Promise<void> => {
  const portFlag = process.argv.indexOf("--port")
  const port = portFlag === -1 ? 0 : Number(process.argv[portFlag + 1])
  const emulator = await start({ port })
  for (const [name, value] of Object.entries(emulator.env)) process.stdout.write(`export ${name}=${value}\n`)
  process.stdout.write(`# SSO start URL: ${emulator.url}/start  (region: any, e.g. us-east-1)\n`)
  process.stdout.write("# Serving until Ctrl-C.\n")
  const stop = () => {
    void emulator.close().then(() => process.exit(0))
  }
  process.once("SIGINT", stop)
  process.once("SIGTERM", stop)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  serveStandalone().catch((error: unknown) => {
    process.stderr.write(`AWS emulator failed to start: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  })
}
