/**
 * The loopback server that receives the OAuth redirect. Node's `http` is used directly because the server must
 * listen on two loopback addresses (127.0.0.1 and ::1) on the same port and never on a wildcard address.
 *
 * @internal
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { CloudflareOAuthError } from "../CloudflareErrors.js"

/** What the handler decides for one request to the callback path. */
export type Verdict =
  | { readonly _tag: "Ignore"; readonly status: number; readonly page: string }
  | { readonly _tag: "Accept" }

export interface CallbackServer {
  readonly port: number
  readonly hosts: ReadonlyArray<string>
}

export interface Accepted {
  readonly url: URL
  /** Answer the browser once the login finished (or failed). */
  readonly respond: (status: number, page: string) => void
}

const listen = (server: Http.Server, host: string, port: number) =>
  new Promise<number>((resolve, reject) => {
    const onError = (error: Error) => {
      server.off("listening", onListening)
      reject(error)
    }
    const onListening = () => {
      server.off("error", onError)
      resolve((server.address() as AddressInfo).port)
    }
    server.once("error", onError)
    server.once("listening", onListening)
    server.listen({ host, port, exclusive: true })
  })

/** Stop listening at once; let the last page finish (answers carry `connection: close`), then drop stragglers. */
const close = (server: Http.Server) =>
  new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeIdleConnections()
    setTimeout(() => server.closeAllConnections(), 250).unref()
  })

/**
 * Start the server on `port` (0 = any free port) on 127.0.0.1, and on ::1 with the same port when the machine has
 * IPv6 loopback. `decide` is called for each request to `path`; other paths get 404 and the login continues.
 * `onAccept` gets the first accepted request (later ones are answered 409). Closed when the scope closes.
 */
export const start = (options: {
  readonly port: number
  readonly path: string
  readonly decide: (url: URL) => Verdict
  readonly onAccept: (accepted: Accepted) => void
  readonly notFoundPage: string
  readonly alreadyDonePage: string
}): Effect.Effect<CallbackServer, CloudflareOAuthError, Scope.Scope> =>
  Effect.gen(function*() {
    let accepted = false
    const handler: Http.RequestListener = (req, res) => {
      const send = (status: number, page: string) => {
        if (res.headersSent) return
        res.writeHead(status, {
          "content-type": "text/html; charset=utf-8",
          "cache-control": "no-store",
          "referrer-policy": "no-referrer",
          "connection": "close"
        })
        res.end(page)
      }
      let url: URL
      try {
        url = new URL(req.url ?? "/", "http://127.0.0.1")
      } catch {
        return send(400, options.notFoundPage)
      }
      if (url.pathname !== options.path || (req.method !== "GET" && req.method !== "HEAD")) {
        return send(404, options.notFoundPage)
      }
      if (accepted) return send(409, options.alreadyDonePage)
      const verdict = options.decide(url)
      if (verdict._tag === "Ignore") return send(verdict.status, verdict.page)
      accepted = true
      options.onAccept({ url, respond: send })
    }
    const servers: Array<Http.Server> = []
    yield* Effect.addFinalizer(() => Effect.promise(() => Promise.all(servers.map(close))))
    const v4 = Http.createServer(handler)
    servers.push(v4)
    const port = yield* Effect.tryPromise({
      try: () => listen(v4, "127.0.0.1", options.port),
      catch: (e) =>
        new CloudflareOAuthError({
          reason: "CallbackServer",
          detail: `cannot listen on 127.0.0.1:${options.port} (${(e as NodeJS.ErrnoException).code ?? "error"})`
        })
    })
    const hosts = ["127.0.0.1"]
    const v6 = Http.createServer(handler)
    const v6ok = yield* Effect.promise(() => listen(v6, "::1", port).then(() => true, () => false))
    if (v6ok) {
      servers.push(v6)
      hosts.push("::1")
    }
    return { port, hosts }
  })
