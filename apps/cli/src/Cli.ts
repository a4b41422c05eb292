/**
 * The `alchemy` command as an Effect: parse the arguments, run the command, report a failure on stderr, and give the
 * exit code (0 ok, 1 failure, 2 usage error, 3 needs login, 130 interrupted). bin.ts runs it on the process;
 * a test runs it in-process with {@link withOutput} and its own core layers (a temporary home, a non-interactive
 * person) and reads what was printed.
 *
 * ```ts
 * const sink = Output.capture()
 * const code = yield* Cli.run(["profile", "list"]).pipe(Cli.withOutput(sink), Effect.provide(testCore))
 * ```
 */
import * as Command from "@effect/cli/Command"
import * as Effect from "effect/Effect"
import { alchemy } from "./commands/alchemy.js"
import { missingValue } from "./commands/Flags.js"
import { exitCode, report, UsageError } from "./internal/Failure.js"
import * as Output from "./internal/Output.js"
import * as Providers from "./internal/Providers.js"

export { capture, type Sink } from "./internal/Output.js"

const cli = Command.run(alchemy, { name: "alchemy", version: "0.1.0", executable: "alchemy" })

/** Run `alchemy <args>`; never fails: a failure is reported on stderr and becomes the exit code. */
export const run = (args: ReadonlyArray<string>) => {
  // `alchemy env --profile`: say the value is missing (@effect/cli would call --profile an unknown argument).
  const bare = missingValue(args)
  const program = bare === undefined ? cli(["node", "alchemy", ...args]) : Effect.fail(new UsageError({ message: bare }))
  return program.pipe(
    Effect.as(0),
    Effect.catchAllCause((cause) => Effect.as(report(cause), exitCode(cause))),
    // Each run builds the providers it uses once, and only those.
    Effect.provideServiceEffect(Providers.Registry, Providers.makeRegistry)
  )
}

/** Send everything a run prints (its output, notices, @effect/cli's help and usage errors) to `sink`. */
export const withOutput = (sink: Output.Sink) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  effect.pipe(Effect.withConsole(Output.consoleOf(sink)), Effect.provideService(Output.Output, sink))
