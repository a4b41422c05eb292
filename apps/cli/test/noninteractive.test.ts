/**
 * Without a terminal, and with CI=true, nothing prompts: every command that could ask exits at once with
 * exit code 1 (NonInteractive) and names the flag that would supply the value. A run that hangs is killed by a
 * generous safety timer and fails the test (no timed assertion).
 */
import * as CloudflareEmulator from "@alchemy/testing/CloudflareEmulator"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import * as fs from "node:fs"
import * as path from "node:path"
import { examplePath, type Sandbox, sandbox } from "./helpers.js"

let cf: CloudflareEmulator.CloudflareEmulator
let box: Sandbox

beforeAll(async () => {
  cf = await CloudflareEmulator.start()
  box = sandbox(cf.env)
  const token = cf.addApiToken()
  const r = await box.run(
    ["configure", "--profile", "existing", "--provider", "cloudflare", "--method", "api-token", "--api-token-env", "T"],
    { env: { T: token } }
  )
  assert.strictEqual(r.code, 0, r.stderr)
})

afterAll(async () => {
  box?.cleanup()
  await cf?.close()
})

const cases: ReadonlyArray<{ name: string; args: ReadonlyArray<string>; flag: string }> = [
  { name: "configure without a provider", args: ["configure", "--profile", "p"], flag: "--provider" },
  { name: "configure without a method", args: ["configure", "--profile", "p", "--provider", "cloudflare"], flag: "--method" },
  { name: "configure api-token without the token", args: ["configure", "--profile", "p", "--method", "api-token"], flag: "api-token" },
  { name: "configure api-key without the email", args: ["configure", "--profile", "p", "--method", "api-key", "--api-key-env", "K"], flag: "--email" },
  { name: "configure aws without a method", args: ["configure", "--profile", "p", "--provider", "aws"], flag: "--method" },
  { name: "configure oauth (browser)", args: ["configure", "--profile", "p", "--method", "oauth"], flag: "" },
  { name: "login of an unconfigured profile", args: ["login", "--profile", "nobody"], flag: "--provider" },
  { name: "logout without --yes", args: ["logout", "--profile", "existing"], flag: "--yes" },
  { name: "profile delete without --yes", args: ["profile", "delete", "existing"], flag: "--yes" },
  { name: "deploy with an unconfigured provider", args: ["deploy", examplePath, "--profile", "nobody"], flag: "alchemy configure --profile nobody" }
]

for (const mode of ["no TTY", "CI=true"] as const) {
  describe(mode, () => {
    for (const c of cases) {
      it(`${c.name}: fails fast naming ${c.flag || "what is missing"}`, async () => {
        const r = await box.run(c.args, { env: mode === "CI=true" ? { CI: "true", K: "key-value" } : { K: "key-value" }, killAfterMs: 20_000 })
        assert.isFalse(r.killed, `hung: ${c.args.join(" ")}`)
        assert.strictEqual(r.code, 1, `${r.stdout}\n${r.stderr}`)
        assert.include(r.stderr, c.flag)
        assert.notInclude(r.stderr, "Waiting for the browser")
      })
    }
  })
}

describe("nothing changed on disk by a refused command", () => {
  it("the profile survives delete/logout without --yes", () => {
    const config = JSON.parse(fs.readFileSync(path.join(box.home, "config.json"), "utf8"))
    assert.property(config.profiles, "existing")
    assert.notProperty(config.profiles, "p")
    assert.isTrue(fs.existsSync(path.join(box.home, "credentials", "existing", "cloudflare.json")))
  })
})
