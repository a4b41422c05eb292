// The commands people and tools run all day (issue 11), measured the way the goal is stated: medians of 20 rounds,
// under `env -i` (PATH, HOME and the command's own variables only: no NODE_EXTRA_CA_CERTS, which adds ~37 ms to
// every Node start here and flatters every ratio) and under the inherited environment, with `node -e 0` measured in
// the same run; peak RSS of each (median of 5, from a preloaded module reporting `process.resourceUsage().maxRSS`);
// the first run after install (an empty start-up cache) against a warm one; and `gh auth token` when gh is installed.
// Standard output is a pipe the bench reads, as for `eval "$(alchemy env)"` or the AWS CLI reading
// `credential-process` (not /dev/null: a pipe is what these commands write to, and Node's stream for one costs more).
// Goal: <= 2.0x `node -e 0` under env -i, RSS <= node + 15 MB, first run <= 2x warm. Prints a markdown table.
// Run: pnpm --filter @alchemy/cli bench   (or: node apps/cli/bench/hot-commands.bench.mjs)
import { execFileSync, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const appDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const cli = path.join(appDir, "dist", "alchemy.cjs")
const runs = Number(process.env.BENCH_RUNS ?? 20)
if (!fs.existsSync(cli)) execFileSync(process.execPath, [path.join(appDir, "scripts", "build.mjs")], { stdio: "inherit" })

const root = fs.mkdtempSync(path.join(os.tmpdir(), "alchemy-hot-bench-"))
const write = (file, value) => {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
  fs.writeFileSync(file, typeof value === "string" ? value : JSON.stringify(value, null, 2), { mode: 0o600 })
}
const account = { id: "0123456789abcdef0123456789abcdef", name: "Bench Account" }

// A profile with Cloudflare (API token) and AWS (access keys): everything these commands need is on disk, no network.
const home = path.join(root, "alchemy")
write(path.join(home, "config.json"), {
  version: 1,
  profiles: {
    default: {
      cloudflare: { method: "api-token", metadata: account },
      aws: { method: "access-keys", region: "us-west-2", metadata: { id: "111111111111", name: "bench" } }
    }
  }
})
write(path.join(home, "credentials", "default", "cloudflare.json"), { type: "api-token", apiToken: "benchTOKEN0123456789abcdef0123456789" })
write(path.join(home, "credentials", "default", "aws.json"), {
  type: "access-keys",
  accessKeyId: "AKIAEXAMPLEBENCH0001",
  secretAccessKey: "benchSECRET0123456789abcdef0123456789abcd"
})
// 1,000 profiles for `profile list`.
const listHome = path.join(root, "list")
const profiles = {}
for (let i = 0; i < 1000; i++) {
  profiles[`profile-${String(i).padStart(4, "0")}`] = { cloudflare: { method: "api-token", metadata: account } }
}
write(path.join(listHome, "config.json"), { version: 1, profiles })

const userHome = path.join(root, "home")
fs.mkdirSync(userHome, { recursive: true })
const warmCache = path.join(root, "cache")
// Reports the peak RSS of the process it is preloaded into (kilobytes, to the file named by the variable).
const rssProbe = path.join(root, "rss.cjs")
fs.writeFileSync(
  rssProbe,
  "process.on('exit', () => require('node:fs').writeFileSync(process.env.ALCHEMY_BENCH_RSS, String(process.resourceUsage().maxRSS)))\n"
)

const offline = {
  CLOUDFLARE_BASE_URL: "http://127.0.0.1:9/client/v4",
  AWS_ENDPOINT_URL_STS: "http://127.0.0.1:9",
  AWS_ENDPOINT_URL_SSO: "http://127.0.0.1:9",
  AWS_ENDPOINT_URL_SSO_OIDC: "http://127.0.0.1:9"
}
const minimal = (extra) => ({ PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: userHome, ...offline, ...extra })
const inherited = (extra) => {
  const env = { ...process.env, HOME: userHome, ...offline, ...extra }
  for (const k of ["CI", "ALCHEMY_PROFILE", "CLOUDFLARE_PROFILE", "ALCHEMY_AWS_PROFILE", "CLOUDFLARE_API_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"]) delete env[k]
  return env
}

// The floors: what the stack costs before any of our code runs (bench/floors/*.ts), each bundled the way the CLI is
// (with the same rewrites of the Effect family's modules, scripts/start-up-patches.mjs; output written to the
// descriptor, as the CLI's) and run through the same kind of V8 code cache, so the table shows how much of a
// command's time is its own.
const floorsDir = path.join(root, "floors")
fs.mkdirSync(floorsDir)
const esbuild = await import("esbuild")
const { startUpPatches } = await import("../scripts/start-up-patches.mjs")
const floors = [
  ["floor: Effect runtime, one effect", "effect-only"],
  ["floor: + FileSystem read, Schema decode, runMain", "effect-file-schema"],
  ["floor: + profile-core's stores, list profiles", "profile-core-stores"]
]
for (const [, file] of floors) {
  await esbuild.build({
    entryPoints: [path.join(appDir, "bench", "floors", `${file}.ts`)],
    outfile: path.join(floorsDir, `${file}.cjs`),
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    minify: true,
    plugins: [startUpPatches],
    logLevel: "warning"
  })
}
const floorRunner = path.join(floorsDir, "run.cjs")
fs.writeFileSync(
  floorRunner,
  [
    "const fs = require('node:fs'), vm = require('node:vm'), path = require('node:path')",
    "const filename = path.resolve(process.argv[2]); process.argv.splice(2, 1)",
    "const cacheFile = filename + '.v8'",
    "let cachedData; try { cachedData = fs.readFileSync(cacheFile) } catch {}",
    "const script = new vm.Script('(function (exports, require, module, __filename, __dirname) {' + fs.readFileSync(filename, 'utf8') + '\\n})', { filename, cachedData })",
    "if (cachedData === undefined || script.cachedDataRejected) process.once('exit', () => fs.writeFileSync(cacheFile, script.createCachedData()))",
    "const m = { exports: {} }",
    "script.runInThisContext()(m.exports, require, m, filename, path.dirname(filename))",
    ""
  ].join("\n")
)

const commands = [
  { name: "node -e 0", args: ["-e", "0"], extra: {} },
  ...floors.map(([name, file]) => ({ name, args: [floorRunner, path.join(floorsDir, `${file}.cjs`)], extra: { ALCHEMY_HOME: home }, floor: true })),
  { name: "profile show", args: [cli, "profile", "show"], extra: { ALCHEMY_HOME: home } },
  { name: "env --format json", args: [cli, "env", "--format", "json"], extra: { ALCHEMY_HOME: home } },
  { name: "aws credential-process", args: [cli, "aws", "credential-process"], extra: { ALCHEMY_HOME: home } },
  { name: "exec -- true", args: [cli, "exec", "--", "true"], extra: { ALCHEMY_HOME: home } },
  { name: "profile list (1,000 profiles)", args: [cli, "profile", "list"], extra: { ALCHEMY_HOME: listHome } }
]

/** How every timed or measured run is spawned: standard output a pipe, as the people and tools running it have it. */
const stdio = ["ignore", "pipe", "ignore"]

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
/**
 * Median wall time (ms) of each case (`node <args>` in exactly its `env`, through `env -i` so nothing else leaks in),
 * measured in interleaved rounds: every round runs every case once, so a load that comes and goes on this shared
 * machine slows every row alike instead of whichever command hyperfine happened to be timing (hyperfine times one
 * command's runs back to back; its figures here moved by 30% between runs while the ratios of rounds held). With
 * each median, the median of the round-by-round ratios to the first case (`node -e 0`): the host's load drifts over
 * minutes, and a ratio taken within one round follows it.
 */
const timeAll = (cases, count = runs) => {
  const argvOf = (c) => c.argv ?? ["env", "-i", ...Object.entries(c.env).map(([k, v]) => `${k}=${v}`), process.execPath, ...c.args]
  for (const c of cases) for (let i = 0; i < 3; i++) spawnSync(argvOf(c)[0], argvOf(c).slice(1), { stdio })
  const times = cases.map(() => [])
  for (let i = 0; i < count; i++) {
    for (const [j, c] of cases.entries()) {
      const argv = argvOf(c)
      const t0 = process.hrtime.bigint()
      spawnSync(argv[0], argv.slice(1), { stdio })
      times[j].push(Number(process.hrtime.bigint() - t0) / 1e6)
    }
  }
  return times.map((xs) => ({ ms: median(xs), ratio: median(xs.map((x, i) => x / times[0][i])) }))
}

/** Median peak RSS (MB) of `node <args>` over 5 runs. */
const rss = (args, env) => {
  const file = path.join(root, "rss.txt")
  const values = []
  for (let i = 0; i < 5; i++) {
    spawnSync(process.execPath, ["-r", rssProbe, ...args], { env: { ...env, ALCHEMY_BENCH_RSS: file }, stdio })
    values.push(Number(fs.readFileSync(file, "utf8")) / 1024)
  }
  return median(values)
}

/** Median wall time (ms) of the first run after install: an empty start-up cache every time. */
const firstRun = (args, env) => {
  const times = []
  for (let i = 0; i < 5; i++) {
    const cache = fs.mkdtempSync(path.join(root, "cold-"))
    const t0 = process.hrtime.bigint()
    spawnSync("env", ["-i", ...Object.entries({ ...env, XDG_CACHE_HOME: cache }).map(([k, v]) => `${k}=${v}`), process.execPath, ...args], { stdio })
    times.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }
  return median(times)
}

// Sanity: every command works (and its warm cache is made) before it is timed.
for (const c of commands) {
  const r = spawnSync(process.execPath, c.args, { env: minimal({ ...c.extra, XDG_CACHE_HOME: warmCache }), encoding: "utf8" })
  if (r.status !== 0) {
    console.error(`${c.name} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`)
    process.exit(1)
  }
}

const hasGh = spawnSync("gh", ["--version"]).status === 0
const envsMin = commands.map((c) => minimal({ ...c.extra, XDG_CACHE_HOME: warmCache }))
const envsInh = commands.map((c) => inherited({ ...c.extra, XDG_CACHE_HOME: warmCache }))
const gh = hasGh ? [{ argv: ["env", "-i", `PATH=${process.env.PATH}`, `HOME=${os.homedir()}`, "gh", "auth", "token"] }] : []
const timesMin = timeAll([...commands.map((c, i) => ({ args: c.args, env: envsMin[i] })), ...gh])
const timesInh = timeAll(commands.map((c, i) => ({ args: c.args, env: envsInh[i] })))
const ghRow = hasGh ? timesMin[commands.length] : undefined
const rows = commands.map((c, i) => ({
  name: c.name,
  minimal: timesMin[i],
  inherited: timesInh[i],
  rss: rss(c.args, envsMin[i]),
  floor: c.floor === true,
  first: c.name === "node -e 0" || c.floor === true ? undefined : firstRun(c.args, envsMin[i])
}))

const [node] = rows
const lines = [
  `Hot commands, median of ${runs} interleaved rounds, Node ${process.version}, ` +
  `${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)}. env -i = PATH, HOME and the command's variables only.`,
  "",
  "| command | env -i | vs node (round by round) | inherited env | vs node | peak RSS | vs node | first run (empty cache) | vs warm | goal met |",
  "|---|---:|---:|---:|---:|---:|---:|---:|---:|:-:|"
]
for (const r of rows) {
  const ratio = r.minimal.ratio
  const extraMb = r.rss - node.rss
  const firstRatio = r.first === undefined ? undefined : r.first / r.minimal.ms
  const met = r === node || r.floor ? "-" : ratio <= 2.0 && extraMb <= 15 && (firstRatio ?? 0) <= 2 ? "yes" : "no"
  lines.push(
    `| \`${r.name}\` | ${r.minimal.ms.toFixed(1)} ms | ${ratio.toFixed(2)}x | ${r.inherited.ms.toFixed(1)} ms | ${
      r.inherited.ratio.toFixed(2)
    }x | ${r.rss.toFixed(0)} MB | ${r === node ? "-" : `+${extraMb.toFixed(0)} MB`} | ${
      r.first === undefined ? "-" : `${r.first.toFixed(1)} ms`
    } | ${firstRatio === undefined ? "-" : `${firstRatio.toFixed(2)}x`} | ${met} |`
  )
}
if (ghRow !== undefined) lines.push(`| \`gh auth token\` (the mark to pass) | ${ghRow.ms.toFixed(1)} ms | ${ghRow.ratio.toFixed(2)}x | | | | | | | |`)
else lines.push("", "(gh is not installed here: no `gh auth token` row)")
lines.push("", "Goal (issue 11): <= 2.0x `node -e 0` under env -i, peak RSS <= node + 15 MB, first run <= 2x warm.")
console.log(lines.join("\n"))
fs.rmSync(root, { recursive: true, force: true })
