/**
 * A provider the profile does not use is never loaded: `profile show`, `env` and `logout` on a Cloudflare-only
 * profile run unchanged with a bundle built without the AWS provider (and so without the AWS SDK).
 */
import * as CloudflareEmulator from "@alchemy/testing/CloudflareEmulator"
import { execFileSync, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { appDir, type Sandbox, sandbox, tempDir } from "./helpers.js"

let cf: CloudflareEmulator.CloudflareEmulator
let box: Sandbox
let withoutAws: string

beforeAll(async () => {
  cf = await CloudflareEmulator.start()
  box = sandbox(cf.env)
  const outdir = tempDir("without-aws")
  execFileSync(process.execPath, [path.join(appDir, "scripts", "build.mjs")], {
    env: { ...process.env, ALCHEMY_BUILD_OUTDIR: outdir, ALCHEMY_BUILD_WITHOUT: "aws" },
    stdio: "ignore"
  })
  withoutAws = path.join(outdir, "alchemy.cjs")
}, 120_000)

afterAll(async () => {
  box?.cleanup()
  await cf?.close()
})

const runWithoutAws = (args: ReadonlyArray<string>) =>
  spawnSync(process.execPath, [withoutAws, ...args], { env: box.env, encoding: "utf8", timeout: 30_000 })

describe("providers load only when the profile uses them", () => {
  it("a Cloudflare-only profile needs no AWS code; an AWS profile does (the check can fail)", async () => {
    const token = cf.addApiToken()
    const configured = await box.run(
      ["configure", "--profile", "cf", "--provider", "cloudflare", "--method", "api-token", "--api-token-env", "T"],
      { env: { T: token } }
    )
    assert.strictEqual(configured.code, 0, configured.stderr)

    for (const args of [["profile", "show", "--profile", "cf"], ["env", "--profile", "cf", "--format", "json"]]) {
      const r = runWithoutAws(args)
      assert.strictEqual(r.status, 0, `${args.join(" ")}: ${r.stderr}`)
    }
    assert.include(runWithoutAws(["profile", "show", "--profile", "cf"]).stdout, "── Cloudflare ──")

    // An AWS entry (written by hand: nothing here may call AWS) makes the same bundle try, and refuse, to load it.
    const configFile = path.join(box.home, "config.json")
    const config = JSON.parse(fs.readFileSync(configFile, "utf8"))
    config.profiles.cf.aws = { method: "access-keys", region: "us-east-1" }
    fs.writeFileSync(configFile, JSON.stringify(config))
    const r = runWithoutAws(["profile", "show", "--profile", "cf"])
    assert.include(r.stdout + r.stderr, "no aws provider")
  })
})
