// Floor 1: Effect's runtime evaluated and one effect run (no file, no schema, no CLI).
import * as Effect from "effect/Effect"

Effect.runPromise(Effect.succeed("{}\n")).then((text) => process.stdout.write(text))
