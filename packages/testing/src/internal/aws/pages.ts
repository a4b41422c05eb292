/**
 * The browser pages a person (or a headless browser in a test) sees: the PKCE consent page
 * at `/authorize` and the device verification page at `/device`. Both have an Allow and a
 * Deny button (`#allow`, `#deny`).
 *
 * @internal
 */
import type { ServerResponse } from "node:http"
import { escapeXml, redirect, sendHtml } from "./http.js"
import type { EmulatorState } from "./state.js"

const layout = (title: string, body: string): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title>` +
  `<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}` +
  `button{font-size:1rem;padding:.5rem 1.5rem;margin-right:.5rem}</style></head>` +
  `<body><h1>${escapeXml(title)}</h1>${body}</body></html>`

const decisionButtons = `<p><button type="submit" id="allow" name="decision" value="allow">Allow</button>` +
  `<button type="submit" id="deny" name="decision" value="deny">Deny</button></p>`

const errorPage = (response: ServerResponse, status: number, message: string): void =>
  sendHtml(response, status, layout("Authorization failed", `<p id="error">${escapeXml(message)}</p>`))

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"])

/** Exact match, or for loopback addresses a match that ignores the port (RFC 8252 §7.3). */
export const redirectUriAllowed = (registered: ReadonlyArray<string>, requested: string): boolean => {
  let target: URL
  try {
    target = new URL(requested)
  } catch {
    return false
  }
  return registered.some((candidate) => {
    if (candidate === requested) return true
    try {
      const allowed = new URL(candidate)
      return LOOPBACK_HOSTS.has(allowed.hostname) &&
        allowed.protocol === target.protocol &&
        allowed.hostname === target.hostname &&
        allowed.pathname === target.pathname
    } catch {
      return false
    }
  })
}

const withParams = (base: string, params: Record<string, string | undefined>): string => {
  const url = new URL(base)
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) url.searchParams.set(name, value)
  }
  return url.toString()
}

/** `GET /authorize?response_type=code&client_id&redirect_uri&state&code_challenge&code_challenge_method=S256&scopes` */
export const authorizePage = (state: EmulatorState, query: URLSearchParams, response: ServerResponse): void => {
  state.counters.authorize++
  const clientId = query.get("client_id") ?? undefined
  const redirectUri = query.get("redirect_uri") ?? undefined
  const oauthState = query.get("state") ?? undefined
  const scopes = (query.get("scopes") ?? query.get("scope") ?? "").split(/[\s,]+/).filter((scope) => scope !== "")
  state.record("Authorize", { clientId, redirectUri, scopes, codeChallengeMethod: query.get("code_challenge_method") })
  const client = clientId === undefined ? undefined : state.clients.get(clientId)
  if (client === undefined) return errorPage(response, 400, "Unknown client_id.")
  if (redirectUri === undefined || !redirectUriAllowed(client.redirectUris, redirectUri)) {
    return errorPage(response, 400, "redirect_uri is not registered for this client.")
  }
  const codeChallenge = query.get("code_challenge")
  if (query.get("response_type") !== "code" || codeChallenge === null || query.get("code_challenge_method") !== "S256") {
    return redirect(
      response,
      withParams(redirectUri, {
        error: "invalid_request",
        error_description: "response_type=code with an S256 code_challenge is required",
        state: oauthState
      })
    )
  }
  const id = state.startAuthorization({ clientId: client.clientId, redirectUri, state: oauthState, codeChallenge, scopes })
  sendHtml(
    response,
    200,
    layout(
      "Allow access?",
      `<p>The application <strong id="client-name">${escapeXml(client.clientName)}</strong> asks to access your AWS ` +
        `accounts${scopes.length > 0 ? ` (<code>${escapeXml(scopes.join(" "))}</code>)` : ""}.</p>` +
        `<form method="post" action="/authorize"><input type="hidden" name="authorization" value="${id}">` +
        decisionButtons + `</form>`
    )
  )
}

/** `POST /authorize` (the consent form): redirect to the client with a code or `error=access_denied`. */
export const authorizeDecision = (state: EmulatorState, form: URLSearchParams, response: ServerResponse): void => {
  const id = form.get("authorization") ?? ""
  const pending = state.pendingAuthorizations.get(id)
  if (pending === undefined) return errorPage(response, 400, "This authorization request has expired. Start again.")
  state.pendingAuthorizations.delete(id)
  if (form.get("decision") !== "allow") {
    return redirect(
      response,
      withParams(pending.redirectUri, {
        error: "access_denied",
        error_description: "The user denied the request",
        state: pending.state
      })
    )
  }
  const code = state.issueCode(pending)
  redirect(response, withParams(pending.redirectUri, { code: code.code, state: pending.state }))
}

/** `GET /device?user_code=...` */
export const devicePage = (state: EmulatorState, query: URLSearchParams, response: ServerResponse): void => {
  const userCode = query.get("user_code")
  if (userCode === null || userCode.trim() === "") {
    return sendHtml(
      response,
      200,
      layout(
        "Enter your code",
        `<form method="get" action="/device"><input name="user_code" id="user-code" autofocus>` +
          `<button type="submit" id="submit">Next</button></form>`
      )
    )
  }
  const grant = state.findDeviceByUserCode(userCode)
  if (grant === undefined || grant.decision !== "pending" || grant.expiresAt <= Date.now()) {
    return errorPage(response, 400, "This code is invalid or has expired.")
  }
  sendHtml(
    response,
    200,
    layout(
      "Authorize request",
      `<p>Code <strong id="user-code">${escapeXml(grant.userCode)}</strong> asks to access your AWS accounts.</p>` +
        `<form method="post" action="/device"><input type="hidden" name="user_code" value="${escapeXml(grant.userCode)}">` +
        decisionButtons + `</form>`
    )
  )
}

/** `POST /device` (the verification form): approve or deny the device code. */
export const deviceDecision = (state: EmulatorState, form: URLSearchParams, response: ServerResponse): void => {
  const grant = state.findDeviceByUserCode(form.get("user_code") ?? "")
  if (grant === undefined || grant.decision !== "pending" || grant.expiresAt <= Date.now()) {
    return errorPage(response, 400, "This code is invalid or has expired.")
  }
  const allowed = form.get("decision") === "allow"
  grant.decision = allowed ? "allowed" : "denied"
  sendHtml(
    response,
    200,
    layout(
      allowed ? "Request approved" : "Request denied",
      `<p id="result">${allowed ? "You can close this window and return to your terminal." : "Access was denied."}</p>`
    )
  )
}
