/**
 * Script stacks: an `alchemy.run.ts` of the `alchemy` library (0.x) that does its work at import time is run as a
 * child process (never imported by the CLI) with the selected profile and stage forwarded, its exit status and
 * signals passed on. Also: loader errors of a `defineStack` file are printed whole.
 */
import * as CloudflareEmulator from "@alchemy/testing/CloudflareEmulator"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { appDir, cliPath, type Sandbox, sandbox, tempDir } from "./helpers.js"

const fixtures = path.join(appDir, "test", "fixtures", "script-stack")
const script = path.join(fixtures, "alchemy.run.ts")

let cf: CloudflareEmulator.CloudflareEmulator
let box: Sandbox
let dir: string

beforeAll(async () => {
  cf = await CloudflareEmulator.start()
  box = sandbox(cf.env)
  dir = tempDir("script-stack")
})

afterAll(async () => {
  box?.cleanup()
  if (dir) fs.rmSync(dir, { recursive: true, force: true })
  await cf?.close()
})

interface Report {
  readonly app: string
  readonly phase: string
  readonly stage: string | null
  readonly profile: string | null
  readonly argv: ReadonlyArray<string>
  readonly pid: number
  readonly env: Record<string, string | null>
  readonly tokenStatus: string | null
}

const reportOf = (stdout: string): Report => {
  const line = stdout.split("\n").find((l) => l.startsWith("REPORT "))
  assert.isDefined(line, `no report on stdout:\n${stdout}`)
  return JSON.parse(line!.slice("REPORT ".length))
}

/** Spawn the CLI and keep its pid (the helpers' `run` hides it). */
const start = (args: ReadonlyArray<string>, env: Record<string, string | undefined> = {}) => {
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd: fixtures,
    env: { ...box.env, ...env },
    stdio: ["pipe", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d))
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d))
  child.stdin.end()
  const timer = setTimeout(() => child.kill("SIGKILL"), 40_000)
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.once("close", (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  )
  return { pid: child.pid!, kill: (signal: NodeJS.Signals) => child.kill(signal), done }
}

const waitFor = async (file: string, content: string, ms = 20_000): Promise<void> => {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (fs.existsSync(file) && fs.readFileSync(file, "utf8") === content) return
    await new Promise((r) => setTimeout(r, 50))
  }
  assert.fail(`${file} never said ${content}`)
}

describe("script stacks (alchemy 0.x)", () => {
  it("deploy runs the script in a child process with --stage, --profile and the profile variables", async () => {
    const marker = path.join(dir, "deploy.pid")
    const cli = start(["deploy", "--profile", "prod", "--stage", "ci"], { SCRIPT_MARKER: marker })
    const r = await cli.done
    assert.strictEqual(r.code, 0, r.stderr)
    const report = reportOf(r.stdout)
    assert.strictEqual(report.app, "script-app")
    assert.strictEqual(report.phase, "up")
    assert.strictEqual(report.stage, "ci")
    assert.strictEqual(report.profile, "prod")
    assert.deepStrictEqual(report.argv, ["--stage", "ci", "--profile", "prod"])
    assert.deepStrictEqual(report.env, { ALCHEMY_PROFILE: "prod", CLOUDFLARE_PROFILE: "prod", ALCHEMY_AWS_PROFILE: "prod" })
    // The import-time side effect ran in the child, not in the CLI.
    const markerPid = Number(fs.readFileSync(marker, "utf8"))
    assert.strictEqual(markerPid, report.pid)
    assert.notStrictEqual(markerPid, cli.pid)
    assert.include(r.stderr, "alchemy.run.ts")
    assert.include(r.stderr, "Cloudflare: profile prod (--profile prod)")
  })

  it("each phase passes what the alchemy library reads from argv; provider variables follow the selection", async () => {
    const destroy = await box.run(["destroy", script, "--stage", "s1"], {
      cwd: fixtures,
      env: { CLOUDFLARE_PROFILE: "cfonly", ALCHEMY_PROFILE: undefined }
    })
    assert.strictEqual(destroy.code, 0, destroy.stderr)
    const d = reportOf(destroy.stdout)
    assert.strictEqual(d.phase, "destroy")
    assert.deepStrictEqual(d.argv, ["--destroy", "--stage", "s1"])
    // No profile named for the command: no --profile; Cloudflare's own variable names its profile, AWS has none.
    assert.deepStrictEqual(d.env, { ALCHEMY_PROFILE: null, CLOUDFLARE_PROFILE: "cfonly", ALCHEMY_AWS_PROFILE: null })

    const plan = await box.run(["plan", script], { cwd: fixtures, env: { ALCHEMY_PROFILE: "team", STAGE: "from-env" } })
    assert.strictEqual(plan.code, 0, plan.stderr)
    const p = reportOf(plan.stdout)
    assert.strictEqual(p.phase, "read")
    assert.deepStrictEqual(p.argv, ["--read", "--stage", "from-env", "--profile", "team"])
    assert.deepStrictEqual(p.env, { ALCHEMY_PROFILE: "team", CLOUDFLARE_PROFILE: "team", ALCHEMY_AWS_PROFILE: "team" })
  })

  it("without a named profile, raw credentials in the environment reach the script untouched", async () => {
    const token = cf.addApiToken()
    const r = await box.run(["run", script, "--stage", "t"], { cwd: fixtures, env: { CLOUDFLARE_API_TOKEN: token } })
    assert.strictEqual(r.code, 0, r.stderr)
    const report = reportOf(r.stdout)
    assert.deepStrictEqual(report.argv, ["--read", "--stage", "t"])
    assert.deepStrictEqual(report.env, { ALCHEMY_PROFILE: null, CLOUDFLARE_PROFILE: null, ALCHEMY_AWS_PROFILE: null })
    assert.strictEqual(report.tokenStatus, "active")
  })

  it("the script's exit code is the CLI's", async () => {
    const r = await box.run(["deploy", script], { cwd: fixtures, env: { SCRIPT_EXIT_CODE: "7" } })
    assert.strictEqual(r.code, 7, r.stderr)
    assert.isDefined(reportOf(r.stdout))
  })

  it("SIGTERM sent to the CLI reaches the script; a death by signal n exits 128 + n", async () => {
    const signalFile = path.join(dir, "signal.txt")
    const marker = path.join(dir, "signal.pid")
    const cli = start(["deploy", "--stage", "sig"], { SCRIPT_WAIT_FOR_SIGNAL: signalFile, SCRIPT_MARKER: marker })
    await waitFor(signalFile, "ready")
    // Only the CLI gets the signal (not its process group): the script hears of it through the CLI.
    process.kill(cli.pid, "SIGTERM")
    const r = await cli.done
    assert.strictEqual(fs.readFileSync(signalFile, "utf8"), "SIGTERM", r.stderr)
    assert.strictEqual(r.code, 128 + 15, r.stderr)
    assert.notStrictEqual(Number(fs.readFileSync(marker, "utf8")), cli.pid)
  })

  it("login refuses a script without running it (it cannot say which providers it needs)", async () => {
    const marker = path.join(dir, "login.pid")
    const r = await box.run(["login", script], { cwd: fixtures, env: { SCRIPT_MARKER: marker } })
    assert.strictEqual(r.code, 1)
    assert.include(r.stderr, "--provider")
    assert.isFalse(fs.existsSync(marker), "the script ran")
  })
})

describe("stack file loader errors", () => {
  const stackHeader = `import { defineStack } from "@alchemy/cli/Stack"\n`

  it("a syntax error in a defineStack file is printed whole: the location and what the parser expected", async () => {
    const file = path.join(appDir, "test", "fixtures", `.syntax-${process.pid}.run.ts`)
    fs.writeFileSync(
      file,
      `${stackHeader}const broken: number = (\nexport default defineStack({ name: "x", providers: [], run: async () => {} })\n`
    )
    try {
      const r = await box.run(["deploy", file])
      assert.strictEqual(r.code, 1)
      assert.include(r.stderr, `${file}: failed to load`)
      // The first line alone ("Transform failed with 1 error:") says nothing; the location line follows it.
      assert.include(r.stderr, "Transform failed with 1 error")
      assert.match(r.stderr, new RegExp(`${path.basename(file).replace(/\./g, "\\.")}:3:\\d+: ERROR: `))
    } finally {
      fs.rmSync(file, { force: true })
    }
  })

  it("a missing import is printed whole: the module and who imported it, however long the path", async () => {
    const file = path.join(appDir, "test", "fixtures", `.missing-${process.pid}.run.ts`)
    // A deep path makes the message longer than the 500 characters it used to be cut to.
    const missing = `./${"a-rather-long-directory-name/".repeat(20)}no-such-module-here.js`
    fs.writeFileSync(
      file,
      `${stackHeader}import { nothing } from "${missing}"\nexport default defineStack({ name: "x", providers: [], run: async () => nothing })\n`
    )
    try {
      const r = await box.run(["deploy", file])
      assert.strictEqual(r.code, 1)
      assert.include(r.stderr, `${file}: failed to load`)
      assert.include(r.stderr, `${path.resolve(path.dirname(file), missing)}' imported from ${file}`, r.stderr)
    } finally {
      fs.rmSync(file, { force: true })
    }
  })

  it("a syntax error in a script stack is the script's own: node prints it and the CLI exits with its code", async () => {
    const file = path.join(dir, "alchemy.run.ts")
    fs.writeFileSync(file, `const app = await alchemy("x"\nawait app.finalize()\n`)
    const r = await box.run(["deploy", file], { cwd: dir })
    assert.strictEqual(r.code, 1)
    assert.include(r.stderr, "alchemy.run.ts:2:")
  })
})
