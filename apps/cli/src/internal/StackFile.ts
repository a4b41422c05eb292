/**
 * Finding and loading a stack file (`alchemy.run.ts`) with tsx, loaded only when a command needs it.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as fs from "node:fs"
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

/** Import the file with tsx and check its default export is a `defineStack(...)` value. */
export const load = (file: string): Effect.Effect<Stack, StackFileError> =>
  Effect.gen(function*() {
    // tsx is loaded only here (an external of the bundle, imported through Node's own ESM loader).
    const tsx = yield* Effect.tryPromise({
      try: () => import("tsx/esm/api"),
      catch: (e) => new StackFileError({ file, detail: `cannot load the TypeScript loader (tsx): ${firstLine(e)}` })
    })
    const mod: any = yield* Effect.tryPromise({
      try: () => tsx.tsImport(pathToFileURL(file).href, import.meta.url),
      catch: (e) => new StackFileError({ file, detail: `failed to load: ${firstLine(e)}` })
    })
    const candidates = [mod?.default, mod?.default?.default, mod?.stack]
    const stack = candidates.find(isStack)
    if (stack === undefined) {
      return yield* new StackFileError({
        file,
        detail: "the default export is not a stack; export default defineStack({ name, providers, run }) from \"@alchemy/cli/Stack\""
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

export { firstLine }
