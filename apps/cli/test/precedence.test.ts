/**
 * DESIGN §4 selection, row by row, seen through `profile show --json` and `env --format json`.
 */
import * as CloudflareEmulator from "@alchemy/testing/CloudflareEmulator"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import * as fs from "node:fs"
import * as path from "node:path"
import { type Sandbox, sandbox, tempDir } from "./helpers.js"

let cf: CloudflareEmulator.CloudflareEmulator
let box: Sandbox
const tokens: Record<string, string> = {}

beforeAll(async () => {
  cf = await CloudflareEmulator.start()
  box = sandbox(cf.env)
  for (const p of ["default", "flagged", "cfvar", "alchemyvar", "app"]) {
    tokens[p] = cf.addApiToken()
    const r = await box.run(
      ["configure", "--profile", p, "--provider", "cloudflare", "--method", "api-token", "--api-token-env", "T"],
      { env: { T: tokens[p] } }
    )
    assert.strictEqual(r.code, 0, r.stderr)
  }
  tokens.env = cf.addApiToken()
})

afterAll(async () => {
  box?.cleanup()
  await cf?.close()
})

const rows: ReadonlyArray<{
  name: string
  args: ReadonlyArray<string>
  env: Record<string, string>
  profile: string | null
  source: string
  token: string
  warns?: string
}> = [
  { name: "nothing named: default", args: [], env: {}, profile: "default", source: "default", token: "default" },
  { name: "ALCHEMY_PROFILE", args: [], env: { ALCHEMY_PROFILE: "alchemyvar" }, profile: "alchemyvar", source: "alchemy-variable", token: "alchemyvar" },
  { name: "CLOUDFLARE_PROFILE beats ALCHEMY_PROFILE", args: [], env: { ALCHEMY_PROFILE: "alchemyvar", CLOUDFLARE_PROFILE: "cfvar" }, profile: "cfvar", source: "provider-variable", token: "cfvar" },
  { name: "--profile beats both variables", args: ["--profile", "flagged"], env: { ALCHEMY_PROFILE: "alchemyvar", CLOUDFLARE_PROFILE: "cfvar" }, profile: "flagged", source: "flag", token: "flagged" },
  { name: "raw CLOUDFLARE_API_TOKEN when no profile is named", args: [], env: { CLOUDFLARE_API_TOKEN: "ENV" }, profile: null, source: "default", token: "env" },
  { name: "a named profile wins over CLOUDFLARE_API_TOKEN, with a warning", args: ["--profile", "flagged"], env: { CLOUDFLARE_API_TOKEN: "ENV" }, profile: "flagged", source: "flag", token: "flagged", warns: "CLOUDFLARE_API_TOKEN" },
  { name: "ALCHEMY_PROFILE wins over CLOUDFLARE_API_TOKEN", args: [], env: { CLOUDFLARE_API_TOKEN: "ENV", ALCHEMY_PROFILE: "alchemyvar" }, profile: "alchemyvar", source: "alchemy-variable", token: "alchemyvar", warns: "CLOUDFLARE_API_TOKEN" }
]

describe("profile selection", () => {
  for (const row of rows) {
    it(row.name, async () => {
      const env: Record<string, string> = {}
      for (const [k, v] of Object.entries(row.env)) env[k] = v === "ENV" ? tokens.env! : v
      if (env.CLOUDFLARE_API_TOKEN !== undefined) env.CLOUDFLARE_ACCOUNT_ID = cf.accounts[0]!.id
      const show = await box.run(["profile", "show", "--json", ...row.args], { env })
      assert.strictEqual(show.code, 0, show.stderr)
      const json = JSON.parse(show.stdout)
      const cfJson = json.providers.cloudflare
      assert.strictEqual(cfJson.profile, row.profile)
      assert.strictEqual(cfJson.selectedBy, row.source)
      assert.strictEqual(cfJson.credentials, row.profile === null ? "environment" : "profile")
      if (row.warns !== undefined) assert.include(JSON.stringify(json.warnings), row.warns)

      const vars = await box.run(["env", "--format", "json", ...row.args], { env })
      assert.strictEqual(vars.code, 0, vars.stderr)
      assert.strictEqual(JSON.parse(vars.stdout).CLOUDFLARE_API_TOKEN, tokens[row.token])
      if (row.warns !== undefined) assert.include(vars.stderr, row.warns)
    })
  }

  it("the app's profile (stack file) beats --profile and the variables (DESIGN §4 step 2 before 3)", async () => {
    const dir = tempDir("app")
    const file = path.join(dir, "alchemy.run.ts")
    fs.writeFileSync(
      file,
      `const stack: any = { name: "app", profile: "app", providers: ["cloudflare"], run: async (ctx: any) => { console.log("TOKEN=" + (ctx.env.CLOUDFLARE_API_TOKEN === process.env.EXPECT_APP ? "app" : ctx.env.CLOUDFLARE_API_TOKEN === process.env.EXPECT_FLAG ? "flagged" : "other") + " " + ctx.profiles.cloudflare.profile) } }
stack[Symbol.for("@alchemy/cli/Stack")] = Symbol.for("@alchemy/cli/Stack")
export default stack\n`
    )
    const env = { CLOUDFLARE_PROFILE: "cfvar", EXPECT_APP: tokens.app!, EXPECT_FLAG: tokens.flagged! }
    const app = await box.run(["run", file], { env })
    assert.strictEqual(app.code, 0, app.stderr)
    assert.include(app.stdout, "TOKEN=app app")
    const flagged = await box.run(["run", file, "--profile", "flagged"], { env })
    assert.strictEqual(flagged.code, 0, flagged.stderr)
    assert.include(flagged.stdout, "TOKEN=app app")
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it("a resource naming its own profile gets that profile's credentials; the rest of the stack keeps its own", async () => {
    const file = path.join(path.dirname(new URL(import.meta.url).pathname), "fixtures", "resource-profile.run.ts")
    const env = { EXPECT_flagged: tokens.flagged!, EXPECT_cfvar: tokens.cfvar!, EXPECT_default: tokens.default! }
    const flagged = await box.run(["deploy", file, "--profile", "flagged"], { env })
    assert.strictEqual(flagged.code, 0, flagged.stderr)
    assert.include(flagged.stdout, "app=flagged worker=cfvar")
    const plain = await box.run(["deploy", file], { env })
    assert.strictEqual(plain.code, 0, plain.stderr)
    assert.include(plain.stdout, "app=default worker=cfvar")
  })
})
