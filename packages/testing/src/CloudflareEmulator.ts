/**
 * A local Cloudflare: the OAuth origin (`/oauth2/authorize` with a real consent page, `/oauth2/token`,
 * `/oauth2/revoke`) and the parts of API v4 alchemy uses (`user/tokens/verify`, `user`, `accounts`,
 * `memberships`), served by one real HTTP server on 127.0.0.1.
 *
 * Tests start it in-process on a free port:
 *
 * ```ts
 * const cf = await CloudflareEmulator.start()
 * process.env.CLOUDFLARE_BASE_URL = cf.apiBaseUrl          // or spread cf.env into a child's env
 * process.env.ALCHEMY_CLOUDFLARE_OAUTH_URL = cf.oauthUrl
 * // ... cf.counters.tokenRefresh, cf.failNext("/accounts", 500, [...]) ...
 * await cf.close()
 * ```
 *
 * A person runs it standalone: `node --import tsx packages/testing/src/CloudflareEmulator.ts [--port 8788]`.
 *
 * Behaviour worth knowing:
 * - Authorization codes are single-use (a reused code also revokes the tokens issued from it) and live
 *   `codeTtlSeconds` (120 s). PKCE S256 is required; `state` is required (8+ characters); `offline_access` is
 *   required unless `requireOfflineAccess: false`. Redirect URIs must be `http` on 127.0.0.1, localhost or [::1].
 * - Refresh tokens rotate: each refresh returns a new one and the old one answers `invalid_grant`
 *   (`rotateRefreshTokens: false` replies without a refresh token instead, the old one staying valid).
 * - Revoking a refresh token revokes its whole grant (access tokens too), as RFC 7009 suggests.
 * - API auth errors: no credentials 400/9106; unknown or expired bearer 401/10000; wrong global key 403/9103;
 *   `tokens/verify` with anything but a live token 401/1000; an OAuth token missing `account:read` /
 *   `user:read` 403/10000; unknown route 404/7000; unknown account id 404/7003.
 * - Pagination: `per_page` defaults to `perPage` (20) and is capped at 50 (or `perPage` when larger).
 *
 * @since 0.1.0
 */
import { pathToFileURL } from "node:url"
import * as internal from "./internal/cloudflare/server.js"
import type * as State from "./internal/cloudflare/state.js"

/**
 * An account the emulator lists. `status` only matters for `/memberships` (default `"accepted"`); pending
 * accounts are not listed by `/accounts`. Ids are not validated, so a test can serve an invalid one.
 *
 * @since 0.1.0
 */
export interface Account {
  readonly id: string
  readonly name: string
  readonly status?: "accepted" | "pending"
}

/**
 * @since 0.1.0
 */
export interface StartOptions {
  /** Port on 127.0.0.1; default a free one. */
  readonly port?: number
  /** Lifetime of access tokens from `/oauth2/token`; default 3600. */
  readonly accessTokenTtlSeconds?: number
  /** Lifetime of authorization codes; default 120. */
  readonly codeTtlSeconds?: number
  /** Accounts to list; default one account "Example Account" with a stable 32-hex id. */
  readonly accounts?: ReadonlyArray<Account>
  /** Page size when the client sends no `per_page`; default 20. */
  readonly perPage?: number
  /** The only OAuth client id accepted; default alchemy's public client id. */
  readonly clientId?: string
  /** Skip the consent page: `/oauth2/authorize` redirects with a code at once. */
  readonly autoApprove?: boolean
  /** Exact redirect URIs to accept; default any `http` loopback URI (any port, any path). */
  readonly redirectUris?: ReadonlyArray<string>
  /** Refuse authorization requests without `offline_access` (`invalid_scope`); default true. */
  readonly requireOfflineAccess?: boolean
  /** Rotate refresh tokens (single-use); default true. */
  readonly rotateRefreshTokens?: boolean
  /** The user `/user` returns for API and OAuth tokens. */
  readonly user?: { readonly id?: string; readonly email?: string }
}

/**
 * Requests the emulator received, by route. Every request counts, including refused ones and injected failures.
 *
 * @since 0.1.0
 */
export type Counters = State.Counters

/**
 * A Cloudflare error as it appears in the API envelope.
 *
 * @since 0.1.0
 */
export interface CloudflareError {
  readonly code: number
  readonly message: string
}

/**
 * A running emulator.
 *
 * @since 0.1.0
 */
export interface CloudflareEmulator {
  /** `http://127.0.0.1:<port>`: serves the OAuth origin and, under `/client/v4`, API v4. */
  readonly url: string
  /** `${url}/client/v4`, the value for `CLOUDFLARE_BASE_URL`. */
  readonly apiBaseUrl: string
  /** `${url}`, the value for `ALCHEMY_CLOUDFLARE_OAUTH_URL`. */
  readonly oauthUrl: string
  readonly port: number
  /** The OAuth client id accepted. */
  readonly clientId: string
  /** The environment variables that point alchemy at this emulator. */
  readonly env: {
    readonly CLOUDFLARE_BASE_URL: string
    readonly ALCHEMY_CLOUDFLARE_OAUTH_URL: string
    readonly ALCHEMY_CLOUDFLARE_CLIENT_ID: string
  }
  /** Live counters (the same object is updated in place). */
  readonly counters: Counters
  /** The accounts currently listed. */
  readonly accounts: ReadonlyArray<Account>
  /** The user `/user` returns for API and OAuth tokens. */
  readonly user: { readonly id: string; readonly email: string }
  /** Registers a user API token (random when omitted) and returns it. */
  addApiToken(token?: string): string
  /** Registers an account API token (verified by `/accounts/:id/tokens/verify`) and returns it. */
  addAccountApiToken(accountId: string, token?: string): string
  /** Registers a global API key for `email` (random 37-hex when omitted) and returns it. */
  addGlobalKey(email: string, key?: string): string
  /** Issues OAuth tokens directly, as if a login had happened. `offline_access` is always added to the scopes. */
  issueOAuthTokens(opts?: { readonly scopes?: ReadonlyArray<string>; readonly accessTtlSeconds?: number }): {
    readonly access: string
    readonly refresh: string
    readonly expiresIn: number
    readonly scopes: ReadonlyArray<string>
  }
  /** Revokes a refresh token and everything of its grant, as a user removing the app would. */
  revokeRefreshToken(token: string): void
  /** Makes an access token expired on the server side. */
  expireAccessToken(token: string): void
  refreshTokenStatus(token: string): "active" | "used" | "revoked" | "unknown"
  accessTokenStatus(token: string): "active" | "expired" | "revoked" | "unknown"
  /**
   * Makes the next `times` (default 1) requests to `route` fail with `status`. `route` is a path relative to
   * `/client/v4` (`"/accounts"`, `"/memberships"`, `"/user/tokens/verify"`, `"/accounts/:account_id"`) or an
   * OAuth path (`"/oauth2/token"`, `"/oauth2/revoke"`, `"/oauth2/authorize"`); a `"GET "` prefix is ignored.
   * API routes reply with the envelope and `errors`; OAuth routes with `{ error, error_description, errors }`,
   * `error` being the first message when it is an OAuth error code (e.g. `"invalid_grant"`). 429 adds `Retry-After: 1`.
   */
  failNext(route: string, status: number, errors: ReadonlyArray<CloudflareError>, times?: number): void
  /** Delays every reply of `route` by `ms` (0 removes it), e.g. to widen a race window. */
  setLatency(route: string, ms: number): void
  setAccounts(accounts: ReadonlyArray<Account>): void
  setRotateRefreshTokens(rotate: boolean): void
  resetCounters(): void
  /** Stops the server and drops open connections. Idempotent. */
  close(): Promise<void>
}

/**
 * Alchemy's public OAuth client id, accepted by default.
 *
 * @since 0.1.0
 */
export const alchemyClientId: string = internal.alchemyClientId

/**
 * Starts an emulator on 127.0.0.1.
 *
 * @since 0.1.0
 */
export const start: (options?: StartOptions) => Promise<CloudflareEmulator> = internal.start

/**
 * `count` accounts with distinct 32-hex ids and names `Account 1` ... `Account <count>`.
 *
 * @since 0.1.0
 */
export const makeAccounts = (count: number, prefix = "Account"): Array<Account> =>
  Array.from({ length: count }, (_, i) => ({
    id: internal.accountIdFor(`${prefix}:${i + 1}`),
    name: `${prefix} ${i + 1}`
  }))

const usage = `Usage: node --import tsx packages/testing/src/CloudflareEmulator.ts [options]
  --port <n>          port on 127.0.0.1 (default 8788, 0 for any free port)
  --accounts <n>      number of accounts to list (default 1)
  --access-ttl <s>    access-token lifetime in seconds (default 3600)
  --auto-approve      skip the consent page
`

/**
 * Runs the emulator for a person: prints the URLs and the variables to set, serves until Ctrl-C.
 *
 * @since 0.1.0
 */
export const main = async (argv: ReadonlyArray<string> = process.argv.slice(2)): Promise<void> => {
  const options: { port: number; accounts?: Array<Account>; accessTokenTtlSeconds?: number; autoApprove?: boolean } = {
    port: 8788
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const value = () => {
      const v = Number(argv[++i])
      if (!Number.isInteger(v) || v < 0) throw new Error(`${arg} needs a whole number\n${usage}`)
      return v
    }
    if (arg === "--port") options.port = value()
    else if (arg === "--accounts") options.accounts = makeAccounts(Math.max(1, value()))
    else if (arg === "--access-ttl") options.accessTokenTtlSeconds = value()
    else if (arg === "--auto-approve") options.autoApprove = true
    else if (arg === "--help" || arg === "-h") {
      process.stdout.write(usage)
      return
    } else throw new Error(`unknown option ${arg}\n${usage}`)
  }
  const emulator = await start(options)
  const email = "user@example.com"
  const apiToken = emulator.addApiToken()
  const globalKey = emulator.addGlobalKey(email)
  const lines = [
    `Local Cloudflare emulator on ${emulator.url} (OAuth origin; API v4 at ${emulator.apiBaseUrl})`,
    "",
    "Point alchemy at it:",
    `  export CLOUDFLARE_BASE_URL=${emulator.apiBaseUrl}`,
    `  export ALCHEMY_CLOUDFLARE_OAUTH_URL=${emulator.oauthUrl}`,
    "",
    "Emulator-only credentials (not real secrets):",
    `  API token:   ${apiToken}`,
    `  global key:  ${globalKey}  (email ${email})`,
    "",
    `Accounts: ${emulator.accounts.map((a) => `${a.name}: ${a.id}`).join(", ")}`,
    "Press Ctrl-C to stop.",
    ""
  ]
  process.stdout.write(lines.join("\n"))
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop)
      process.off("SIGTERM", stop)
      resolve()
    }
    process.on("SIGINT", stop)
    process.on("SIGTERM", stop)
  })
  await emulator.close()
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  })
}
