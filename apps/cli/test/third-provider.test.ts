/**
 * A third provider is its package and one registration in src/ProviderList.ts. This suite builds the CLI with the
 * test-only Example Cloud provider (packages/testing/example-provider) added to a copy of that list (one import, one
 * entry; no other CLI file changes) and proves the built CLI offers it everywhere: `configure --help`, the
 * wizard's provider picker (its scripted flag), configure itself, `profile show`, `env`, `profile list` and the
 * completions. It also proves that two providers sharing a method name (`api-key`) and a secret (`--api-key-*`)
 * never take each other's input.
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import * as ExampleServer from "@alchemy/example-provider/ExampleServer"
import * as CloudflareEmulator from "@alchemy/testing/CloudflareEmulator"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import * as Tmux from "./tmux.js"
import { appDir, filesUnder, readConfig, type Result, run as runCli, sandbox, tempDir } from "./helpers.js"

const listFile = path.join(appDir, "src", "ProviderList.ts")

/** src/ProviderList.ts with Example Cloud registered: one import line, one more entry. */
const withExample = (source: string): string => {
  const registered = source
    .replace(
      /^(import \{ descriptor as cloudflare \} .*)$/m,
      `$1\nimport { descriptor as example } from "@alchemy/example-provider/ExampleDescriptor"`
    )
    .replace("[cloudflare, aws]", "[cloudflare, aws, example]")
  return registered
}

let dist: string
let example: ExampleServer.ExampleServer
let cf: CloudflareEmulator.CloudflareEmulator

beforeAll(async () => {
  const dir = tempDir("third-provider")
  dist = path.join(dir, "dist")
  const list = path.join(dir, "ProviderList.ts")
  const source = fs.readFileSync(listFile, "utf8")
  const registered = withExample(source)
  // The registration really is one import and one entry: nothing else of the list changes.
  const before = source.split("\n")
  const after = registered.split("\n")
  assert.strictEqual(after.length, before.length + 1)
  assert.strictEqual(after.filter((l) => !before.includes(l)).length, 2)
  fs.writeFileSync(list, registered)
  execFileSync(process.execPath, [path.join(appDir, "scripts", "build.mjs")], {
    env: { ...process.env, ALCHEMY_BUILD_OUTDIR: dist, ALCHEMY_BUILD_PROVIDERS: list },
    stdio: "inherit"
  })
  example = await ExampleServer.start()
  cf = await CloudflareEmulator.start()
}, 120_000)

afterAll(async () => {
  await example?.close()
  await cf?.close()
})

/** Run the variant build in a sandbox. */
const run = (box: ReturnType<typeof sandbox>, args: ReadonlyArray<string>, env: Record<string, string> = {}): Promise<Result> =>
  runCli(args, { env: { ...box.env, ...env }, cli: path.join(dist, "alchemy.cjs") })

describe("Example Cloud registered with one line", () => {
  it("configure --help offers it: --provider, its method, its flags (pre-rendered help included)", async () => {
    const box = sandbox()
    try {
      const r = await run(box, ["configure", "--help"])
      assert.strictEqual(r.code, 0, r.stderr)
      assert.include(r.stdout, "cloudflare | aws | example")
      assert.include(r.stdout, "example api-key")
      assert.include(r.stdout, "example: Read the Example Cloud API key from standard input")
      assert.include(r.stdout, "Example Cloud account id")
      const root = await run(box, ["--help"])
      assert.include(root.stdout, "Cloudflare, AWS and Example Cloud")
    } finally {
      box.cleanup()
    }
  })

  it("the wizard's picker includes it (without a terminal it names the flag to use)", async () => {
    const box = sandbox()
    try {
      const r = await run(box, ["configure", "--profile", "dev"], { CI: "true" })
      assert.strictEqual(r.code, 1, r.stderr)
      assert.include(r.stderr, "--provider cloudflare|aws|example")
      assert.deepStrictEqual(filesUnder(box.home), {})
    } finally {
      box.cleanup()
    }
  })

  it("the wizard on a terminal: picked from the provider list, its key asked masked, saved", async () => {
    const box = sandbox({ ...example.env, TERM: "xterm-256color" })
    const p = Tmux.start(["configure", "--profile", "wiz"], box.env, path.join(dist, "alchemy.cjs"))
    try {
      const key = example.addKey()
      const picker = await p.waitFor("Which providers do you want to configure?")
      assert.include(picker, "Example Cloud")
      // Cloudflare is preselected. The list starts with "Select All" and "Inverse Selection": go down to Cloudflare,
      // unselect it, down to Example Cloud, select it (each change seen on the screen before the next key).
      const step = async (key: string) => {
        p.keys(key)
        await new Promise((r) => setTimeout(r, 200))
      }
      await step("Down")
      await step("Down")
      p.keys("Space")
      await p.waitFor(/☐ Cloudflare/)
      await step("Down")
      await step("Down")
      p.keys("Space")
      await p.waitFor(/☒ Example Cloud/)
      p.keys("Enter")
      await p.waitFor("? Example Cloud API key")
      p.type(key)
      p.keys("Enter")
      assert.strictEqual(await p.exitCode(), 0, p.screen())
      assert.include(p.screen(), "── Example Cloud ──")
      assert.notInclude(p.screen(), key.slice(4))
      assert.strictEqual(readConfig(box.home).profiles.wiz.example.method, "api-key")
      assert.isUndefined(readConfig(box.home).profiles.wiz.cloudflare)
    } finally {
      p.close()
      box.cleanup()
    }
  })

  it("configure, profile show, env, profile list, completions: all of it works for the new provider", async () => {
    const box = sandbox(example.env)
    try {
      const key = example.addKey()
      const configured = await run(box, ["configure", "--profile", "dev", "--provider", "example", "--api-key-env", "EX_KEY"], {
        EX_KEY: key
      })
      assert.strictEqual(configured.code, 0, configured.stderr)
      assert.include(configured.stdout, "── Example Cloud ──")
      assert.notInclude(configured.stdout + configured.stderr, key)
      assert.strictEqual(readConfig(box.home).profiles.dev.example.method, "api-key")

      const shown = await run(box, ["profile", "show", "--profile", "dev"])
      assert.strictEqual(shown.code, 0, shown.stderr)
      assert.include(shown.stdout, "── Example Cloud ──")
      assert.notInclude(shown.stdout, key)
      const json = JSON.parse((await run(box, ["profile", "show", "--profile", "dev", "--json"])).stdout)
      assert.strictEqual(json.providers.example.method, "api-key")

      const env = await run(box, ["env", "--profile", "dev", "--format", "json"])
      assert.strictEqual(env.code, 0, env.stderr)
      assert.strictEqual(JSON.parse(env.stdout).EXAMPLE_API_KEY, key)

      const listed = await run(box, ["profile", "list"])
      assert.match(listed.stdout, /dev\s+example \(api-key\)/)

      const bash = await run(box, ["completions", "bash"])
      assert.strictEqual(bash.code, 0, bash.stderr)
      assert.include(bash.stdout, "example")

      // Its own profile variable selects its profile, as CLOUDFLARE_PROFILE does for Cloudflare.
      const byVariable = await run(box, ["profile", "show", "--json"], { EXAMPLE_PROFILE: "dev" })
      assert.strictEqual(JSON.parse(byVariable.stdout).providers.example.profile, "dev")
    } finally {
      box.cleanup()
    }
  })

  it("two providers with the same method and secret names: --method api-key alone is refused, never routed", async () => {
    const box = sandbox({ ...example.env, ...cf.env })
    try {
      const calls = example.counters.whoami
      const r = await run(box, ["configure", "--method", "api-key", "--api-key-env", "K"], { K: "some-key-value" })
      assert.strictEqual(r.code, 2, r.stderr)
      assert.include(r.stderr, "--method api-key is a method of cloudflare and example: add --provider cloudflare|example")
      assert.deepStrictEqual(filesUnder(box.home), {})

      // With --provider cloudflare the same flags reach Cloudflare only: Example Cloud's API is never called.
      const email = cf.user.email
      const key = cf.addGlobalKey(email)
      const toCloudflare = await run(box, [
        "configure", "--profile", "cf", "--provider", "cloudflare", "--method", "api-key", "--api-key-env", "K",
        "--email", email
      ], { K: key })
      assert.strictEqual(toCloudflare.code, 0, toCloudflare.stderr)
      assert.strictEqual(readConfig(box.home).profiles.cf.cloudflare.method, "api-key")
      assert.isUndefined(readConfig(box.home).profiles.cf.example)
      assert.strictEqual(example.counters.whoami, calls)
    } finally {
      box.cleanup()
    }
  })
})
