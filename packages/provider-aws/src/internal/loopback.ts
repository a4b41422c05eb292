/**
 * The loopback redirect receiver for the IAM Identity Center authorization-code flow: an HTTP server bound to
 * 127.0.0.1 only (never a wildcard address), on a free port, answering `/oauth/callback`. Unknown paths get 404
 * and do not end the login; a wrong `state` is refused and the wait goes on; the first valid code wins.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Http from "node:http"

/** What the browser brought back. @internal */
export type CallbackResult =
  | { readonly _tag: "Code"; readonly code: string }
  | { readonly _tag: "Denied"; readonly error: string; readonly description: string }

/** A listening receiver. @internal */
export interface Loopback {
  readonly redirectUri: string
  readonly result: Effect.Effect<CallbackResult>
}

const page = (title: string, text: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head>` +
  `<body><h1>${title}</h1><p>${text}</p></body></html>`

/** Start the receiver for one expected `state`; closed when the scope closes. @internal */
export const start = (expectedState: string): Effect.Effect<Loopback, Error, Scope.Scope> =>
  Effect.gen(function*() {
    const done = yield* Deferred.make<CallbackResult>()
    let settled = false
    const server = Http.createServer((request, response) => {
      const url = new URL(request.url ?? "/", "http://127.0.0.1")
      const send = (status: number, title: string, text: string) => {
        response.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" })
        response.end(page(title, text))
      }
      if (request.method !== "GET" || url.pathname !== "/oauth/callback") {
        return send(404, "Not found", "This address only receives the sign-in redirect.")
      }
      if (url.searchParams.get("state") !== expectedState) {
        return send(400, "Sign-in refused", "The state parameter does not match this sign-in. Start again from the terminal.")
      }
      if (settled) {
        return send(400, "Already used", "This sign-in has already completed.")
      }
      const code = url.searchParams.get("code")
      const error = url.searchParams.get("error")
      if (code !== null && code !== "") {
        settled = true
        send(200, "Signed in", "You can close this window and return to the terminal.")
        Deferred.unsafeDone(done, Effect.succeed({ _tag: "Code", code }))
        return
      }
      if (error !== null) {
        settled = true
        send(200, "Sign-in denied", "The request was denied. You can close this window.")
        Deferred.unsafeDone(done, Effect.succeed({
          _tag: "Denied",
          error: error.slice(0, 100),
          description: (url.searchParams.get("error_description") ?? "").slice(0, 200)
        }))
        return
      }
      return send(400, "Sign-in incomplete", "The redirect carried neither a code nor an error.")
    })
    yield* Effect.acquireRelease(
      Effect.async<void, Error>((resume) => {
        server.once("error", (error) => resume(Effect.fail(error)))
        server.listen(0, "127.0.0.1", () => resume(Effect.void))
      }),
      () =>
        Effect.async<void>((resume) => {
          server.closeAllConnections()
          server.close(() => resume(Effect.void))
        })
    )
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    return { redirectUri: `http://127.0.0.1:${port}/oauth/callback`, result: Deferred.await(done) }
  })
