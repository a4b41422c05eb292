/**
 * The live services on Node: core's stores, lock and refresher in `$ALCHEMY_HOME` (or a given home), and the
 * Cloudflare API client on `fetch`.
 *
 * @internal
 */
import type { CredentialRefresher } from "@alchemy/profile-core/Credentials"
import type { CredentialStore } from "@alchemy/profile-core/CredentialStore"
import * as ProfileCore from "@alchemy/profile-core/ProfileCore"
import type { ProfileStore } from "@alchemy/profile-core/ProfileStore"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as Layer from "effect/Layer"
import * as CloudflareApi from "../CloudflareApi.js"

/** The services the consumer layers and the provider need (Interaction aside). */
export type Services = ProfileStore | CredentialStore | CredentialRefresher | CloudflareApi.CloudflareApi

/** Everything on Node, for a home (`$ALCHEMY_HOME` / `~/.alchemy` when omitted). */
export const layerAt = (home?: string, api: CloudflareApi.Options = {}): Layer.Layer<Services> =>
  Layer.mergeAll(
    (home === undefined ? ProfileCore.layer : ProfileCore.layerAt(home)).pipe(
      Layer.provide(Layer.merge(NodeFileSystem.layer, NodePath.layer))
    ),
    CloudflareApi.layerFetch(api)
  )

/** `$ALCHEMY_HOME` / `~/.alchemy`. */
export const layer: Layer.Layer<Services> = layerAt()
