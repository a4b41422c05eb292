/**
 * Terminal output for the CLI: colour only on a TTY and never with `NO_COLOR`; a `Console` that strips ANSI
 * escapes otherwise (so @effect/cli's help and errors follow the same rule); small styling helpers.
 *
 * Every line printed has its control characters escaped (DESIGN §8), on a TTY or not: only colour sequences (SGR,
 * `ESC [ digits m`, which our style functions and @effect/cli add) pass, and newline and tab. Text from outside
 * that must stay on one line (an account name, a server's message) is escaped where it is put in a line, with
 * `Printable.printable`; warnings are one line each.
 */
import { printable, printableLines } from "@alchemy/profile-core/Printable"
import { scrub } from "@alchemy/profile-core/Redaction"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"

const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g
const SGR = /(\u001b\[[0-9;]*m)/

/** Whether a stream should get colour: a TTY, no `NO_COLOR`, not `TERM=dumb`. */
export const colorEnabled = (stream: NodeJS.WriteStream): boolean =>
  (stream.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== "dumb") ||
  (process.env.ALCHEMY_HELP_CAPTURE === "1" && stream === process.stdout)

export const stripAnsi = (text: string): string => text.replace(ANSI, "")

/** `escape` applied to everything but colour sequences. */
const escapeOutsideColour = (text: string, escape: (part: string) => string): string =>
  text.split(SGR).map((part, i) => (i % 2 === 1 ? part : escape(part))).join("")

const style = (open: number, close: number) => (text: string, stream: NodeJS.WriteStream = process.stdout) =>
  colorEnabled(stream) ? `\u001b[${open}m${text}\u001b[${close}m` : text

export const bold = style(1, 22)
export const dim = style(2, 22)
export const red = style(31, 39)
export const green = style(32, 39)
export const yellow = style(33, 39)
export const cyan = style(36, 39)

const format = (args: ReadonlyArray<unknown>): string =>
  args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ")

const writer = (stream: NodeJS.WriteStream) => (...args: ReadonlyArray<unknown>) => {
  // stderr never shows a secret the process knows (stdout carries `alchemy env`'s values on purpose).
  const text = escapeOutsideColour(stream === process.stderr ? scrub(format(args)) : format(args), printableLines)
  stream.write((colorEnabled(stream) ? text : stripAnsi(text)) + "\n")
}

const out = writer(process.stdout)
const err = writer(process.stderr)

/** A `Console` over process.stdout/stderr that removes colour where it does not belong. */
export const console: Console.Console = (() => {
  const unsafe = {
    assert: (condition: boolean, ...args: ReadonlyArray<unknown>) => {
      if (!condition) err(...args)
    },
    clear: () => {},
    count: () => {},
    countReset: () => {},
    debug: err,
    dir: (item: unknown) => out(item),
    dirxml: out,
    error: err,
    group: () => {},
    groupCollapsed: () => {},
    groupEnd: () => {},
    info: err,
    log: out,
    table: out,
    time: () => {},
    timeEnd: () => {},
    timeLog: () => {},
    trace: err,
    warn: err
  } as unknown as Console.UnsafeConsole
  const lift = (f: (...args: ReadonlyArray<any>) => void) => (...args: ReadonlyArray<any>) => Effect.sync(() => f(...args))
  return {
    [Console.TypeId]: Console.TypeId,
    assert: lift(unsafe.assert as any),
    clear: Effect.void,
    count: () => Effect.void,
    countReset: () => Effect.void,
    debug: lift(err),
    dir: lift(out),
    dirxml: lift(out),
    error: lift(err),
    group: () => Effect.void,
    groupEnd: Effect.void,
    info: lift(err),
    log: lift(out),
    table: lift(out),
    time: () => Effect.void,
    timeEnd: () => Effect.void,
    timeLog: () => Effect.void,
    trace: lift(err),
    warn: lift(err),
    unsafe
  } as unknown as Console.Console
})()

/** A spinner on stderr (a TTY only), stopped by the next line printed (or at exit). */
export const spinner = (() => {
  let timer: ReturnType<typeof setInterval> | undefined
  const frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]
  const stop = () => {
    if (timer !== undefined) {
      clearInterval(timer)
      timer = undefined
      process.stderr.write("\r\u001b[2K")
    }
  }
  const start = (message: string) => {
    stop()
    const text = escapeOutsideColour(message, printable)
    if (!colorEnabled(process.stderr)) {
      process.stderr.write(`${text}\n`)
      return
    }
    let i = 0
    const draw = () => process.stderr.write(`\r${cyan(frames[i++ % frames.length]!, process.stderr)} ${text}`)
    draw()
    timer = setInterval(draw, 80)
    timer.unref()
    process.once("exit", stop)
  }
  return { start, stop }
})()

/** Print a line on stdout (the command's result). */
export const line = (text: string): Effect.Effect<void> => Effect.sync(() => (spinner.stop(), out(text)))
/** Print a line on stderr (progress, notices, warnings, errors). */
export const note = (text: string): Effect.Effect<void> => Effect.sync(() => (spinner.stop(), err(text)))
const warned = new Set<string>()
/** Print a warning on stderr, once per command (the same warning from two paths, or two profiles, says it once). */
export const warning = (text: string): Effect.Effect<void> =>
  Effect.sync(() => {
    if (warned.has(text)) return
    warned.add(text)
    spinner.stop()
    err(`${yellow("warning:", process.stderr)} ${escapeOutsideColour(text, printable)}`)
  })

// `alchemy env | head -1`: a closed pipe ends the command quietly, as with any Unix tool.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0)
    throw e
  })
}
