/**
 * An `Interaction` for code that has nobody to ask (the Promise face, credential_process): every question fails
 * at once with `NonInteractive`, naming the flag that would answer it; information goes to stderr.
 *
 * @internal
 */
import { NonInteractive } from "@alchemy/profile-core/Errors"
import { Interaction } from "@alchemy/profile-core/Interaction"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

const fail = (what: string, flag: string) => Effect.fail(new NonInteractive({ what, flag }))

/** @internal */
export const nonInteractive: Interaction = {
  interactive: false,
  select: (options) => fail(options.message, options.flag),
  multiSelect: (options) => fail(options.message, options.flag),
  text: (options) => fail(options.message, options.flag),
  secret: (options) => fail(options.message, options.flag),
  confirm: (options) => fail(options.message, options.flag),
  openUrl: () => Effect.void,
  info: (message) => Effect.sync(() => process.stderr.write(`${message}\n`)),
  warn: (message) => Effect.sync(() => process.stderr.write(`warning: ${message}\n`))
}

/** @internal */
export const layer: Layer.Layer<Interaction> = Layer.succeed(Interaction, nonInteractive)
