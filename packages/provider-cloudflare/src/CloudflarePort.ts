/**
 * The Cloudflare provider on profile-core's port (`ProviderPort`), what `CloudflareDescriptor.load` resolves to.
 * `make` builds, once per command, the API client (`CloudflareApi` on `fetch`) and the provider's operations
 * (`CloudflareProvider`), and captures the services it was built from (the stores, the refresh coordinator with its
 * memo, the person, the `Environment`); every operation of the port (configure, describe, resolve, the consumer
 * layers, the account pin) shares them.
 *
 * Once built no operation needs anything (`R = never`), and every failure is a `PortError`: core's errors pass as
 * they are; the Cloudflare errors (`CloudflareApiError`, `CloudflareOAuthError`, `CloudflareAccountError`,
 * `CloudflareInputError`) become a `ProviderError` with the same message (the error itself as its cause).
 *
 * @since 0.4.0
 */
import type { ConsumerLayer, PortError, PortServices, ProviderModule, ProviderPort } from "@alchemy/profile-core/AuthProvider"
import { ProviderError } from "@alchemy/profile-core/Errors"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as CloudflareAccountPin from "./CloudflareAccountPin.js"
import * as CloudflareApi from "./CloudflareApi.js"
import * as CloudflareCredentials from "./CloudflareCredentials.js"
import { descriptor } from "./CloudflareDescriptor.js"
import * as CloudflareEndpoints from "./CloudflareEndpoints.js"
import type { CloudflareAccountError, CloudflareApiError, CloudflareInputError, CloudflareOAuthError } from "./CloudflareErrors.js"
import { providerId } from "./CloudflareProfile.js"
import * as CloudflareProvider from "./CloudflareProvider.js"

/**
 * The Cloudflare provider's own errors.
 *
 * @since 0.4.0
 */
export type CloudflareError = CloudflareApiError | CloudflareOAuthError | CloudflareAccountError | CloudflareInputError

/**
 * A failure of the Cloudflare provider as a port error: a Cloudflare error becomes a `ProviderError` carrying its
 * message (which holds no secret) and the error itself as the cause; core's errors pass as they are.
 *
 * @since 0.4.0
 */
export const toPortError = (error: CloudflareError | PortError): PortError => {
  switch (error._tag) {
    case "CloudflareApiError":
    case "CloudflareOAuthError":
    case "CloudflareAccountError":
    case "CloudflareInputError":
      return new ProviderError({ provider: providerId, message: error.message, cause: error })
    default:
      return error
  }
}

/**
 * Options of the port (the CLI uses the defaults; tests and embedders may change them).
 *
 * @since 0.4.0
 */
export interface Options {
  /** How long a browser login waits (default 5 minutes). */
  readonly loginTimeout?: Duration.DurationInput | undefined
  /** Options of the API client (base URL, retries). */
  readonly api?: CloudflareApi.Options | undefined
  /** The HTTP client the API client runs on (default: the platform `fetch`). */
  readonly httpClient?: Layer.Layer<HttpClient.HttpClient> | undefined
}

/**
 * Build the port with options: one API client and one provider, shared by every call of the port.
 *
 * @since 0.4.0
 */
export const makeWith = (options: Options = {}): Effect.Effect<ProviderPort, never, PortServices> =>
  Effect.gen(function*() {
    // The environment the endpoints and CLOUDFLARE_* variables are read from (a reference: process.env unless the
    // caller provided another), fixed for the port's lifetime like the client built from it.
    const environment = yield* CloudflareEndpoints.Environment
    const api = yield* CloudflareApi.make(options.api).pipe(
      Effect.provide(options.httpClient ?? FetchHttpClient.layer)
    )
    const provider = CloudflareProvider.make({ loginTimeout: options.loginTimeout })
    const context = (yield* Effect.context<PortServices>()).pipe(
      Context.add(CloudflareApi.CloudflareApi, api),
      Context.add(CloudflareEndpoints.Environment, environment)
    )
    /** The API client of this port: the service a program's resources use next to `CloudflareCredentials`. */
    const apiLayer = Layer.succeed(CloudflareApi.CloudflareApi, api)

    const port = <A>(
      effect: Effect.Effect<A, CloudflareError | PortError, CloudflareProvider.Requirements>
    ): Effect.Effect<A, PortError> => effect.pipe(Effect.provide(context), Effect.mapError(toPortError))

    /** A consumer layer: the credentials service and the API client, built from this port's services. */
    const consumer = (
      layer: Layer.Layer<
        CloudflareCredentials.CloudflareCredentials,
        CloudflareCredentials.ResolveError,
        CloudflareCredentials.ProfileRequirements
      >
    ): ConsumerLayer =>
      layer.pipe(
        Layer.provideMerge(apiLayer),
        Layer.provide(Layer.succeedContext(context)),
        Layer.mapError(toPortError)
      )

    const result: ProviderPort = {
      descriptor,
      isConfigured: (profile) => port(provider.isConfigured(profile)),
      configure: (input) => port(provider.configure(input)),
      login: (input) => port(provider.login(input)),
      logout: (profile) => port(provider.logout(profile)),
      describe: (profile) => port(provider.describe(profile)),
      resolve: (profile) => port(provider.environment(profile)),
      credentials: (options) => consumer(CloudflareCredentials.layer(options)),
      fromEnvironment: consumer(CloudflareCredentials.fromEnv),
      declared: () => undefined,
      requireAccount: (expected, pinnedBy, layer) =>
        port(
          CloudflareAccountPin.require(expected, { pinnedBy }).pipe(
            // The port's contract: `layer` is one of this port's consumer layers (it provides CloudflareCredentials).
            Effect.provide(layer as Layer.Layer<CloudflareCredentials.CloudflareCredentials, PortError>)
          )
        ),
      commands: {}
    }
    return result
  })

/**
 * Build the port from profile-core's services, with the defaults (what the CLI loads through the descriptor).
 *
 * @since 0.4.0
 */
export const make: Effect.Effect<ProviderPort, never, PortServices> = makeWith()

/**
 * The module `CloudflareDescriptor.load` resolves to.
 *
 * @since 0.4.0
 */
export const module: ProviderModule = { make }
