#!/usr/bin/env node
// `pnpm bench`, last section: the tarballs people install and the start-up of the CLI installed from its tarball.
// Packs every package with pnpm (as a release does), prints packed and unpacked sizes, installs the CLI tarball
// with npm into a temporary project outside the workspace (install directory made read-only), and times
// `node -e 0`, the installed `alchemy --help` and `alchemy profile show` (median of BENCH_RUNS, default 20).
import { execFileSync, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const runs = Number(process.env.BENCH_RUNS ?? 20)
const pnpm = ["-y", JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).packageManager.split("+")[0]]
const packageDirs = ["packages/profile-core", "packages/provider-cloudflare", "packages/provider-aws", "apps/cli"]
const work = fs.mkdtempSync(path.join(os.tmpdir(), "alchemy-package-bench-"))
const packs = path.join(work, "packs")

const kB = (bytes) => `${(bytes / 1024).toFixed(1)} kB`
const rows = ["| package | tarball | unpacked | files |", "|---|---:|---:|---:|"]
let cliTarball
for (const dir of packageDirs) {
  const name = JSON.parse(fs.readFileSync(path.join(root, dir, "package.json"), "utf8")).name
  const before = new Set(fs.existsSync(packs) ? fs.readdirSync(packs) : [])
  execFileSync("npx", [...pnpm, "pack", "--pack-destination", packs], { cwd: path.join(root, dir), stdio: "ignore" })
  const tarball = path.join(packs, fs.readdirSync(packs).find((f) => !before.has(f)))
  if (name === "@alchemy/cli") cliTarball = tarball
  // `tar tvzf` lists "mode owner size date time name": the third column is each file's size.
  const listing = execFileSync("tar", ["tvzf", tarball], { encoding: "utf8" }).trim().split("\n")
  const unpacked = listing.reduce((sum, line) => sum + Number(line.trim().split(/\s+/)[2]), 0)
  rows.push(`| \`${name}\` | ${kB(fs.statSync(tarball).size)} | ${kB(unpacked)} | ${listing.length} |`)
}
console.log("Tarballs (pnpm pack)\n")
console.log(rows.join("\n"))

const project = path.join(work, "project")
fs.mkdirSync(project)
fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "bench", private: true }))
execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", cliTarball], { cwd: project, stdio: "ignore" })
execFileSync("chmod", ["-R", "a-w", path.join(project, "node_modules", "@alchemy", "cli")])
const bin = path.join(project, "node_modules", ".bin", "alchemy")

const home = path.join(work, "alchemy")
fs.mkdirSync(path.join(home, "credentials", "default"), { recursive: true, mode: 0o700 })
const account = { id: "0123456789abcdef0123456789abcdef", name: "Bench Account" }
fs.writeFileSync(path.join(home, "config.json"), JSON.stringify({ version: 1, profiles: { default: { cloudflare: { method: "api-token", metadata: account } } } }), { mode: 0o600 })
fs.writeFileSync(path.join(home, "credentials", "default", "cloudflare.json"), JSON.stringify({ type: "api-token", apiToken: "benchTOKEN0123456789abcdef0123456789" }), { mode: 0o600 })
const env = { ...process.env, ALCHEMY_HOME: home, HOME: path.join(work, "home"), XDG_CACHE_HOME: path.join(work, "cache"), CLOUDFLARE_BASE_URL: "http://127.0.0.1:9/client/v4" }
for (const k of ["CI", "ALCHEMY_PROFILE", "CLOUDFLARE_PROFILE", "CLOUDFLARE_API_TOKEN", "CLOUDFLARE_ACCOUNT_ID"]) delete env[k]

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const time = (argv) => {
  const check = spawnSync(argv[0], argv.slice(1), { env, encoding: "utf8" })
  if (check.status !== 0) throw new Error(`${argv.join(" ")} exited ${check.status}: ${check.stderr}`)
  for (let i = 0; i < 3; i++) spawnSync(argv[0], argv.slice(1), { env, stdio: "ignore" })
  const times = []
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint()
    spawnSync(argv[0], argv.slice(1), { env, stdio: "ignore" })
    times.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }
  return median(times)
}
const base = time([process.execPath, "-e", "0"])
const cases = [["node -e 0", base], ["alchemy --help", time([bin, "--help"])], ["alchemy profile show", time([bin, "profile", "show"])]]
console.log(`\nThe CLI installed from its tarball (npm, read-only node_modules/@alchemy/cli, cache in XDG_CACHE_HOME), median of ${runs} runs, Node ${process.version}\n`)
console.log(["| command | median | vs `node -e 0` |", "|---|---:|---:|", ...cases.map(([name, ms]) => `| \`${name}\` | ${ms.toFixed(1)} ms | ${(ms / base).toFixed(2)}x |`)].join("\n"))
execFileSync("chmod", ["-R", "u+w", work])
fs.rmSync(work, { recursive: true, force: true })
