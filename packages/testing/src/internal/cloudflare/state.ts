/**
 * Everything the emulator remembers: credentials it issued, pending consents and codes, accounts, counters,
 * failures queued by tests.
 *
 * @internal
 */
import { createHash, randomBytes } from "node:crypto"

/** An account as the emulator lists it. `status` only matters for `/memberships` (default `accepted`). */
export interface Account {
  readonly id: string
  readonly name: string
  readonly status?: "accepted" | "pending"
}

/** The options of `start` with every default applied. */
export interface Config {
  readonly accessTokenTtlSeconds: number
  readonly codeTtlSeconds: number
  readonly perPage: number
  readonly maxPerPage: number
  readonly clientId: string
  readonly autoApprove: boolean
  readonly redirectUris: ReadonlyArray<string> | undefined
  readonly requireOfflineAccess: boolean
  rotateRefreshTokens: boolean
  readonly user: { readonly id: string; readonly email: string }
}

/** One authorization: the tokens issued from one code (or `issueOAuthTokens`) and its refreshes share it. */
export interface Grant {
  readonly id: string
  readonly scopes: ReadonlyArray<string>
  revoked: boolean
}

export interface AccessToken {
  readonly grant: Grant
  readonly expiresAt: number
  revoked: boolean
}

export type RefreshTokenStatus = "active" | "used" | "revoked"

export interface RefreshToken {
  readonly grant: Grant
  status: RefreshTokenStatus
}

export interface AuthorizationCode {
  readonly clientId: string
  readonly redirectUri: string
  readonly codeChallenge: string
  readonly scopes: ReadonlyArray<string>
  readonly expiresAt: number
  used: boolean
  grant: Grant | undefined
}

export interface PendingConsent {
  readonly clientId: string
  readonly redirectUri: string
  readonly state: string
  readonly codeChallenge: string
  readonly scopes: ReadonlyArray<string>
}

export interface InjectedFailure {
  readonly status: number
  readonly errors: ReadonlyArray<{ readonly code: number; readonly message: string }>
}

export interface Counters {
  /** `GET /oauth2/authorize` (and `/oauth2/auth`) requests. */
  authorize: number
  /** Consent forms answered with Allow (including `autoApprove`). */
  consentAllow: number
  /** Consent forms answered with Deny. */
  consentDeny: number
  /** Every `POST /oauth2/token` request, whatever its grant type. */
  token: number
  /** `POST /oauth2/token` with `grant_type=authorization_code`. */
  tokenCode: number
  /** `POST /oauth2/token` with `grant_type=refresh_token`. */
  tokenRefresh: number
  /** `POST /oauth2/revoke` requests. */
  revoke: number
  /** API v4 requests by `"<METHOD> <route>"`, the route relative to `/client/v4` (e.g. `"GET /accounts"`). */
  api: Record<string, number>
}

/** A random opaque token (URL-safe). */
export const randomToken = (bytes = 30): string => randomBytes(bytes).toString("base64url")

/** 32 lowercase hex characters, the shape of Cloudflare ids. */
export const randomId = (): string => randomBytes(16).toString("hex")

/** A stable 32-hex id derived from a seed, so a person sees the same ids on every run. */
export const stableId = (seed: string): string => createHash("sha256").update(seed).digest("hex").slice(0, 32)

/**
 * A route's key for counters, failures and latency: the path relative to `/client/v4` (or the OAuth path),
 * without method, query or trailing slash. Accepts `"GET /accounts"`, `"/client/v4/accounts"`, `"accounts"`.
 */
export const routeKey = (input: string): string => {
  let path = input.trim().replace(/^[A-Za-z]+\s+/, "")
  path = path.split("?")[0]!.split("#")[0]!
  if (!path.startsWith("/")) path = `/${path}`
  path = path.replace(/^\/client\/v4(?=\/|$)/, "")
  if (path.length > 1) path = path.replace(/\/+$/, "")
  if (path === "/oauth2/auth") path = "/oauth2/authorize"
  return path === "" ? "/" : path
}

export class EmulatorState {
  readonly apiTokens = new Set<string>()
  /** Account API tokens: token -> account id. */
  readonly accountApiTokens = new Map<string, string>()
  /** Global API keys: lower-cased email -> key. */
  readonly globalKeys = new Map<string, string>()
  readonly accessTokens = new Map<string, AccessToken>()
  readonly refreshTokens = new Map<string, RefreshToken>()
  readonly codes = new Map<string, AuthorizationCode>()
  readonly consents = new Map<string, PendingConsent>()
  readonly failures = new Map<string, Array<InjectedFailure>>()
  readonly latency = new Map<string, number>()
  readonly counters: Counters = emptyCounters()
  accounts: ReadonlyArray<Account>

  constructor(readonly config: Config, accounts: ReadonlyArray<Account>) {
    this.accounts = accounts
  }

  /** Issues an access token (and a refresh token when `withRefresh`) for `grant`. */
  issueTokens(
    grant: Grant,
    accessTtlSeconds: number,
    withRefresh: boolean
  ): { readonly access: string; readonly refresh: string | undefined; readonly expiresIn: number } {
    const access = randomToken()
    const expiresIn = Math.max(0, Math.floor(accessTtlSeconds))
    this.accessTokens.set(access, { grant, expiresAt: Date.now() + expiresIn * 1000, revoked: false })
    let refresh: string | undefined
    if (withRefresh) {
      refresh = randomToken(36)
      this.refreshTokens.set(refresh, { grant, status: "active" })
    }
    return { access, refresh, expiresIn }
  }

  newGrant(scopes: ReadonlyArray<string>): Grant {
    return { id: randomId(), scopes, revoked: false }
  }

  /** The live OAuth access token, or `undefined` when unknown, expired or revoked. */
  liveAccessToken(token: string): AccessToken | undefined {
    const entry = this.accessTokens.get(token)
    if (entry === undefined || entry.revoked || entry.grant.revoked) return undefined
    return Date.now() < entry.expiresAt ? entry : undefined
  }

  /** Revokes a whole grant: its access tokens and every refresh token issued for it. */
  revokeGrant(grant: Grant): void {
    grant.revoked = true
    for (const entry of this.refreshTokens.values()) {
      if (entry.grant === grant) entry.status = "revoked"
    }
  }

  /** Takes the next failure queued for `route`, if any. */
  takeFailure(route: string): InjectedFailure | undefined {
    const queue = this.failures.get(route)
    const next = queue?.shift()
    if (queue !== undefined && queue.length === 0) this.failures.delete(route)
    return next
  }

  countApi(method: string, route: string): void {
    const key = `${method} ${route}`
    this.counters.api[key] = (this.counters.api[key] ?? 0) + 1
  }

  resetCounters(): void {
    Object.assign(this.counters, emptyCounters())
  }
}

const emptyCounters = (): Counters => ({
  authorize: 0,
  consentAllow: 0,
  consentDeny: 0,
  token: 0,
  tokenCode: 0,
  tokenRefresh: 0,
  revoke: 0,
  api: {}
})
