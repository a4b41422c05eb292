/**
 * Benchmarks of the Cloudflare provider against the local emulator. Prints a markdown table.
 *
 *   node --import tsx bench/cloudflare.bench.ts
 *
 * - `node -e 0`: the cost of starting a bare Node process on this machine (the baseline for the process rows).
 * - warm resolve: `CloudflareCredentials.get` for valid OAuth credentials in a warm process (p50, p99).
 * - refresh round trip: one `refresh_token` grant against the emulator (median).
 * - single refresh vs 16-process storm: wall time of one child process refreshing an expired token, and of 16
 *   children started together on the same expired profile (exactly one refresh reaches the emulator), next to the
 *   same 16 children on a profile whose token is still valid: on a 2-core machine the 16 process start-ups dominate
 *   the wall time, so the storm's cost is the difference between those two rows. The child is the test fixture
 *   bundled once with esbuild (tsx's own copy), so start-up is Node + the bundle, not the TypeScript loader.
 */
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { performance } from "node:perf_hooks"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"
import * as CloudflareEmulator from "@alchemy/testing/CloudflareEmulator"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as CloudflareCredentials from "../src/CloudflareCredentials.js"
import { Environment } from "../src/CloudflareEndpoints.js"
import * as CloudflareOAuth from "../src/CloudflareOAuth.js"
import type { OAuthCredentials } from "../src/CloudflareProfile.js"
import * as Live from "../src/internal/live.js"

const packageDir = fileURLToPath(new URL("..", import.meta.url))
const fixture = fileURLToPath(new URL("../test/fixtures/resolve.ts", import.meta.url))

/** The fixture as one ESM file: starting it costs Node and the bundle, not tsx compiling TypeScript. */
const bundleFixture = (): string => {
  const esbuild = createRequire(createRequire(Path.join(packageDir, "package.json")).resolve("tsx"))("esbuild") as {
    buildSync: (options: Record<string, unknown>) => unknown
  }
  const out = Path.join(Fs.mkdtempSync(Path.join(Os.tmpdir(), "alchemy-cf-bench-")), "resolve.mjs")
  esbuild.buildSync({
    entryPoints: [fixture],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: out,
    minify: true,
    logLevel: "silent",
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" }
  })
  return out
}

const quantile = (values: ReadonlyArray<number>, q: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
}

const run = (args: ReadonlyArray<string>, env: Record<string, string | undefined> = {}) =>
  new Promise<{ code: number | null; ms: number; out: string }>((resolve) => {
    const start = performance.now()
    const child = spawn(process.execPath, args, {
      cwd: packageDir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let out = ""
    child.stdout.on("data", (d) => (out += String(d)))
    child.stderr.on("data", (d) => (out += String(d)))
    child.on("close", (code) => resolve({ code, ms: performance.now() - start, out }))
  })

const seed = (home: string, tokens: { access: string; refresh: string; scopes: ReadonlyArray<string> }, accountId: string, expires: number) => {
  Fs.mkdirSync(Path.join(home, "credentials", "default"), { recursive: true, mode: 0o700 })
  Fs.writeFileSync(
    Path.join(home, "config.json"),
    JSON.stringify({ version: 1, profiles: { default: { cloudflare: { method: "oauth", metadata: { id: accountId, name: "Bench" } } } } }),
    { mode: 0o600 }
  )
  Fs.writeFileSync(
    Path.join(home, "credentials", "default", "cloudflare.json"),
    JSON.stringify({ type: "oauth", access: tokens.access, refresh: tokens.refresh, expires, scopes: tokens.scopes }),
    { mode: 0o600 }
  )
}

const fmtMs = (ms: number) => `${ms.toFixed(1)} ms`
const fmtUs = (ms: number) => `${(ms * 1000).toFixed(2)} µs`

const main = async () => {
  const rows: Array<[string, string, string]> = []
  const emu = await CloudflareEmulator.start()
  const homes: Array<string> = []
  const newHome = () => {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "alchemy-cf-bench-"))
    homes.push(dir)
    return dir
  }
  try {
    // 1. baseline
    const bare: Array<number> = []
    for (let i = 0; i < 7; i++) bare.push((await run(["-e", "0"])).ms)
    const nodeMedian = quantile(bare, 0.5)
    rows.push(["`node -e 0` (median of 7)", fmtMs(nodeMedian), "baseline for process rows"])

    // 2. warm resolve
    const home = newHome()
    const tokens = emu.issueOAuthTokens({ scopes: ["account:read", "user:read"] })
    seed(home, tokens, emu.accounts[0]!.id, Date.now() + 3_600_000)
    const live = Layer.mergeAll(Live.layerAt(home), Layer.succeed(Environment, { ...emu.env, ALCHEMY_HOME: home }))
    const samples = await Effect.runPromise(
      Effect.gen(function*() {
        const service = yield* CloudflareCredentials.makeFromProfile("default")
        for (let i = 0; i < 2_000; i++) yield* service.get // warm-up
        const times: Array<number> = []
        for (let i = 0; i < 20_000; i++) {
          const t = performance.now()
          yield* service.get
          times.push(performance.now() - t)
        }
        return times
      }).pipe(Effect.provide(live))
    )
    const p50 = quantile(samples, 0.5)
    rows.push([
      "warm resolve, valid OAuth (`CloudflareCredentials.get`) p50 / p99",
      `${fmtUs(p50)} / ${fmtUs(quantile(samples, 0.99))}`,
      p50 < 0.05 ? "target < 50 µs: met" : "target < 50 µs: MISSED"
    ])

    // 3. refresh round trip (oauth4webapi + emulator), rotating each time
    const refreshTimes: Array<number> = []
    await Effect.runPromise(
      Effect.gen(function*() {
        let current: OAuthCredentials = {
          type: "oauth" as const,
          access: Redacted.make(tokens.access),
          refresh: Redacted.make(emu.issueOAuthTokens().refresh),
          expires: 0,
          scopes: ["account:read"]
        }
        for (let i = 0; i < 21; i++) {
          const t = performance.now()
          current = yield* CloudflareOAuth.refresh(current).pipe(Effect.orDieWith(() => new Error("refresh failed")))
          if (i > 0) refreshTimes.push(performance.now() - t)
        }
      }).pipe(Effect.provide(Layer.succeed(Environment, { ...emu.env })))
    )
    rows.push(["refresh round trip vs emulator (median of 20)", fmtMs(quantile(refreshTimes, 0.5)), "token grant over loopback HTTP"])

    // 4. single refresh in a child vs 16-process storm (and the same 16 processes with nothing to refresh)
    const child = bundleFixture()
    homes.push(Path.dirname(child))
    const accountId = emu.accounts[0]!.id
    const singleHome = newHome()
    seed(singleHome, emu.issueOAuthTokens({ scopes: ["account:read"] }), accountId, Date.now() - 60_000)
    const single = await run([child], { ...emu.env, ALCHEMY_HOME: singleHome })
    if (single.code !== 0) throw new Error(`single refresh failed: ${single.out}`)
    const singleResolve = JSON.parse(single.out.trim()).resolveMs as number
    rows.push(["one process: start + refresh expired token + API call (wall)", fmtMs(single.ms), `resolve inside the process: ${fmtMs(singleResolve)}`])

    const sixteen = async (expires: number) => {
      const home = newHome()
      seed(home, emu.issueOAuthTokens({ scopes: ["account:read"] }), accountId, expires)
      emu.resetCounters()
      const t = performance.now()
      const runs = await Promise.all(Array.from({ length: 16 }, () => run([child], { ...emu.env, ALCHEMY_HOME: home })))
      const ms = performance.now() - t
      const resolveMs = runs.map((r) => {
        try {
          return JSON.parse(r.out.trim()).resolveMs as number
        } catch {
          return Number.NaN
        }
      })
      return { ms, ok: runs.filter((r) => r.code === 0).length, refreshes: emu.counters.tokenRefresh, slowest: Math.max(...resolveMs) }
    }
    const valid = await sixteen(Date.now() + 3_600_000)
    const storm = await sixteen(Date.now() - 60_000)
    rows.push([
      "16 processes, valid token: nothing to refresh (wall)",
      fmtMs(valid.ms),
      `${valid.ok}/16 ok; ${valid.refreshes} refresh request(s); ${Os.cpus().length} cores, load ${Os.loadavg()[0]!.toFixed(1)}`
    ])
    rows.push([
      "16 processes, same expired profile: the storm (wall)",
      fmtMs(storm.ms),
      `${storm.ok}/16 ok; ${storm.refreshes} refresh request(s); ${(storm.ms / valid.ms).toFixed(2)}x the no-refresh run, ${(storm.ms / single.ms).toFixed(2)}x one process`
    ])
    rows.push([
      "16 processes: slowest resolve inside a process (lock wait + refresh or re-read)",
      fmtMs(storm.slowest),
      `${(storm.slowest / singleResolve).toFixed(2)}x the single process's resolve (target within 2x)`
    ])
  } finally {
    await emu.close()
    for (const h of homes) Fs.rmSync(h, { recursive: true, force: true })
  }
  const lines = [
    "| Cloudflare provider | value | note |",
    "|---|---|---|",
    ...rows.map((r) => `| ${r.join(" | ")} |`)
  ]
  process.stdout.write(lines.join("\n") + "\n")
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`)
    process.exit(1)
  }
)
