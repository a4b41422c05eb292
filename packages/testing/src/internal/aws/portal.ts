/**
 * The IAM Identity Center portal (`@aws-sdk/client-sso`, restJson1): ListAccounts,
 * ListAccountRoles, GetRoleCredentials and Logout, authenticated by the access token in
 * the `x-amz-sso_bearer_token` header.
 *
 * @internal
 */
import { createHash } from "node:crypto"
import type { IncomingMessage, ServerResponse } from "node:http"
import { sendJson, sendJsonError } from "./http.js"
import type { EmulatorState, SsoSession } from "./state.js"

const unauthorized = (response: ServerResponse): void =>
  sendJsonError(response, 401, "UnauthorizedException", { message: "Session token not found or invalid" })

const bearer = (state: EmulatorState, request: IncomingMessage): SsoSession | undefined => {
  const header = request.headers["x-amz-sso_bearer_token"]
  return state.activeSession(typeof header === "string" ? header : undefined)
}

/** One page of `items` for the `next_token` / `max_result` query parameters. */
const page = <A>(
  state: EmulatorState,
  query: URLSearchParams,
  items: ReadonlyArray<A>
): { readonly items: ReadonlyArray<A>; readonly nextToken: string | undefined } | undefined => {
  const nextToken = query.get("next_token")
  let offset = 0
  if (nextToken !== null) {
    offset = Number(Buffer.from(nextToken, "base64url").toString("utf8").replace(/^offset:/, ""))
    if (!Number.isInteger(offset) || offset < 0) return undefined
  }
  const maxResult = Number(query.get("max_result") ?? Number.NaN)
  const size = Number.isInteger(maxResult) && maxResult > 0 ? Math.min(maxResult, state.pageSize) : state.pageSize
  const end = offset + size
  return {
    items: items.slice(offset, end),
    nextToken: end < items.length ? Buffer.from(`offset:${end}`).toString("base64url") : undefined
  }
}

const invalidToken = (response: ServerResponse): void =>
  sendJsonError(response, 400, "InvalidRequestException", { message: "Invalid nextToken" })

/** `GET /assignment/accounts` */
export const listAccounts = (
  state: EmulatorState,
  request: IncomingMessage,
  query: URLSearchParams,
  response: ServerResponse
): void => {
  state.counters.listAccounts++
  state.record("ListAccounts", { nextToken: query.get("next_token") ?? undefined })
  if (bearer(state, request) === undefined) return unauthorized(response)
  const result = page(state, query, state.accounts)
  if (result === undefined) return invalidToken(response)
  sendJson(response, 200, {
    accountList: result.items.map(({ accountId, accountName, emailAddress }) => ({
      accountId,
      accountName,
      emailAddress: emailAddress ?? `${accountName.toLowerCase().replace(/[^a-z0-9]+/g, "-")}@example.com`
    })),
    ...(result.nextToken === undefined ? {} : { nextToken: result.nextToken })
  })
}

/** `GET /assignment/roles` */
export const listAccountRoles = (
  state: EmulatorState,
  request: IncomingMessage,
  query: URLSearchParams,
  response: ServerResponse
): void => {
  state.counters.listAccountRoles++
  const accountId = query.get("account_id") ?? undefined
  state.record("ListAccountRoles", { accountId, nextToken: query.get("next_token") ?? undefined })
  if (bearer(state, request) === undefined) return unauthorized(response)
  const account = state.accounts.find((candidate) => candidate.accountId === accountId)
  if (account === undefined) {
    return sendJsonError(response, 404, "ResourceNotFoundException", { message: "No access to this account" })
  }
  const result = page(state, query, account.roles)
  if (result === undefined) return invalidToken(response)
  sendJson(response, 200, {
    roleList: result.items.map((roleName) => ({ roleName, accountId: account.accountId })),
    ...(result.nextToken === undefined ? {} : { nextToken: result.nextToken })
  })
}

/**
 * The role name IAM Identity Center gives a permission set in the member account:
 * `AWSReservedSSO_<permission set>_<16 hex>`, stable per account and permission set.
 */
export const reservedRoleName = (accountId: string, roleName: string): string =>
  `AWSReservedSSO_${roleName}_${createHash("sha256").update(`${accountId}/${roleName}`).digest("hex").slice(0, 16)}`

/** `GET /federation/credentials` */
export const getRoleCredentials = (
  state: EmulatorState,
  request: IncomingMessage,
  query: URLSearchParams,
  response: ServerResponse
): void => {
  state.counters.getRoleCredentials++
  const accountId = query.get("account_id") ?? undefined
  const roleName = query.get("role_name") ?? undefined
  state.record("GetRoleCredentials", { accountId, roleName })
  if (bearer(state, request) === undefined) return unauthorized(response)
  const account = state.accounts.find((candidate) => candidate.accountId === accountId)
  if (account === undefined || roleName === undefined || !account.roles.includes(roleName)) {
    return sendJsonError(response, 404, "ResourceNotFoundException", { message: "No access" })
  }
  const credentials = state.issueRoleCredentials(
    account.accountId,
    reservedRoleName(account.accountId, roleName),
    state.options.ssoUserName ?? "emulator-user",
    state.roleCredentialTtlSeconds
  )
  sendJson(response, 200, {
    roleCredentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
      expiration: credentials.expiresAt
    }
  })
}

/** `POST /logout` */
export const logout = (state: EmulatorState, request: IncomingMessage, response: ServerResponse): void => {
  state.counters.logout++
  state.record("Logout", {})
  const session = bearer(state, request)
  if (session === undefined) return unauthorized(response)
  session.revoked = true
  response.writeHead(200, { "content-length": 0 })
  response.end()
}
