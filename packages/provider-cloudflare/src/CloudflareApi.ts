/**
 * A small Cloudflare API v4 client on `@effect/platform`'s `HttpClient`: the calls this provider needs
 * (token verification, user, accounts), the `{ success, errors, result }` envelope decoded into typed
 * `CloudflareApiError`s, bounded retries with backoff on 429 and 5xx.
 *
 * @since 0.1.0
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import { Account, AccountId } from "./AccountId.js"
import * as CloudflareEndpoints from "./CloudflareEndpoints.js"
import { CloudflareApiError } from "./CloudflareErrors.js"

/**
 * A credential the API accepts: a bearer token (OAuth access token or API token) or a global key + email.
 *
 * @since 0.1.0
 */
export type Credential =
  | { readonly _tag: "Bearer"; readonly token: Redacted.Redacted<string> }
  | { readonly _tag: "GlobalKey"; readonly key: Redacted.Redacted<string>; readonly email: string }

/**
 * The HTTP headers for a credential. This is the one place a secret leaves its `Redacted` box for the API.
 *
 * @since 0.1.0
 */
export const headersFor = (credential: Credential): Readonly<Record<string, string>> =>
  credential._tag === "Bearer"
    ? { Authorization: `Bearer ${Redacted.value(credential.token)}` }
    : { "X-Auth-Key": Redacted.value(credential.key), "X-Auth-Email": credential.email }

/**
 * `GET /user/tokens/verify` result.
 *
 * @since 0.1.0
 */
export const TokenStatus = Schema.Struct({
  id: Schema.String,
  status: Schema.String,
  expires_on: Schema.optional(Schema.NullOr(Schema.String))
})

/** @since 0.1.0 */
export type TokenStatus = typeof TokenStatus.Type

/**
 * `GET /user` result (the fields we use).
 *
 * @since 0.1.0
 */
export const User = Schema.Struct({ id: Schema.String, email: Schema.optional(Schema.String) })

/** @since 0.1.0 */
export type User = typeof User.Type

const Membership = Schema.Struct({ status: Schema.optional(Schema.String), account: Account })

const ErrorItem = Schema.Struct({ code: Schema.optional(Schema.Number), message: Schema.optional(Schema.String) })

const EnvelopeHead = Schema.Struct({
  success: Schema.optional(Schema.Boolean),
  errors: Schema.optional(Schema.NullOr(Schema.Array(ErrorItem))),
  result: Schema.optional(Schema.Unknown),
  result_info: Schema.optional(Schema.NullOr(Schema.Struct({
    page: Schema.optional(Schema.Number),
    per_page: Schema.optional(Schema.Number),
    total_pages: Schema.optional(Schema.Number),
    count: Schema.optional(Schema.Number),
    total_count: Schema.optional(Schema.Number)
  })))
})

type EnvelopeHead = typeof EnvelopeHead.Type

/**
 * Options of the client.
 *
 * @since 0.1.0
 */
export interface Options {
  /** API v4 base URL; defaults to `CLOUDFLARE_BASE_URL` or the real API. */
  readonly baseUrl?: string | undefined
  /** Retries on 429/5xx/transport errors (default 3) and the first backoff delay (default 200 ms). */
  readonly retries?: number | undefined
  readonly retryBase?: Duration.DurationInput | undefined
  /** Page size asked for when listing (default 50). */
  readonly perPage?: number | undefined
}

/**
 * The client.
 *
 * @since 0.1.0
 */
export interface Service {
  readonly baseUrl: string
  /** A GET decoded through the envelope. */
  readonly get: <A, I>(
    operation: string,
    path: string,
    schema: Schema.Schema<A, I>,
    credential: Credential
  ) => Effect.Effect<A, CloudflareApiError>
  /** Every page of a list endpoint. */
  readonly list: <A, I>(
    operation: string,
    path: string,
    item: Schema.Schema<A, I>,
    credential: Credential
  ) => Effect.Effect<ReadonlyArray<A>, CloudflareApiError>
  /** `GET /user/tokens/verify`, or `/accounts/{id}/tokens/verify` for an account token. */
  readonly verifyToken: (
    token: Redacted.Redacted<string>,
    accountId?: AccountId | undefined
  ) => Effect.Effect<TokenStatus, CloudflareApiError>
  /** `GET /user` (the check for a global key + email). */
  readonly user: (credential: Credential) => Effect.Effect<User, CloudflareApiError>
  /** Accounts reachable with the credential: accepted memberships, falling back to `/accounts`; all pages. */
  readonly accounts: (credential: Credential) => Effect.Effect<ReadonlyArray<Account>, CloudflareApiError>
}

/**
 * @since 0.1.0
 */
export class CloudflareApi extends Context.Tag("@alchemy/provider-cloudflare/CloudflareApi")<CloudflareApi, Service>() {}

const classify = (status: number, code: number | undefined): CloudflareApiError["reason"] => {
  if (status === 429) return "RateLimited"
  if (status >= 500) return "Server"
  if (code === 7003) return "AccountId"
  if (code === 9106 || code === 10000 || code === 9109 || code === 9103 || code === 1000 || code === 1001 || code === 6003 || code === 6111) {
    return "Credentials"
  }
  if (status === 401 || status === 403) return "Credentials"
  return "Request"
}

/** Keep server text short and single-line; it never contains our secrets, but do not trust its size. */
const clean = (s: string) => s.replace(/\s+/g, " ").slice(0, 300)

/**
 * Build the client from an `HttpClient`.
 *
 * @since 0.1.0
 */
export const make = (options: Options = {}): Effect.Effect<Service, never, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const endpoints = yield* CloudflareEndpoints.current
    const baseUrl = (options.baseUrl ?? endpoints.apiBaseUrl).replace(/\/+$/, "")
    const perPage = options.perPage ?? 50
    const client = (yield* HttpClient.HttpClient).pipe(
      HttpClient.retryTransient({
        mode: "both",
        schedule: Schedule.exponential(options.retryBase ?? Duration.millis(200)).pipe(Schedule.jittered),
        times: options.retries ?? 3
      })
    )

    const call = (operation: string, path: string, credential: Credential) =>
      client.execute(
        HttpClientRequest.get(`${baseUrl}${path}`).pipe(
          HttpClientRequest.setHeaders(headersFor(credential)),
          HttpClientRequest.acceptJson
        )
      ).pipe(
        Effect.catchAll((error) =>
          Effect.fail(
            new CloudflareApiError({
              reason: error._tag === "ResponseError" ? classify(error.response.status, undefined) : "Transport",
              operation,
              ...(error._tag === "ResponseError" ? { status: error.response.status } : {}),
              detail: `${error.reason} error calling ${baseUrl}${path.split("?")[0]}`
            })
          )
        ),
        Effect.flatMap((response) =>
          response.json.pipe(
            Effect.flatMap(Schema.decodeUnknown(EnvelopeHead)),
            Effect.mapError(() =>
              new CloudflareApiError({
                reason: response.status >= 500 ? "Server" : response.status === 429 ? "RateLimited" : "InvalidReply",
                operation,
                status: response.status,
                detail: "the reply is not a Cloudflare API JSON envelope"
              })
            ),
            Effect.flatMap((envelope): Effect.Effect<EnvelopeHead, CloudflareApiError> => {
              if (envelope.success === true && response.status < 400) return Effect.succeed(envelope)
              const first = envelope.errors?.[0]
              const messages = (envelope.errors ?? []).map((e) =>
                `${e.code === undefined ? "" : `${e.code} `}${clean(e.message ?? "")}`.trim()
              )
              return Effect.fail(
                new CloudflareApiError({
                  reason: classify(response.status, first?.code),
                  operation,
                  status: response.status,
                  ...(first?.code === undefined ? {} : { code: first.code }),
                  detail: messages.length > 0 ? messages.join("; ") : `HTTP ${response.status}`
                })
              )
            })
          )
        )
      )

    const decodeResult = <A, I>(operation: string, schema: Schema.Schema<A, I>, value: unknown) =>
      Schema.decodeUnknown(schema)(value).pipe(
        Effect.mapError(() =>
          new CloudflareApiError({
            reason: "InvalidReply",
            operation,
            detail: "the result does not have the expected shape"
          })
        )
      )

    const get: Service["get"] = (operation, path, schema, credential) =>
      call(operation, path, credential).pipe(Effect.flatMap((envelope) => decodeResult(operation, schema, envelope.result)))

    const list: Service["list"] = <A, I>(
      operation: string,
      path: string,
      item: Schema.Schema<A, I>,
      credential: Credential
    ) =>
      Effect.gen(function*() {
        const items: Array<A> = []
        const separator = path.includes("?") ? "&" : "?"
        // A hard ceiling so a server that lies about total_pages cannot loop us forever.
        for (let page = 1; page <= 10_000; page++) {
          const envelope = yield* call(operation, `${path}${separator}page=${page}&per_page=${perPage}`, credential)
          const batch = yield* decodeResult(operation, Schema.Array(item), envelope.result ?? [])
          items.push(...batch)
          const info = envelope.result_info
          const totalPages = info?.total_pages ??
            (info?.total_count !== undefined && info.per_page ? Math.ceil(info.total_count / info.per_page) : undefined)
          if (batch.length === 0) break
          if (totalPages !== undefined ? page >= totalPages : batch.length < (info?.per_page ?? perPage)) break
        }
        return items
      })

    const verifyToken: Service["verifyToken"] = (token, accountId) =>
      get(
        "token verification",
        accountId === undefined ? "/user/tokens/verify" : `/accounts/${accountId}/tokens/verify`,
        TokenStatus,
        { _tag: "Bearer", token }
      )

    const user: Service["user"] = (credential) => get("user lookup", "/user", User, credential)

    const accounts: Service["accounts"] = (credential) =>
      list("membership listing", "/memberships?status=accepted", Membership, credential).pipe(
        Effect.map((memberships) =>
          memberships.filter((m) => m.status === undefined || m.status === "accepted").map((m) => m.account)
        ),
        Effect.catchIf((e) => e.reason !== "Transport", () => Effect.succeed([] as ReadonlyArray<Account>)),
        Effect.flatMap((fromMemberships) =>
          fromMemberships.length > 0
            ? Effect.succeed(fromMemberships)
            : list("account listing", "/accounts", Account, credential)
        ),
        Effect.map(dedupe)
      )

    return { baseUrl, get, list, verifyToken, user, accounts }
  })

const dedupe = (accounts: ReadonlyArray<Account>): ReadonlyArray<Account> => {
  const seen = new Set<string>()
  return accounts.filter((a) => (seen.has(a.id) ? false : (seen.add(a.id), true)))
}

/**
 * The client as a layer; needs an `HttpClient`.
 *
 * @since 0.1.0
 */
export const layer = (options: Options = {}): Layer.Layer<CloudflareApi, never, HttpClient.HttpClient> =>
  Layer.effect(CloudflareApi, make(options))

/**
 * The client with its base URL from the environment (`CLOUDFLARE_BASE_URL`, optional, read through profile-core's
 * `Environment`: the process's unless one is provided, like every other variable of this package); needs an
 * `HttpClient`. Reading the environment cannot fail.
 *
 * @since 0.1.0
 */
export const layerConfig = (
  options: Omit<Options, "baseUrl"> = {}
): Layer.Layer<CloudflareApi, never, HttpClient.HttpClient> =>
  Layer.effect(
    CloudflareApi,
    Effect.flatMap(CloudflareEndpoints.current, (endpoints) => make({ ...options, baseUrl: endpoints.apiBaseUrl }))
  )

/**
 * The client on the platform `fetch`.
 *
 * @since 0.1.0
 */
export const layerFetch = (options: Options = {}): Layer.Layer<CloudflareApi> =>
  layer(options).pipe(Layer.provide(FetchHttpClient.layer))
