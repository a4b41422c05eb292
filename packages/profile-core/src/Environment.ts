/**
 * The environment variables a program reads: the process's, unless a test (or an embedding program) provides
 * others. The one way profile-core, the providers and the CLI read them, so every part can be run in-process
 * against a chosen environment.
 *
 * ```ts
 * Effect.provideService(effect, Environment, { ALCHEMY_PROFILE: "prod" })
 * ```
 *
 * @since 0.4.0
 */
import * as Context from "effect/Context"

/** @since 0.4.0 */
export class Environment extends Context.Reference<Environment>()("@alchemy/profile-core/Environment", {
  defaultValue: (): Readonly<Record<string, string | undefined>> => process.env
}) {}
