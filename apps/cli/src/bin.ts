/**
 * The `alchemy` executable: wires the layers and runs the command (Cli.ts) on the process.
 */
import * as AlchemyHome from "@alchemy/profile-core/AlchemyHome"
import * as Credentials from "@alchemy/profile-core/Credentials"
import * as CredentialStore from "@alchemy/profile-core/CredentialStore"
import * as FileLock from "@alchemy/profile-core/FileLock"
import { Interaction } from "@alchemy/profile-core/Interaction"
import * as ProfileStore from "@alchemy/profile-core/ProfileStore"
import * as Terminal from "@effect/platform/Terminal"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as RuntimeFlags from "effect/RuntimeFlags"
import * as RuntimeFlagsPatch from "effect/RuntimeFlagsPatch"
import * as Cli from "./Cli.js"
import { forcedExitCode } from "./internal/Failure.js"
import * as Output from "./internal/Output.js"
import * as LazyTerminal from "./internal/Terminal.js"
import * as TerminalInteraction from "./TerminalInteraction.js"

/**
 * Every service of a run, built one after another into one context: the same services as composing their layers
 * (`Layer.provideMerge` chains), at a fraction of the cost at start-up: ~700 Effect operations and no fiber
 * against 4,994 operations and 30 fibers for the composed layers (counted with an op-supervising Supervisor; each
 * `Layer.build` alone is ~140).
 */
const Main = Layer.scopedContext(Effect.gen(function*() {
  // The platform's services are layers only: one at a time (Layer.mergeAll would build them in forked fibers).
  const platform = Context.add(
    Context.merge(yield* Layer.build(NodeFileSystem.layer), yield* Layer.build(NodePath.layer)),
    Terminal.Terminal,
    yield* LazyTerminal.make
  )
  const home = yield* Effect.provide(AlchemyHome.make, platform)
  const core = Context.add(Context.add(platform, AlchemyHome.AlchemyHome, home), FileLock.FileLock, FileLock.make)
  const profiles = yield* Effect.provide(ProfileStore.make, core)
  const credentials = yield* Effect.provide(CredentialStore.make, core)
  const stores = Context.add(Context.add(core, ProfileStore.ProfileStore, profiles), CredentialStore.CredentialStore, credentials)
  const refresher = yield* Effect.provide(Credentials.make, stores)
  const interaction = yield* Effect.provide(TerminalInteraction.make, stores)
  return Context.add(Context.add(stores, Credentials.CredentialRefresher, refresher), Interaction, interaction)
}))

Cli.run(process.argv.slice(2)).pipe(
  Cli.withOutput(Output.processSink),
  Effect.provide(Main),
  // Effect's runtime metrics are on by default: a counter and a histogram update for every fiber. Nothing reads them.
  Effect.withRuntimeFlagsPatch(RuntimeFlagsPatch.disable(RuntimeFlags.RuntimeMetrics)),
  NodeRuntime.runMain({
    // Failures are reported by Cli.run; nothing logs, so no logger is set up either.
    disableErrorReporting: true,
    disablePrettyLogger: true,
    teardown: (exit, onExit) => onExit(forcedExitCode() ?? (Exit.isSuccess(exit) ? Number(exit.value) : 130))
  })
)
