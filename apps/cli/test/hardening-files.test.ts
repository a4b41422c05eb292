/**
 * Issue 9, "Hardening", attacked through the built CLI: a home that is not the user's, a FIFO where a file should
 * be, signals while the CLI waits, JSON nested 5,000 deep, a lock dated in the future, `ALCHEMY_HOME` with `~` or
 * relative, and home directories left 0755. Real files in a temp ALCHEMY_HOME, the bundle run as a child process.
 */
import * as CloudflareEmulator from "@alchemy/testing/CloudflareEmulator"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { execFileSync, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { cliPath, type Result, type Sandbox, sandbox, tempDir } from "./helpers.js"

let cf: CloudflareEmulator.CloudflareEmulator
let token: string
const boxes: Array<Sandbox> = []

beforeAll(async () => {
  cf = await CloudflareEmulator.start()
  token = cf.addApiToken()
})

afterAll(async () => {
  for (const box of boxes) box.cleanup()
  await cf?.close()
})

const isRoot = process.getuid?.() === 0

/** A sandbox whose home holds profile p (cloudflare, api-token) as core writes it: 0700 directories, 0600 files. */
const seeded = (): Sandbox => {
  const box = sandbox(cf.env)
  boxes.push(box)
  fs.mkdirSync(path.join(box.home, "credentials/p"), { recursive: true, mode: 0o700 })
  fs.writeFileSync(path.join(box.home, "config.json"), JSON.stringify({ version: 1, profiles: { p: { cloudflare: { method: "api-token" } } } }), { mode: 0o600 })
  fs.writeFileSync(path.join(box.home, "credentials/p/cloudflare.json"), JSON.stringify({ type: "api-token", apiToken: "planted-secret-value" }), { mode: 0o600 })
  return box
}

/** Run and time the CLI; a run still alive after `killAfterMs` is killed (and reported as such). */
const timed = async (box: Sandbox, args: ReadonlyArray<string>, killAfterMs = 8_000): Promise<Result & { ms: number }> => {
  const started = Date.now()
  const result = await box.run(args, { killAfterMs })
  return { ...result, ms: Date.now() - started }
}

const configure = (box: Sandbox, profile: string, env: Record<string, string> = {}) =>
  box.run(["configure", "--profile", profile, "--provider", "cloudflare", "--method", "api-token", "--api-token-env", "T"], {
    env: { T: token, ...env }
  })

const mode = (file: string) => (fs.statSync(file).mode & 0o777).toString(8)

describe("a home that is not the user's (item 1)", () => {
  it.runIf(isRoot)("a home owned by another user: env refuses it (exit 1) naming the path, the owner and the fix", async () => {
    const box = seeded()
    fs.chownSync(box.home, 65534, 65534)
    const r = await timed(box, ["env", "--profile", "p"])
    assert.strictEqual(r.code, 1, r.stderr)
    assert.strictEqual(r.stdout, "")
    assert.include(r.stderr, `${box.home} is owned by uid 65534, not by you (uid 0)`)
    assert.include(r.stderr, `chown 0 '${box.home}' && chmod 700 '${box.home}'`)
    assert.notInclude(r.stdout + r.stderr, "planted-secret-value")
  })

  it("a credentials directory writable by others: env and exec refuse to hand out what is in it", async () => {
    const box = seeded()
    const dir = path.join(box.home, "credentials")
    fs.chmodSync(dir, 0o777)
    for (const args of [["env", "--profile", "p"], ["exec", "--profile", "p", "--", "env"]]) {
      const r = await timed(box, args)
      assert.strictEqual(r.code, 1, `${args.join(" ")}: ${r.stderr}`)
      assert.include(r.stderr, `${dir} is writable by its group and others (mode 777)`)
      assert.include(r.stderr, `chmod 700 '${dir}'`)
      assert.notInclude(r.stdout + r.stderr, "planted-secret-value")
    }
    assert.strictEqual(mode(dir), "777", "refused, not silently repaired")
  })
})

/** A FIFO in place of `file`. */
const fifoAt = (file: string) => {
  fs.rmSync(file, { force: true })
  execFileSync("mkfifo", ["-m", "600", file])
}

describe("a FIFO in place of a file (item 3)", () => {
  it("config.json, a credentials file or profiles.json as a FIFO: exit 1 at once, naming the path", async () => {
    const box = seeded()
    const config = path.join(box.home, "config.json")
    const credentials = path.join(box.home, "credentials/p/cloudflare.json")
    const legacy = path.join(box.home, "profiles.json")
    const timings: Array<string> = []
    const expectPrompt = async (args: ReadonlyArray<string>, file: string, code = 1) => {
      const r = await timed(box, args)
      timings.push(`${args.join(" ")}: ${r.ms} ms`)
      assert.isFalse(r.killed, `${args.join(" ")} hung`)
      assert.strictEqual(r.code, code, r.stderr)
      const output = code === 1 ? r.stderr : r.stdout
      assert.include(output, file)
      assert.include(output, "cannot be read: it is a FIFO (named pipe), not a regular file")
      assert.isBelow(r.ms, 3_000)
    }
    fifoAt(credentials)
    await expectPrompt(["env", "--profile", "p"], credentials)
    // profile show reports a provider whose credentials cannot be read in its section, and goes on (exit 0)
    await expectPrompt(["profile", "show", "--profile", "p"], credentials, 0)
    fifoAt(config)
    for (const args of [["profile", "show"], ["profile", "list"], ["env", "--profile", "p"]]) await expectPrompt(args, config)
    fs.rmSync(config)
    fifoAt(legacy)
    await expectPrompt(["profile", "list"], legacy)
    console.log(`FIFO runs: ${timings.join("; ")}`)
  })

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`${signal} ends a CLI that is waiting for a lock another process holds`, async () => {
      const box = seeded()
      fs.mkdirSync(path.join(box.home, "locks/config.lock"), { recursive: true })
      const child = spawn(process.execPath, [cliPath, "profile", "delete", "p", "--yes"], { env: box.env, stdio: ["pipe", "pipe", "pipe"] })
      child.stdin.end()
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.once("exit", (code, sig) => resolve({ code, signal: sig }))
      )
      const killer = setTimeout(() => child.kill("SIGKILL"), 9_000)
      await new Promise((resolve) => setTimeout(resolve, 1_200))
      const sent = Date.now()
      child.kill(signal)
      const exit = await exited
      const ms = Date.now() - sent
      clearTimeout(killer)
      console.log(`${signal} while waiting for the lock: exited ${exit.code ?? exit.signal} after ${ms} ms`)
      assert.notStrictEqual(exit.signal, "SIGKILL", "still waiting after the signal")
      assert.isBelow(ms, 1_500)
      assert.isTrue(fs.existsSync(path.join(box.home, "config.json")) && fs.existsSync(path.join(box.home, "locks/config.lock")))
      assert.include(fs.readFileSync(path.join(box.home, "config.json"), "utf8"), "\"p\"", "the profile was not deleted")
    })
  }
})

const nested = (depth: number) => `${"{\"a\":".repeat(depth)}1${"}".repeat(depth)}`

describe("JSON nested 5,000 deep (item 11)", () => {
  it("in config.json or a credentials file: an error naming the file, not a stack overflow", async () => {
    const box = seeded()
    const config = path.join(box.home, "config.json")
    const credentials = path.join(box.home, "credentials/p/cloudflare.json")
    fs.writeFileSync(credentials, `{"type":"api-token","apiToken":"planted-secret-value","x":${nested(5000)}}`)
    const secret = await timed(box, ["env", "--profile", "p"])
    assert.strictEqual(secret.code, 1, secret.stderr)
    assert.include(secret.stderr, `(${credentials}) does not have the expected shape: values nest 5001 levels deep`)
    assert.notInclude(secret.stderr, "call stack")
    const original = `{"version":1,"profiles":{"p":{"cloudflare":{"method":"api-token","x":${nested(5000)}}}}}`
    fs.writeFileSync(config, original)
    // (profile list reads only names and methods, with plain code, and lists p)
    for (const args of [["profile", "show", "--profile", "p"], ["env", "--profile", "p"]]) {
      const r = await timed(box, args)
      assert.strictEqual(r.code, 1, r.stderr)
      assert.include(r.stderr, `${config} does not have the expected shape: values nest 5004 levels deep; at most 256 are read`)
    }
    assert.strictEqual(fs.readFileSync(config, "utf8"), original)
  })
})

describe("a lock dated in the future (item 12)", () => {
  it("is stale: the command runs at once instead of waiting 20 s for a timeout", async () => {
    const box = seeded()
    const lock = path.join(box.home, "locks/config.lock")
    fs.mkdirSync(lock, { recursive: true })
    const nextYear = new Date(Date.now() + 365 * 24 * 3600_000)
    fs.utimesSync(lock, nextYear, nextYear)
    const r = await timed(box, ["profile", "delete", "p", "--yes"], 10_000)
    console.log(`profile delete with a lock dated next year: ${r.killed ? "killed" : `exit ${r.code}`} after ${r.ms} ms`)
    assert.isFalse(r.killed, "still waiting for the lock")
    assert.strictEqual(r.code, 0, r.stderr)
    assert.isBelow(r.ms, 3_000)
    assert.isFalse(fs.existsSync(lock), "taken over and released")
  })
})

describe("ALCHEMY_HOME (item 14)", () => {
  it("'~/x' is the user's home directory, not a directory named ~ where the command runs", async () => {
    const box = seeded()
    const cwd = tempDir("cwd")
    const r = await box.run(["configure", "--profile", "t", "--provider", "cloudflare", "--method", "api-token", "--api-token-env", "T"], {
      env: { T: token, ALCHEMY_HOME: "~/x" },
      cwd
    })
    assert.strictEqual(r.code, 0, r.stderr)
    assert.deepStrictEqual(fs.readdirSync(cwd), [])
    const home = path.join(box.env.HOME!, "x")
    assert.strictEqual(mode(path.join(home, "credentials/t/cloudflare.json")), "600")
    assert.include(fs.readFileSync(path.join(home, "config.json"), "utf8"), "\"t\"")
    fs.rmSync(cwd, { recursive: true })
  })

  it("a relative value is refused (exit 1), naming the variable and the fix; nothing is written", async () => {
    const box = seeded()
    const cwd = tempDir("cwd")
    for (const args of [["profile", "list"], ["configure", "--profile", "t", "--provider", "cloudflare", "--method", "api-token", "--api-token-env", "T"]]) {
      const r = await box.run(args, { env: { T: token, ALCHEMY_HOME: "x" }, cwd })
      assert.strictEqual(r.code, 1, `${args.join(" ")}: ${r.stderr}`)
      assert.include(r.stderr, `Refusing to use the alchemy home: ALCHEMY_HOME is the relative path "x"`)
      assert.include(r.stderr, `ALCHEMY_HOME="$HOME/x"`)
    }
    assert.deepStrictEqual(fs.readdirSync(cwd), [])
    fs.rmSync(cwd, { recursive: true })
  })
})

describe("home directories left 0755 (item 16)", () => {
  it("a command that writes tightens the home, credentials/ and credentials/<profile> to 0700", async () => {
    const box = seeded()
    const dirs = [box.home, path.join(box.home, "credentials"), path.join(box.home, "credentials/t")]
    fs.mkdirSync(dirs[2]!, { mode: 0o755 })
    for (const dir of dirs) fs.chmodSync(dir, 0o755)
    const r = await configure(box, "t")
    assert.strictEqual(r.code, 0, r.stderr)
    assert.deepStrictEqual(dirs.map(mode), ["700", "700", "700"])
    assert.strictEqual(mode(path.join(box.home, "credentials/t/cloudflare.json")), "600")
  })
})
