/**
 * API v4 under `/client/v4`: `user/tokens/verify`, `accounts/:id/tokens/verify`, `user`, `accounts`,
 * `accounts/:id`, `memberships`, in Cloudflare's `{ success, errors, messages, result, result_info }` envelope.
 *
 * @internal
 */
import { createHash } from "node:crypto"
import type { IncomingMessage, ServerResponse } from "node:http"
import { sendJson } from "./http.js"
import type { Account, EmulatorState } from "./state.js"
import { routeKey, stableId } from "./state.js"

interface CfError {
  readonly code: number
  readonly message: string
}

const envelopeError = (res: ServerResponse, status: number, errors: ReadonlyArray<CfError>): void =>
  sendJson(res, status, { success: false, errors, messages: [], result: null }, status === 429 ? { "retry-after": "1" } : {})

const envelope = (res: ServerResponse, result: unknown, resultInfo?: unknown): void =>
  sendJson(res, 200, {
    success: true,
    errors: [],
    messages: [],
    result,
    ...(resultInfo === undefined ? {} : { result_info: resultInfo })
  })

type Principal =
  | { readonly kind: "api-token"; readonly id: string }
  | { readonly kind: "account-token"; readonly id: string; readonly accountId: string }
  | { readonly kind: "oauth"; readonly id: string; readonly scopes: ReadonlyArray<string>; readonly expiresAt: number }
  | { readonly kind: "global-key"; readonly email: string }

type Authenticated =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly status: number; readonly error: CfError }

/** An id for a token that does not reveal it. */
const tokenId = (token: string): string => createHash("sha256").update(`token-id:${token}`).digest("hex").slice(0, 32)

const missingAuth: Authenticated = {
  ok: false,
  status: 400,
  error: { code: 9106, message: "Missing X-Auth-Key, X-Auth-Email or Authorization headers" }
}

const authenticate = (state: EmulatorState, req: IncomingMessage): Authenticated => {
  const authorization = req.headers.authorization
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization)
    if (match === null) {
      return { ok: false, status: 400, error: { code: 6111, message: "Invalid format for Authorization header" } }
    }
    const token = match[1]!
    if (state.apiTokens.has(token)) return { ok: true, principal: { kind: "api-token", id: tokenId(token) } }
    const accountId = state.accountApiTokens.get(token)
    if (accountId !== undefined) {
      return { ok: true, principal: { kind: "account-token", id: tokenId(token), accountId } }
    }
    const access = state.liveAccessToken(token)
    if (access !== undefined) {
      return {
        ok: true,
        principal: { kind: "oauth", id: tokenId(token), scopes: access.grant.scopes, expiresAt: access.expiresAt }
      }
    }
    return { ok: false, status: 401, error: { code: 10000, message: "Authentication error" } }
  }
  const key = req.headers["x-auth-key"]
  const email = req.headers["x-auth-email"]
  if (key === undefined && email === undefined) return missingAuth
  if (typeof key !== "string" || typeof email !== "string" || key === "" || email === "") return missingAuth
  const expected = state.globalKeys.get(email.trim().toLowerCase())
  if (expected === undefined || expected !== key.trim()) {
    return { ok: false, status: 403, error: { code: 9103, message: "Unknown X-Auth-Key or X-Auth-Email" } }
  }
  return { ok: true, principal: { kind: "global-key", email: email.trim() } }
}

const invalidToken: CfError = { code: 1000, message: "Invalid API Token" }
const unauthorized: CfError = { code: 9109, message: "Unauthorized to access requested resource" }
const missingScope = (scope: string): CfError => ({
  code: 10000,
  message: `Authentication error: this OAuth token was not granted ${scope}`
})

/** Parses `page` and `per_page`, applying the default and the maximum page size. */
const pageOf = (state: EmulatorState, url: URL): { readonly page: number; readonly perPage: number } => {
  const page = Number.parseInt(url.searchParams.get("page") ?? "1", 10)
  const perPage = Number.parseInt(url.searchParams.get("per_page") ?? String(state.config.perPage), 10)
  return {
    page: Number.isFinite(page) && page >= 1 ? page : 1,
    perPage: Number.isFinite(perPage) && perPage >= 1
      ? Math.min(perPage, state.config.maxPerPage)
      : state.config.perPage
  }
}

const paginate = <A>(items: ReadonlyArray<A>, page: number, perPage: number) => {
  const slice = items.slice((page - 1) * perPage, page * perPage)
  return {
    result: slice,
    resultInfo: {
      page,
      per_page: perPage,
      count: slice.length,
      total_count: items.length,
      total_pages: Math.ceil(items.length / perPage)
    }
  }
}

const accountJson = (account: Account) => ({
  id: account.id,
  name: account.name,
  type: "standard",
  settings: { enforce_twofactor: false },
  created_on: "2024-01-01T00:00:00.000000Z"
})

const membershipJson = (account: Account) => ({
  id: stableId(`membership:${account.id}`),
  status: account.status ?? "accepted",
  account: { id: account.id, name: account.name },
  roles: ["Super Administrator - All Privileges"]
})

/** The route template a path belongs to, for counters and failures. */
const templateOf = (path: string): string => {
  if (/^\/accounts\/[^/]+\/tokens\/verify$/.test(path)) return "/accounts/:account_id/tokens/verify"
  if (/^\/accounts\/[^/]+$/.test(path)) return "/accounts/:account_id"
  return path
}

const knownTemplates = new Set([
  "/user/tokens/verify",
  "/accounts/:account_id/tokens/verify",
  "/user",
  "/accounts",
  "/accounts/:account_id",
  "/memberships"
])

/** Handles a request under `/client/v4`. */
export const api = async (
  state: EmulatorState,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  delay: (route: string) => Promise<void>
): Promise<void> => {
  req.resume()
  const method = (req.method ?? "GET").toUpperCase()
  const path = routeKey(url.pathname)
  const template = templateOf(path)
  state.countApi(method, template)
  await delay(template)
  const failure = state.takeFailure(template) ?? (template === path ? undefined : state.takeFailure(path))
  if (failure !== undefined) return envelopeError(res, failure.status, failure.errors)

  if (!knownTemplates.has(template)) {
    return envelopeError(res, 404, [{ code: 7000, message: "No route for that URI" }])
  }
  if (method !== "GET") return envelopeError(res, 405, [{ code: 10405, message: "Method not allowed" }])

  const auth = authenticate(state, req)
  const segments = path.split("/")

  if (template === "/user/tokens/verify" || template === "/accounts/:account_id/tokens/verify") {
    if (!auth.ok) return envelopeError(res, 401, [invalidToken])
    const p = auth.principal
    const accountId = template === "/user/tokens/verify" ? undefined : segments[2]
    if (accountId !== undefined && !state.accounts.some((a) => a.id === accountId)) {
      return envelopeError(res, 404, [{ code: 7003, message: "Could not route to /accounts, perhaps your object identifier is invalid?" }])
    }
    const fits = accountId === undefined
      ? p.kind === "api-token" || p.kind === "oauth"
      : p.kind === "account-token" && p.accountId === accountId
    if (!fits || p.kind === "global-key") return envelopeError(res, 401, [invalidToken])
    return envelope(res, {
      id: p.id,
      status: "active",
      ...(p.kind === "oauth" ? { expires_on: new Date(p.expiresAt).toISOString() } : {})
    }, undefined)
  }

  if (!auth.ok) return envelopeError(res, auth.status, [auth.error])
  const p = auth.principal

  if (template === "/user") {
    if (p.kind === "account-token") return envelopeError(res, 403, [unauthorized])
    if (p.kind === "oauth" && !p.scopes.includes("user:read")) return envelopeError(res, 403, [missingScope("user:read")])
    const { id, email } = state.config.user
    return envelope(res, {
      id: p.kind === "global-key" ? stableId(`user:${p.email.toLowerCase()}`) : id,
      email: p.kind === "global-key" ? p.email : email,
      first_name: null,
      last_name: null,
      username: stableId(`username:${id}`),
      two_factor_authentication_enabled: false,
      suspended: false
    })
  }

  if (p.kind === "oauth" && !p.scopes.includes("account:read")) {
    return envelopeError(res, 403, [missingScope("account:read")])
  }
  const accepted = state.accounts.filter((a) => (a.status ?? "accepted") === "accepted")
  const visible = p.kind === "account-token" ? accepted.filter((a) => a.id === p.accountId) : accepted

  if (template === "/accounts/:account_id") {
    const account = visible.find((a) => a.id === segments[2])
    if (account === undefined) {
      return envelopeError(res, 404, [{ code: 7003, message: "Could not route to /accounts, perhaps your object identifier is invalid?" }])
    }
    return envelope(res, accountJson(account))
  }

  const { page, perPage } = pageOf(state, url)
  if (template === "/accounts") {
    const { result, resultInfo } = paginate(visible.map(accountJson), page, perPage)
    return envelope(res, result, resultInfo)
  }

  // /memberships
  if (p.kind === "account-token") return envelopeError(res, 403, [unauthorized])
  const status = url.searchParams.get("status")
  const members = state.accounts.filter((a) => status === null || (a.status ?? "accepted") === status)
  const { result, resultInfo } = paginate(members.map(membershipJson), page, perPage)
  return envelope(res, result, resultInfo)
}
