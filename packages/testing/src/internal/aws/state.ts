/**
 * The AWS emulator's in-memory state: client registrations, device and authorization-code
 * grants, SSO tokens, every access key STS knows about, and the web identity side (the token
 * issuer, the roles it may assume, the GitHub Actions token endpoint's switches).
 *
 * @internal
 */
import { createHash, randomBytes, randomInt, randomUUID } from "node:crypto"
import type { Account, Counters, EmulatorOptions, Request, WebIdentityRole } from "../../AwsEmulator.js"
import { type Claims, TokenIssuer } from "./issuer.js"

export interface ClientRegistration {
  readonly clientId: string
  readonly clientSecret: string
  readonly clientName: string
  readonly scopes: ReadonlyArray<string>
  readonly grantTypes: ReadonlyArray<string>
  readonly redirectUris: ReadonlyArray<string>
  secretExpiresAt: number
}

export interface DeviceGrant {
  readonly deviceCode: string
  readonly userCode: string
  readonly clientId: string
  readonly startUrl: string
  readonly expiresAt: number
  pendingReplies: number
  slowDownSent: boolean
  decision: "pending" | "allowed" | "denied"
  redeemed: boolean
}

export interface PendingAuthorization {
  readonly clientId: string
  readonly redirectUri: string
  readonly state: string | undefined
  readonly codeChallenge: string
  readonly scopes: ReadonlyArray<string>
}

export interface AuthorizationCode extends PendingAuthorization {
  readonly code: string
  readonly expiresAt: number
  used: boolean
}

export interface SsoSession {
  readonly accessToken: string
  readonly refreshToken: string
  readonly clientId: string
  expiresAt: number
  /** Set by Logout or `revokeAll`: neither token works any more. */
  revoked: boolean
  /** The refresh token has been exchanged once already. */
  refreshUsed: boolean
}

export interface AccessKey {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken: string | undefined
  readonly account: string
  readonly arn: string
  readonly userId: string
  readonly expiresAt: number | undefined
}

export const DEFAULT_ACCOUNTS: ReadonlyArray<Account> = [
  {
    accountId: "111111111111",
    accountName: "Production",
    emailAddress: "aws-prod@example.com",
    roles: ["AdministratorAccess", "ReadOnlyAccess", "Billing"]
  },
  {
    accountId: "222222222222",
    accountName: "Staging",
    emailAddress: "aws-staging@example.com",
    roles: ["Developer"]
  },
  {
    accountId: "333333333333",
    accountName: "Sandbox",
    emailAddress: "aws-sandbox@example.com",
    roles: ["AdministratorAccess"]
  }
]

const zeroCounters = (): Counters => ({
  registerClient: 0,
  startDeviceAuthorization: 0,
  createToken: 0,
  createTokenRefresh: 0,
  authorize: 0,
  listAccounts: 0,
  listAccountRoles: 0,
  getRoleCredentials: 0,
  logout: 0,
  getCallerIdentity: 0,
  assumeRole: 0,
  assumeRoleWithWebIdentity: 0,
  actionsToken: 0
})

/** A role ARN: the account and the role name (the last segment after any path). */
export const ROLE_ARN = /^arn:aws[\w-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/

/** The audience STS requires by default, as in GitHub's AWS guide (`aws-actions/configure-aws-credentials`). */
export const DEFAULT_WEB_IDENTITY_AUDIENCE = "sts.amazonaws.com"

/** Fields of a web identity token that {@link EmulatorState.mintToken} fills in. */
export interface TokenRequest {
  readonly sub: string
  readonly aud: string | ReadonlyArray<string>
  readonly expiresInSeconds: number
  readonly extra?: Claims | undefined
  readonly foreign?: boolean | undefined
}

const token = (bytes: number): string => randomBytes(bytes).toString("base64url")

const UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
const upperId = (length: number): string =>
  Array.from({ length }, () => UPPER_ALNUM[randomInt(UPPER_ALNUM.length)]).join("")

/** An access key id with AWS's prefix: `AKIA` long-term, `ASIA` temporary. */
export const newAccessKeyId = (temporary: boolean): string => (temporary ? "ASIA" : "AKIA") + upperId(16)

/** The emulator's whole mutable state plus the options it was started with. */
export class EmulatorState {
  readonly accounts: ReadonlyArray<Account>
  readonly counters: Counters = zeroCounters()
  readonly requests: Array<Request> = []
  readonly clients = new Map<string, ClientRegistration>()
  readonly devices = new Map<string, DeviceGrant>()
  readonly pendingAuthorizations = new Map<string, PendingAuthorization>()
  readonly codes = new Map<string, AuthorizationCode>()
  readonly sessionsByAccessToken = new Map<string, SsoSession>()
  readonly sessionsByRefreshToken = new Map<string, SsoSession>()
  readonly accessKeys = new Map<string, AccessKey>()
  /** Roles that trust the emulator's OIDC issuer, by role ARN. */
  readonly webIdentityRoles = new Map<string, WebIdentityRole>()
  readonly issuer = new TokenIssuer()
  /** `ACTIONS_ID_TOKEN_REQUEST_TOKEN`: the bearer the Actions token endpoint wants. */
  readonly actionsRequestToken = token(32)
  /** `sub` of the tokens the Actions endpoint mints. */
  actionsSubject: string
  /** The Actions token endpoint answers 503 while set. */
  actionsDown = false
  /** The server's base URL, set once it listens. */
  url = ""

  constructor(readonly options: EmulatorOptions) {
    this.accounts = options.accounts ?? DEFAULT_ACCOUNTS
    this.actionsSubject = options.actionsSubject ?? "repo:acme/app:ref:refs/heads/main"
    for (const key of options.accessKeys ?? []) this.addAccessKey(key)
    for (const role of options.webIdentityRoles ?? []) this.addWebIdentityRole(role)
  }

  /** The `iss` of every token the emulator mints, and the only one its STS trusts. */
  get issuerUrl(): string {
    return `${this.url}/oidc`
  }

  get pageSize(): number {
    return Math.max(1, this.options.pageSize ?? 2)
  }
  get accessTokenTtlSeconds(): number {
    return this.options.accessTokenTtlSeconds ?? 28_800
  }
  get roleCredentialTtlSeconds(): number {
    return this.options.roleCredentialTtlSeconds ?? 3_600
  }

  record(operation: string, input: Record<string, unknown>): void {
    this.requests.push({ operation, input })
  }

  registerClient(
    clientName: string,
    scopes: ReadonlyArray<string>,
    grantTypes: ReadonlyArray<string>,
    redirectUris: ReadonlyArray<string>
  ): ClientRegistration {
    const now = Math.floor(Date.now() / 1000)
    const registration: ClientRegistration = {
      clientId: token(16),
      clientSecret: token(48),
      clientName,
      scopes,
      grantTypes,
      redirectUris,
      secretExpiresAt: now + (this.options.clientRegistrationTtlSeconds ?? 90 * 24 * 3600)
    }
    this.clients.set(registration.clientId, registration)
    return registration
  }

  /** The registration when id and secret match and it has not expired. */
  authenticateClient(clientId: string | undefined, clientSecret: string | undefined): ClientRegistration | undefined {
    if (clientId === undefined) return undefined
    const registration = this.clients.get(clientId)
    if (registration === undefined || registration.clientSecret !== clientSecret) return undefined
    return registration.secretExpiresAt * 1000 > Date.now() ? registration : undefined
  }

  startDevice(clientId: string, startUrl: string): DeviceGrant {
    const grant: DeviceGrant = {
      deviceCode: token(32),
      userCode: `${upperId(4)}-${upperId(4)}`,
      clientId,
      startUrl,
      expiresAt: Date.now() + 600_000,
      pendingReplies: 0,
      slowDownSent: false,
      decision: "pending",
      redeemed: false
    }
    this.devices.set(grant.deviceCode, grant)
    return grant
  }

  findDeviceByUserCode(userCode: string): DeviceGrant | undefined {
    const normalized = userCode.trim().toUpperCase()
    for (const grant of this.devices.values()) {
      if (grant.userCode === normalized) return grant
    }
    return undefined
  }

  startAuthorization(pending: PendingAuthorization): string {
    const id = token(16)
    this.pendingAuthorizations.set(id, pending)
    return id
  }

  issueCode(pending: PendingAuthorization): AuthorizationCode {
    const code: AuthorizationCode = { ...pending, code: token(32), expiresAt: Date.now() + 600_000, used: false }
    this.codes.set(code.code, code)
    return code
  }

  issueSession(clientId: string): SsoSession {
    const session: SsoSession = {
      accessToken: `aoa${token(48)}`,
      refreshToken: `aor${token(48)}`,
      clientId,
      expiresAt: Date.now() + this.accessTokenTtlSeconds * 1000,
      revoked: false,
      refreshUsed: false
    }
    this.sessionsByAccessToken.set(session.accessToken, session)
    this.sessionsByRefreshToken.set(session.refreshToken, session)
    return session
  }

  /** The session for a bearer token that is known, not revoked and not expired. */
  activeSession(accessToken: string | undefined): SsoSession | undefined {
    if (accessToken === undefined) return undefined
    const session = this.sessionsByAccessToken.get(accessToken)
    if (session === undefined || session.revoked || session.expiresAt <= Date.now()) return undefined
    return session
  }

  addAccessKey(
    key: {
      readonly accessKeyId?: string
      readonly secretAccessKey?: string
      readonly sessionToken?: string
      readonly account?: string
      readonly arn?: string
      readonly userId?: string
      readonly expiresAt?: number
    } = {}
  ): AccessKey {
    const account = key.account ?? key.arn?.split(":")[4] ?? this.accounts[0]?.accountId ?? "111111111111"
    const accessKey: AccessKey = {
      accessKeyId: key.accessKeyId ?? newAccessKeyId(key.sessionToken !== undefined),
      secretAccessKey: key.secretAccessKey ?? token(30),
      sessionToken: key.sessionToken,
      account,
      arn: key.arn ?? `arn:aws:iam::${account}:user/emulator-user`,
      userId: key.userId ?? `AIDA${upperId(17)}`,
      expiresAt: key.expiresAt
    }
    this.accessKeys.set(accessKey.accessKeyId, accessKey)
    return accessKey
  }

  /** Trusts the issuer for this role; throws on an ARN STS could never match, which would only ever be denied. */
  addWebIdentityRole(role: WebIdentityRole): void {
    if (!ROLE_ARN.test(role.roleArn)) throw new Error(`Not an IAM role ARN: ${role.roleArn}`)
    this.webIdentityRoles.set(role.roleArn, role)
  }

  /**
   * A token from the emulator's issuer with the registered claims GitHub Actions tokens carry;
   * `extra` claims win over those, so a test can forge a wrong `iss` or a future `nbf`.
   */
  mintToken(request: TokenRequest): string {
    const now = Math.floor(Date.now() / 1000)
    const claims: Claims = {
      jti: randomUUID(),
      iss: this.issuerUrl,
      sub: request.sub,
      aud: request.aud,
      iat: now,
      nbf: now,
      exp: now + request.expiresInSeconds,
      ...request.extra
    }
    return this.issuer.mint(claims, request.foreign)
  }

  /** Temporary credentials for an assumed role (from SSO or AssumeRole). */
  issueRoleCredentials(account: string, roleName: string, sessionName: string, ttlSeconds: number): AccessKey {
    const roleId = `AROA${upperId(17)}`
    return this.addAccessKey({
      sessionToken: token(96),
      account,
      arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`,
      userId: `${roleId}:${sessionName}`,
      expiresAt: Date.now() + ttlSeconds * 1000
    })
  }
}

/** `BASE64URL(SHA256(verifier))`, the PKCE S256 transform. */
export const s256 = (verifier: string): string => createHash("sha256").update(verifier).digest("base64url")
