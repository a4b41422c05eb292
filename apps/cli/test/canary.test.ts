/**
 * DESIGN §8: a canary secret configured in every method never appears on stdout or stderr of any command,
 * successful or failing. (`env`, `exec` and `aws credential-process` exist to hand credentials to other programs:
 * they print them only when standard output is not a terminal, and are checked in commands.test.ts.)
 */
import { AwsEmulator } from "@alchemy/testing"
import * as CloudflareEmulator from "@alchemy/testing/CloudflareEmulator"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import * as fs from "node:fs"
import * as path from "node:path"
import { examplePath, type Result, type Sandbox, sandbox } from "./helpers.js"

const canaries = {
  apiToken: "CANARYapitoken0123456789abcdefCANARY",
  apiKey: "CANARYapikey0123456789abcdef0123CANARY",
  awsSecret: "CANARYawsSecretKey0123456789abcdefghijCANARY",
  wrong: "CANARYwrongtoken0123456789abcdefCANARY"
}
/** The part after the 4 characters a redacted value may show. */
const tails = Object.values(canaries).map((c) => c.slice(4))

let cf: CloudflareEmulator.CloudflareEmulator
let aws: AwsEmulator.AwsEmulator
let box: Sandbox
const seen: Array<{ args: string; result: Result }> = []

/** Secrets the CLI obtained itself (SSO tokens, role credentials): every secret-looking field of every credentials file. */
const storedSecrets = (): Array<string> => {
  const found: Array<string> = []
  const walk = (value: unknown, key: string) => {
    if (typeof value === "string") {
      if (value.length >= 12 && /token|secret|refresh|access|apikey|clientsecret/i.test(key) && !/accesskeyid|clientid|expires/i.test(key)) found.push(value)
    } else if (Array.isArray(value)) value.forEach((v) => walk(v, key))
    else if (typeof value === "object" && value !== null) for (const [k, v] of Object.entries(value)) walk(v, k)
  }
  const dir = path.join(box.home, "credentials")
  if (!fs.existsSync(dir)) return found
  for (const profile of fs.readdirSync(dir)) {
    for (const file of fs.readdirSync(path.join(dir, profile))) {
      if (!file.endsWith(".json")) continue
      try {
        walk(JSON.parse(fs.readFileSync(path.join(dir, profile, file), "utf8")), "")
      } catch {}
    }
  }
  return found
}

const check = async (args: ReadonlyArray<string>, options: { env?: Record<string, string>; input?: string } = {}) => {
  const result = await box.run(args, options)
  seen.push({ args: args.join(" "), result })
  for (const tail of [...tails, ...storedSecrets().map((s) => s.slice(4))]) {
    assert.notInclude(result.stdout, tail, `stdout of alchemy ${args.join(" ")}`)
    assert.notInclude(result.stderr, tail, `stderr of alchemy ${args.join(" ")}`)
  }
  return result
}

beforeAll(async () => {
  cf = await CloudflareEmulator.start()
  aws = await AwsEmulator.start({ devicePendingPolls: 1 })
  cf.addApiToken(canaries.apiToken)
  cf.addGlobalKey("canary@example.com", canaries.apiKey)
  aws.addAccessKey({ accessKeyId: "AKIACANARY0000000001", secretAccessKey: canaries.awsSecret })
  box = sandbox({ ...cf.env, ...aws.env })
})

afterAll(async () => {
  box?.cleanup()
  await cf?.close()
  await aws?.close()
})

describe("canary secrets", () => {
  it("configure every method (stdin and environment variable), then every command", async () => {
    const env = { TOKEN: canaries.apiToken, KEY: canaries.apiKey, SECRET: canaries.awsSecret, WRONG: canaries.wrong }
    assert.strictEqual((await check(["configure", "--profile", "t", "--method", "api-token", "--api-token-env", "TOKEN"], { env })).code, 0)
    assert.strictEqual((await check(["configure", "--profile", "k", "--method", "api-key", "--email", "canary@example.com", "--api-key-stdin"], { input: canaries.apiKey })).code, 0)
    assert.strictEqual(
      (await check(["configure", "--profile", "t", "--method", "access-keys", "--aws-access-key-id", "AKIACANARY0000000001", "--aws-secret-access-key-env", "SECRET", "--region", "us-east-1"], { env })).code,
      0
    )
    // SSO (device code approved by the emulator) and assume-role from it: the CLI's own tokens are secrets too.
    assert.strictEqual(
      (await check(["configure", "--profile", "s", "--method", "sso", "--sso-start-url", `${aws.url}/start`, "--sso-region", "us-east-1", "--sso-account-id", "111111111111", "--sso-role-name", "AdministratorAccess", "--region", "us-east-1", "--use-device-code"])).code,
      0
    )
    assert.strictEqual((await check(["configure", "--profile", "r", "--method", "assume-role", "--role-arn", "arn:aws:iam::111111111111:role/Deployer", "--source-profile", "s"])).code, 0)
    // aws-profile: the canary lives in ~/.aws/credentials.
    fs.mkdirSync(path.join(box.env.HOME!, ".aws"), { recursive: true })
    fs.writeFileSync(box.env.AWS_SHARED_CREDENTIALS_FILE!, `[canary]\naws_access_key_id = AKIACANARY0000000001\naws_secret_access_key = ${canaries.awsSecret}\n`)
    fs.writeFileSync(box.env.AWS_CONFIG_FILE!, "[profile canary]\nregion = us-east-1\n")
    assert.strictEqual((await check(["configure", "--profile", "a", "--method", "aws-profile", "--aws-profile", "canary"])).code, 0)
    assert.isAbove(storedSecrets().length, 3)
    for (const p of ["s", "r", "a"]) {
      assert.strictEqual((await check(["profile", "show", "--profile", p])).code, 0)
      assert.strictEqual((await check(["profile", "show", "--profile", p, "--json"])).code, 0)
    }

    // Failures: a token the API refuses, a key given to the wrong method, a bad profile name.
    assert.notStrictEqual((await check(["configure", "--profile", "w", "--method", "api-token", "--api-token-env", "WRONG"], { env })).code, 0)
    assert.notStrictEqual((await check(["configure", "--profile", "w", "--method", "api-key", "--email", "nobody@example.com", "--api-key-env", "KEY"], { env })).code, 0)
    assert.notStrictEqual((await check(["configure", "--profile", "w", "--method", "access-keys", "--aws-access-key-id", "AKIANOTKNOWN00000000", "--aws-secret-access-key-env", "SECRET"], { env })).code, 0)
    assert.notStrictEqual((await check(["configure", "--profile", "bad/name", "--method", "api-token", "--api-token-env", "TOKEN"], { env })).code, 0)
    assert.notStrictEqual((await check(["configure", "--profile", "w", "--method", "api-token", "--api-token-stdin", "--api-key-stdin"], { input: canaries.apiToken })).code, 0)

    for (const p of ["t", "k"]) {
      assert.strictEqual((await check(["profile", "show", "--profile", p])).code, 0)
      assert.strictEqual((await check(["profile", "show", "--profile", p, "--json"])).code, 0)
      assert.strictEqual((await check(["login", "--profile", p])).code, 0)
      assert.strictEqual((await check(["deploy", examplePath, "--profile", p])).code, 0)
    }
    await check(["profile", "list"])
    await check(["profile", "list", "--json"])
    // With every log level on (@effect/cli's --log-level), and in config.json (DESIGN §8: no secret there either).
    for (const p of ["t", "s"]) assert.strictEqual((await check(["--log-level", "all", "profile", "show", "--profile", p])).code, 0)
    const config = fs.readFileSync(path.join(box.home, "config.json"), "utf8")
    for (const tail of [...tails, ...storedSecrets().map((s) => s.slice(4))]) assert.notInclude(config, tail, "config.json")
    // Raw environment credentials shown by profile show, and shadowed by a named profile.
    await check(["profile", "show"], { env: { CLOUDFLARE_API_TOKEN: canaries.apiToken, CLOUDFLARE_ACCOUNT_ID: cf.accounts[0]!.id } })
    await check(["profile", "show", "--profile", "k"], { env: { CLOUDFLARE_API_TOKEN: canaries.apiToken } })
    // A failing stack and a corrupt credentials file.
    fs.writeFileSync(path.join(box.home, "credentials", "k", "cloudflare.json"), `{"type":"api-key","apiKey":"${canaries.apiKey}"`)
    // profile show reports it (exit 0, an error line naming the file and the fix) without its contents.
    const corrupt = await check(["profile", "show", "--profile", "k"])
    assert.strictEqual(corrupt.code, 0, corrupt.stderr)
    assert.include(corrupt.stdout, `${path.join(box.home, "credentials", "k", "cloudflare.json")}) is not valid JSON`)
    assert.include(corrupt.stdout, "alchemy login --profile k")
    assert.notStrictEqual((await check(["deploy", examplePath, "--profile", "k"])).code, 0)
    assert.notStrictEqual((await check(["env", "--profile", "k"])).code, 0)
    // Control: the check sees a secret when one is printed (env exists to print credentials off a terminal).
    const control = await box.run(["env", "--profile", "t", "--format", "json"])
    assert.include(control.stdout, canaries.awsSecret.slice(4))
    await check(["logout", "--profile", "t", "--yes"])
    await check(["profile", "delete", "k", "--yes"])
    assert.isAbove(seen.length, 15)
  })
})
