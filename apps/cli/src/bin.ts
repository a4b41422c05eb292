/**
 * The `alchemy` executable: wires the layers and runs the root command.
 */
import * as Command from "@effect/cli/Command"
import * as AlchemyHome from "@alchemy/profile-core/AlchemyHome"
import * as Credentials from "@alchemy/profile-core/Credentials"
import * as CredentialStore from "@alchemy/profile-core/CredentialStore"
import * as FileLock from "@alchemy/profile-core/FileLock"
import * as ProfileStore from "@alchemy/profile-core/ProfileStore"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import { alchemy } from "./commands/alchemy.js"
import { missingValue } from "./commands/Flags.js"
import { exitCode, forcedExitCode, report, UsageError } from "./internal/Failure.js"
import * as Output from "./internal/Output.js"
import * as TerminalInteraction from "./TerminalInteraction.js"

const Platform = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, NodeTerminal.layer)

const Core = Credentials.layer.pipe(
  Layer.provideMerge(Layer.mergeAll(ProfileStore.layer, CredentialStore.layer)),
  Layer.provideMerge(FileLock.layer),
  Layer.provideMerge(AlchemyHome.layer)
)

const Main = Layer.mergeAll(Core, TerminalInteraction.layer).pipe(Layer.provideMerge(Platform))

const run = Command.run(alchemy, { name: "alchemy", version: "0.1.0", executable: "alchemy" })

// `alchemy env --profile`: say the value is missing (@effect/cli would call --profile an unknown argument).
const bare = missingValue(process.argv.slice(2))
const program = bare === undefined ? run(process.argv) : Effect.fail(new UsageError({ message: bare }))

program.pipe(
  Effect.as(0),
  Effect.catchAllCause((cause) => Effect.as(report(cause), exitCode(cause))),
  Effect.withConsole(Output.console),
  Effect.provide(Main),
  NodeRuntime.runMain({
    disableErrorReporting: true,
    teardown: (exit, onExit) => onExit(forcedExitCode() ?? (Exit.isSuccess(exit) ? Number(exit.value) : 130))
  })
)
