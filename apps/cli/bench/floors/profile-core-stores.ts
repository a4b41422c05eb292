// Floor 3: profile-core's stores (the services every command starts with) built, and the profiles listed: no CLI,
// no provider.
import * as AlchemyHome from "@alchemy/profile-core/AlchemyHome"
import * as CredentialStore from "@alchemy/profile-core/CredentialStore"
import * as FileLock from "@alchemy/profile-core/FileLock"
import * as ProfileStore from "@alchemy/profile-core/ProfileStore"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as NodeFs from "node:fs"
import * as Layer from "effect/Layer"

const Stores = Layer.mergeAll(ProfileStore.layer, CredentialStore.layer).pipe(
  Layer.provideMerge(FileLock.layer),
  Layer.provideMerge(AlchemyHome.layer),
  Layer.provideMerge(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer))
)

Effect.gen(function*() {
  const profiles = yield* (yield* ProfileStore.ProfileStore).list
  NodeFs.writeSync(1, `${JSON.stringify(profiles)}\n`)
}).pipe(Effect.provide(Stores), NodeRuntime.runMain({ disablePrettyLogger: true }))
