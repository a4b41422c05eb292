/**
 * Standard output and error as the shell hands them over. The CLI writes through the descriptors, not through
 * `process.stdout` (internal/Output.ts: creating that stream costs a start ~2-4 ms), so each case a stream handled
 * for us is checked here with a real shell: a reader that stops early (`| head -1`), a full pipe that another
 * process made non-blocking, a closed descriptor (`>&-`), a file, `/dev/null`.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, assert, describe, it } from "vitest"
import { cliPath, preload, type Sandbox, sandbox } from "./helpers.js"

const boxes: Array<Sandbox> = []
afterEach(() => {
  for (const b of boxes.splice(0)) b.cleanup()
})

const token = "streams-test-token-0123456789abcdefghijkl"

/** A home with `count` profiles (long names: `profile list` then prints well over a pipe's 64 KiB buffer). */
const setup = (count: number) => {
  const box = sandbox({ CLOUDFLARE_BASE_URL: "http://127.0.0.1:9/client/v4" })
  boxes.push(box)
  const profiles: Record<string, unknown> = {}
  for (let i = 0; i < count; i++) {
    profiles[`profile-${String(i).padStart(5, "0")}-${"x".repeat(48)}`] = {
      cloudflare: { method: "api-token", metadata: { id: "0123456789abcdef0123456789abcdef", name: "Account" } }
    }
  }
  profiles.default = profiles[Object.keys(profiles)[0]!]
  fs.mkdirSync(box.home, { recursive: true, mode: 0o700 })
  fs.writeFileSync(path.join(box.home, "config.json"), JSON.stringify({ version: 1, profiles }), { mode: 0o600 })
  fs.mkdirSync(path.join(box.home, "credentials", "default"), { recursive: true, mode: 0o700 })
  fs.writeFileSync(
    path.join(box.home, "credentials", "default", "cloudflare.json"),
    JSON.stringify({ type: "api-token", apiToken: token }),
    { mode: 0o600 }
  )
  /** Run a bash script in which `alchemy` is the CLI; its exit status, stdout and stderr. */
  const bash = (script: string, env: Record<string, string> = {}) => {
    const r = spawnSync("bash", ["-c", `set -o pipefail\nalchemy() { "$NODE_BIN" "$ALCHEMY_CLI" "$@"; }\n${script}`], {
      env: { ...box.env, NODE_BIN: process.execPath, ALCHEMY_CLI: cliPath, ...env },
      encoding: "utf8",
      timeout: 60_000
    })
    return { code: r.status, stdout: r.stdout, stderr: r.stderr }
  }
  return { box, bash }
}

describe("standard output as the shell hands it over", () => {
  it("a reader that stops early (| head -1): the command ends quietly with 0", () => {
    const { bash } = setup(3000)
    const r = bash(`alchemy profile list | head -n 1`)
    assert.strictEqual(r.stderr, "")
    assert.strictEqual(r.code, 0)
    assert.match(r.stdout, /^ {2}PROFILE +PROVIDERS\n$/)
  })

  it("a full pipe made non-blocking by another process: every line arrives, in order", () => {
    const { bash } = setup(3000)
    const expected = bash(`alchemy profile list`)
    assert.strictEqual(expected.code, 0, expected.stderr)
    assert.isAbove(expected.stdout.length, 256 * 1024)
    // Node makes a pipe non-blocking when it opens a stream on it: a preloaded script does so for stdout, as a
    // Node parent sharing the pipe would. It records the descriptor's flags, so the test knows the case happened.
    const { dir, file: nonBlocking } = preload(
      "streams",
      "process.stdout; require('node:fs').writeFileSync(process.env.FLAGS_FILE, " +
        "require('node:fs').readFileSync('/proc/self/fdinfo/1', 'utf8'))\n"
    )
    const flags = path.join(dir, "flags")
    const r = bash(`alchemy profile list | (sleep 1; cat)`, { NODE_OPTIONS: `--require ${nonBlocking}`, FLAGS_FILE: flags })
    const octal = /flags:\s+([0-7]+)/.exec(fs.readFileSync(flags, "utf8"))![1]!
    assert.notStrictEqual(Number.parseInt(octal, 8) & 0o4000, 0, "stdout was not made non-blocking")
    assert.strictEqual(r.stderr, "")
    assert.strictEqual(r.code, 0)
    assert.strictEqual(r.stdout, expected.stdout)
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it("a closed stdout (>&-) or stderr (2>&-): the command still succeeds", () => {
    const { bash } = setup(1)
    const closedOut = bash(`alchemy env --format json >&-`)
    assert.strictEqual(closedOut.code, 0, closedOut.stderr)
    assert.strictEqual(closedOut.stderr, "")
    const closedErr = bash(`alchemy env --format json 2>&-`)
    assert.strictEqual(closedErr.code, 0)
    assert.include(closedErr.stdout, token)
  })

  it("a file or /dev/null is not a terminal: the values are written, without colour", () => {
    const { box, bash } = setup(1)
    const file = path.join(box.home, "..", "env.json")
    assert.strictEqual(bash(`alchemy env --format json > ${JSON.stringify(file)}`).code, 0)
    const written = fs.readFileSync(file, "utf8")
    assert.include(written, token)
    assert.notInclude(written, "\u001b[")
    assert.strictEqual(bash(`alchemy env --format json > /dev/null`).code, 0)
    const list = bash(`alchemy profile list > ${JSON.stringify(file)}`)
    assert.strictEqual(list.code, 0)
    assert.notInclude(fs.readFileSync(file, "utf8"), "\u001b[")
  })
})
