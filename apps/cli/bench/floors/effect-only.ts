// Floor 1: Effect's runtime evaluated and one effect run (no file, no schema, no CLI).
import * as Effect from "effect/Effect"
import * as fs from "node:fs"

Effect.runPromise(Effect.succeed("{}\n")).then((text) => fs.writeSync(1, text))
