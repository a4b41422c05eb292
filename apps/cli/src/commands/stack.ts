/**
 * `alchemy deploy|destroy|dev|plan|run [stack file]`: run the stack's program with the selected credentials, or run
 * a script of the `alchemy` library (0.x) as a child process with the selected profile and stage forwarded.
 */
import * as Command from "@effect/cli/Command"
import * as Effect from "effect/Effect"
import type { Phase } from "../Stack.js"
import * as Flags from "./Flags.js"

const make = <P extends Phase>(phase: P, description: string) =>
  Command.make(
    phase,
    { stackFile: Flags.stackFile, profile: Flags.profile, stage: Flags.stage, force: Flags.force },
    (flags) =>
      Effect.flatMap(Effect.promise(() => import("../internal/stack.js")), (m) => m.runStack(phase, flags))
  ).pipe(Command.withDescription(description))

export const deploy = make("deploy", "Deploy the stack (runs its program with phase `deploy`)")
export const destroy = make("destroy", "Destroy the stack (phase `destroy`)")
export const dev = make("dev", "Run the stack in development mode (phase `dev`)")
export const plan = make("plan", "Show what the stack would change (phase `plan`)")
export const run = make("run", "Run the stack's program (phase `run`)")
