/**
 * The AWS emulator's HTTP server: one listener on 127.0.0.1 that routes SSO-OIDC, the SSO
 * portal, STS and the browser pages by method and path (the three SDK clients use disjoint
 * paths, STS always posts to `/`), plus the web identity side under its own prefixes: the OIDC
 * issuer's documents under `/oidc/` and the GitHub Actions token endpoint at `/actions/token`.
 *
 * @internal
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { actionsToken } from "./actions.js"
import { readBody, sendHtml, sendJsonError } from "./http.js"
import { jwks, openIdConfiguration } from "./issuer.js"
import { createToken, registerClient, startDeviceAuthorization } from "./oidc.js"
import { authorizeDecision, authorizePage, deviceDecision, devicePage } from "./pages.js"
import { getRoleCredentials, listAccountRoles, listAccounts, logout } from "./portal.js"
import type { EmulatorState } from "./state.js"
import { handleQuery } from "./sts.js"

const route = async (state: EmulatorState, request: IncomingMessage, response: ServerResponse): Promise<void> => {
  const url = new URL(request.url ?? "/", "http://emulator")
  const method = request.method ?? "GET"
  const path = url.pathname
  if (method === "GET") {
    switch (path) {
      case "/assignment/accounts":
        return listAccounts(state, request, url.searchParams, response)
      case "/assignment/roles":
        return listAccountRoles(state, request, url.searchParams, response)
      case "/federation/credentials":
        return getRoleCredentials(state, request, url.searchParams, response)
      case "/authorize":
        return authorizePage(state, url.searchParams, response)
      case "/device":
        return devicePage(state, url.searchParams, response)
      case "/oidc/.well-known/openid-configuration":
        return openIdConfiguration(state, response)
      case "/oidc/jwks":
        return jwks(state, response)
      case "/actions/token":
        return actionsToken(state, request, url.searchParams, response)
      case "/":
      case "/start":
        return sendHtml(
          response,
          200,
          "<!doctype html><title>AWS emulator</title><h1>AWS emulator</h1>" +
            "<p>IAM Identity Center OIDC, the SSO portal and STS for local use. Use this URL as the SSO start URL.</p>"
        )
    }
  }
  if (method === "POST") {
    const body = await readBody(request)
    switch (path) {
      case "/client/register":
        return registerClient(state, body, response)
      case "/device_authorization":
        return startDeviceAuthorization(state, body, response)
      case "/token":
        if (url.searchParams.has("aws_iam")) break
        return createToken(state, body, response)
      case "/logout":
        return logout(state, request, response)
      case "/authorize":
        return authorizeDecision(state, new URLSearchParams(body), response)
      case "/device":
        return deviceDecision(state, new URLSearchParams(body), response)
      case "/":
        return handleQuery(state, request, body, response)
    }
  }
  sendJsonError(response, 404, "ResourceNotFoundException", { message: `No route for ${method} ${path}` })
}

/** Starts listening on 127.0.0.1 and returns the server with its base URL. */
export const listen = (state: EmulatorState, port: number): Promise<{ server: Server; url: string }> =>
  new Promise((resolve, reject) => {
    const server = createServer((request, response) => {
      route(state, request, response).catch(() => {
        if (!response.headersSent) {
          sendJsonError(response, 500, "InternalServerException", { message: "Emulator failure" })
        } else {
          response.destroy()
        }
      })
    })
    server.once("error", reject)
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject)
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      state.url = url
      resolve({ server, url })
    })
  })

/** Closes the listener and every kept-alive connection (SDK clients keep sockets open). */
export const close = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    if (!server.listening) return resolve()
    server.close(() => resolve())
    server.closeAllConnections()
  })
