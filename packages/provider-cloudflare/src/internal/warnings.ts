/**
 * Warnings for the person running the program (a stored account overridden by `CLOUDFLARE_ACCOUNT_ID`, …): through
 * `Interaction.warn` when the program provides one (the CLI does, and prints each once), else on stderr, never on
 * stdout (where a program's output, such as `alchemy env`'s, goes).
 */
import { Interaction } from "@alchemy/profile-core/Interaction"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

export const emitWarnings = (warnings: ReadonlyArray<string>): Effect.Effect<void> =>
  Effect.flatMap(Effect.serviceOption(Interaction), (interaction) =>
    Effect.forEach(
      warnings,
      (w) => Option.isSome(interaction) ? interaction.value.warn(w) : Console.error(`warning: ${w}`),
      { discard: true }
    ))
