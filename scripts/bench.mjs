#!/usr/bin/env node
// `pnpm bench`: runs every package's benchmark script in turn and prints their tables.
// Each benchmark measures `node -e 0` in its own run, so the numbers carry their own baseline.
import { spawnSync } from "node:child_process"
import { readFileSync, existsSync } from "node:fs"
import { join } from "node:path"

const root = new URL("..", import.meta.url).pathname
const packages = ["packages/profile-core", "packages/provider-cloudflare", "packages/provider-aws", "apps/cli"]
let failed = 0
for (const dir of packages) {
  const manifest = join(root, dir, "package.json")
  if (!existsSync(manifest)) continue
  const { name, scripts = {} } = JSON.parse(readFileSync(manifest, "utf8"))
  if (!scripts.bench) continue
  console.log(`\n## ${name}\n`)
  const run = spawnSync("npm", ["run", "--silent", "bench"], { cwd: join(root, dir), stdio: "inherit" })
  if (run.status !== 0) {
    failed++
    console.log(`(benchmark of ${name} exited with ${run.status})`)
  }
}
// The tarballs people install and the start-up of the CLI installed from its tarball.
console.log("\n## packages as installed\n")
const packaged = spawnSync(process.execPath, [join(root, "scripts", "package-bench.mjs")], { stdio: "inherit" })
if (packaged.status !== 0) {
  failed++
  console.log(`(scripts/package-bench.mjs exited with ${packaged.status})`)
}
process.exit(failed === 0 ? 0 : 1)
