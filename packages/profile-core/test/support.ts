/**
 * Test support: temp homes, the in-process layer, and child-process workers (test/fixtures/worker.ts).
 *
 * Workers are bundled once per test file with esbuild (a dependency of tsx) because `node --import tsx` takes
 * 1.5-2.5 s to start on this machine and the crash test spawns 200 writers; set PROFILE_CORE_TSX=1 to run the
 * TypeScript file through tsx instead.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Layer from "effect/Layer"
import { type ChildProcess, spawn, type SpawnOptions } from "node:child_process"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import * as ProfileCore from "../src/ProfileCore.js"

export const packageDir = path.resolve(import.meta.dirname, "..")
const workerSource = path.join(packageDir, "test/fixtures/worker.ts")

export const makeHome = (): string => fs.mkdtempSync(path.join(os.tmpdir(), "alchemy-core-test-"))

export const layerAt = (home: string) => ProfileCore.layerAt(home).pipe(Layer.provideMerge(NodeContext.layer))

let bundled: string | undefined
/** The node arguments that run the worker (bundle path last, or tsx + the .ts file). */
export const workerArgs = (): ReadonlyArray<string> => {
  if (process.env.PROFILE_CORE_TSX === "1") return ["--import", "tsx", workerSource]
  if (bundled === undefined) {
    const esbuild = createRequire(createRequire(path.join(packageDir, "package.json")).resolve("tsx"))(
      "esbuild"
    ) as { buildSync: (options: Record<string, unknown>) => unknown }
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "alchemy-core-worker-")), "worker.mjs")
    esbuild.buildSync({
      entryPoints: [workerSource],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      outfile: out,
      logLevel: "silent",
      minify: true,
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" }
    })
    bundled = out
  }
  return [bundled]
}

export interface Worker {
  readonly child: ChildProcess
  readonly lines: Array<string>
  /** Resolves with the first line matching `predicate`; rejects if the process exits first. */
  readonly waitForLine: (predicate: (line: string) => boolean) => Promise<string>
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>
}

export const spawnWorker = (args: ReadonlyArray<string>, options: SpawnOptions = {}): Worker => {
  const child = spawn(process.execPath, [...workerArgs(), ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    cwd: packageDir,
    ...options
  })
  const lines: Array<string> = []
  const waiters: Array<{ predicate: (l: string) => boolean; resolve: (l: string) => void }> = []
  let buffer = ""
  let stderr = ""
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    buffer += chunk
    let index: number
    while ((index = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, index)
      buffer = buffer.slice(index + 1)
      lines.push(line)
      for (const waiter of [...waiters]) {
        if (waiter.predicate(line)) {
          waiters.splice(waiters.indexOf(waiter), 1)
          waiter.resolve(line)
        }
      }
    }
  })
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    child.on("exit", (code, signal) => resolve({ code, signal, stderr }))
  })
  const waitForLine = (predicate: (line: string) => boolean) =>
    new Promise<string>((resolve, reject) => {
      const found = lines.find(predicate)
      if (found !== undefined) return resolve(found)
      waiters.push({ predicate, resolve })
      exited.then(({ code, signal }) =>
        reject(new Error(`worker ${args.join(" ")} exited (${code ?? signal}) before the expected line: ${stderr}`))
      )
    })
  return { child, lines, waitForLine, exited }
}

/** Every file and directory under `root`, relative, sorted. */
export const listTree = (root: string): Array<string> => {
  if (!fs.existsSync(root)) return []
  const out: Array<string> = []
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      out.push(path.relative(root, full) + (entry.isDirectory() ? "/" : ""))
      if (entry.isDirectory()) walk(full)
    }
  }
  walk(root)
  return out.sort()
}
