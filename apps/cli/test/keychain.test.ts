/**
 * Secrets in the OS keychain (issue 12), end to end with the built CLI against a real Secret Service
 * (gnome-keyring on a private D-Bus session, `@alchemy/testing/SecretService`) and the Cloudflare emulator:
 * configure --store keychain leaves the secret in no file, a 16-process refresh storm refreshes once, profile move
 * both ways, logout and delete remove the items, and a keychain that cannot be used (no session, locked, hung) is
 * a clear error with exit code 1, never a file and never a hang.
 */
import * as AwsEmulator from "@alchemy/testing/AwsEmulator"
import * as CloudflareEmulator from "@alchemy/testing/CloudflareEmulator"
import * as SecretService from "@alchemy/testing/SecretService"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { type Sandbox, sandbox } from "./helpers.js"

let cf: CloudflareEmulator.CloudflareEmulator
let aws: AwsEmulator.AwsEmulator
let keyring: SecretService.SecretService
let box: Sandbox

beforeAll(async () => {
  cf = await CloudflareEmulator.start()
  aws = await AwsEmulator.start()
  keyring = await SecretService.start()
  box = sandbox({ ...cf.env, ...aws.env, DBUS_SESSION_BUS_ADDRESS: keyring.address })
})

afterAll(async () => {
  box?.cleanup()
  await cf?.close()
  await aws?.close()
  await keyring?.stop()
})

const serviceOf = (home: string) => `alchemy:${path.resolve(home)}`
const readConfig = () => JSON.parse(fs.readFileSync(path.join(box.home, "config.json"), "utf8"))
const credentialsFile = (profile: string) => path.join(box.home, "credentials", profile, "cloudflare.json")

/** Regular files under `root` (up to 4 MB each) whose bytes contain `needle`. */
const filesContaining = (root: string, needle: string): Array<string> => {
  const found: Array<string> = []
  const walk = (dir: string) => {
    let entries: Array<fs.Dirent>
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (entry.isFile()) {
        try {
          if (fs.statSync(full).size <= 4 << 20 && fs.readFileSync(full).includes(needle)) found.push(full)
        } catch {}
      }
    }
  }
  walk(root)
  return found
}

const configureToken = (profile: string, token: string, extra: ReadonlyArray<string> = [], env: Record<string, string> = {}) =>
  box.run(["configure", "--profile", profile, "--method", "api-token", "--api-token-env", "TOKEN", ...extra], {
    env: { TOKEN: token, ...env }
  })

describe("alchemy with the OS keychain", () => {
  it("configure --store keychain: the secret is in no file under ALCHEMY_HOME or the temp dir; show, env and exec read it", async () => {
    // Made at run time: a literal would be found in the test runner's own transform cache under the temp dir.
    const canary = cf.addApiToken()
    const configured = await configureToken("kc", canary, ["--store", "keychain"])
    assert.strictEqual(configured.code, 0, configured.stderr)
    assert.deepStrictEqual(filesContaining(box.home, canary), [])
    assert.deepStrictEqual(filesContaining(os.tmpdir(), canary), [])
    assert.strictEqual(readConfig().profiles.kc.cloudflare.store, "keychain")
    assert.include((await keyring.lookup(serviceOf(box.home), "kc/cloudflare"))!, canary)

    const show = await box.run(["profile", "show", "--profile", "kc"])
    assert.strictEqual(show.code, 0, show.stderr)
    assert.include(show.stdout, `secrets in: OS keychain (service ${serviceOf(box.home)}, account kc/cloudflare)`)
    assert.notInclude(show.stdout + show.stderr, canary.slice(4))
    const json = JSON.parse((await box.run(["profile", "show", "--profile", "kc", "--json"])).stdout)
    assert.deepStrictEqual(json.providers.cloudflare.secretStore, {
      store: "keychain",
      service: serviceOf(box.home),
      account: "kc/cloudflare"
    })

    const env = await box.run(["env", "--profile", "kc", "--format", "json"])
    assert.strictEqual(env.code, 0, env.stderr)
    assert.strictEqual(JSON.parse(env.stdout).CLOUDFLARE_API_TOKEN, canary)
    const exec = await box.run(["exec", "--profile", "kc", "--", process.execPath, "-e", "process.stdout.write(process.env.CLOUDFLARE_API_TOKEN)"])
    assert.strictEqual(exec.code, 0, exec.stderr)
    assert.strictEqual(exec.stdout, canary)
  })

  it("AWS access keys in the keychain: aws credential-process and env hand them out; no file holds the secret", async () => {
    const key = aws.addAccessKey()
    const configured = await box.run([
      "configure", "--profile", "awskc", "--method", "access-keys", "--aws-access-key-id", key.accessKeyId,
      "--aws-secret-access-key-env", "SECRET", "--region", "eu-west-1", "--store", "keychain"
    ], { env: { SECRET: key.secretAccessKey } })
    assert.strictEqual(configured.code, 0, configured.stderr)
    assert.deepStrictEqual(filesContaining(box.home, key.secretAccessKey), [])
    assert.isFalse(fs.existsSync(path.join(box.home, "credentials", "awskc", "aws.json")))
    const process_ = await box.run(["aws", "credential-process", "--profile", "awskc"])
    assert.strictEqual(process_.code, 0, process_.stderr)
    const json = JSON.parse(process_.stdout)
    assert.strictEqual(json.Version, 1)
    assert.strictEqual(json.AccessKeyId, key.accessKeyId)
    assert.strictEqual(json.SecretAccessKey, key.secretAccessKey)
    const env = JSON.parse((await box.run(["env", "--profile", "awskc", "--format", "json"])).stdout)
    assert.strictEqual(env.AWS_SECRET_ACCESS_KEY, key.secretAccessKey)
  })

  it("a 16-process refresh storm on a keychain OAuth profile refreshes once, and every process gets the new token", async () => {
    const config = fs.existsSync(path.join(box.home, "config.json")) ? readConfig() : { version: 1, profiles: {} }
    config.profiles.storm = {
      cloudflare: { method: "oauth", metadata: { id: cf.accounts[0]!.id, name: cf.accounts[0]!.name }, scopes: ["account:read", "offline_access"], store: "keychain" }
    }
    fs.writeFileSync(path.join(box.home, "config.json"), JSON.stringify(config, null, 2), { mode: 0o600 })
    const grant = cf.issueOAuthTokens({ scopes: ["account:read", "offline_access"] })
    await keyring.plant(
      serviceOf(box.home),
      "storm/cloudflare",
      JSON.stringify({ type: "oauth", access: grant.access, refresh: grant.refresh, expires: Date.now() - 60_000, scopes: grant.scopes })
    )
    const before = cf.counters.tokenRefresh
    const results = await Promise.all(
      Array.from({ length: 16 }, () => box.run(["env", "--profile", "storm", "--format", "json"], { killAfterMs: 60_000 }))
    )
    for (const r of results) assert.strictEqual(r.code, 0, r.stderr)
    assert.strictEqual(cf.counters.tokenRefresh - before, 1, "one refresh for 16 processes")
    const stored = JSON.parse((await keyring.lookup(serviceOf(box.home), "storm/cloudflare"))!)
    assert.notStrictEqual(stored.refresh, grant.refresh)
    for (const r of results) assert.strictEqual(JSON.parse(r.stdout).CLOUDFLARE_API_TOKEN, stored.access)
    assert.isFalse(fs.existsSync(credentialsFile("storm")), "no credentials file was written")
  })

  it("profile move --to keychain, then --to file: the secret moves, nothing is left behind, env works at each step", async () => {
    const token = cf.addApiToken()
    assert.strictEqual((await configureToken("mv", token)).code, 0)
    assert.isTrue(fs.existsSync(credentialsFile("mv")))

    const toKeychain = await box.run(["profile", "move", "--profile", "mv", "--to", "keychain"])
    assert.strictEqual(toKeychain.code, 0, toKeychain.stderr)
    assert.include(toKeychain.stderr + toKeychain.stdout, "moved to the OS keychain")
    assert.isFalse(fs.existsSync(credentialsFile("mv")))
    assert.deepStrictEqual(filesContaining(box.home, token), [])
    assert.include((await keyring.lookup(serviceOf(box.home), "mv/cloudflare"))!, token)
    assert.strictEqual(JSON.parse((await box.run(["env", "--profile", "mv", "--format", "json"])).stdout).CLOUDFLARE_API_TOKEN, token)

    const again = await box.run(["profile", "move", "--profile", "mv", "--to", "keychain"])
    assert.strictEqual(again.code, 0)
    assert.include(again.stderr + again.stdout, "already in")

    const toFile = await box.run(["profile", "move", "--profile", "mv", "--to", "file"])
    assert.strictEqual(toFile.code, 0, toFile.stderr)
    assert.isNull(await keyring.lookup(serviceOf(box.home), "mv/cloudflare"))
    assert.strictEqual(fs.statSync(credentialsFile("mv")).mode & 0o777, 0o600)
    assert.isUndefined(readConfig().profiles.mv.cloudflare.store)
    assert.strictEqual(JSON.parse((await box.run(["env", "--profile", "mv", "--format", "json"])).stdout).CLOUDFLARE_API_TOKEN, token)
  })

  it("a bad --to or an unknown profile is a usage error or a clear error, and changes nothing", async () => {
    const before = fs.readFileSync(path.join(box.home, "config.json"), "utf8")
    const bad = await box.run(["profile", "move", "--profile", "mv", "--to", "vault"])
    assert.strictEqual(bad.code, 2)
    const missing = await box.run(["profile", "move", "--profile", "nope", "--to", "keychain"])
    assert.strictEqual(missing.code, 1)
    assert.include(missing.stderr, "Profile nope does not exist")
    assert.strictEqual(fs.readFileSync(path.join(box.home, "config.json"), "utf8"), before)
  })

  it("logout and profile delete remove the keychain items", async () => {
    const token = cf.addApiToken()
    assert.strictEqual((await configureToken("gone", token, ["--store", "keychain"])).code, 0)
    assert.isNotNull(await keyring.lookup(serviceOf(box.home), "gone/cloudflare"))
    const logout = await box.run(["logout", "--profile", "gone", "--yes"])
    assert.strictEqual(logout.code, 0, logout.stderr)
    assert.isNull(await keyring.lookup(serviceOf(box.home), "gone/cloudflare"))

    // logout keeps the configuration: configuring it again is a replacement, confirmed with --yes.
    assert.strictEqual((await configureToken("gone", token, ["--store", "keychain", "--yes"])).code, 0)
    const removed = await box.run(["profile", "delete", "gone", "--yes"])
    assert.strictEqual(removed.code, 0, removed.stderr)
    assert.isNull(await keyring.lookup(serviceOf(box.home), "gone/cloudflare"))
  })

  it("with CI set and no --store, configure keeps the secret in the file", async () => {
    const token = cf.addApiToken()
    assert.strictEqual((await configureToken("ci", token, [], { CI: "true" })).code, 0)
    assert.isTrue(fs.existsSync(credentialsFile("ci")))
    assert.isUndefined(readConfig().profiles.ci.cloudflare.store)
  })
})

describe("a keychain that cannot be used", () => {
  const assertNothingChanged = async (env: Record<string, string | undefined>, expected: RegExp) => {
    const config = fs.readFileSync(path.join(box.home, "config.json"), "utf8")
    const started = Date.now()
    const r = await box.run(["env", "--profile", "kc", "--format", "json"], { env, killAfterMs: 30_000 })
    assert.isFalse(r.killed, "it did not hang")
    assert.strictEqual(r.code, 1, r.stderr)
    assert.match(r.stderr, expected)
    assert.include(r.stderr, "kc")
    assert.strictEqual(r.stdout, "")
    const configured = await configureToken("new-kc", cf.addApiToken(), ["--store", "keychain"], env as Record<string, string>)
    assert.strictEqual(configured.code, 1, configured.stderr)
    assert.match(configured.stderr, expected)
    assert.strictEqual(fs.readFileSync(path.join(box.home, "config.json"), "utf8"), config, "config.json unchanged")
    assert.isFalse(fs.existsSync(path.join(box.home, "credentials", "new-kc")), "no secret fell back to a file")
    // Profiles kept in files do not touch the keychain at all.
    const file = await box.run(["env", "--profile", "mv", "--format", "json"], { env })
    assert.strictEqual(file.code, 0, file.stderr)
    return Date.now() - started
  }

  it("no D-Bus session: names DBUS_SESSION_BUS_ADDRESS and the fix, exit 1", async () => {
    await assertNothingChanged({ DBUS_SESSION_BUS_ADDRESS: undefined }, /DBUS_SESSION_BUS_ADDRESS[\s\S]*dbus-run-session/)
  })

  it("a session bus with no keyring on it: says nothing provides the Secret Service, exit 1", async () => {
    const bus = await SecretService.startBus()
    try {
      await assertNothingChanged({ DBUS_SESSION_BUS_ADDRESS: bus.address }, /provides the Secret Service/)
    } finally {
      await bus.stop()
    }
  })

  it("a hung session: gives up after the timeout with exit 1 instead of hanging", async () => {
    const bus = await SecretService.hangingBus()
    try {
      const elapsed = await assertNothingChanged({ DBUS_SESSION_BUS_ADDRESS: bus.address }, /did not answer within 5 seconds/)
      assert.isBelow(elapsed, 25_000)
    } finally {
      await bus.stop()
    }
  })

  it("a locked keyring: says it is locked and how to unlock it, exit 1", async () => {
    await keyring.lock()
    await assertNothingChanged({}, /keyring is locked/)
  })
})
