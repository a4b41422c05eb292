#!/usr/bin/env node
// A newcomer's first run (`pnpm start`): the bundled `alchemy` CLI against the local Cloudflare and AWS
// emulators, in a throw-away ALCHEMY_HOME, with headless Chromium playing the person in the OAuth consent page.
// Prints what a person would see. Nothing here reaches the real Cloudflare or AWS.
import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { tsImport } from "tsx/esm/api"

const cliDir = fileURLToPath(new URL("..", import.meta.url))
const root = join(cliDir, "..", "..")
const bundle = join(cliDir, "dist", "alchemy.cjs")
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
const awsKey = aws.addAccessKey({})
const home = mkdtempSync(join(tmpdir(), "alchemy-first-run-"))

const env = {
  ...process.env,
  ALCHEMY_HOME: home,
  CLOUDFLARE_BASE_URL: cloudflare.apiBaseUrl,
  ALCHEMY_CLOUDFLARE_OAUTH_URL: cloudflare.oauthUrl,
  ...aws.env,
  // The "person" in the browser: headless Chromium that clicks Allow on the consent page.
  BROWSER: Browser.browserOpenerPath,
  ALCHEMY_TEST_BROWSER_ACTION: "Allow",
  // Secrets never go through argv: the CLI reads this one from the variable named by --aws-secret-access-key-env.
  DEMO_AWS_SECRET_ACCESS_KEY: awsKey.secretAccessKey
}
delete env.CI

const bold = (s) => (process.stdout.isTTY && !process.env.NO_COLOR ? `\x1b[1m${s}\x1b[0m` : s)
let failures = 0
const quote = (arg) => `'${String(arg).replaceAll("'", `'\\''`)}'`
// A spinner redraws one line with carriage returns: keep what a terminal would finally show on each line.
const settle = (text) =>
  text
    .split("\n")
    .map((line) => line.split("\r").filter((part) => part.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "") !== "").at(-1) ?? "")
    .join("\n")
const plain = (text) => text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "")

// `terminal: true` runs the step in a pseudo-terminal (util-linux `script`), as a person's shell would: without a
// terminal the CLI never prompts and never opens a browser (DESIGN.md §7), which is what CI gets.
// The steps run asynchronously: the emulators live in this process and must keep answering meanwhile.
const alchemy = (args, { terminal = false } = {}) =>
  new Promise((resolve) => {
    console.log(`\n${bold(`$ alchemy ${args.join(" ")}`)}`)
    const command = [process.execPath, bundle, ...args]
    const passThrough = !terminal || process.stdout.isTTY
    const child = terminal
      ? spawn("script", ["-qec", command.map(quote).join(" "), "/dev/null"], {
        env,
        cwd: root,
        stdio: ["ignore", passThrough ? "inherit" : "pipe", "inherit"]
      })
      : spawn(command[0], command.slice(1), { env, cwd: root, stdio: ["ignore", "inherit", "inherit"] })
    let captured = ""
    child.stdout?.on("data", (chunk) => (captured += chunk))
    child.on("close", (code) => {
      if (captured !== "") process.stdout.write(plain(settle(captured)).replace(/\n*$/, "\n"))
      if (code !== 0) {
        failures++
        console.log(`(exit code ${code})`)
      }
      resolve(code)
    })
  })

console.log(bold("Alchemy Profiles: first run against the local emulators"))
console.log(`  local Cloudflare: ${cloudflare.url}`)
console.log(`  local AWS:        ${aws.url}`)
console.log(`  ALCHEMY_HOME:     ${home} (temporary; your ~/.alchemy is not touched)`)

try {
  await alchemy(["configure", "--profile", "default", "--provider", "cloudflare", "--method", "oauth", "--scopes", "default"], {
    terminal: true
  })
  await alchemy([
    "configure", "--profile", "default", "--provider", "aws", "--method", "access-keys",
    "--aws-access-key-id", awsKey.accessKeyId, "--aws-secret-access-key-env", "DEMO_AWS_SECRET_ACCESS_KEY",
    "--region", "us-west-2"
  ])
  await alchemy(["profile", "show"])
  await alchemy(["deploy", join(cliDir, "examples", "alchemy.run.ts"), "--stage", "dev"])
  await alchemy(["profile", "list"])
  await alchemy(["logout", "--profile", "default", "--yes"])
  await alchemy(["profile", "show"])
} finally {
  await Promise.allSettled([cloudflare.close(), aws.close()])
  rmSync(home, { recursive: true, force: true })
}
console.log(
  failures === 0
    ? `\n${bold("Done.")} Try it by hand: \`npx -y pnpm@10.34.8 emulator\` in one shell prints the variables to export;` +
      ` then \`node apps/cli/dist/alchemy.cjs --help\` in another.`
    : `\n${failures} step(s) failed.`
)
process.exitCode = failures === 0 ? 0 : 1
