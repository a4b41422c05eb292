/**
 * A `~/.alchemy` shared with the `alchemy` npm package (0.x), which accepts any string as a profile name: entries we
 * cannot use are listed as unusable (names printed safely), never break the other profiles, are refused clearly when
 * selected, and every write of ours keeps them byte for byte.
 */
import { AwsEmulator } from "@alchemy/testing"
import * as CloudflareEmulator from "@alchemy/testing/CloudflareEmulator"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { readConfig, type Sandbox, sandbox } from "./helpers.js"

let cf: CloudflareEmulator.CloudflareEmulator
let aws: AwsEmulator.AwsEmulator
let box: Sandbox
let token: string

// Names 0.x has been seen to accept, and one that would retitle the terminal and forge an error line if printed raw.
const hostile = "evil\u001b]0;pwned\u0007\r\nerror: forged"
const odd: Record<string, unknown> = {
  "team a": { cloudflare: { method: "api-token", metadata: { id: "a".repeat(32), name: "Team A" } } },
  "prod/eu": { cloudflare: { method: "api-token" } },
  "ü": { cloudflare: { method: "oauth", scopes: ["account:read"] } },
  [hostile]: {}
}
// 0.x writes config.json with JSON.stringify(value, null, 2); each odd entry's text as it appears in that file.
const entryText = (name: string): string => `${JSON.stringify(name)}: ${JSON.stringify(odd[name], null, 2).replace(/\n/g, "\n    ")}`

beforeAll(async () => {
  cf = await CloudflareEmulator.start()
  aws = await AwsEmulator.start()
  token = cf.addApiToken()
  box = sandbox({ ...cf.env, ...aws.env })
  const configured = await box.run(
    ["configure", "--profile", "prod", "--provider", "cloudflare", "--method", "api-token", "--api-token-env", "T"],
    { env: { T: token } }
  )
  assert.strictEqual(configured.code, 0, configured.stderr)
  // alchemy 0.x adds its profiles to the same file, and a credentials file under the odd name.
  const config = readConfig(box.home)
  Object.assign(config.profiles, odd)
  fs.writeFileSync(path.join(box.home, "config.json"), JSON.stringify(config, null, 2))
  fs.mkdirSync(path.join(box.home, "credentials", "team a"), { recursive: true })
  fs.writeFileSync(path.join(box.home, "credentials", "team a", "cloudflare.json"), JSON.stringify({ type: "api-token", apiToken: "team-a-token" }))
})

afterAll(async () => {
  box?.cleanup()
  await cf?.close()
  await aws?.close()
})

const configText = (): string => fs.readFileSync(path.join(box.home, "config.json"), "utf8")
const keepsOddEntries = (): void => {
  const text = configText()
  for (const name of Object.keys(odd)) assert.include(text, entryText(name), `entry ${JSON.stringify(name)} kept byte for byte`)
  assert.deepStrictEqual(
    JSON.parse(fs.readFileSync(path.join(box.home, "credentials", "team a", "cloudflare.json"), "utf8")),
    { type: "api-token", apiToken: "team-a-token" }
  )
}
const prodWorks = async (): Promise<void> => {
  const env = await box.run(["env", "--profile", "prod", "--format", "json"])
  assert.strictEqual(env.code, 0, env.stderr)
  assert.strictEqual(JSON.parse(env.stdout).CLOUDFLARE_API_TOKEN, token)
}
const noControl = (text: string): void => {
  assert.notMatch(text, /[\u0000-\u0008\u000b-\u001f\u007f]/, "no control character reaches the terminal")
  assert.notInclude(text, "\nerror: forged", "no forged line")
}

describe("a ~/.alchemy shared with alchemy 0.x", () => {
  it("profile list lists the usable profiles and names each unusable one with its reason, escaped", async () => {
    keepsOddEntries()
    const r = await box.run(["profile", "list"])
    assert.strictEqual(r.code, 0, r.stderr)
    assert.match(r.stdout, /^\s+prod\s+cloudflare \(api-token\)$/m)
    for (const name of ["team a", "prod/eu", "ü"]) {
      assert.include(r.stderr, `profile ${JSON.stringify(name)} in config.json cannot be used`)
    }
    assert.include(r.stderr, "not a valid profile name")
    assert.include(r.stderr, String.raw`"evil\u001b]0;pwned\u0007\r\nerror: forged"`)
    noControl(r.stdout + r.stderr)

    const json = await box.run(["profile", "list", "--json"])
    assert.strictEqual(json.code, 0, json.stderr)
    const listed = JSON.parse(json.stdout)
    assert.deepStrictEqual(listed.profiles.map((p: { name: string }) => p.name), ["prod"])
    assert.sameMembers(listed.unusable.map((u: { name: string }) => u.name), Object.keys(odd))
    noControl(json.stdout)
  })

  it("every other profile keeps working: show, env", async () => {
    const show = await box.run(["profile", "show", "--profile", "prod"])
    assert.strictEqual(show.code, 0, show.stderr)
    assert.include(show.stdout, "api-token")
    await prodWorks()
  })

  it("selecting an odd name is a clear usage error (exit 2), by flag or by variable", async () => {
    for (const [args, env] of [
      [["profile", "show", "--profile", "team a"], {}],
      [["env"], { ALCHEMY_PROFILE: "prod/eu" }],
      [["env"], { CLOUDFLARE_PROFILE: hostile }]
    ] as const) {
      const r = await box.run(args, { env })
      assert.strictEqual(r.code, 2, `${args.join(" ")} ${JSON.stringify(env)}: ${r.stderr}`)
      assert.include(r.stderr, "Invalid profile name")
      assert.notInclude(r.stdout, token)
      noControl(r.stdout + r.stderr)
    }
    keepsOddEntries()
  })

  it("a provider entry that does not decode: listed as unusable, shown with the error (exit 1), the rest works", async () => {
    const before = configText()
    const config = JSON.parse(before)
    config.profiles.prod.neon = { apiKey: 7 }
    config.profiles.broken = { cloudflare: { method: 7 } }
    fs.writeFileSync(path.join(box.home, "config.json"), JSON.stringify(config, null, 2))
    try {
      const list = await box.run(["profile", "list"])
      assert.strictEqual(list.code, 0, list.stderr)
      assert.match(list.stdout, /^\s+broken\s+cloudflare \(unusable\)$/m)
      assert.match(list.stdout, /^\s+prod\s+cloudflare \(api-token\), neon \(unusable\)$/m)
      const show = await box.run(["profile", "show", "--profile", "broken"])
      assert.strictEqual(show.code, 1, show.stderr)
      assert.include(show.stdout, "profiles.broken.cloudflare: method: Expected string")
      await prodWorks()
    } finally {
      fs.writeFileSync(path.join(box.home, "config.json"), before)
    }
  })

  it("our writes (configure, logout, profile delete) keep every odd entry byte for byte", async () => {
    const configured = await box.run(
      ["configure", "--profile", "other", "--provider", "cloudflare", "--method", "api-token", "--api-token-env", "T"],
      { env: { T: token } }
    )
    assert.strictEqual(configured.code, 0, configured.stderr)
    keepsOddEntries()
    assert.strictEqual(readConfig(box.home).profiles.other.cloudflare.method, "api-token")
    const logout = await box.run(["logout", "--profile", "other", "--yes"])
    assert.strictEqual(logout.code, 0, logout.stderr)
    keepsOddEntries()
    const removed = await box.run(["profile", "delete", "other", "--yes"])
    assert.strictEqual(removed.code, 0, removed.stderr)
    keepsOddEntries()
    assert.notProperty(readConfig(box.home).profiles, "other")
    assert.property(readConfig(box.home).profiles, "prod")
  })

  it("unknown keys at every level survive re-configuring another provider of the profile and an OAuth refresh", async () => {
    // A profile as alchemy 0.x (or a newer version of ours) may leave it: keys we do not know at every level.
    const config = readConfig(box.home)
    config.telemetry = { enabled: false }
    config.profiles.team = {
      notes: "owned by the platform team",
      neon: ["any", "shape"],
      cloudflare: {
        method: "oauth",
        metadata: { id: cf.accounts[0]!.id, name: cf.accounts[0]!.name, plan: "enterprise" },
        scopes: ["account:read", "offline_access"],
        addedBy: "alchemy@0.94.0"
      }
    }
    fs.writeFileSync(path.join(box.home, "config.json"), JSON.stringify(config, null, 2))
    const grant = cf.issueOAuthTokens({ scopes: ["account:read", "offline_access"] })
    const credentials = path.join(box.home, "credentials", "team", "cloudflare.json")
    fs.mkdirSync(path.dirname(credentials), { recursive: true, mode: 0o700 })
    fs.writeFileSync(
      credentials,
      JSON.stringify({ type: "oauth", access: grant.access, refresh: grant.refresh, expires: Date.now() - 60_000, scopes: grant.scopes, issuer: "0.x" }),
      { mode: 0o600 }
    )

    // The access token has expired: env refreshes it and rewrites the credentials file.
    const env = await box.run(["env", "--profile", "team", "--format", "json"])
    assert.strictEqual(env.code, 0, env.stderr)
    assert.strictEqual(cf.refreshTokenStatus(grant.refresh), "used", "the refresh happened")
    const refreshed = JSON.parse(fs.readFileSync(credentials, "utf8"))
    assert.strictEqual(refreshed.issuer, "0.x", "an unknown key of the credentials file survives the refresh")
    assert.notStrictEqual(refreshed.refresh, grant.refresh)
    assert.strictEqual(JSON.parse(env.stdout).CLOUDFLARE_API_TOKEN, refreshed.access)

    const awsKey = aws.addAccessKey()
    const configured = await box.run(
      ["configure", "--profile", "team", "--provider", "aws", "--method", "access-keys", "--aws-access-key-id", awsKey.accessKeyId, "--aws-secret-access-key-stdin", "--region", "eu-west-1"],
      { input: awsKey.secretAccessKey }
    )
    assert.strictEqual(configured.code, 0, configured.stderr)
    const after = readConfig(box.home)
    assert.deepStrictEqual(after.telemetry, { enabled: false })
    assert.strictEqual(after.profiles.team.notes, "owned by the platform team")
    assert.deepStrictEqual(after.profiles.team.neon, ["any", "shape"])
    assert.strictEqual(after.profiles.team.cloudflare.addedBy, "alchemy@0.94.0")
    assert.strictEqual(after.profiles.team.cloudflare.metadata.plan, "enterprise")
    assert.strictEqual(after.profiles.team.aws.method, "access-keys")
    keepsOddEntries()
  })
})
