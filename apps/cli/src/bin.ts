/**
 * The `alchemy` executable: wires the layers and runs the command (Cli.ts) on the process.
 */
import * as AlchemyHome from "@alchemy/profile-core/AlchemyHome"
import * as Credentials from "@alchemy/profile-core/Credentials"
import * as CredentialStore from "@alchemy/profile-core/CredentialStore"
import * as FileLock from "@alchemy/profile-core/FileLock"
import * as ProfileStore from "@alchemy/profile-core/ProfileStore"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Cli from "./Cli.js"
import { forcedExitCode } from "./internal/Failure.js"
import * as Output from "./internal/Output.js"
import * as Terminal from "./internal/Terminal.js"
import * as TerminalInteraction from "./TerminalInteraction.js"

const Platform = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, Terminal.layer)

const Core = Credentials.layer.pipe(
  Layer.provideMerge(Layer.mergeAll(ProfileStore.layer, CredentialStore.layer)),
  Layer.provideMerge(FileLock.layer),
  Layer.provideMerge(AlchemyHome.layer)
)

const Main = Layer.mergeAll(Core, TerminalInteraction.layer).pipe(Layer.provideMerge(Platform))

Cli.run(process.argv.slice(2)).pipe(
  Cli.withOutput(Output.processSink),
  Effect.provide(Main),
  NodeRuntime.runMain({
    disableErrorReporting: true,
    teardown: (exit, onExit) => onExit(forcedExitCode() ?? (Exit.isSuccess(exit) ? Number(exit.value) : 130))
  })
)
