/**
 * Everything wired for a Node process: profile-core's file stores and refresher under `$ALCHEMY_HOME`, the AWS
 * resolver, and (for code that cannot ask anybody) a non-interactive `Interaction`. Also the Promise face for
 * code without Effect: `getAwsCredentials` and `awsCredentialProvider`.
 *
 * @since 0.1.0
 */
import type { Interaction } from "@alchemy/profile-core/Interaction"
import * as ProfileCore from "@alchemy/profile-core/ProfileCore"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as AwsCredentials from "./AwsCredentials.js"
import * as AwsResolver from "./AwsResolver.js"
import * as NonInteractive from "./internal/nonInteractive.js"

/**
 * profile-core's services on the file system, for the given `Interaction`.
 *
 * @since 0.1.0
 */
export const coreLayer = ProfileCore.layer.pipe(Layer.provideMerge(NodeContext.layer))

/**
 * The resolver with profile-core's file stores; the caller provides `Interaction`.
 *
 * @since 0.1.0
 */
export const resolverLayer = AwsResolver.layer.pipe(Layer.provideMerge(coreLayer))

/**
 * Resolver + stores + a non-interactive `Interaction` (every question fails with `NonInteractive`).
 *
 * @since 0.1.0
 */
export const nonInteractiveLayer = resolverLayer.pipe(Layer.provideMerge(NonInteractive.layer))

/** @since 0.1.0 */
export const nonInteractive: Interaction = NonInteractive.nonInteractive

let runtime: ManagedRuntime.ManagedRuntime<AwsResolver.AwsResolver | Interaction, unknown> | undefined
const services = new Map<string, Promise<AwsCredentials.AwsCredentials.Service>>()

const serviceFor = (profile: string | undefined) => {
  const key = profile ?? ""
  let service = services.get(key)
  if (service === undefined) {
    runtime ??= ManagedRuntime.make(nonInteractiveLayer as Layer.Layer<AwsResolver.AwsResolver | Interaction, unknown>)
    const rt = runtime
    service = rt.runPromiseExit(
      // the runtime provides the resolver and the non-interactive Interaction the layer needs
      Effect.provide(AwsCredentials.AwsCredentials, AwsCredentials.layer({ app: profile }))
    ).then((exit) => {
      if (Exit.isSuccess(exit)) return exit.value
      services.delete(key)
      throw Cause.squash(exit.cause)
    })
    services.set(key, service)
  }
  return service
}

/**
 * Credentials for a profile (or the automatic choice of DESIGN §4 when `profile` is omitted), for code without
 * Effect. Never prompts: anything that needs a person rejects with `NeedsLogin` / `NonInteractive`.
 *
 * @since 0.1.0
 */
export const getAwsCredentials = async (
  options: { readonly profile?: string | undefined } = {}
): Promise<AwsCredentials.AwsCredentialIdentity> => {
  const service = await serviceFor(options.profile)
  const exit = await Effect.runPromiseExit(Effect.map(service.get, AwsCredentials.toIdentity))
  if (Exit.isSuccess(exit)) return exit.value
  throw Cause.squash(exit.cause)
}

/**
 * An `AwsCredentialIdentityProvider` for `new S3Client({ credentials: awsCredentialProvider({ profile }) })`.
 *
 * @since 0.1.0
 */
export const awsCredentialProvider = (
  options: { readonly profile?: string | undefined } = {}
): AwsCredentials.AwsCredentialIdentityProvider =>
() => getAwsCredentials(options)

/** Release the Promise face's runtime (tests, long-lived hosts). @since 0.1.0 */
export const dispose = async (): Promise<void> => {
  const current = runtime
  runtime = undefined
  services.clear()
  if (current !== undefined) await current.dispose()
}
