/**
 * The bundled CLI on `aws-profile` profiles, i.e. profiles of the AWS CLI's own `~/.aws/config` (AWS_CONFIG_FILE
 * in the sandbox), against the local AWS emulator: the AWS profile's region reaches `env` / `exec` and is explained
 * by `profile show`; role and SSO chains, resolved by the SDK inside the bundle, print no NodeVersionSupportWarning.
 */
import { AwsEmulator } from "@alchemy/testing"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { cliPath, readConfig, type Sandbox, sandbox } from "./helpers.js"

let aws: AwsEmulator.AwsEmulator
let box: Sandbox
let key: { accessKeyId: string; secretAccessKey: string }

/** An IAM Identity Center token from the emulator (device code, approved), in the AWS CLI's cache format. */
const ssoToken = async (startUrl: string) => {
  const post = async (route: string, body: Record<string, unknown>) => {
    const response = await fetch(`${aws.url}${route}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body)
    })
    assert.strictEqual(response.status, 200, `${route}: ${await response.clone().text()}`)
    return (await response.json()) as Record<string, any>
  }
  const client = await post("/client/register", { clientName: "aws-cli", clientType: "public" })
  const credentials = { clientId: client.clientId, clientSecret: client.clientSecret }
  const device = await post("/device_authorization", { ...credentials, startUrl })
  aws.approveDevice(device.userCode)
  const token = await post("/token", {
    ...credentials,
    grantType: "urn:ietf:params:oauth:grant-type:device_code",
    deviceCode: device.deviceCode
  })
  return {
    startUrl,
    region: "us-east-1",
    accessToken: token.accessToken,
    expiresAt: new Date(Date.now() + token.expiresIn * 1000).toISOString(),
    ...credentials,
    registrationExpiresAt: new Date(client.clientSecretExpiresAt * 1000).toISOString(),
    refreshToken: token.refreshToken
  }
}

beforeAll(async () => {
  aws = await AwsEmulator.start()
  key = aws.addAccessKey({ account: "111111111111" })
  box = sandbox(aws.env)
  const awsDir = path.dirname(box.env.AWS_CONFIG_FILE!)
  fs.mkdirSync(path.join(awsDir, "sso", "cache"), { recursive: true })
  fs.writeFileSync(
    box.env.AWS_SHARED_CREDENTIALS_FILE!,
    `[dev]\naws_access_key_id = ${key.accessKeyId}\naws_secret_access_key = ${key.secretAccessKey}\n`
  )
  fs.writeFileSync(
    box.env.AWS_CONFIG_FILE!,
    [
      "[profile dev]",
      "region = eu-north-1",
      "[profile ops]",
      "role_arn = arn:aws:iam::222222222222:role/Ops",
      "source_profile = dev",
      "region = ap-southeast-2",
      "[profile portal]",
      "sso_session = corp",
      "sso_account_id = 111111111111",
      "sso_role_name = ReadOnlyAccess",
      "region = ca-central-1",
      "[sso-session corp]",
      `sso_start_url = ${aws.url}/start`,
      "sso_region = us-east-1",
      ""
    ].join("\n")
  )
  // HOME is the sandbox's: the SDK finds the token of sso-session corp at ~/.aws/sso/cache/<sha1("corp")>.json
  const token = await ssoToken(`${aws.url}/start`)
  fs.writeFileSync(
    path.join(awsDir, "sso", "cache", `${createHash("sha1").update("corp").digest("hex")}.json`),
    JSON.stringify(token)
  )
})

afterAll(async () => {
  box?.cleanup()
  await aws?.close()
})

const printEnv = [
  process.execPath,
  "-e",
  "process.stdout.write(JSON.stringify({ AWS_REGION: process.env.AWS_REGION, AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION, AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID }))"
]

describe("aws-profile", () => {
  it("env and exec export the region of the ~/.aws/config profile; AWS_REGION overrides it; profile show names the source", async () => {
    const configured = await box.run(["configure", "--profile", "dev", "--provider", "aws", "--method", "aws-profile", "--aws-profile", "dev"])
    assert.strictEqual(configured.code, 0, configured.stderr)
    // nothing copied: the region stays the AWS profile's, so editing ~/.aws/config is enough to change it
    assert.isUndefined(readConfig(box.home).profiles.dev.aws.region)

    const json = await box.run(["env", "--profile", "dev", "--format", "json"])
    assert.strictEqual(json.code, 0, json.stderr)
    const env = JSON.parse(json.stdout)
    assert.strictEqual(env.AWS_REGION, "eu-north-1")
    assert.strictEqual(env.AWS_DEFAULT_REGION, "eu-north-1")
    assert.strictEqual(env.AWS_ACCESS_KEY_ID, key.accessKeyId)

    const exec = await box.run(["exec", "--profile", "dev", "--", ...printEnv])
    assert.strictEqual(exec.code, 0, exec.stderr)
    assert.deepStrictEqual(JSON.parse(exec.stdout), {
      AWS_REGION: "eu-north-1",
      AWS_DEFAULT_REGION: "eu-north-1",
      AWS_ACCESS_KEY_ID: key.accessKeyId
    })

    const overridden = await box.run(["exec", "--profile", "dev", "--", ...printEnv], { env: { AWS_REGION: "sa-east-1" } })
    assert.strictEqual(overridden.code, 0, overridden.stderr)
    assert.strictEqual(JSON.parse(overridden.stdout).AWS_REGION, "sa-east-1")
    const byDefault = await box.run(["env", "--profile", "dev", "--format", "json"], { env: { AWS_DEFAULT_REGION: "eu-west-3" } })
    assert.strictEqual(JSON.parse(byDefault.stdout).AWS_REGION, "eu-west-3")

    const show = await box.run(["profile", "show", "--profile", "dev"])
    assert.strictEqual(show.code, 0, show.stderr)
    assert.include(show.stdout, `eu-north-1 (from AWS profile dev in ${box.env.AWS_CONFIG_FILE})`)
    const shown = JSON.parse((await box.run(["profile", "show", "--profile", "dev", "--json"])).stdout).providers.aws.details
    assert.strictEqual(shown.region, "eu-north-1")
    assert.strictEqual(shown.regionSource, "aws-profile")
    assert.strictEqual(shown.regionFile, box.env.AWS_CONFIG_FILE)
    const showOverridden = await box.run(["profile", "show", "--profile", "dev"], { env: { AWS_REGION: "sa-east-1" } })
    assert.include(showOverridden.stdout, "sa-east-1 (from AWS_REGION)")

    // the region the alchemy profile names itself wins over the AWS profile's (replacing the entry needs --yes)
    const pinned = await box.run(["configure", "--profile", "dev", "--provider", "aws", "--method", "aws-profile", "--aws-profile", "dev", "--region", "us-west-2", "--yes"])
    assert.strictEqual(pinned.code, 0, pinned.stderr)
    assert.strictEqual(JSON.parse((await box.run(["env", "--profile", "dev", "--format", "json"])).stdout).AWS_REGION, "us-west-2")
  })

  it("role_arn + source_profile and sso-session profiles resolve through the bundled SDK with no NodeVersionSupportWarning", async () => {
    // the bundle carries a single @aws-sdk/core, the one that does not warn on Node 20
    assert.notInclude(fs.readFileSync(path.join(path.dirname(cliPath), "main.cjs"), "utf8"), "NodeVersionSupportWarning")
    for (const [profile, region, counter] of [["ops", "ap-southeast-2", "assumeRole"], ["portal", "ca-central-1", "getRoleCredentials"]] as const) {
      const configured = await box.run(["configure", "--profile", profile, "--provider", "aws", "--method", "aws-profile", "--aws-profile", profile])
      assert.strictEqual(configured.code, 0, configured.stderr)
      assert.notInclude(configured.stderr, "NodeVersionSupportWarning")
      const before = aws.counters[counter]
      const exec = await box.run(["exec", "--profile", profile, "--", ...printEnv], {
        env: { NODE_NO_WARNINGS: undefined, NODE_OPTIONS: undefined, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined }
      })
      assert.strictEqual(exec.code, 0, exec.stderr)
      assert.notInclude(exec.stderr, "NodeVersionSupportWarning", profile)
      assert.strictEqual(exec.stderr, "", profile)
      const env = JSON.parse(exec.stdout)
      assert.strictEqual(env.AWS_REGION, region)
      assert.match(env.AWS_ACCESS_KEY_ID, /^ASIA/)
      assert.strictEqual(aws.counters[counter] - before, 1, `${profile}: ${counter}`)
    }
  })
})
