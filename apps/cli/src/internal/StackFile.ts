/**
 * Finding and loading a stack file (`alchemy.run.ts`) with tsx, loaded only when a command needs it.
 *
 * Two kinds of stack file, told apart from the source text alone (the file is never run to find out):
 * - a **stack**: default-exports `defineStack({ ... })` (from `@alchemy/cli/Stack`); imported here and run in
 *   this process;
 * - a **script** of the `alchemy` npm library (0.x): does its work at import time
 *   (`const app = await alchemy("my-app"); await Worker(...); await app.finalize()`); never imported here, but run
 *   as a child process (`node --import <tsx> file --stage s ...`) the way that library's own CLI runs it.
 *
 * The rule ({@link kindOf}), on the source with its comments removed: a file that names `defineStack` or
 * imports `@alchemy/cli` is a stack; else a file that imports the `alchemy` package (`"alchemy"`,
 * `"alchemy/cloudflare"`, ...) is a script; else a file with a default export (`export default`, `as default`) or
 * an `export const stack` is a stack (it may re-export one made elsewhere); anything else is a script.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { isStack, type Stack } from "../Stack.js"
import { StackFileError } from "./Failure.js"
import * as Providers from "./Providers.js"

export const defaultFile = "alchemy.run.ts"

/** The stack file named on the command line (must exist), else ./alchemy.run.ts when present. */
export const find = (arg: Option.Option<string>): Effect.Effect<Option.Option<string>, StackFileError> =>
  Effect.suspend(() => {
    if (Option.isSome(arg)) {
      const file = path.resolve(arg.value)
      return fs.existsSync(file)
        ? Effect.succeed(Option.some(file))
        : Effect.fail(new StackFileError({ file: arg.value, detail: "no such file" }))
    }
    const file = path.resolve(defaultFile)
    return Effect.succeed(fs.existsSync(file) ? Option.some(file) : Option.none())
  })

/** The stack file or an error saying there is none. */
export const locate = (arg: Option.Option<string>): Effect.Effect<string, StackFileError> =>
  Effect.flatMap(find(arg), Option.match({
    onNone: () =>
      Effect.fail(
        new StackFileError({
          file: defaultFile,
          detail: "no stack file here; pass its path (alchemy deploy path/to/alchemy.run.ts) or create alchemy.run.ts"
        })
      ),
    onSome: Effect.succeed
  }))

const firstLine = (e: unknown): string => {
  const text = e instanceof Error ? e.message : String(e)
  return text.split("\n").find((l) => l.trim() !== "")?.trim().slice(0, 500) ?? "unknown error"
}

/**
 * The whole message of a loader error (a syntax error with its location and code frame, a module that cannot be
 * found and who imported it), without the stack trace of the loader's own code.
 */
const fullMessage = (e: unknown): string => {
  const text = e instanceof Error ? e.message : String(e)
  const trimmed = text.replace(/\s+$/, "")
  return trimmed === "" ? (e instanceof Error ? e.name : "unknown error") : trimmed.includes("\n") ? `\n${trimmed}` : trimmed
}

/** A stack made with `defineStack`, or a script of the `alchemy` library (0.x). */
export type Kind = "stack" | "script"

const blockComment = /\/\*[\s\S]*?\*\//g
// `//` at the start of a line or after a space or punctuation: not the `//` of a URL in a string (`https://`).
const lineComment = /(^|[\s;{}(),])\/\/.*$/gm
const ourStack = /\bdefineStack\b|["']@alchemy\/cli(?:\/[^"']*)?["']/
const alchemyLibrary = /(?:\bfrom\s*|\bimport\s*\(?\s*)["']alchemy(?:\/[^"']*)?["']/
const defaultExport = /\bexport\s+default\b|\bas\s+default\b|\bexport\s+(?:const|let|var)\s+stack\b/

/** The kind of a stack file from its source text (see the module's description for the rule). */
export const kindOf = (source: string): Kind => {
  const code = source.replace(blockComment, " ").replace(lineComment, "$1")
  if (ourStack.test(code)) return "stack"
  if (alchemyLibrary.test(code)) return "script"
  return defaultExport.test(code) ? "stack" : "script"
}

/** Read the file and tell its kind, without running it. */
export const kind = (file: string): Effect.Effect<Kind, StackFileError> =>
  Effect.try({
    try: () => kindOf(fs.readFileSync(file, "utf8")),
    catch: (e) => new StackFileError({ file, detail: `cannot read: ${firstLine(e)}` })
  })

/**
 * The module Node preloads (`--import`) to run a TypeScript script: tsx's loader, resolved from the CLI's own
 * location (`dist/` of the installed package; tsx is a dependency of the CLI, not necessarily of the project).
 */
export const tsxLoader = (): Effect.Effect<string, StackFileError> =>
  Effect.try({
    try: () => pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href,
    catch: (e) => new StackFileError({ file: "tsx", detail: `cannot find the TypeScript loader (tsx): ${firstLine(e)}` })
  })

/** Import the file with tsx and check its default export is a `defineStack(...)` value. */
export const load = (file: string): Effect.Effect<Stack, StackFileError> =>
  Effect.gen(function*() {
    if ((yield* kind(file)) === "script") {
      // Importing it would run it here; it says which providers it needs only by running.
      return yield* new StackFileError({
        file,
        detail:
          "a script of the alchemy library (0.x), not a defineStack stack: `alchemy deploy` runs it as a child process, " +
          "but it cannot be read for its providers; name them with --provider"
      })
    }
    // tsx is loaded only here (an external of the bundle, imported through Node's own ESM loader).
    const tsx = yield* Effect.tryPromise({
      try: () => import("tsx/esm/api"),
      catch: (e) => new StackFileError({ file, detail: `cannot load the TypeScript loader (tsx): ${fullMessage(e)}` })
    })
    const mod: any = yield* Effect.tryPromise({
      try: () => tsx.tsImport(pathToFileURL(file).href, import.meta.url),
      catch: (e) => new StackFileError({ file, detail: `failed to load: ${fullMessage(e)}` })
    })
    const candidates = [mod?.default, mod?.default?.default, mod?.stack]
    const stack = candidates.find(isStack)
    if (stack === undefined) {
      return yield* new StackFileError({
        file,
        detail: "the default export is not a stack; export default defineStack({ name, providers, run }) from \"@alchemy/cli/Stack\"" +
          " (a script of the alchemy library, 0.x, is run as a child process instead: it has no default export)"
      })
    }
    const known = Providers.entries.map((e) => e.id)
    const unknown = stack.providers.filter((p) => !known.includes(p))
    if (typeof stack.name !== "string" || stack.name === "" || unknown.length > 0 || stack.run === undefined) {
      return yield* new StackFileError({
        file,
        detail: unknown.length > 0
          ? `unknown provider(s) ${unknown.join(", ")} (known: ${known.join(", ")})`
          : "a stack needs a name, providers and run"
      })
    }
    return stack
  })

export { firstLine, fullMessage }
