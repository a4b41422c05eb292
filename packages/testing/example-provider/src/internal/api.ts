/**
 * The one call Example Cloud's API has: `GET /v1/whoami` with the key as a bearer token, answering the key's
 * account. HTTP through @effect/platform's `HttpClient` on `fetch`.
 *
 * @internal
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { ProviderError } from "@alchemy/profile-core/Errors"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"

/** The provider's id, in errors. */
const provider = "example"

/** An account of Example Cloud, as `whoami` answers it. */
export const Account = Schema.Struct({ id: Schema.String, name: Schema.String })

/** @internal */
export type Account = typeof Account.Type

const WhoAmI = Schema.Struct({ account: Account })

/**
 * The key's account; `None` when the API refuses the key (401). Any other answer, or no answer, is a
 * `ProviderError` naming the endpoint (never the key).
 */
export const whoami = (endpoint: string, key: Redacted.Redacted<string>): Effect.Effect<Option.Option<Account>, ProviderError> =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const request = HttpClientRequest.get(`${endpoint.replace(/\/+$/, "")}/v1/whoami`).pipe(
      HttpClientRequest.bearerToken(key),
      HttpClientRequest.acceptJson
    )
    const response = yield* client.execute(request).pipe(
      Effect.mapError((error) =>
        new ProviderError({
          provider,
          message: `could not reach the Example Cloud API at ${endpoint} (${error.reason}). Check EXAMPLE_API_URL and ` +
            `the network, then retry.`,
          cause: error.cause
        })
      )
    )
    if (response.status === 401) return Option.none()
    if (response.status !== 200) {
      return yield* new ProviderError({
        provider,
        message: `the Example Cloud API at ${endpoint} answered HTTP ${response.status}. Retry later.`
      })
    }
    const body = yield* HttpClientResponse.schemaBodyJson(WhoAmI)(response).pipe(
      Effect.mapError(() =>
        new ProviderError({
          provider,
          message: `the Example Cloud API at ${endpoint} answered something that is not an account. Check EXAMPLE_API_URL.`
        })
      )
    )
    return Option.some(body.account)
  }).pipe(Effect.provide(FetchHttpClient.layer))
