/**
 * The emulator's HTTP server: routing, latency and the handle `CloudflareEmulator.start` returns.
 *
 * @internal
 */
import { randomBytes } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { setTimeout as sleep } from "node:timers/promises"
import type { CloudflareEmulator, StartOptions } from "../../CloudflareEmulator.js"
import { api } from "./api.js"
import { sendJson } from "./http.js"
import { authorize, consent, revoke, token } from "./oauth.js"
import { defaultScopes } from "./scopes.js"
import { type Account, type Config, EmulatorState, randomToken, routeKey, stableId } from "./state.js"

/** Alchemy's public OAuth client id (reference/cloudflare.md). */
export const alchemyClientId = "6d8c2255-0773-45f6-b376-2914632e6f91"

/** A stable 32-hex account id for a seed. */
export const accountIdFor = (seed: string): string => stableId(`alchemy-emulator:account:${seed}`)

export const defaultAccounts: ReadonlyArray<Account> = [
  { id: accountIdFor("default"), name: "Example Account" }
]

const notFound = (res: ServerResponse): void =>
  sendJson(res, 404, { success: false, errors: [{ code: 7000, message: "No route for that URI" }], messages: [], result: null })

const methodNotAllowed = (res: ServerResponse, allow: string): void =>
  sendJson(res, 405, { error: "invalid_request", error_description: `use ${allow}` }, { allow })

const indexText = (url: string): string =>
  [
    "Local Cloudflare emulator (@alchemy/testing)",
    `OAuth:  ${url}/oauth2/authorize  ${url}/oauth2/token  ${url}/oauth2/revoke`,
    `API v4: ${url}/client/v4  (user/tokens/verify, user, accounts, memberships)`,
    ""
  ].join("\n")

export const start = async (options: StartOptions = {}): Promise<CloudflareEmulator> => {
  const config: Config = {
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 3600,
    codeTtlSeconds: options.codeTtlSeconds ?? 120,
    perPage: options.perPage ?? 20,
    maxPerPage: Math.max(50, options.perPage ?? 0),
    clientId: options.clientId ?? alchemyClientId,
    autoApprove: options.autoApprove ?? false,
    redirectUris: options.redirectUris,
    requireOfflineAccess: options.requireOfflineAccess ?? true,
    rotateRefreshTokens: options.rotateRefreshTokens ?? true,
    user: {
      id: options.user?.id ?? stableId("alchemy-emulator:user"),
      email: options.user?.email ?? "user@example.com"
    }
  }
  const state = new EmulatorState(config, [...(options.accounts ?? defaultAccounts)])

  const delay = async (route: string): Promise<void> => {
    const ms = state.latency.get(route)
    if (ms !== undefined && ms > 0) await sleep(ms)
  }

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1")
    const method = (req.method ?? "GET").toUpperCase()
    if (url.pathname === "/client/v4" || url.pathname.startsWith("/client/v4/")) {
      return api(state, req, res, url, delay)
    }
    switch (routeKey(url.pathname)) {
      case "/oauth2/authorize":
        req.resume()
        return method === "GET" ? authorize(state, url, res) : methodNotAllowed(res, "GET")
      case "/oauth2/consent":
        return method === "POST" ? consent(state, req, res) : methodNotAllowed(res, "POST")
      case "/oauth2/token":
        return method === "POST" ? token(state, req, res, delay) : methodNotAllowed(res, "POST")
      case "/oauth2/revoke":
        return method === "POST" ? revoke(state, req, res) : methodNotAllowed(res, "POST")
      case "/": {
        req.resume()
        const text = indexText(baseUrl)
        res.writeHead(200, { "content-type": "text/plain; charset=utf-8" })
        res.end(text)
        return
      }
      default:
        req.resume()
        return notFound(res)
    }
  }

  const server = createServer((req, res) => {
    route(req, res).catch((cause: unknown) => {
      if (!res.headersSent) {
        const detail = cause instanceof Error ? cause.message : "unexpected error"
        sendJson(res, 500, { success: false, errors: [{ code: 500, message: `emulator error: ${detail}` }], messages: [], result: null })
      } else {
        res.destroy()
      }
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  const baseUrl = `http://127.0.0.1:${port}`

  let closed: Promise<void> | undefined
  const emulator: CloudflareEmulator = {
    url: baseUrl,
    apiBaseUrl: `${baseUrl}/client/v4`,
    oauthUrl: baseUrl,
    port,
    clientId: config.clientId,
    env: {
      CLOUDFLARE_BASE_URL: `${baseUrl}/client/v4`,
      ALCHEMY_CLOUDFLARE_OAUTH_URL: baseUrl,
      ALCHEMY_CLOUDFLARE_CLIENT_ID: config.clientId
    },
    counters: state.counters,
    get accounts() {
      return state.accounts
    },
    user: config.user,
    addApiToken: (value) => {
      const t = value ?? randomToken(30)
      state.apiTokens.add(t)
      return t
    },
    addAccountApiToken: (accountId, value) => {
      const t = value ?? randomToken(30)
      state.accountApiTokens.set(t, accountId)
      return t
    },
    addGlobalKey: (email, value) => {
      const key = value ?? randomBytes(19).toString("hex").slice(0, 37)
      state.globalKeys.set(email.trim().toLowerCase(), key)
      return key
    },
    issueOAuthTokens: (opts = {}) => {
      const scopes = [...new Set([...(opts.scopes ?? defaultScopes), "offline_access"])]
      const grant = state.newGrant(scopes)
      const issued = state.issueTokens(grant, opts.accessTtlSeconds ?? config.accessTokenTtlSeconds, true)
      return { access: issued.access, refresh: issued.refresh!, expiresIn: issued.expiresIn, scopes }
    },
    revokeRefreshToken: (value) => {
      const entry = state.refreshTokens.get(value)
      if (entry !== undefined) state.revokeGrant(entry.grant)
    },
    expireAccessToken: (value) => {
      const entry = state.accessTokens.get(value)
      if (entry !== undefined) state.accessTokens.set(value, { ...entry, expiresAt: 0 })
    },
    refreshTokenStatus: (value) => {
      const entry = state.refreshTokens.get(value)
      if (entry === undefined) return "unknown"
      return entry.grant.revoked ? "revoked" : entry.status
    },
    accessTokenStatus: (value) => {
      const entry = state.accessTokens.get(value)
      if (entry === undefined) return "unknown"
      if (entry.revoked || entry.grant.revoked) return "revoked"
      return Date.now() < entry.expiresAt ? "active" : "expired"
    },
    failNext: (routeName, status, errors, times = 1) => {
      const key = routeKey(routeName)
      const queue = state.failures.get(key) ?? []
      for (let i = 0; i < times; i++) queue.push({ status, errors: [...errors] })
      state.failures.set(key, queue)
    },
    setLatency: (routeName, ms) => {
      if (ms > 0) state.latency.set(routeKey(routeName), ms)
      else state.latency.delete(routeKey(routeName))
    },
    setAccounts: (accounts) => {
      state.accounts = [...accounts]
    },
    setRotateRefreshTokens: (rotate) => {
      config.rotateRefreshTokens = rotate
    },
    resetCounters: () => state.resetCounters(),
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      return closed
    }
  }
  return emulator
}
