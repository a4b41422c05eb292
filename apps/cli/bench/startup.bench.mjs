// Cold-start benchmark of the bundled CLI: median of 20 runs each of `node -e 0`, `alchemy --help`,
// `alchemy profile show` (a profile with Cloudflare and AWS) and `alchemy profile list` with 1,000 profiles.
// Uses hyperfine when it is on PATH, else its own spawn loop. Prints a markdown table (ratios to `node -e 0`).
// Run: pnpm --filter @alchemy/cli bench   (or: node apps/cli/bench/startup.bench.mjs)
import { execFileSync, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const appDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const cli = path.join(appDir, "dist", "alchemy.cjs")
const runs = Number(process.env.BENCH_RUNS ?? 20)
if (!fs.existsSync(cli)) execFileSync(process.execPath, [path.join(appDir, "scripts", "build.mjs")], { stdio: "inherit" })

const root = fs.mkdtempSync(path.join(os.tmpdir(), "alchemy-bench-"))
const write = (file, value) => {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
  fs.writeFileSync(file, typeof value === "string" ? value : JSON.stringify(value, null, 2), { mode: 0o600 })
}
const account = { id: "0123456789abcdef0123456789abcdef", name: "Bench Account" }

// One profile with Cloudflare (API token) and AWS (access keys): everything `profile show` needs is on disk.
const showHome = path.join(root, "show")
write(path.join(showHome, "config.json"), {
  version: 1,
  profiles: {
    default: {
      cloudflare: { method: "api-token", metadata: account },
      aws: { method: "access-keys", region: "us-west-2", metadata: { id: "111111111111", name: "bench" } }
    }
  }
})
write(path.join(showHome, "credentials", "default", "cloudflare.json"), { type: "api-token", apiToken: "benchTOKEN0123456789abcdef0123456789" })
write(path.join(showHome, "credentials", "default", "aws.json"), {
  type: "access-keys",
  accessKeyId: "AKIAEXAMPLEBENCH0001",
  secretAccessKey: "benchSECRET0123456789abcdef0123456789abcd"
})

// 1,000 profiles for `profile list`.
const listHome = path.join(root, "list")
const profiles = {}
for (let i = 0; i < 1000; i++) {
  profiles[`profile-${String(i).padStart(4, "0")}`] = i % 2 === 0
    ? { cloudflare: { method: "oauth", metadata: account, scopes: ["account:read", "user:read"] } }
    : { cloudflare: { method: "api-token", metadata: account }, aws: { method: "sso", region: "us-east-1", sso: { startUrl: "https://example.awsapps.com/start", region: "us-east-1", accountId: "111111111111", roleName: "Admin" } } }
}
write(path.join(listHome, "config.json"), { version: 1, profiles })

// A Cloudflare-only profile, shown by the full bundle and by a bundle built without the AWS provider (and SDK):
// the difference is what the AWS package costs a start that does not use it.
const cloudflareHome = path.join(root, "cloudflare-only")
write(path.join(cloudflareHome, "config.json"), {
  version: 1,
  profiles: { default: { cloudflare: { method: "api-token", metadata: account } } }
})
write(path.join(cloudflareHome, "credentials", "default", "cloudflare.json"), { type: "api-token", apiToken: "benchTOKEN0123456789abcdef0123456789" })
const withoutAwsDir = path.join(root, "dist-without-aws")
execFileSync(process.execPath, [path.join(appDir, "scripts", "build.mjs")], {
  env: { ...process.env, ALCHEMY_BUILD_OUTDIR: withoutAwsDir, ALCHEMY_BUILD_WITHOUT: "aws" },
  stdio: "inherit"
})

const baseEnv = { ...process.env, XDG_CACHE_HOME: path.join(root, "cache"), HOME: path.join(root, "home") }
for (const k of ["CI", "ALCHEMY_PROFILE", "CLOUDFLARE_PROFILE", "ALCHEMY_AWS_PROFILE", "CLOUDFLARE_API_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "CLOUDFLARE_ACCOUNT_ID", "AWS_PROFILE", "AWS_REGION"]) delete baseEnv[k]
// No network: nothing above needs it; a stray call fails fast instead of reaching the real services.
Object.assign(baseEnv, {
  CLOUDFLARE_BASE_URL: "http://127.0.0.1:9/client/v4",
  AWS_ENDPOINT_URL_STS: "http://127.0.0.1:9",
  AWS_ENDPOINT_URL_SSO: "http://127.0.0.1:9",
  AWS_ENDPOINT_URL_SSO_OIDC: "http://127.0.0.1:9"
})

const cases = [
  { name: "node -e 0", argv: [process.execPath, "-e", "0"], env: baseEnv },
  { name: "alchemy --help", argv: [process.execPath, cli, "--help"], env: { ...baseEnv, ALCHEMY_HOME: showHome }, target: { ms: 150, ratio: 2.5 } },
  { name: "alchemy profile show", argv: [process.execPath, cli, "profile", "show"], env: { ...baseEnv, ALCHEMY_HOME: showHome }, target: { ms: 150, ratio: 2.5 } },
  { name: "alchemy profile show (Cloudflare only)", argv: [process.execPath, cli, "profile", "show"], env: { ...baseEnv, ALCHEMY_HOME: cloudflareHome, XDG_CACHE_HOME: path.join(root, "cache-full") } },
  { name: "alchemy profile show (Cloudflare only), bundle without provider-aws", argv: [process.execPath, path.join(withoutAwsDir, "alchemy.cjs"), "profile", "show"], env: { ...baseEnv, ALCHEMY_HOME: cloudflareHome, XDG_CACHE_HOME: path.join(root, "cache-without-aws") } },
  { name: "alchemy profile list (1,000 profiles)", argv: [process.execPath, cli, "profile", "list"], env: { ...baseEnv, ALCHEMY_HOME: listHome }, target: { ms: 250 } }
]

// Sanity: every command works before it is timed.
for (const c of cases) {
  const r = spawnSync(c.argv[0], c.argv.slice(1), { env: c.env, encoding: "utf8" })
  if (r.status !== 0) {
    console.error(`${c.name} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`)
    process.exit(1)
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

const hasHyperfine = spawnSync("hyperfine", ["--version"]).status === 0
const quote = (s) => `'${s.replace(/'/g, `'\\''`)}'`

const measure = (c) => {
  if (hasHyperfine) {
    const out = path.join(root, "hyperfine.json")
    const envPrefix = ["env", "-i", ...Object.entries(c.env).map(([k, v]) => `${k}=${v}`)]
    execFileSync("hyperfine", ["-N", "--warmup", "3", "--runs", String(runs), "--export-json", out, "--", [...envPrefix, ...c.argv].map(quote).join(" ")], { stdio: ["ignore", "ignore", "inherit"] })
    const times = JSON.parse(fs.readFileSync(out, "utf8")).results[0].times
    return median(times) * 1000
  }
  for (let i = 0; i < 3; i++) spawnSync(c.argv[0], c.argv.slice(1), { env: c.env })
  const times = []
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint()
    spawnSync(c.argv[0], c.argv.slice(1), { env: c.env, stdio: "ignore" })
    times.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }
  return median(times)
}

const results = cases.map((c) => ({ ...c, ms: measure(c) }))
const base = results[0].ms
const lines = [
  `Cold start, median of ${runs} runs (${hasHyperfine ? "hyperfine" : "spawn loop"}), Node ${process.version}, ${os.cpus().length} CPUs`,
  "",
  "| command | median | vs `node -e 0` | target | ok |",
  "|---|---:|---:|---|:-:|"
]
let failed = false
for (const r of results) {
  const ratio = r.ms / base
  let target = "-"
  let ok = ""
  if (r.target) {
    target = `< ${r.target.ms} ms${r.target.ratio ? ` and < ${r.target.ratio}x` : ""}`
    const pass = r.ms < r.target.ms && (r.target.ratio === undefined || ratio < r.target.ratio)
    ok = pass ? "yes" : "no"
    failed ||= !pass
  }
  lines.push(`| \`${r.name}\` | ${r.ms.toFixed(1)} ms | ${ratio.toFixed(2)}x | ${target} | ${ok} |`)
}
console.log(lines.join("\n"))
fs.rmSync(root, { recursive: true, force: true })
if (process.env.BENCH_STRICT === "1" && failed) process.exit(1)
