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
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as NodeFs from "node:fs"
import * as Tty from "node:tty"

const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g
const SGR = /(\u001b\[[0-9;]*m)/

/**
 * The process's stdout or stderr, written through its file descriptor.
 *
 * Why not `process.stdout`: reading it creates its stream, and for a pipe (`eval "$(alchemy env)"`, the AWS CLI
 * reading `credential-process`) that loads Node's `net` and `stream` modules: ~2-4 ms of every start. Node itself
 * writes to pipes, files and terminals synchronously on Linux, and a blocking `writeSync` keeps the same bytes in
 * the same order anywhere. The stream is still used where a synchronous write cannot go on (a non-blocking
 * descriptor answering `EAGAIN`), from then on for every write to it, so nothing is reordered; a closed pipe
 * (`EPIPE`) ends the command quietly, as with any Unix tool; a closed descriptor (`>&-`) drops the text, as Node's
 * own stream does. On Windows the stream is always used: it writes a console in UTF-16, a raw write would not.
 */
export interface Stream {
  /** A terminal (asked once, of the descriptor)? */
  readonly isTTY: boolean
  readonly write: (text: string) => void
}

/** Linux's character devices of major number 1 (`/dev/null`, `/dev/zero`, ...): never a terminal. */
const isMemoryDevice = (rdev: number): boolean => process.platform === "linux" && ((rdev >> 8) & 0xfff) === 1

/**
 * `isatty(fd)` without loading `node:tty` (~3-4 ms: it loads `net`; the bundle loads it on first use) where a
 * `stat` answers for certain: a pipe, a socket, a file or `/dev/null` is not a terminal. Other character devices
 * ask `isatty` itself.
 */
export const isTerminal = (fd: number): boolean => {
  let stats: NodeFs.Stats
  try {
    stats = NodeFs.fstatSync(fd)
  } catch {
    return false
  }
  if (!stats.isCharacterDevice() || isMemoryDevice(stats.rdev)) return false
  return Tty.isatty(fd)
}

const stream = (fd: 1 | 2): Stream => {
  let tty: boolean | undefined
  let node: NodeJS.WriteStream | undefined
  const viaNode = (text: string | Uint8Array) => {
    node ??= fd === 1 ? process.stdout : process.stderr
    node.write(text)
  }
  return {
    get isTTY() {
      return tty ??= isTerminal(fd)
    },
    write: (text) => {
      if (node !== undefined || process.platform === "win32") return viaNode(text)
      let buffer = Buffer.from(text, "utf8")
      while (buffer.length > 0) {
        try {
          buffer = buffer.subarray(NodeFs.writeSync(fd, buffer))
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code
          // The bytes left, as they are: a partial write may have ended inside a character.
          if (code === "EAGAIN") return viaNode(buffer)
          if (code === "EPIPE") process.exit(0)
          if (code === "EBADF") return
          throw e
        }
      }
    }
  }
}

/** The process's stdout: a command's result. */
export const stdout: Stream = stream(1)
/** The process's stderr: progress, notices, warnings, errors. */
export const stderr: Stream = stream(2)

/** Whether a stream should get colour: a TTY, no `NO_COLOR`, not `TERM=dumb`. */
export const colorEnabled = (stream: Stream): boolean =>
  (stream.isTTY && !process.env.NO_COLOR && process.env.TERM !== "dumb") ||
  (process.env.ALCHEMY_HELP_CAPTURE === "1" && stream === stdout)

export const stripAnsi = (text: string): string => text.replace(ANSI, "")

/** `escape` applied to everything but colour sequences. */
const escapeOutsideColour = (text: string, escape: (part: string) => string): string =>
  text.split(SGR).map((part, i) => (i % 2 === 1 ? part : escape(part))).join("")

const style = (open: number, close: number) => (text: string, stream: Stream = stdout) =>
  colorEnabled(stream) ? `\u001b[${open}m${text}\u001b[${close}m` : text

export const bold = style(1, 22)
export const dim = style(2, 22)
export const red = style(31, 39)
export const green = style(32, 39)
export const yellow = style(33, 39)
export const cyan = style(36, 39)

const format = (args: ReadonlyArray<unknown>): string =>
  args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ")

const writer = (stream: Stream) => (...args: ReadonlyArray<unknown>) => {
  // stderr never shows a secret the process knows (stdout carries `alchemy env`'s values on purpose).
  const text = escapeOutsideColour(stream === stderr ? scrub(format(args)) : format(args), printableLines)
  stream.write((colorEnabled(stream) ? text : stripAnsi(text)) + "\n")
}

/**
 * Where a command's output goes: stdout (its result) and stderr (progress, notices, warnings, errors), and the
 * spinner. The default is the process's streams; an in-process test provides its own (`capture`) and reads what a
 * person would see.
 */
export interface Sink {
  readonly out: (text: string) => void
  readonly err: (text: string) => void
  /** Is stdout a terminal (values of `alchemy env` are hidden there)? */
  readonly stdoutIsTerminal: boolean
  readonly spinner: { readonly start: (message: string) => void; readonly stop: () => void }
  /** Warnings already printed in this run (each is said once). */
  readonly warned: Set<string>
}

const out = writer(stdout)
const err = writer(stderr)

/** A spinner on stderr (a TTY only), stopped by the next line printed (or at exit). */
export const spinner = (() => {
  let timer: ReturnType<typeof setInterval> | undefined
  const frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]
  const stop = () => {
    if (timer !== undefined) {
      clearInterval(timer)
      timer = undefined
      stderr.write("\r\u001b[2K")
    }
  }
  const start = (message: string) => {
    stop()
    const text = escapeOutsideColour(message, printable)
    if (!colorEnabled(stderr)) {
      stderr.write(`${text}\n`)
      return
    }
    let i = 0
    const draw = () => stderr.write(`\r${cyan(frames[i++ % frames.length]!, stderr)} ${text}`)
    draw()
    timer = setInterval(draw, 80)
    timer.unref()
    process.once("exit", stop)
  }
  return { start, stop }
})()

/** The process's streams. */
export const processSink: Sink = {
  out: (text) => out(text),
  err: (text) => err(text),
  get stdoutIsTerminal() {
    return stdout.isTTY
  },
  spinner,
  warned: new Set()
}

/** The sink of this run: the process's streams unless a test provides another. */
export class Output extends Context.Reference<Output>()("@alchemy/cli/Output", { defaultValue: () => processSink }) {}

/** A sink that keeps the lines (stdout and stderr apart, escaped as printed; no colour: not a terminal). */
export const capture = (): Sink & { readonly stdout: Array<string>; readonly stderr: Array<string> } => {
  const stdout: Array<string> = []
  const stderr: Array<string> = []
  const keep = (lines: Array<string>, scrubbed: boolean) => (text: string) => {
    lines.push(stripAnsi(escapeOutsideColour(scrubbed ? scrub(text) : text, printableLines)))
  }
  return {
    stdout,
    stderr,
    out: keep(stdout, false),
    err: keep(stderr, true),
    stdoutIsTerminal: false,
    spinner: { start: (message) => stderr.push(message), stop: () => {} },
    warned: new Set()
  }
}

/** A `Console` writing to a sink (what @effect/cli prints help and usage errors through). */
export const consoleOf = (sink: Sink): Console.Console => {
  const o = (...args: ReadonlyArray<unknown>) => sink.out(format(args))
  const e = (...args: ReadonlyArray<unknown>) => sink.err(format(args))
  const unsafe = {
    assert: (condition: boolean, ...args: ReadonlyArray<unknown>) => {
      if (!condition) e(...args)
    },
    clear: () => {},
    count: () => {},
    countReset: () => {},
    debug: e,
    dir: (item: unknown) => o(item),
    dirxml: o,
    error: e,
    group: () => {},
    groupCollapsed: () => {},
    groupEnd: () => {},
    info: e,
    log: o,
    table: o,
    time: () => {},
    timeEnd: () => {},
    timeLog: () => {},
    trace: e,
    warn: e
  } as unknown as Console.UnsafeConsole
  const lift = (f: (...args: ReadonlyArray<any>) => void) => (...args: ReadonlyArray<any>) => Effect.sync(() => f(...args))
  return {
    [Console.TypeId]: Console.TypeId,
    assert: lift(unsafe.assert as any),
    clear: Effect.void,
    count: () => Effect.void,
    countReset: () => Effect.void,
    debug: lift(e),
    dir: lift(o),
    dirxml: lift(o),
    error: lift(e),
    group: () => Effect.void,
    groupEnd: Effect.void,
    info: lift(e),
    log: lift(o),
    table: lift(o),
    time: () => Effect.void,
    timeEnd: () => Effect.void,
    timeLog: () => Effect.void,
    trace: lift(e),
    warn: lift(e),
    unsafe
  } as unknown as Console.Console
}

/** Print a line on stdout (the command's result). */
export const line = (text: string): Effect.Effect<void> =>
  Effect.flatMap(Output, (sink) => Effect.sync(() => (sink.spinner.stop(), sink.out(text))))
/** Print a line on stderr (progress, notices, warnings, errors). */
export const note = (text: string): Effect.Effect<void> =>
  Effect.flatMap(Output, (sink) => Effect.sync(() => (sink.spinner.stop(), sink.err(text))))
/** Print a warning on stderr, once per command (the same warning from two paths, or two profiles, says it once). */
export const warning = (text: string): Effect.Effect<void> =>
  Effect.flatMap(Output, (sink) =>
    Effect.sync(() => {
      if (sink.warned.has(text)) return
      sink.warned.add(text)
      sink.spinner.stop()
      sink.err(`${yellow("warning:", stderr)} ${escapeOutsideColour(text, printable)}`)
    }))
/** Is stdout a terminal? */
export const stdoutIsTerminal: Effect.Effect<boolean> = Effect.map(Output, (sink) => sink.stdoutIsTerminal)

// `alchemy env 2>&1 | head -1`: code that writes to process.stdout or process.stderr itself (a library's notice)
// ends quietly on a closed pipe too. The guard is set when that stream is first created, not here: creating it
// is the cost `Stream` avoids.
for (const name of ["stdout", "stderr"] as const) {
  const descriptor = Object.getOwnPropertyDescriptor(process, name)
  const get = descriptor?.get
  if (get === undefined || descriptor?.configurable !== true) continue
  Object.defineProperty(process, name, {
    configurable: true,
    enumerable: descriptor.enumerable ?? true,
    get() {
      const created = get.call(process) as NodeJS.WriteStream
      Object.defineProperty(process, name, { configurable: true, enumerable: descriptor.enumerable ?? true, get: () => created })
      created.on("error", (e: NodeJS.ErrnoException) => {
        if (e.code === "EPIPE") process.exit(0)
        throw e
      })
      return created
    }
  })
}
