/**
 * The live services on Node: core's stores, lock and refresher in `$ALCHEMY_HOME` (or a given home), and the
 * Cloudflare API client on `fetch`.
 *
 * @internal
 */
import * as AlchemyHome from "@alchemy/profile-core/AlchemyHome"
import * as Credentials from "@alchemy/profile-core/Credentials"
import * as CredentialStore from "@alchemy/profile-core/CredentialStore"
import * as FileLock from "@alchemy/profile-core/FileLock"
import * as ProfileStore from "@alchemy/profile-core/ProfileStore"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Layer from "effect/Layer"
import * as CloudflareApi from "../CloudflareApi.js"

export type Services =
  | ProfileStore.ProfileStore
  | CredentialStore.CredentialStore
  | Credentials.CredentialRefresher
  | CloudflareApi.CloudflareApi

/** Core services for a home (`$ALCHEMY_HOME` / `~/.alchemy` when omitted). */
export const coreLayer = (home?: string) => {
  const homeLayer = home === undefined ? AlchemyHome.layer : AlchemyHome.layerAt(home)
  const stores = Layer.mergeAll(ProfileStore.layer, CredentialStore.layer)
  const refresher = Credentials.layer.pipe(Layer.provideMerge(stores))
  return refresher.pipe(
    Layer.provide(FileLock.layer),
    Layer.provide(homeLayer),
    Layer.provide(NodeContext.layer)
  )
}

/** Everything the consumer layers need, on Node. */
export const layerAt = (home?: string, api: CloudflareApi.Options = {}): Layer.Layer<Services> =>
  Layer.mergeAll(coreLayer(home), CloudflareApi.layerFetch(api)) as Layer.Layer<Services>

export const layer: Layer.Layer<Services> = layerAt()
