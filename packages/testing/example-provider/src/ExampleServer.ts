/**
 * A tiny "Example Cloud" API on 127.0.0.1, for tests and the CLI's end-to-end test: it issues API keys and answers
 * `GET /v1/whoami` with the key's account (`Authorization: Bearer <key>`), 401 for any other key.
 *
 * ```ts
 * const server = await ExampleServer.start()
 * const key = server.addKey()                      // an account of its own; addKey("acc-1") for a given one
 * process.env.EXAMPLE_API_URL = server.url         // or spread server.env into a child's environment
 * // ... server.counters.whoami ...
 * await server.close()
 * ```
 *
 * @since 0.1.0
 */
import { randomBytes } from "node:crypto"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"

/**
 * An account of Example Cloud.
 *
 * @since 0.1.0
 */
export interface Account {
  readonly id: string
  readonly name: string
}

/**
 * Requests received, refused ones included (the same object is updated in place).
 *
 * @since 0.1.0
 */
export interface Counters {
  whoami: number
  refused: number
}

/**
 * A running server.
 *
 * @since 0.1.0
 */
export interface ExampleServer {
  /** `http://127.0.0.1:<port>`: the value of `EXAMPLE_API_URL`. */
  readonly url: string
  /** The variables that point the provider at this server. */
  readonly env: { readonly EXAMPLE_API_URL: string }
  readonly counters: Counters
  /** Issues a key for `accountId` (a new account when omitted) and returns it. */
  addKey(accountId?: string): string
  /** Makes the server refuse a key it issued (as if it were deleted in the dashboard). */
  revokeKey(key: string): void
  /** The account a key belongs to. */
  accountOf(key: string): Account | undefined
  /** Stops the server and drops open connections. Idempotent. */
  close(): Promise<void>
}

const json = (response: Http.ServerResponse, status: number, body: unknown) => {
  response.writeHead(status, { "content-type": "application/json" })
  response.end(JSON.stringify(body))
}

/**
 * Starts a server on a free port of 127.0.0.1.
 *
 * @since 0.1.0
 */
export const start = async (): Promise<ExampleServer> => {
  const keys = new Map<string, Account>()
  const counters: Counters = { whoami: 0, refused: 0 }
  let accounts = 0
  const server = Http.createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://127.0.0.1").pathname
    if (request.method !== "GET" || path !== "/v1/whoami") return json(response, 404, { error: "not found" })
    counters.whoami++
    const match = /^Bearer (\S+)$/.exec(request.headers.authorization ?? "")
    const account = match === null ? undefined : keys.get(match[1]!)
    if (account === undefined) {
      counters.refused++
      return json(response, 401, { error: "invalid key" })
    }
    json(response, 200, { account })
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => resolve())
  })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  let closed: Promise<void> | undefined
  return {
    url,
    env: { EXAMPLE_API_URL: url },
    counters,
    addKey: (accountId) => {
      accounts++
      const id = accountId ?? `acc-${String(accounts).padStart(4, "0")}`
      const key = `exk_${randomBytes(18).toString("hex")}`
      keys.set(key, { id, name: `Example Account ${id}` })
      return key
    },
    revokeKey: (key) => void keys.delete(key),
    accountOf: (key) => keys.get(key),
    close: () =>
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
  }
}

/**
 * {@link start} as a scoped Effect: the server closes with the scope.
 *
 * @since 0.1.0
 */
export const make: Effect.Effect<ExampleServer, never, Scope.Scope> = Effect.acquireRelease(
  Effect.promise(start),
  (server) => Effect.promise(() => server.close())
)
