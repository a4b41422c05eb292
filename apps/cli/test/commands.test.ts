/**
 * Every command of the bundled CLI against the local Cloudflare and AWS emulators, scripted with flags.
 */
import { AwsEmulator } from "@alchemy/testing"
import * as CloudflareEmulator from "@alchemy/testing/CloudflareEmulator"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { cliPath, examplePath, readConfig, type Sandbox, sandbox, tempDir } from "./helpers.js"

let cf: CloudflareEmulator.CloudflareEmulator
let aws: AwsEmulator.AwsEmulator
let box: Sandbox
let token: string
let awsKey: { accessKeyId: string; secretAccessKey: string }

beforeAll(async () => {
  cf = await CloudflareEmulator.start()
  aws = await AwsEmulator.start()
  token = cf.addApiToken()
  awsKey = aws.addAccessKey()
  box = sandbox({ ...cf.env, ...aws.env })
})

afterAll(async () => {
  box?.cleanup()
  await cf?.close()
  await aws?.close()
})

describe("alchemy", () => {
  it("--help lists every command; a subcommand's --help describes its flags", async () => {
    const root = await box.run(["--help"])
    assert.strictEqual(root.code, 0)
    for (const c of ["configure", "login", "logout", "profile", "deploy", "destroy", "dev", "plan", "run", "exec", "env", "aws", "completions"]) {
      assert.include(root.stdout, c)
    }
    const configure = await box.run(["configure", "--help"])
    assert.strictEqual(configure.code, 0)
    assert.include(configure.stdout, "--api-token-env")
    assert.notInclude(configure.stdout, "\u001b[", "no colour without a TTY")
    // The usage names the whole command; @effect/cli's words for each option's type are gone.
    assert.include(configure.stdout, "$ alchemy configure [--profile text]")
    assert.notInclude(configure.stdout, "This setting is optional")
    assert.include((await box.run(["profile", "show", "--help"])).stdout, "$ alchemy profile show [--profile text] [--stage text] [--force] [--json]")
  })

  it("a usage error exits 2", async () => {
    const r = await box.run(["profile", "show", "--no-such-flag"])
    assert.strictEqual(r.code, 2)
    const bad = await box.run(["configure", "--profile", "../evil", "--provider", "cloudflare", "--method", "api-token", "--api-token-env", "T"], { env: { T: token } })
    assert.strictEqual(bad.code, 2)
    assert.isFalse(fs.existsSync(path.join(box.home, "config.json")))
  })

  it("a flag left without its value says so (exit 2), instead of an unknown argument, a stack file or a command", async () => {
    for (const [args, message] of [
      [["env", "--profile"], "--profile needs a value: --profile <name>"],
      [["deploy", "--stage"], "--stage needs a value"],
      [["configure", "--method", "api-token", "--api-token-env"], "--api-token-env needs a value: --api-token-env <VARIABLE>"],
      [["exec", "--profile", "--", "true"], "--profile needs a value"]
    ] as const) {
      const r = await box.run(args)
      assert.strictEqual(r.code, 2, `${args.join(" ")}: ${r.stderr}`)
      assert.include(r.stderr, message)
      assert.notInclude(r.stderr, "unknown argument")
    }
  })

  it("configure (api-token from an environment variable), show, show --json, list", async () => {
    const configured = await box.run(
      ["configure", "--profile", "work", "--provider", "cloudflare", "--method", "api-token", "--api-token-env", "MY_TOKEN"],
      { env: { MY_TOKEN: token } }
    )
    assert.strictEqual(configured.code, 0, configured.stderr)
    assert.include(configured.stdout, "Profile: work")
    assert.include(configured.stdout, "── Cloudflare ──")
    assert.strictEqual(readConfig(box.home).profiles.work.cloudflare.method, "api-token")

    const shown = await box.run(["profile", "show", "--profile", "work"])
    assert.strictEqual(shown.code, 0, shown.stderr)
    assert.match(shown.stdout, /^Profile: work/m)
    assert.include(shown.stdout, `${token.slice(0, 4)}****`)
    assert.include(shown.stdout, cf.accounts[0]!.id)

    const json = JSON.parse((await box.run(["profile", "show", "--profile", "work", "--json"])).stdout)
    assert.strictEqual(json.profile, "work")
    assert.strictEqual(json.selectedBy, "flag")
    assert.strictEqual(json.providers.cloudflare.method, "api-token")
    assert.strictEqual(json.providers.cloudflare.credentials, "profile")
    assert.deepStrictEqual(json.warnings, [])

    // A credentials file others can read (copied in by hand, say) is reported with the fix, and left as it is.
    const file = path.join(box.home, "credentials", "work", "cloudflare.json")
    fs.chmodSync(file, 0o644)
    const exposed = await box.run(["profile", "show", "--profile", "work"])
    assert.strictEqual(exposed.code, 0, exposed.stderr)
    assert.include(exposed.stderr, `chmod 600 '${file}'`)
    assert.include(JSON.parse((await box.run(["profile", "show", "--profile", "work", "--json"])).stdout).warnings.join("\n"), "readable by others")
    assert.strictEqual(fs.statSync(file).mode & 0o777, 0o644)
    fs.chmodSync(file, 0o600)

    const list = await box.run(["profile", "list"])
    assert.match(list.stdout, /^  work\s+cloudflare \(api-token\)$/m)
    assert.match((await box.run(["profile", "list", "--profile", "work"])).stdout, /^\* work\s+cloudflare/m)
    const listJson = JSON.parse((await box.run(["profile", "list", "--json"])).stdout)
    assert.deepStrictEqual(listJson.profiles.map((p: any) => p.name), ["work"])
    assert.strictEqual(listJson.selected, "default")
    assert.strictEqual(listJson.profiles[0].providers.cloudflare.method, "api-token")
  })

  it("configure AWS access keys from standard input; env in every format; aws credential-process", async () => {
    const r = await box.run(
      ["configure", "--profile", "work", "--provider", "aws", "--method", "access-keys", "--aws-access-key-id", awsKey.accessKeyId, "--aws-secret-access-key-stdin", "--region", "eu-west-1"],
      { input: `${awsKey.secretAccessKey}\n` }
    )
    assert.strictEqual(r.code, 0, r.stderr)
    assert.include(r.stdout, "── AWS ──")

    const json = JSON.parse((await box.run(["env", "--profile", "work", "--format", "json"])).stdout)
    assert.strictEqual(json.CLOUDFLARE_API_TOKEN, token)
    assert.strictEqual(json.CLOUDFLARE_ACCOUNT_ID, cf.accounts[0]!.id)
    assert.strictEqual(json.AWS_ACCESS_KEY_ID, awsKey.accessKeyId)
    assert.strictEqual(json.AWS_SECRET_ACCESS_KEY, awsKey.secretAccessKey)

    const sh = (await box.run(["env", "--profile", "work"])).stdout
    assert.include(sh, `export CLOUDFLARE_API_TOKEN='${token}'`)
    const fish = (await box.run(["env", "--profile", "work", "--format", "fish"])).stdout
    assert.include(fish, `set -gx CLOUDFLARE_API_TOKEN '${token}';`)
    const dotenv = (await box.run(["env", "--profile", "work", "--format", "dotenv"])).stdout
    assert.include(dotenv, `CLOUDFLARE_API_TOKEN='${token}'`)

    const cp = await box.run(["aws", "credential-process", "--profile", "work"])
    assert.strictEqual(cp.code, 0, cp.stderr)
    const out = JSON.parse(cp.stdout)
    assert.strictEqual(out.Version, 1)
    assert.strictEqual(out.AccessKeyId, awsKey.accessKeyId)
    assert.strictEqual(out.SecretAccessKey, awsKey.secretAccessKey)

    // No profile named and keys in the environment: they are passed on whole, expiration included.
    const fromEnv = await box.run(["aws", "credential-process"], {
      env: {
        AWS_ACCESS_KEY_ID: "ASIAENVIRONMENT00001",
        AWS_SECRET_ACCESS_KEY: "environment-secret-value",
        AWS_SESSION_TOKEN: "environment-session-token",
        AWS_CREDENTIAL_EXPIRATION: "2030-01-01T00:00:00.000Z"
      }
    })
    assert.strictEqual(fromEnv.code, 0, fromEnv.stderr)
    assert.deepStrictEqual(JSON.parse(fromEnv.stdout), {
      Version: 1,
      AccessKeyId: "ASIAENVIRONMENT00001",
      SecretAccessKey: "environment-secret-value",
      SessionToken: "environment-session-token",
      Expiration: "2030-01-01T00:00:00.000Z"
    })
  })

  it("configure AWS SSO (device code, approved by the emulator) and assume-role from it", async () => {
    const sso = await AwsEmulator.start({ devicePendingPolls: 1 })
    try {
      const env = { ...sso.env }
      const r = await box.run([
        "configure", "--profile", "sso", "--method", "sso", "--sso-start-url", `${sso.url}/start`, "--sso-region", "us-east-1",
        "--sso-account-id", "111111111111", "--sso-role-name", "ReadOnlyAccess", "--region", "eu-central-1", "--use-device-code"
      ], { env })
      assert.strictEqual(r.code, 0, r.stderr)
      assert.include(r.stdout, "── AWS ──")
      assert.include(r.stdout, "111111111111")
      const show = JSON.parse((await box.run(["profile", "show", "--profile", "sso", "--json"], { env })).stdout)
      assert.strictEqual(show.providers.aws.method, "sso")

      const role = await box.run([
        "configure", "--profile", "role", "--method", "assume-role", "--role-arn", "arn:aws:iam::111111111111:role/Deployer",
        "--source-profile", "sso", "--region", "eu-central-1"
      ], { env })
      assert.strictEqual(role.code, 0, role.stderr)
      const cp = await box.run(["aws", "credential-process", "--profile", "role"], { env })
      assert.strictEqual(cp.code, 0, cp.stderr)
      assert.strictEqual(JSON.parse(cp.stdout).Version, 1)
      assert.isString(JSON.parse(cp.stdout).Expiration)
    } finally {
      await sso.close()
    }
  })

  it("exec passes the credentials, the exit code and signals", async () => {
    const ok = await box.run([
      "exec", "--profile", "work", "--", process.execPath, "-e",
      "process.stdout.write(process.env.CLOUDFLARE_ACCOUNT_ID + ' ' + (process.env.CLOUDFLARE_API_TOKEN === process.env.EXPECT))"
    ], { env: { EXPECT: token } })
    assert.strictEqual(ok.code, 0, ok.stderr)
    assert.strictEqual(ok.stdout, `${cf.accounts[0]!.id} true`)
    // The command's own arguments are its own, a trailing --profile included.
    const own = await box.run(["exec", "--profile", "work", "--", process.execPath, "-e", "process.stdout.write(process.argv.at(-1))", "--", "--profile"])
    assert.strictEqual(own.code, 0, own.stderr)
    assert.strictEqual(own.stdout, "--profile")
    const failing = await box.run(["exec", "--profile", "work", "--", process.execPath, "-e", "process.exit(7)"])
    assert.strictEqual(failing.code, 7)
    const killed = await box.run(["exec", "--profile", "work", "--", process.execPath, "-e", "process.kill(process.pid, 'SIGTERM')"])
    assert.strictEqual(killed.code, 143)
    // A signal sent to alchemy reaches the child; the child's status is alchemy's.
    const child = spawn(process.execPath, [
      cliPath, "exec", "--profile", "work", "--", process.execPath, "-e",
      "process.on('SIGTERM', () => { console.log('child got SIGTERM'); process.exit(42) }); console.log('ready'); setInterval(() => {}, 1000)"
    ], { env: box.env, stdio: ["ignore", "pipe", "pipe"] })
    let out = ""
    await new Promise<void>((resolve) => child.stdout.on("data", (d) => { out += d; if (out.includes("ready")) resolve() }))
    child.kill("SIGTERM")
    const status = await new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)))
    assert.include(out, "child got SIGTERM")
    assert.strictEqual(status, 42)

    const missing = await box.run(["exec", "--profile", "work", "--", "no-such-command-xyz"])
    assert.strictEqual(missing.code, 1)
    assert.include(missing.stderr, "command not found")
  })

  it("deploy|destroy the example stack with the profile's credentials", async () => {
    // Every phase runs the same path; two keep the suite fast (a stack load compiles the providers' sources with tsx).
    for (const phase of ["deploy", "destroy"]) {
      const r = await box.run([phase, examplePath, "--profile", "work", "--stage", "ci"])
      assert.strictEqual(r.code, 0, r.stderr)
      assert.include(r.stdout, `[${phase}/ci] Cloudflare account "${cf.accounts[0]!.name}"`)
    }
  })

  it("a stack file that is missing, exports the wrong thing or throws: an error naming the file", async () => {
    const dir = tempDir("stacks")
    const missing = await box.run(["deploy", path.join(dir, "nope.ts")])
    assert.strictEqual(missing.code, 1)
    assert.include(missing.stderr, "nope.ts")
    const none = await box.run(["deploy"], { cwd: dir })
    assert.strictEqual(none.code, 1)
    assert.include(none.stderr, "alchemy.run.ts")

    const wrong = path.join(dir, "wrong.ts")
    fs.writeFileSync(wrong, "export default { name: 'x' }\n")
    const w = await box.run(["deploy", wrong, "--profile", "work"])
    assert.strictEqual(w.code, 1)
    assert.include(w.stderr, wrong)
    assert.include(w.stderr, "defineStack", w.stderr)

    const broken = path.join(dir, "broken.ts")
    fs.writeFileSync(broken, "export default {{ syntax error\n")
    const b = await box.run(["deploy", broken, "--profile", "work"])
    assert.strictEqual(b.code, 1)
    assert.include(b.stderr, broken)

    const throws = path.join(dir, "throws.ts")
    fs.writeFileSync(
      throws,
      `const stack: any = { name: "t", providers: ["cloudflare"], run: async () => { throw new Error("boom from stack") } };
stack[Symbol.for("@alchemy/cli/Stack")] = Symbol.for("@alchemy/cli/Stack");
export default stack;\n`
    )
    const t = await box.run(["deploy", throws, "--profile", "work"])
    assert.strictEqual(t.code, 1)
    assert.include(t.stderr, throws)
    assert.include(t.stderr, "boom from stack", t.stderr)
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it("login reads the stack file to learn the providers and refreshes them", async () => {
    const r = await box.run(["login", examplePath, "--profile", "work"])
    assert.strictEqual(r.code, 0, r.stderr)
    assert.include(r.stderr, "uses Cloudflare")
    assert.include(r.stdout, "── Cloudflare ──")
    assert.notInclude(r.stdout, "── AWS ──")
  })

  // One entry that fails its schema (an odd name, a bad method) is not a broken file: shared-home.test.ts.
  it("a config.json that does not parse or fails its schema as a whole: an error naming the file, the file untouched", async () => {
    const other = sandbox({ ...cf.env })
    try {
      fs.mkdirSync(other.home, { recursive: true })
      const file = path.join(other.home, "config.json")
      for (const text of ['{"version":1,"profiles":{"ok":{"cloudflare":{"method":"api-token"}}}', '{"version":2,"profiles":{}}', '{"version":1,"profiles":[]}', '[1]']) {
        fs.writeFileSync(file, text)
        for (const args of [["profile", "list"], ["profile", "list", "--json"], ["profile", "show", "--profile", "ok"]]) {
          const r = await other.run(args)
          assert.strictEqual(r.code, 1, `${args.join(" ")} with ${text}: ${r.stdout}${r.stderr}`)
          assert.include(r.stderr, file)
          assert.strictEqual(fs.readFileSync(file, "utf8"), text)
        }
      }
    } finally {
      other.cleanup()
    }
  })

  it("completions for bash, zsh and fish", async () => {
    for (const shell of ["bash", "zsh", "fish"]) {
      const r = await box.run(["completions", shell])
      assert.strictEqual(r.code, 0, r.stderr)
      assert.include(r.stdout, "alchemy")
      assert.include(r.stdout, "configure")
    }
  })

  it("logout keeps the configuration; login with flags configures again; delete removes the profile", async () => {
    const out = await box.run(["logout", "--profile", "work", "--provider", "cloudflare", "--yes"])
    assert.strictEqual(out.code, 0, out.stderr)
    assert.strictEqual(readConfig(box.home).profiles.work.cloudflare.method, "api-token")
    assert.isFalse(fs.existsSync(path.join(box.home, "credentials", "work", "cloudflare.json")))
    const env = await box.run(["env", "--profile", "work", "--format", "json"])
    assert.strictEqual(env.code, 3, env.stderr)
    assert.include(env.stderr, "alchemy login --profile work")

    const login = await box.run(
      ["login", "--profile", "work", "--provider", "cloudflare", "--configure", "--method", "api-token", "--api-token-env", "T"],
      { env: { T: token } }
    )
    assert.strictEqual(login.code, 0, login.stderr)
    assert.include(login.stdout, "Profile: work")

    const del = await box.run(["profile", "delete", "work", "--yes"])
    assert.strictEqual(del.code, 0, del.stderr)
    assert.notProperty(readConfig(box.home).profiles, "work")
    const gone = await box.run(["profile", "show", "--profile", "work"])
    assert.strictEqual(gone.code, 1)
    assert.include(gone.stderr, "does not exist")
  })
})
