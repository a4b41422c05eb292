#!/usr/bin/env node
// A newcomer's first run (`pnpm start`): the bundled `alchemy` CLI against the local Cloudflare and AWS
// emulators, in a throw-away ALCHEMY_HOME, with headless Chromium playing the person in the OAuth consent page.
// Prints what a person would see. Nothing here reaches the real Cloudflare or AWS.
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { tsImport } from "tsx/esm/api"

const cliDir = fileURLToPath(new URL("..", import.meta.url))
const root = join(cliDir, "..", "..")
const bundle = join(cliDir, "dist", "alchemy.mjs")
if (!existsSync(bundle)) {
  console.error(`The CLI bundle is missing (${bundle}); run \`pnpm build\` first.`)
  process.exit(1)
}

const CloudflareEmulator = await tsImport(join(root, "packages/testing/src/CloudflareEmulator.ts"), import.meta.url)
const AwsEmulator = await tsImport(join(root, "packages/testing/src/AwsEmulator.ts"), import.meta.url)
const Browser = await tsImport(join(root, "packages/testing/src/Browser.ts"), import.meta.url)

const cloudflare = await CloudflareEmulator.start({
  accounts: [{ id: "0123456789abcdef0123456789abcdef", name: "Demo Account" }]
})
const aws = await AwsEmulator.start({})
const home = mkdtempSync(join(tmpdir(), "alchemy-first-run-"))

const env = {
  ...process.env,
  ALCHEMY_HOME: home,
  CLOUDFLARE_BASE_URL: cloudflare.apiBaseUrl,
  ALCHEMY_CLOUDFLARE_OAUTH_URL: cloudflare.oauthUrl,
  ...aws.env,
  // The "person" in the browser: headless Chromium that clicks Allow on the consent page.
  BROWSER: Browser.browserOpenerPath,
  ALCHEMY_TEST_BROWSER_ACTION: "Allow"
}
delete env.CI

const bold = (s) => (process.stdout.isTTY && !process.env.NO_COLOR ? `\x1b[1m${s}\x1b[0m` : s)
let failures = 0
const alchemy = (...args) => {
  console.log(`\n${bold(`$ alchemy ${args.join(" ")}`)}`)
  const run = spawnSync(process.execPath, [bundle, ...args], { env, stdio: ["ignore", "inherit", "inherit"], cwd: root })
  if (run.status !== 0) {
    failures++
    console.log(`(exit code ${run.status})`)
  }
  return run.status
}

console.log(bold("Alchemy Profiles: first run against the local emulators"))
console.log(`  local Cloudflare: ${cloudflare.url}`)
console.log(`  local AWS:        ${aws.url}`)
console.log(`  ALCHEMY_HOME:     ${home} (temporary; your ~/.alchemy is not touched)`)

try {
  alchemy("configure", "--profile", "default", "--provider", "cloudflare", "--method", "oauth")
  alchemy("profile", "show")
  alchemy("deploy", join(cliDir, "examples", "alchemy.run.ts"), "--stage", "dev")
  alchemy("profile", "list")
  alchemy("logout", "--profile", "default", "--yes")
  alchemy("profile", "show")
} finally {
  await Promise.allSettled([cloudflare.close(), aws.close()])
  rmSync(home, { recursive: true, force: true })
}
console.log(
  failures === 0
    ? `\n${bold("Done.")} Try it yourself: \`pnpm emulator\` in one shell, the printed exports and \`pnpm alchemy --help\` in another.`
    : `\n${failures} step(s) failed (the last one is expected to report a logged-out profile).`
)
