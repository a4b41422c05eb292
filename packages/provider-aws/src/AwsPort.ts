/**
 * The AWS provider on profile-core's port (`ProviderPort`), what `AwsDescriptor.load` resolves to. `make` builds,
 * once per command, one resolver (`AwsResolver`, with its memo of config entries and AWS CLI profile credentials)
 * and the management half on it (`AwsAuthProvider`); every operation of the port (configure, describe, resolve,
 * the consumer layers, `credential-process`) shares that one resolver.
 *
 * Once built no operation needs anything (`R = never`), and every failure is a `PortError`: core's errors pass as
 * they are, `AwsError` becomes a `ProviderError` with the same message (the `AwsError` as its cause).
 *
 * @since 0.4.0
 */
import type {
  ConsumerLayer,
  Declaration,
  PortError,
  PortServices,
  ProviderPort,
  Variables
} from "@alchemy/profile-core/AuthProvider"
import { Environment } from "@alchemy/profile-core/Environment"
import { ProviderError } from "@alchemy/profile-core/Errors"
import type { Selection } from "@alchemy/profile-core/Selection"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as AwsAccountPin from "./AwsAccountPin.js"
import * as AwsAuthProvider from "./AwsAuthProvider.js"
import { providerId } from "./AwsConfig.js"
import * as AwsCredentials from "./AwsCredentials.js"
import { descriptor } from "./AwsDescriptor.js"
import * as AwsEphemeral from "./AwsEphemeral.js"
import type { AwsError } from "./AwsError.js"
import * as AwsResolver from "./AwsResolver.js"
import * as CredentialProcess from "./CredentialProcess.js"

/**
 * A failure of the AWS provider as a port error: `AwsError` becomes a `ProviderError` carrying its message (which
 * holds no secret) and the error itself as the cause; core's errors pass as they are.
 *
 * @since 0.4.0
 */
export const toPortError = (error: AwsError | PortError): PortError =>
  error._tag === "AwsError" ? new ProviderError({ provider: providerId, message: error.message, cause: error }) : error


/**
 * A stage's declared web identity (`stages.<stage>.credentials.aws`): the role, and optionally the region, session
 * name, audience and duration.
 */
interface WebIdentityDeclaration {
  readonly roleArn: string
  readonly region?: string
  readonly sessionName?: string
  readonly audience?: string
  readonly durationSeconds?: number
}

/**
 * Build the port from profile-core's services: one resolver and one management half, shared by every call.
 *
 * @since 0.4.0
 */
export const make: Effect.Effect<ProviderPort, never, PortServices> = Effect.gen(function*() {
  // The environment the AWS_* variables are read from (a reference: process.env unless the caller provided another),
  // fixed for the port's lifetime: every operation and consumer layer of this port reads this one.
  const environment = yield* Environment
  const resolver = yield* AwsResolver.make
  const auth = yield* AwsAuthProvider.make.pipe(Effect.provideService(AwsResolver.AwsResolver, resolver))
  const context = (yield* Effect.context<PortServices>()).pipe(Context.add(Environment, environment))

  const port = <A>(effect: Effect.Effect<A, AwsError | PortError>): Effect.Effect<A, PortError> =>
    effect.pipe(Effect.provideService(Environment, environment), Effect.mapError(toPortError))
  /** The resolver of this port, for consumer layers (a resource may name its own profile with `fromProfile`). */
  const resolverLayer = Layer.succeed(AwsResolver.AwsResolver, resolver)

  const consumer = <E extends AwsError | PortError>(
    layer: Layer.Layer<AwsCredentials.AwsCredentials, E, AwsResolver.AwsResolver | PortServices>
  ): ConsumerLayer =>
    Layer.merge(layer, resolverLayer).pipe(
      Layer.provide(resolverLayer),
      Layer.provide(Layer.succeedContext(context)),
      Layer.mapError(toPortError)
    )

  const credentialProcess = (selection: Selection): Effect.Effect<string, PortError> =>
    port(
      selection.useEnvironmentCredentials
        ? Effect.map(
          Effect.flatMap(AwsCredentials.AwsCredentials, (credentials) => credentials.get),
          CredentialProcess.toCredentialProcessOutput
        ).pipe(Effect.provide(AwsCredentials.fromEnv))
        : CredentialProcess.credentialProcessOutput(selection.profile).pipe(
          Effect.provideService(AwsResolver.AwsResolver, resolver)
        )
    ).pipe(Effect.map((output) => JSON.stringify(output)))

  const declared: ProviderPort["declared"] = (declaration: Declaration, label: string) => {
    if (declaration.method !== "web-identity") return undefined
    const d = declaration as unknown as WebIdentityDeclaration
    // One session for every use in this command (the pin check, the program, env/exec's variables).
    const service = AwsEphemeral.makeWebIdentity({ ...d, label })
    return {
      layer: consumer(Layer.succeed(AwsCredentials.AwsCredentials, service)),
      variables: port(Effect.map(service.get, (resolved): Variables => CredentialProcess.toEnvironment(resolved)))
    }
  }

  const result: ProviderPort = {
    descriptor,
    isConfigured: (profile) => port(auth.isConfigured(profile)),
    configure: (input) => port(auth.configure(input)),
    login: (input) => port(auth.login(input)),
    logout: (profile) => port(auth.logout(profile)),
    describe: (profile) => port(auth.describe(profile)),
    resolve: (profile) => port(auth.environment(profile)),
    credentials: (options) => consumer(AwsCredentials.layer(options)),
    fromEnvironment: consumer(AwsCredentials.fromEnv),
    declared,
    requireAccount: (expected, pinnedBy, layer) =>
      port(
        AwsAccountPin.require(expected, { pinnedBy }).pipe(
          Effect.provide(layer as Layer.Layer<AwsCredentials.AwsCredentials, PortError>)
        )
      ),
    commands: { "credential-process": credentialProcess }
  }
  return result
})
