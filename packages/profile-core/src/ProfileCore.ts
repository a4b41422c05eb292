/**
 * Everything profile-core provides, composed: AlchemyHome + FileLock + ProfileStore + CredentialStore +
 * CredentialRefresher. Needs only `FileSystem | Path` (provide `NodeContext.layer` at the edge).
 *
 * @since 0.1.0
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import * as Layer from "effect/Layer"
import * as AlchemyHome from "./AlchemyHome.js"
import * as CredentialRefresher from "./Credentials.js"
import * as CredentialStore from "./CredentialStore.js"
import * as FileLock from "./FileLock.js"
import * as ProfileStore from "./ProfileStore.js"

/** @since 0.1.0 */
export type Services =
  | AlchemyHome.AlchemyHome
  | FileLock.FileLock
  | ProfileStore.ProfileStore
  | CredentialStore.CredentialStore
  | CredentialRefresher.CredentialRefresher

const fromHome = (
  home: Layer.Layer<AlchemyHome.AlchemyHome, never, Path.Path>
): Layer.Layer<Services, never, FileSystem.FileSystem | Path.Path> => {
  const base = Layer.merge(home, FileLock.layer)
  const stores = Layer.merge(ProfileStore.layer, CredentialStore.layer).pipe(Layer.provideMerge(base))
  return CredentialRefresher.layer.pipe(Layer.provideMerge(stores))
}

/**
 * The home from `$ALCHEMY_HOME`, else `~/.alchemy`.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<Services, never, FileSystem.FileSystem | Path.Path> = fromHome(AlchemyHome.layer)

/**
 * The home at `root`.
 *
 * @since 0.1.0
 */
export const layerAt = (root: string): Layer.Layer<Services, never, FileSystem.FileSystem | Path.Path> =>
  fromHome(AlchemyHome.layerAt(root))
