/**
 * The `Interaction` service (profile-core's port) for a terminal.
 *
 * On a TTY (standard input and output) without `CI`: `@effect/cli` prompts (select, multi-select, text, a masked
 * password that yields a `Redacted`, confirm), `openUrl` runs `$BROWSER <url>` (else `xdg-open`/`open`) and shows
 * a spinner on stderr until the next interaction or the end of the command.
 * Otherwise (`interactive: false`): every prompt fails at once with `NonInteractive` naming the flag that supplies
 * the value, and `openUrl` opens nothing: it prints the URL.
 *
 * @since 0.1.0
 */
import * as Prompt from "@effect/cli/Prompt"
import { NonInteractive } from "@alchemy/profile-core/Errors"
import { Interaction } from "@alchemy/profile-core/Interaction"
import { printable } from "@alchemy/profile-core/Printable"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Output from "./internal/Output.js"

/**
 * Is a person at the terminal? Standard input and output are TTYs and `CI` is not set. Asked of the descriptors
 * (`Output.isTerminal`), not `process.stdin.isTTY`: reading `process.stdin` creates its stream, ~2 ms of every start.
 */
export const isInteractive = (
  env: Readonly<Record<string, string | undefined>> = process.env
): boolean =>
  Output.isTerminal(0) && Output.isTerminal(1) &&
  (env.CI === undefined || env.CI === "" || env.CI === "0" || env.CI === "false")

const spinner = Output.spinner

const openCommand = (url: string): [string, ReadonlyArray<string>] => {
  const browser = process.env.BROWSER
  if (browser !== undefined && browser !== "") return [browser, [url]]
  if (process.platform === "darwin") return ["open", [url]]
  if (process.platform === "win32") return ["cmd", ["/c", "start", "", url]]
  return ["xdg-open", [url]]
}

const open = (url: string): Effect.Effect<boolean> =>
  Effect.flatMap(Effect.promise(() => import("node:child_process")), ({ spawn }) => Effect.async<boolean>((resume) => {
    const [command, args] = openCommand(url)
    try {
      const child = spawn(command, args, { stdio: "ignore", detached: true })
      child.once("error", () => resume(Effect.succeed(false)))
      child.once("spawn", () => {
        child.unref()
        resume(Effect.succeed(true))
      })
    } catch {
      resume(Effect.succeed(false))
    }
  }))

type PromptContext = Context.Context<Prompt.Prompt.Environment>

const quitToInterrupt = <A>(prompt: Prompt.Prompt<A>, context: PromptContext): Effect.Effect<A> =>
  Effect.sync(spinner.stop).pipe(
    Effect.zipRight(Prompt.run(prompt)),
    Effect.catchTag("QuitException", () => Effect.interrupt),
    Effect.provide(context)
  )

/** The interactive implementation (prompts through the platform `Terminal`). */
export const makeInteractive = (terminal: PromptContext): Interaction => ({
  interactive: true,
  select: (options) =>
    quitToInterrupt(
      Prompt.select({
        message: options.message,
        choices: options.choices.map((c) => ({
          title: printable(c.title),
          value: c.value,
          ...(c.description !== undefined ? { description: printable(c.description) } : {})
        }))
      }),
      terminal
    ),
  multiSelect: (options) =>
    quitToInterrupt(
      Prompt.multiSelect({
        message: options.message,
        choices: options.choices.map((c) => ({
          title: printable(c.title),
          value: c.value,
          ...(c.description !== undefined ? { description: printable(c.description) } : {}),
          ...(c.selected !== undefined ? { selected: c.selected } : {})
        }))
      }),
      terminal
    ),
  text: (options) =>
    quitToInterrupt(
      Prompt.text({
        message: options.message,
        ...(options.default !== undefined ? { default: options.default } : {}),
        ...(options.validate !== undefined
          ? {
            validate: (value: string) => {
              const problem = options.validate!(value)
              return problem === undefined ? Effect.succeed(value) : Effect.fail(problem)
            }
          }
          : {})
      }),
      terminal
    ),
  secret: (options) =>
    quitToInterrupt(
      Prompt.password({
        message: options.message,
        validate: (value) => (value === "" ? Effect.fail("a value is required") : Effect.succeed(value))
      }),
      terminal
    ),
  confirm: (options) =>
    quitToInterrupt(Prompt.confirm({ message: options.message, initial: options.default }), terminal),
  openUrl: (url) =>
    Effect.gen(function*() {
      spinner.stop()
      const opened = yield* open(url)
      if (!opened) process.stderr.write(`Could not open a browser; open this URL yourself:\n  ${url}\n`)
      spinner.start("Waiting for the browser… (Ctrl-C to cancel)")
    }),
  info: (message) => Effect.sync(spinner.stop).pipe(Effect.zipRight(Output.note(message))),
  warn: (message) => Effect.sync(spinner.stop).pipe(Effect.zipRight(Output.warning(message)))
})

/** The non-interactive implementation: no prompt, no browser; fail fast naming the flag. */
const refuse = (options: { readonly message: string; readonly flag: string }) =>
  Effect.fail(
    new NonInteractive({
      what: /\?\s*$/.test(options.message)
        ? `An answer to "${options.message.replace(/\?\s*$/, "")}"`
        : options.message.replace(/:\s*$/, ""),
      flag: options.flag
    })
  )

export const nonInteractive: Interaction = {
  interactive: false,
  select: refuse,
  multiSelect: refuse,
  text: refuse,
  secret: refuse,
  confirm: refuse,
  openUrl: (url) => Output.note(`Open this URL in a browser:\n  ${url}`),
  info: (message) => Output.note(message),
  warn: (message) => Output.warning(message)
}

/**
 * Interactive on a TTY without `CI`, non-interactive otherwise, decided when first asked: `isatty` loads node:tty
 * (~2 ms), which the commands that never prompt or open a browser (`env`, `exec`, `profile show`) do without.
 */
export const make: Effect.Effect<Interaction, never, Prompt.Prompt.Environment> = Effect.map(
  Effect.context<Prompt.Prompt.Environment>(),
  (context): Interaction => {
    let chosen: Interaction | undefined
    const get = () => (chosen ??= isInteractive() ? makeInteractive(context) : nonInteractive)
    return {
      get interactive() {
        return get().interactive
      },
      select: (options) => Effect.suspend(() => get().select(options)),
      multiSelect: (options) => Effect.suspend(() => get().multiSelect(options)),
      text: (options) => Effect.suspend(() => get().text(options)),
      secret: (options) => Effect.suspend(() => get().secret(options)),
      confirm: (options) => Effect.suspend(() => get().confirm(options)),
      openUrl: (url) => Effect.suspend(() => get().openUrl(url)),
      info: (message) => Effect.suspend(() => get().info(message)),
      warn: (message) => Effect.suspend(() => get().warn(message))
    }
  }
)

/** `make` as a layer. */
export const layer: Layer.Layer<Interaction, never, Prompt.Prompt.Environment> = Layer.effect(Interaction, make)
