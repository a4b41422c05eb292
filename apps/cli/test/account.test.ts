/**
 * No silent wrong account (DESIGN §4): with CLOUDFLARE_ACCOUNT_ID naming another account than the profile's stored
 * one, every command that hands out Cloudflare credentials says so on stderr, once, naming both ids and the one used.
 * And wrangler, run through `exec`, talks to the API we talk to (CLOUDFLARE_API_BASE_URL).
 */
import * as CloudflareEmulator from "@alchemy/testing/CloudflareEmulator"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { examplePath, type Sandbox, sandbox } from "./helpers.js"

let cf: CloudflareEmulator.CloudflareEmulator
let box: Sandbox
const accounts = CloudflareEmulator.makeAccounts(2, "Team")
const [stored, other] = accounts.map((a) => a.id) as [string, string]
const warning = `CLOUDFLARE_ACCOUNT_ID=${other} differs from the account stored in profile prod (Team 1: ${stored}); using CLOUDFLARE_ACCOUNT_ID`
const printAccount = [process.execPath, "-e", "process.stdout.write(String(process.env.CLOUDFLARE_ACCOUNT_ID))"]

beforeAll(async () => {
  cf = await CloudflareEmulator.start({ accounts })
  box = sandbox({ ...cf.env })
  const configured = await box.run(
    ["configure", "--profile", "prod", "--provider", "cloudflare", "--method", "api-token", "--api-token-env", "T", "--account-id", stored],
    { env: { T: cf.addApiToken() } }
  )
  assert.strictEqual(configured.code, 0, configured.stderr)
})

afterAll(async () => {
  box?.cleanup()
  await cf?.close()
})

const occurrences = (text: string, part: string): number => text.split(part).length - 1

describe("CLOUDFLARE_ACCOUNT_ID against the profile's account", () => {
  const runs: ReadonlyArray<readonly [string, ReadonlyArray<string>, string]> = [
    ["env", ["env", "--profile", "prod", "--format", "json"], `"CLOUDFLARE_ACCOUNT_ID": "${other}"`],
    ["exec", ["exec", "--profile", "prod", "--", ...printAccount], other],
    ["deploy (a stack using the CloudflareCredentials layer)", ["deploy", examplePath, "--profile", "prod"], `(${other})`],
    ["profile show", ["profile", "show", "--profile", "prod"], other]
  ]
  for (const [name, args, used] of runs) {
    it(`${name}: uses CLOUDFLARE_ACCOUNT_ID and warns once on stderr, naming both ids`, async () => {
      const r = await box.run(args, { env: { CLOUDFLARE_ACCOUNT_ID: other } })
      assert.strictEqual(r.code, 0, r.stderr)
      assert.include(r.stdout, used)
      assert.strictEqual(occurrences(r.stderr, warning), 1, r.stderr)
      assert.notInclude(r.stdout, "differs from")
    })
  }

  it("the same account, or none in the environment: no warning", async () => {
    for (const env of [{ CLOUDFLARE_ACCOUNT_ID: stored }, {}]) {
      const r = await box.run(["exec", "--profile", "prod", "--", ...printAccount], { env })
      assert.strictEqual(r.code, 0, r.stderr)
      assert.strictEqual(r.stdout, stored)
      assert.notInclude(r.stderr, "differs from")
    }
  })
})

describe("wrangler's API base", () => {
  it("env and exec export CLOUDFLARE_API_BASE_URL with CLOUDFLARE_BASE_URL; one the user set is left alone", async () => {
    const env = await box.run(["env", "--profile", "prod", "--format", "json"])
    assert.strictEqual(env.code, 0, env.stderr)
    assert.strictEqual(JSON.parse(env.stdout).CLOUDFLARE_API_BASE_URL, cf.apiBaseUrl)
    const printBase = [process.execPath, "-e", "process.stdout.write(String(process.env.CLOUDFLARE_API_BASE_URL))"]
    const exec = await box.run(["exec", "--profile", "prod", "--", ...printBase])
    assert.strictEqual(exec.stdout, cf.apiBaseUrl)
    const own = await box.run(["exec", "--profile", "prod", "--", ...printBase], { env: { CLOUDFLARE_API_BASE_URL: "http://127.0.0.1:9/mine" } })
    assert.strictEqual(own.stdout, "http://127.0.0.1:9/mine")
    const real = await box.run(["env", "--profile", "prod", "--format", "json"], { env: { CLOUDFLARE_BASE_URL: "" } })
    assert.notProperty(JSON.parse(real.stdout), "CLOUDFLARE_API_BASE_URL", "the real API: wrangler's default is already right")
  })
})
