/**
 * Issue 9, configure hardening, with the bundled CLI, real child processes and the Cloudflare emulator:
 * - a configure killed (SIGKILL) at any point leaves no secret that config.json does not list, and `logout` /
 *   `profile delete` remove everything of the profile, credentials-only leftovers included;
 * - the OAuth grant a configure replaces (a new login, another method) is revoked at the server;
 * - concurrent configures of one profile leave config.json and the credentials file agreeing on the method;
 * - a server error that echoes a secret the process knows prints it redacted;
 * - without a terminal (or with CI set) and without --yes, configure refuses to replace a configured provider.
 */
import { AwsEmulator } from "@alchemy/testing"
import * as CloudflareEmulator from "@alchemy/testing/CloudflareEmulator"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { type ChildProcess, spawn } from "node:child_process"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { appDir, cliPath, readConfig, type Result, type Sandbox, sandbox } from "./helpers.js"
import * as Tmux from "./tmux.js"

let cf: CloudflareEmulator.CloudflareEmulator
let aws: AwsEmulator.AwsEmulator
let box: Sandbox
const ptys: Array<Tmux.Pty> = []

beforeAll(async () => {
  cf = await CloudflareEmulator.start({ autoApprove: true })
  // A device code is approved after one poll: SSO signs in without a browser.
  aws = await AwsEmulator.start({ devicePendingPolls: 1 })
  box = sandbox({ ...cf.env, ...aws.env })
})

afterAll(async () => {
  for (const p of ptys) p.close()
  box?.cleanup()
  await cf?.close()
  await aws?.close()
})

/** A CLI child we can kill, and its result. */
const start = (args: ReadonlyArray<string>, options: { env?: Record<string, string>; input?: string } = {}) => {
  const child: ChildProcess = spawn(process.execPath, [cliPath, ...args], {
    env: { ...box.env, ...options.env },
    cwd: appDir,
    stdio: ["pipe", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d))
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d))
  child.stdin!.on("error", () => {})
  child.stdin!.end(options.input ?? "")
  const result = new Promise<Result>((resolve, reject) => {
    child.once("error", reject)
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr, killed: signal !== null }))
  })
  return { child, result }
}

const canary = (label: string) => `CANARY-${label}-${crypto.randomBytes(12).toString("hex")}`

const configureToken = (profile: string, extra: ReadonlyArray<string> = []) =>
  ["configure", "--profile", profile, "--provider", "cloudflare", "--method", "api-token", "--api-token-stdin", ...extra]

const credentialsDir = (profile: string) => path.join(box.home, "credentials", profile)
const credentialsFile = (profile: string) => path.join(credentialsDir(profile), "cloudflare.json")

const configOrEmpty = (): any => {
  try {
    return readConfig(box.home)
  } catch {
    return { profiles: {} }
  }
}

/** Files under credentials/ (temp files of killed writers included) whose profile and provider config.json does not list. */
const unlisted = (): Array<string> => {
  const root = path.join(box.home, "credentials")
  if (!fs.existsSync(root)) return []
  const profiles = configOrEmpty().profiles ?? {}
  return fs.readdirSync(root).flatMap((profile) =>
    fs.readdirSync(path.join(root, profile)).flatMap((name) => {
      const provider = /^\.?([a-z][a-z0-9-]*)\.json/.exec(name)?.[1]
      return provider !== undefined && profiles[profile]?.[provider] !== undefined ? [] : [`${profile}/${name}`]
    })
  )
}

/** Every file of the home that contains `secret`. */
const filesHolding = (secret: string): Array<string> => {
  const found: Array<string> = []
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (entry.isFile() && fs.readFileSync(full, "utf8").includes(secret)) found.push(path.relative(box.home, full))
    }
  }
  walk(box.home)
  return found
}

/**
 * Poll (yielding to the event loop at each turn: the emulator runs in this process) until `dir` has the entry `name`
 * (any entry for ""), then SIGKILL the child at once.
 */
const killWhenWritten = async (child: ChildProcess, dir: string, name: string, deadlineMs: number) => {
  const end = Date.now() + deadlineMs
  while (Date.now() < end && child.exitCode === null) {
    let names: Array<string> = []
    try {
      names = fs.readdirSync(dir)
    } catch {}
    if (names.some((n) => name === "" || n === name)) break
    await new Promise((resolve) => setImmediate(resolve))
  }
  child.kill("SIGKILL")
}

/**
 * A killed process leaves its lock directories behind; they are taken over once stale (10 s without an mtime
 * update). Age them now, as those 10 s would, so the next command takes them over at once.
 */
const ageLocks = () => {
  const locks = path.join(box.home, "locks")
  if (!fs.existsSync(locks)) return
  const past = new Date(Date.now() - 60_000)
  for (const name of fs.readdirSync(locks)) fs.utimesSync(path.join(locks, name), past, past)
}

describe("a configure killed at any point", () => {
  it("leaves no secret config.json does not list; logout and profile delete remove everything of the profile", async () => {
    // One full run: how long a configure takes here, for the random kill points.
    const full = Date.now()
    const first = cf.addApiToken(canary("full"))
    const ok = await start(configureToken("kill-full"), { input: first }).result
    assert.strictEqual(ok.code, 0, ok.stderr)
    const duration = Date.now() - full

    const rounds = 20
    let unlistedAfterKill = 0
    let killedMidWrite = 0
    const report: Array<string> = []
    for (let i = 0; i < rounds; i++) {
      const profile = `kill-${i % 5}`
      const token = cf.addApiToken(canary(`kill${i}`))
      const run = start(configureToken(profile, ["--yes"]), { input: token })
      if (i % 2 === 0) {
        // The moment a secret reaches the disk: its temp file, or (every other time) the credentials file.
        await killWhenWritten(run.child, credentialsDir(profile), i % 4 === 0 ? "" : "cloudflare.json", 20_000)
      } else {
        await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * duration * 1.2)))
        run.child.kill("SIGKILL")
      }
      const result = await run.result
      ageLocks()
      if (result.signal === "SIGKILL" && fs.existsSync(credentialsDir(profile)) && filesHolding(token).length > 0) {
        killedMidWrite++
      }
      const left = unlisted()
      if (left.length > 0) {
        unlistedAfterKill++
        report.push(`round ${i}: ${left.join(", ")}`)
      }
      // Whatever the kill left, the commands remove it: every file holding the token is gone.
      const cleanup = i % 4 < 2
        ? await box.run(["logout", "--profile", profile, "--yes"])
        : await box.run(["profile", "delete", profile, "--yes"])
      assert.include([0, 1], cleanup.code, cleanup.stderr)
      if (cleanup.code === 1) assert.include(cleanup.stderr, "does not exist", cleanup.stderr)
      assert.deepStrictEqual(filesHolding(token), [], `round ${i}: ${cleanup.stderr}`)
      assert.deepStrictEqual(unlisted(), [], `round ${i}`)
    }
    assert.strictEqual(unlistedAfterKill, 0, `secrets config.json did not list, after ${rounds} kills:\n${report.join("\n")}`)
    assert.isAtLeast(killedMidWrite, 5, "the kills landed while the secret was being written")
  }, 120_000)

  it("credentials left without a config.json entry (an older version, another tool) are removed by profile delete and logout", async () => {
    for (const [profile, command] of [["ghost-a", ["profile", "delete", "ghost-a", "--yes"]], ["ghost-b", ["logout", "--profile", "ghost-b", "--yes"]]] as const) {
      const token = canary(profile)
      fs.mkdirSync(credentialsDir(profile), { recursive: true, mode: 0o700 })
      fs.writeFileSync(credentialsFile(profile), JSON.stringify({ type: "api-token", apiToken: token }), { mode: 0o600 })
      fs.writeFileSync(path.join(credentialsDir(profile), ".cloudflare.json.999.abc.tmp"), JSON.stringify({ type: "api-token", apiToken: token }), { mode: 0o600 })
      assert.isUndefined(configOrEmpty().profiles[profile])
      const r = await box.run(command)
      assert.strictEqual(r.code, 0, r.stderr)
      assert.deepStrictEqual(filesHolding(token), [], r.stderr)
    }
    const none = await box.run(["profile", "delete", "ghost-a", "--yes"])
    assert.strictEqual(none.code, 1)
    assert.include(none.stderr, "does not exist")
  })

  it("profile delete of a credentials-only profile without --yes refuses and changes nothing", async () => {
    const token = canary("ghost-c")
    fs.mkdirSync(credentialsDir("ghost-c"), { recursive: true, mode: 0o700 })
    fs.writeFileSync(credentialsFile("ghost-c"), JSON.stringify({ type: "api-token", apiToken: token }), { mode: 0o600 })
    const r = await box.run(["profile", "delete", "ghost-c"])
    assert.strictEqual(r.code, 1)
    assert.include(r.stderr, "--yes")
    assert.deepStrictEqual(filesHolding(token), ["credentials/ghost-c/cloudflare.json"])
  })
})

/**
 * Hold config.json's lock as another process would (the lock directory, its mtime kept fresh) until `release`
 * resolves: the configures that reach their save meanwhile queue on it and go on in an order of their own.
 */
const holdingConfigLock = async <A>(release: Promise<A>): Promise<A> => {
  const lock = path.join(box.home, "locks", "config.lock")
  fs.mkdirSync(path.dirname(lock), { recursive: true, mode: 0o700 })
  fs.mkdirSync(lock)
  const fresh = setInterval(() => fs.utimesSync(lock, new Date(), new Date()), 1_000)
  try {
    return await release
  } finally {
    clearInterval(fresh)
    fs.rmSync(lock, { recursive: true, force: true })
  }
}

const until = async (condition: () => boolean, timeoutMs: number) => {
  const end = Date.now() + timeoutMs
  while (!condition() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 20))
}

describe("concurrent configures of one profile", () => {
  it("config.json's method always matches the credentials file's type", async () => {
    const token = cf.addApiToken(canary("race-token"))
    const email = "race@example.com"
    const key = cf.addGlobalKey(email)
    const mismatches: Array<string> = []
    for (let round = 0; round < 3; round++) {
      const listed = () => cf.counters.api["GET /memberships"] ?? 0
      const before = listed()
      const runs = await holdingConfigLock((async () => {
        const runs = Array.from({ length: 8 }, (_, i) =>
          i % 2 === 0
            ? start(configureToken("race", ["--yes"]), { input: token }).result
            : start(
              ["configure", "--profile", "race", "--provider", "cloudflare", "--method", "api-key", "--api-key-env", "K", "--email", email, "--yes"],
              { env: { K: key } }
            ).result)
        // The runs verify their secret, list the accounts and queue at their save: release when all are there
        // (or 8 s after the first, well within the 20 s a run waits for a lock).
        await until(() => listed() > before, 30_000)
        await until(() => listed() >= before + 8, 8_000)
        await new Promise((resolve) => setTimeout(resolve, 300))
        return runs
      })())
      for (const r of await Promise.all(runs)) assert.strictEqual(r.code, 0, r.stderr)
      const method = readConfig(box.home).profiles.race.cloudflare.method
      const type = JSON.parse(fs.readFileSync(credentialsFile("race"), "utf8")).type
      if (method !== type) mismatches.push(`round ${round}: config.json ${method}, credentials ${type}`)
    }
    assert.deepStrictEqual(mismatches, [])
  }, 90_000)
})

/** An OAuth profile as a login leaves it, with a live grant at the emulator. */
const seedOAuth = (profile: string) => {
  const grant = cf.issueOAuthTokens({ scopes: ["account:read", "user:read"] })
  const config = configOrEmpty()
  config.version = 1
  config.profiles = {
    ...config.profiles,
    [profile]: {
      cloudflare: { method: "oauth", metadata: { id: cf.accounts[0]!.id, name: cf.accounts[0]!.name }, scopes: ["account:read", "user:read"] }
    }
  }
  fs.mkdirSync(box.home, { recursive: true, mode: 0o700 })
  fs.writeFileSync(path.join(box.home, "config.json"), JSON.stringify(config, null, 2), { mode: 0o600 })
  fs.mkdirSync(credentialsDir(profile), { recursive: true, mode: 0o700 })
  fs.writeFileSync(
    credentialsFile(profile),
    JSON.stringify({ type: "oauth", access: grant.access, refresh: grant.refresh, expires: Date.now() + 3_600_000, scopes: grant.scopes }),
    { mode: 0o600 }
  )
  assert.strictEqual(cf.refreshTokenStatus(grant.refresh), "active")
  return grant
}

describe("re-configuring an OAuth profile", () => {
  it("switching to an API token revokes the grant it replaces", async () => {
    const grant = seedOAuth("switch")
    const r = await start(configureToken("switch", ["--yes"]), { input: cf.addApiToken() }).result
    assert.strictEqual(r.code, 0, r.stderr)
    assert.strictEqual(JSON.parse(fs.readFileSync(credentialsFile("switch"), "utf8")).type, "api-token")
    assert.strictEqual(cf.refreshTokenStatus(grant.refresh), "revoked")
    assert.strictEqual(cf.accessTokenStatus(grant.access), "revoked")
  })

  it("a new OAuth login (configure --method oauth on a terminal) revokes the grant it replaces", async () => {
    const grant = seedOAuth("relogin")
    const p = Tmux.start(
      ["configure", "--profile", "relogin", "--provider", "cloudflare", "--method", "oauth", "--scopes", "default", "--no-browser", "--yes"],
      { ...box.env, TERM: "xterm-256color" }
    )
    ptys.push(p)
    const screen = await p.waitFor(/Paste the full URL/)
    const escaped = cf.url.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
    const url = new RegExp(`${escaped}/oauth2/auth\\S*`).exec(screen)
    assert.isNotNull(url, screen)
    const location = (await fetch(url![0], { redirect: "manual" })).headers.get("location")!
    p.type(location)
    p.keys("Enter")
    assert.strictEqual(await p.exitCode(), 0, p.screen())
    const fresh = JSON.parse(fs.readFileSync(credentialsFile("relogin"), "utf8"))
    assert.notStrictEqual(fresh.refresh, grant.refresh)
    assert.strictEqual(cf.refreshTokenStatus(fresh.refresh), "active")
    assert.strictEqual(cf.refreshTokenStatus(grant.refresh), "revoked")
  }, 60_000)

  it("a revocation that fails is a warning naming the dashboard; the new credentials are saved (exit 0)", async () => {
    const grant = seedOAuth("revoke-fails")
    cf.failNext("/oauth2/revoke", 503, [{ code: 10000, message: "temporarily unavailable" }])
    const r = await start(configureToken("revoke-fails", ["--yes"]), { input: cf.addApiToken() }).result
    assert.strictEqual(r.code, 0, r.stderr)
    assert.include(r.stderr, "warning:")
    assert.include(r.stderr, "dashboard")
    assert.strictEqual(JSON.parse(fs.readFileSync(credentialsFile("revoke-fails"), "utf8")).type, "api-token")
    assert.strictEqual(cf.refreshTokenStatus(grant.refresh), "active", "the failed revocation left it")
  })
})

describe("re-configuring an AWS SSO profile", () => {
  const signIn = (profile: string) =>
    start([
      "configure", "--profile", profile, "--provider", "aws", "--method", "sso", "--sso-start-url", `${aws.url}/start`,
      "--sso-region", "us-east-1", "--sso-account-id", "111111111111", "--sso-role-name", "AdministratorAccess",
      "--region", "us-east-1", "--use-device-code", "--yes"
    ]).result
  const ssoToken = (profile: string): string =>
    JSON.parse(fs.readFileSync(path.join(credentialsDir(profile), "aws.json"), "utf8")).accessToken
  /** Does the portal still accept this access token? */
  const portalAccepts = async (token: string) =>
    (await fetch(`${aws.url}/assignment/accounts`, { headers: { "x-amz-sso_bearer_token": token } })).status === 200

  it("a new sign-in, or another method, ends the IAM Identity Center session it replaces", async () => {
    const first = await signIn("sso-again")
    assert.strictEqual(first.code, 0, first.stderr)
    const old = ssoToken("sso-again")
    assert.isTrue(await portalAccepts(old))
    const again = await signIn("sso-again")
    assert.strictEqual(again.code, 0, again.stderr)
    const fresh = ssoToken("sso-again")
    assert.notStrictEqual(fresh, old)
    assert.isFalse(await portalAccepts(old), "the replaced session is logged out")
    assert.isTrue(await portalAccepts(fresh))

    const key = aws.addAccessKey()
    const switched = await start(
      ["configure", "--profile", "sso-again", "--provider", "aws", "--method", "access-keys", "--aws-access-key-id", key.accessKeyId, "--aws-secret-access-key-stdin", "--region", "us-east-1", "--yes"],
      { input: key.secretAccessKey }
    ).result
    assert.strictEqual(switched.code, 0, switched.stderr)
    assert.isFalse(await portalAccepts(fresh), "switching to access keys logs the SSO session out")
    assert.strictEqual(readConfig(box.home).profiles["sso-again"].aws.method, "access-keys")
  }, 60_000)
})

/** No run of 8 characters of `secret` in `text` (its redacted form keeps only the first 4). */
const assertNoSecret = (text: string, secret: string) => {
  for (let i = 0; i + 8 <= secret.length; i++) {
    assert.notInclude(text, secret.slice(i, i + 8), `a piece of the secret at ${i}: ${text}`)
  }
}

describe("a server message that echoes a secret", () => {
  it("is printed with the secret redacted: a token being configured, from stdin or a variable", async () => {
    for (const via of ["stdin", "env"] as const) {
      const token = cf.addApiToken(canary(`echo-${via}`))
      cf.failNext("/user/tokens/verify", 400, [{ code: 6003, message: `Invalid request headers: token ${token} is malformed` }])
      const args = via === "stdin"
        ? configureToken(`echo-${via}`)
        : ["configure", "--profile", `echo-${via}`, "--provider", "cloudflare", "--method", "api-token", "--api-token-env", "T"]
      const r = await start(args, via === "stdin" ? { input: token } : { env: { T: token } }).result
      assert.strictEqual(r.code, 1, r.stderr)
      assert.include(r.stderr, "error:")
      assert.include(r.stderr, `${token.slice(0, 4)}****`, r.stderr)
      assertNoSecret(r.stdout + r.stderr, token)
    }
  })

  it("a provider's secret variable (CLOUDFLARE_API_TOKEN) is redacted too", async () => {
    const token = cf.addApiToken(canary("echo-given"))
    const variable = canary("echo-variable")
    cf.failNext("/user/tokens/verify", 400, [{ code: 6003, message: `token ${token} does not match ${variable}` }])
    const r = await start(configureToken("echo-variable"), { input: token, env: { CLOUDFLARE_API_TOKEN: variable } }).result
    assert.strictEqual(r.code, 1, r.stderr)
    assertNoSecret(r.stdout + r.stderr, token)
    assertNoSecret(r.stdout + r.stderr, variable)
  })

  it("cut short by the message limit, its beginning is redacted too", async () => {
    const token = cf.addApiToken(canary("echo-cut"))
    cf.failNext("/user/tokens/verify", 400, [{ code: 6003, message: `${"x".repeat(280)} ${token}` }])
    const r = await start(configureToken("echo-cut"), { input: token }).result
    assert.strictEqual(r.code, 1, r.stderr)
    assertNoSecret(r.stdout + r.stderr, token)
  })

  it("a token read from a credentials file is redacted in the error of a later command", async () => {
    const token = cf.addApiToken(canary("echo-stored"))
    const configured = await start(configureToken("echo-stored"), { input: token }).result
    assert.strictEqual(configured.code, 0, configured.stderr)
    cf.failNext("/user/tokens/verify", 500, [{ code: 10001, message: `internal error while checking ${token}` }], 4)
    const r = await box.run(["login", "--profile", "echo-stored", "--provider", "cloudflare"])
    assert.strictEqual(r.code, 1, r.stderr)
    assert.include(r.stderr, "error:")
    assertNoSecret(r.stdout + r.stderr, token)
  })
})

describe("configure over a configured provider", () => {
  const state = (profile: string) => [
    fs.readFileSync(path.join(box.home, "config.json"), "utf8"),
    fs.readFileSync(credentialsFile(profile), "utf8")
  ]

  it("without a terminal and without --yes: refused (exit 1, names --yes), nothing changed; with --yes: replaced", async () => {
    const first = await start(configureToken("confirm"), { input: cf.addApiToken() }).result
    assert.strictEqual(first.code, 0, first.stderr)
    const before = state("confirm")
    for (const env of [{}, { CI: "true" }]) {
      const again = await start(configureToken("confirm"), { input: cf.addApiToken(), env }).result
      assert.strictEqual(again.code, 1, again.stderr)
      assert.include(again.stderr, "--yes")
      assert.include(again.stderr, "replace the Cloudflare configuration of profile confirm")
      assert.deepStrictEqual(state("confirm"), before)
    }
    const email = "confirm@example.com"
    const replaced = await start(
      ["configure", "--profile", "confirm", "--provider", "cloudflare", "--method", "api-key", "--api-key-env", "K", "--email", email, "--yes"],
      { env: { K: cf.addGlobalKey(email) } }
    ).result
    assert.strictEqual(replaced.code, 0, replaced.stderr)
    assert.strictEqual(readConfig(box.home).profiles.confirm.cloudflare.method, "api-key")
    assert.strictEqual(JSON.parse(fs.readFileSync(credentialsFile("confirm"), "utf8")).type, "api-key")
  })

  it("on a terminal with CI set: refused like without a terminal", async () => {
    const first = await start(configureToken("confirm-ci"), { input: cf.addApiToken() }).result
    assert.strictEqual(first.code, 0, first.stderr)
    const before = state("confirm-ci")
    const p = Tmux.start(
      ["configure", "--profile", "confirm-ci", "--provider", "cloudflare", "--method", "api-token", "--api-token-env", "T"],
      { ...box.env, TERM: "xterm-256color", CI: "true", T: cf.addApiToken() }
    )
    ptys.push(p)
    assert.strictEqual(await p.exitCode(), 1, p.screen())
    assert.include(p.screen(), "--yes")
    assert.deepStrictEqual(state("confirm-ci"), before)
  }, 30_000)
})
