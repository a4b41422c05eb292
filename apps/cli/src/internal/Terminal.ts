/**
 * The terminal (@effect/cli's prompts, the wizard), opened on first use. @effect/platform-node's layer reads
 * `process.stdin` as it is built, which creates stdin's stream (a socket for a pipe): ~1.5 ms of every start, for
 * the commands that never prompt (almost every run).
 */
import * as Terminal from "@effect/platform/Terminal"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"

export const make: Effect.Effect<Terminal.Terminal, never, Scope.Scope> = Effect.gen(function*() {
  const scope = yield* Effect.scope
  // Opened once, in the caller's scope (so closed, raw mode undone, when the run ends).
  const open = yield* Effect.cached(
    Layer.buildWithScope(NodeTerminal.layer, scope).pipe(Effect.map(Context.get(Terminal.Terminal)))
  )
  return Terminal.Terminal.of({
    columns: Effect.flatMap(open, (t) => t.columns),
    rows: Effect.flatMap(open, (t) => t.rows),
    isTTY: Effect.flatMap(open, (t) => t.isTTY),
    readInput: Effect.flatMap(open, (t) => t.readInput),
    readLine: Effect.flatMap(open, (t) => t.readLine),
    display: (text) => Effect.flatMap(open, (t) => t.display(text))
  })
})
