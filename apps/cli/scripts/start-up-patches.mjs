// An esbuild plugin shared by the CLI's build (scripts/build.mjs) and the start-up bench's floors
// (bench/hot-commands.bench.mjs): work the Effect family does as its modules are evaluated, moved to first use.
import * as fs from "node:fs/promises"
import * as path from "node:path"

/**
 * The rewrites of the esbuild plugin below, by the end of the module's path. Each moves work a module of
 * the Effect family does when it is evaluated (every run, whatever the command) to the first time it is needed, and
 * changes nothing else. A rewrite must match exactly as many times as it says (once unless given), or the build
 * stops: a new release of effect or @effect/cli is checked again, never patched blindly.
 * - effect's Utils.js asks, as it is evaluated, whether a bundler renamed `effect_internal_function`, by reading
 *   a stack trace. No bundler renames an object literal's property (esbuild does not), so the answer in this bundle
 *   is always yes; asking costs ~4 ms: the first stack trace of a run makes V8 re-parse the whole bundle for its
 *   source positions (code compiled from a code cache has none).
 * - effect's internal/logger.js reads `process.stdout` to decide the default pretty logger's colours, which it
 *   builds as the module is evaluated. Reading it creates the stream: for a pipe (`eval "$(alchemy env)"`) that
 *   loads Node's `net`, ~2 ms. The CLI sets up no pretty logger (bin.ts) and writes through the descriptors
 *   (internal/Output.ts): the question is asked when a pretty logger prints its first line.
 * - effect's internal/clock.js reads the `performance` global to choose and set the clock's origin. Reading it
 *   loads `perf_hooks` (~1 ms). Both are done on the first reading of the clock in nanoseconds instead.
 * - @effect/cli's prompts each render the terminal bell as a Doc as they are evaluated (the first costs ~1.5 ms:
 *   the printer's code runs cold). It is rendered when a prompt first beeps.
 */
const patches = {
  "effect/dist/esm/Utils.js": [
    [
      `const isNotOptimizedAway = /*#__PURE__*/standard.effect_internal_function(() => new Error().stack)?.includes("effect_internal_function") === true;`,
      `const isNotOptimizedAway = true;`
    ]
  ],
  "effect/dist/esm/internal/logger.js": [
    [
      `const hasProcessStdout = typeof process === "object" && process !== null && typeof process.stdout === "object" && process.stdout !== null;\nconst processStdoutIsTTY = hasProcessStdout && process.stdout.isTTY === true;`,
      `const hasProcessStdout = typeof process === "object" && process !== null && "stdout" in process;`
    ],
    [
      `options.colors : processStdoutIsTTY || isBrowser;`,
      `options.colors : isBrowser || undefined;`
    ],
    [
      `const prettyLoggerTty = options => {\n  const color = options.colors ? withColor : withColorNoop;`,
      `const prettyLoggerTty = options => {\n  let color = (...args) => (color = (options.colors ?? (hasProcessStdout && process.stdout !== null && process.stdout.isTTY === true)) ? withColor : withColorNoop)(...args);`
    ]
  ],
  "effect/dist/esm/internal/clock.js": [
    [
      `  if (typeof performance === "undefined" || typeof performance.now !== "function") {\n    return () => BigInt(Date.now()) * bigint1e6;\n  }\n  let origin;\n  return () => {\n`,
      `  let origin;\n  return () => {\n    if (typeof performance === "undefined" || typeof performance.now !== "function") {\n      return BigInt(Date.now()) * bigint1e6;\n    }\n`
    ],
    [
      `  const origin = /*#__PURE__*/performanceNowNanos() - /*#__PURE__*/processHrtime.bigint();\n  return () => origin + processHrtime.bigint();`,
      `  let origin;\n  return () => (origin ??= performanceNowNanos() - processHrtime.bigint()) + processHrtime.bigint();`
    ]
  ],
  ...Object.fromEntries(["confirm", "date", "file", "multi-select", "number", "select", "text", "toggle"].map((name) => [
    `@effect/cli/dist/esm/internal/prompt/${name}.js`,
    [
      [
        `const renderBeep = /*#__PURE__*/Doc.render(Doc.beep, {\n  style: "pretty"\n});`,
        `let renderedBeep;\nconst renderBeep = () => renderedBeep ??= Doc.render(Doc.beep, {\n  style: "pretty"\n});`
      ],
      [`Effect.succeed(renderBeep)`, `Effect.sync(renderBeep)`, name === "number" ? 2 : 1]
    ]
  ]))
}
const patchedModule = new RegExp(
  `[\\\\/]node_modules[\\\\/](${Object.keys(patches).map((k) => k.replace(/[.-]/g, "\\$&")).join("|")})$`
)

/** The esbuild plugin applying `patches`. */
export const startUpPatches = {
  name: "start-up-patches",
  setup(build) {
    build.onLoad({ filter: patchedModule }, async (args) => {
      const key = patchedModule.exec(args.path.split(path.sep).join("/"))[1]
      let text = await fs.readFile(args.path, "utf8")
      for (const [from, to, count = 1] of patches[key]) {
        if (text.split(from).length !== count + 1) throw new Error(`start-up-patches: ${key} changed; check "${from}"`)
        text = text.replaceAll(from, to)
      }
      return { contents: text, loader: "js" }
    })
  }
}
