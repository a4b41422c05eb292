/**
 * Secrets by reference, end to end with the bundled CLI: `configure --api-token-variable CF_PROD_TOKEN` stores the
 * variable's name, never its value; every command that needs the token reads the variable as it is at that moment.
 */
import * as CloudflareEmulator from "@alchemy/testing/CloudflareEmulator"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import * as fs from "node:fs"
import * as path from "node:path"
import { readConfig, type Result, type Sandbox, sandbox, filesUnder } from "./helpers.js"

const variable = "CF_PROD_TOKEN"

let cf: CloudflareEmulator.CloudflareEmulator
let box: Sandbox
let token: string
let other: string
/** Every run of the suite, to check that no secret was printed where it should not be. */
const runs: Array<{ readonly args: string; readonly result: Result }> = []

const run = async (args: ReadonlyArray<string>, env: Record<string, string | undefined> = {}) => {
  const result = await box.run(args, { env })
  runs.push({ args: args.join(" "), result })
  return result
}


const configureProd = (env: Record<string, string | undefined>, extra: ReadonlyArray<string> = []) =>
  run(["configure", "--profile", "prod", "--provider", "cloudflare", "--method", "api-token", "--api-token-variable", variable, "--yes", ...extra], env)

beforeAll(async () => {
  cf = await CloudflareEmulator.start()
  token = cf.addApiToken("CANARYreferencedtoken0123456789abcdefCANARY")
  other = cf.addApiToken("CANARYsecondtoken0123456789abcdefghijCANARY")
  box = sandbox({ ...cf.env })
})

afterAll(async () => {
  box?.cleanup()
  await cf?.close()
})

describe("--api-token-variable", () => {
  it("configure with the variable set: exit 0, verified, only the variable's name on disk", async () => {
    const r = await configureProd({ [variable]: token })
    assert.strictEqual(r.code, 0, r.stderr)
    assert.include(r.stdout, `apiToken: from $${variable} (set)`)
    assert.strictEqual(cf.counters.api["GET /user/tokens/verify"], 1)
    const entry = readConfig(box.home).profiles.prod.cloudflare
    assert.deepStrictEqual(entry, {
      method: "api-token",
      metadata: { id: cf.accounts[0]!.id, name: cf.accounts[0]!.name },
      variables: { "api-token": variable }
    })
    assert.isFalse(fs.existsSync(path.join(box.home, "credentials", "prod", "cloudflare.json")))
    // Canary scan: the token is in no file of the home, whole or in part.
    const files = filesUnder(box.home)
    assert.property(files, "config.json")
    for (const [name, text] of Object.entries(files)) {
      assert.notInclude(text, token.slice(4, 24), name)
      assert.notInclude(text, token.slice(-20), name)
    }
  })

  it("env reads the variable at each run: its value, a new value after a change", async () => {
    const first = await run(["env", "--profile", "prod", "--format", "json"], { [variable]: token })
    assert.strictEqual(first.code, 0, first.stderr)
    const json = JSON.parse(first.stdout)
    assert.strictEqual(json.CLOUDFLARE_API_TOKEN, token)
    assert.strictEqual(json.CLOUDFLARE_ACCOUNT_ID, cf.accounts[0]!.id)
    const second = await run(["env", "--profile", "prod", "--format", "json"], { [variable]: other })
    assert.strictEqual(second.code, 0, second.stderr)
    assert.strictEqual(JSON.parse(second.stdout).CLOUDFLARE_API_TOKEN, other)
  })

  it("env with the variable unset or empty: exit 1, the error names the variable, nothing on stdout", async () => {
    for (const value of [undefined, ""]) {
      const r = await run(["env", "--profile", "prod", "--format", "json"], { [variable]: value })
      assert.strictEqual(r.code, 1, `${JSON.stringify(value)}: ${r.stderr}`)
      assert.strictEqual(r.stdout, "")
      assert.include(r.stderr, variable)
      assert.include(r.stderr, "Profile prod")
      assert.include(r.stderr, "in CI: map the secret to this variable")
      assert.include(r.stderr, "alchemy configure --profile prod --provider cloudflare")
    }
  })

  it("exec hands the variable's current value to the command; unset, the command does not run", async () => {
    const script = `process.stdout.write(String(process.env.CLOUDFLARE_API_TOKEN === process.env.EXPECT) + ' ' + process.env.CLOUDFLARE_ACCOUNT_ID)`
    const ok = await run(["exec", "--profile", "prod", "--", process.execPath, "-e", script], { [variable]: token, EXPECT: token })
    assert.strictEqual(ok.code, 0, ok.stderr)
    assert.strictEqual(ok.stdout, `true ${cf.accounts[0]!.id}`)
    const missing = await run(["exec", "--profile", "prod", "--", process.execPath, "-e", "process.stdout.write('ran')"])
    assert.strictEqual(missing.code, 1)
    assert.strictEqual(missing.stdout, "")
    assert.include(missing.stderr, variable)
  })

  it("profile show: from $CF_PROD_TOKEN (set) / (not set), never the value; --json secretVariable", async () => {
    const set = await run(["profile", "show", "--profile", "prod"], { [variable]: token })
    assert.strictEqual(set.code, 0, set.stderr)
    assert.include(set.stdout, `apiToken: from $${variable} (set)`)
    assert.notInclude(set.stdout, `${token.slice(0, 4)}****`)
    const setJson = JSON.parse((await run(["profile", "show", "--profile", "prod", "--json"], { [variable]: token })).stdout)
    assert.deepStrictEqual(setJson.providers.cloudflare.details.secretVariable, { name: variable, set: true })
    assert.strictEqual(setJson.providers.cloudflare.status, "ok")

    const unset = await run(["profile", "show", "--profile", "prod"])
    assert.strictEqual(unset.code, 0, unset.stderr)
    assert.include(unset.stdout, `apiToken: from $${variable} (not set)`)
    assert.include(unset.stderr, variable)
    const unsetJson = JSON.parse((await run(["profile", "show", "--profile", "prod", "--json"])).stdout)
    assert.deepStrictEqual(unsetJson.providers.cloudflare.details.secretVariable, { name: variable, set: false })
    assert.strictEqual(unsetJson.providers.cloudflare.status, "ok")
    assert.isTrue(unsetJson.providers.cloudflare.warnings.some((w: string) => w.includes(variable)))
  })

  it("login re-verifies the variable's value; unset, exit 1 naming it", async () => {
    const before = cf.counters.api["GET /user/tokens/verify"] ?? 0
    const ok = await run(["login", "--profile", "prod", "--provider", "cloudflare"], { [variable]: token })
    assert.strictEqual(ok.code, 0, ok.stderr)
    assert.strictEqual(cf.counters.api["GET /user/tokens/verify"], before + 1)
    assert.isFalse(fs.existsSync(path.join(box.home, "credentials", "prod", "cloudflare.json")))
    const unset = await run(["login", "--profile", "prod", "--provider", "cloudflare"])
    assert.strictEqual(unset.code, 1, unset.stderr)
    assert.include(unset.stderr, variable)
  })

  it("configure with the variable unset: refused without --account-id, saved unverified (with a warning) with it", async () => {
    const refused = await run(["configure", "--profile", "later", "--method", "api-token", "--api-token-variable", "CF_LATER"])
    assert.strictEqual(refused.code, 1, refused.stderr)
    assert.include(refused.stderr, "CF_LATER")
    assert.notProperty(readConfig(box.home).profiles, "later")

    const saved = await run(["configure", "--profile", "later", "--api-token-variable", "CF_LATER", "--account-id", cf.accounts[0]!.id])
    assert.strictEqual(saved.code, 0, saved.stderr)
    assert.include(saved.stderr, "not verified: $CF_LATER is not set now")
    assert.include(saved.stdout, "apiToken: from $CF_LATER (not set)")
    const entry = readConfig(box.home).profiles.later.cloudflare
    assert.strictEqual(entry.method, "api-token")
    assert.deepStrictEqual(entry.variables, { "api-token": "CF_LATER" })
    assert.strictEqual(entry.metadata.id, cf.accounts[0]!.id)
    const env = await run(["env", "--profile", "later", "--format", "json"], { CF_LATER: other })
    assert.strictEqual(env.code, 0, env.stderr)
    assert.strictEqual(JSON.parse(env.stdout).CLOUDFLARE_API_TOKEN, other)
  })

  it("with --api-token-stdin or --api-token-env, or a name that is not a variable name: exit 2, nothing written", async () => {
    const fresh = sandbox({ ...cf.env })
    try {
      for (const [extra, input, message] of [
        [["--api-token-stdin"], token, "cannot be used together"],
        [["--api-token-env", "T"], undefined, "cannot be used together"]
      ] as const) {
        const r = await fresh.run(
          ["configure", "--profile", "prod", "--method", "api-token", "--api-token-variable", variable, ...extra],
          { env: { [variable]: token, T: token }, ...(input === undefined ? {} : { input }) }
        )
        runs.push({ args: extra.join(" "), result: r })
        assert.strictEqual(r.code, 2, `${extra.join(" ")}: ${r.stderr}`)
        assert.include(r.stderr, message)
      }
      for (const name of ["1BAD", "CF-TOKEN", "$CF_PROD_TOKEN", ""]) {
        const r = await fresh.run(["configure", "--profile", "prod", "--method", "api-token", "--api-token-variable", name], {
          env: { [variable]: token, ...(name === "" ? {} : { [name]: token }) }
        })
        runs.push({ args: `--api-token-variable ${name}`, result: r })
        assert.strictEqual(r.code, 2, `${JSON.stringify(name)}: ${r.stderr}`)
        assert.include(r.stderr, "--api-token-variable")
      }
      assert.isFalse(fs.existsSync(path.join(fresh.home, "config.json")))
      assert.deepStrictEqual(filesUnder(fresh.home), {})
    } finally {
      fresh.cleanup()
    }
  })

  it("configuring the profile with a stored secret later works as usual, and drops the reference", async () => {
    const r = await run(["configure", "--profile", "prod", "--method", "api-token", "--api-token-env", "T", "--yes"], { T: other })
    assert.strictEqual(r.code, 0, r.stderr)
    assert.notProperty(readConfig(box.home).profiles.prod.cloudflare, "variables")
    assert.isTrue(fs.existsSync(path.join(box.home, "credentials", "prod", "cloudflare.json")))
    const env = await run(["env", "--profile", "prod", "--format", "json"], { [variable]: token })
    assert.strictEqual(JSON.parse(env.stdout).CLOUDFLARE_API_TOKEN, other)
    // And back to the reference: the stored secret is removed with the new entry.
    const back = await configureProd({ [variable]: token })
    assert.strictEqual(back.code, 0, back.stderr)
    assert.isFalse(fs.existsSync(path.join(box.home, "credentials", "prod", "cloudflare.json")))
    for (const [name, text] of Object.entries(filesUnder(box.home))) assert.notInclude(text, other.slice(4, 24), name)
  })

  it("the values were printed only where a command exists to hand them out (env, exec), never elsewhere", () => {
    assert.isAbove(runs.length, 20)
    for (const { args, result } of runs) {
      if (args.startsWith("env ") || args.startsWith("exec ")) continue
      for (const secret of [token, other]) {
        assert.notInclude(result.stdout, secret.slice(4), `stdout of alchemy ${args}`)
        assert.notInclude(result.stderr, secret.slice(4), `stderr of alchemy ${args}`)
      }
    }
  })
})
