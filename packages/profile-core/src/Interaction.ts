/**
 * How a provider talks to the person, whoever that is: a terminal (the CLI implements this with
 * `@effect/cli` prompts), CI (every prompt fails at once with `NonInteractive`, naming the flag or variable
 * that supplies the value) or a test (scripted answers).
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import type { NonInteractive } from "./Errors.js"

export interface Choice<A> {
  readonly title: string
  readonly value: A
  readonly description?: string
}

/** `flag` names what would supply the value without a prompt (`--account-id`, `CLOUDFLARE_API_TOKEN`). */
export interface Interaction {
  readonly interactive: boolean
  readonly select: <A>(options: {
    readonly message: string
    readonly choices: ReadonlyArray<Choice<A>>
    readonly flag: string
  }) => Effect.Effect<A, NonInteractive>
  readonly multiSelect: <A>(options: {
    readonly message: string
    readonly choices: ReadonlyArray<Choice<A> & { readonly selected?: boolean }>
    readonly flag: string
  }) => Effect.Effect<ReadonlyArray<A>, NonInteractive>
  readonly text: (options: {
    readonly message: string
    readonly default?: string
    readonly flag: string
    readonly validate?: (value: string) => string | undefined
  }) => Effect.Effect<string, NonInteractive>
  readonly secret: (options: { readonly message: string; readonly flag: string }) => Effect.Effect<Redacted.Redacted<string>, NonInteractive>
  readonly confirm: (options: { readonly message: string; readonly default: boolean; readonly flag: string }) => Effect.Effect<boolean, NonInteractive>
  /** Open the URL in a browser (`$BROWSER` when set, else the platform opener); never in CI. */
  readonly openUrl: (url: string) => Effect.Effect<void>
  /** Show progress / information to the person (stderr in the CLI). Never pass secrets. */
  readonly info: (message: string) => Effect.Effect<void>
  readonly warn: (message: string) => Effect.Effect<void>
}

export const Interaction: Context.Tag<Interaction, Interaction> = Context.GenericTag<Interaction>(
  "@alchemy/profile-core/Interaction"
)
