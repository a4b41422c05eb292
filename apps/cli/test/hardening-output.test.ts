/**
 * Hardening found by attacking the built CLI: text from outside (account names, server messages) is printed with
 * its control characters escaped, on a terminal or not, in text and JSON; `env --format dotenv` is read the same,
 * and runs nothing, in a shell and in dotenv parsers; a blank profile variable is unset for every command; every
 * command that reads a secret reports credentials files others can read; names of Object.prototype and
 * `__proto__` keys are plain data.
 */
import { AwsEmulator } from "@alchemy/testing"
import * as CloudflareEmulator from "@alchemy/testing/CloudflareEmulator"
import * as dotenv from "dotenv"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { parseEnv } from "node:util"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { examplePath, readConfig, type Sandbox, sandbox } from "./helpers.js"
import * as Tmux from "./tmux.js"

let cf: CloudflareEmulator.CloudflareEmulator
let aws: AwsEmulator.AwsEmulator
let box: Sandbox
let token: string
const ptys: Array<Tmux.Pty> = []

// Retitles the terminal (OSC 0), writes the clipboard (OSC 52), clears the screen (C1 CSI), breaks lines for
// JavaScript readers (U+2028) and forges an error line (CR LF).
const hostile = "Evil\u001b]0;pwned\u0007\u001b]52;c;cm0gLXJmIH4=\u0007\u009b2J\u007f\u2028\r\nerror: forged"
const [team, other] = CloudflareEmulator.makeAccounts(2, "Team") as [CloudflareEmulator.Account, CloudflareEmulator.Account]
const evil: CloudflareEmulator.Account = { id: team.id, name: hostile }

beforeAll(async () => {
  cf = await CloudflareEmulator.start({ accounts: [evil, other] })
  token = cf.addApiToken()
  box = sandbox({ ...cf.env })
  const configured = await configure("prod", "--account-id", evil.id)
  assert.strictEqual(configured.code, 0, configured.stderr)
})

afterAll(async () => {
  for (const p of ptys) p.close()
  box?.cleanup()
  await cf?.close()
  await aws?.close()
})

const configure = (profile: string, ...flags: ReadonlyArray<string>) =>
  box.run(
    ["configure", "--profile", profile, "--provider", "cloudflare", "--method", "api-token", "--api-token-env", "T", ...flags],
    { env: { T: token } }
  )

/** No control character but newline and tab reaches the output, and no line was forged. */
const noControl = (text: string): void => {
  assert.notMatch(text, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/, `no control character in ${JSON.stringify(text)}`)
  assert.notMatch(text, /^error: forged/m, "no forged line")
}
/** The hostile name as printed: escaped, on one line. */
const escaped = "Evil\\u001b]0;pwned\\u0007\\u001b]52;c;cm0gLXJmIH4=\\u0007\\u009b2J\\u007f\\u2028\\u000d\\u000aerror: forged"

describe("text from outside is printed with control characters escaped", () => {
  it("an account name: profile show, its --json, profile list --json (the exact name, every control escaped)", async () => {
    const show = await box.run(["profile", "show", "--profile", "prod"])
    assert.strictEqual(show.code, 0, show.stderr)
    assert.include(show.stdout, `account: ${escaped}\n`)
    noControl(show.stdout + show.stderr)

    const json = await box.run(["profile", "show", "--profile", "prod", "--json"])
    assert.strictEqual(json.code, 0, json.stderr)
    noControl(json.stdout)
    assert.strictEqual(JSON.parse(json.stdout).providers.cloudflare.details.accountName, hostile)

    const list = await box.run(["profile", "list", "--json"])
    assert.strictEqual(list.code, 0, list.stderr)
    noControl(list.stdout)
    assert.strictEqual(JSON.parse(list.stdout).profiles[0].providers.cloudflare.accountName, hostile)
  })

  it("an account name in a warning: env with CLOUDFLARE_ACCOUNT_ID naming another account", async () => {
    const r = await box.run(["env", "--profile", "prod", "--format", "json"], { env: { CLOUDFLARE_ACCOUNT_ID: other.id } })
    assert.strictEqual(r.code, 0, r.stderr)
    assert.include(r.stderr, `(${escaped}: ${evil.id})`)
    noControl(r.stdout + r.stderr)
  })

  it("account names in an error: configure without a terminal, several accounts", async () => {
    const r = await configure("pick")
    assert.strictEqual(r.code, 1, r.stderr)
    assert.include(r.stderr, `${escaped}: ${evil.id}`)
    noControl(r.stdout + r.stderr)
  })

  it("a server's error message: configure's error, and profile show's warning", async () => {
    cf.failNext("/user/tokens/verify", 400, [{ code: 1000, message: hostile }])
    const r = await configure("failing")
    assert.strictEqual(r.code, 1, r.stderr)
    assert.include(r.stderr, "Evil\\u001b]0;pwned\\u0007")
    noControl(r.stdout + r.stderr)

    // A profile without a stored account lists the accounts: both listings fail with the hostile message.
    const config = readConfig(box.home)
    config.profiles.bare = { cloudflare: { method: "api-token" } }
    fs.writeFileSync(path.join(box.home, "config.json"), JSON.stringify(config, null, 2))
    fs.cpSync(path.join(box.home, "credentials", "prod"), path.join(box.home, "credentials", "bare"), { recursive: true })
    cf.failNext("/memberships", 400, [{ code: 1000, message: hostile }])
    cf.failNext("/accounts", 400, [{ code: 1000, message: hostile }])
    const show = await box.run(["profile", "show", "--profile", "bare"])
    assert.strictEqual(show.code, 0, show.stderr)
    assert.include(show.stderr, "Evil\\u001b]0;pwned\\u0007")
    noControl(show.stdout + show.stderr)
  })

  it("on a terminal: the name shows escaped, nothing retitles or forges, our colours still work", async () => {
    const p = Tmux.start(["profile", "show", "--profile", "prod"], { ...box.env, TERM: "xterm-256color" })
    ptys.push(p)
    assert.strictEqual(await p.exitCode(), 0, p.screen())
    assert.include(p.screen(), `account: ${escaped}`)
    assert.notMatch(p.screen(), /^error: forged/m)
    assert.include(p.screenWithEscapes(), "\u001b[1mProfile:", "bold, from our own style")
  })

  it("a method string from config.json: profile list prints it escaped, on its line", async () => {
    const config = readConfig(box.home)
    config.profiles.odd = { neon: { method: hostile } }
    fs.writeFileSync(path.join(box.home, "config.json"), JSON.stringify(config, null, 2))
    const r = await box.run(["profile", "list"])
    assert.strictEqual(r.code, 0, r.stderr)
    assert.include(r.stdout, `  odd      neon (${escaped})\n`)
    noControl(r.stdout + r.stderr)
  })
})

describe("env --format dotenv, sourced by a shell and read by dotenv parsers", () => {
  // Environment credentials (no profile named) are handed out as they are: any value can be tried.
  const pwned = () => path.join(box.env.HOME!, "pwned")
  const values = () => ({
    AWS_ACCESS_KEY_ID: `$(touch ${pwned()})\`touch ${pwned()}\` "double" \\back\\slash\\n ; # not a comment\nsecond line\n`,
    AWS_SECRET_ACCESS_KEY: "it's\n  plain: #1 = 'ok' ",
    CLOUDFLARE_API_KEY: "#not a comment",
    CLOUDFLARE_EMAIL: "  spaces kept  ",
    CLOUDFLARE_API_TOKEN: "\tKEY=x\nOTHER='y'"
  })
  const sourced = (file: string, names: ReadonlyArray<string>): Record<string, string> =>
    JSON.parse(execFileSync("sh", ["-c", `set -a; . '${file}'; exec "$0" -e "$1"`, process.execPath,
      `process.stdout.write(JSON.stringify(Object.fromEntries(${JSON.stringify(names)}.map((n) => [n, process.env[n]]))))`
    ], { encoding: "utf8", env: { PATH: process.env.PATH! } }))

  it("each value comes back exact from sh, the dotenv package (both parsers) and Node's parser; nothing runs", async () => {
    const env = values()
    for (const format of ["dotenv", "sh"]) {
      const r = await box.run(["env", "--format", format], { env })
      assert.strictEqual(r.code, 0, r.stderr)
      const file = path.join(box.env.HOME!, `env.${format}`)
      fs.writeFileSync(file, r.stdout)
      assert.deepStrictEqual(sourced(file, Object.keys(env)), env, `${format} sourced by sh`)
      if (format === "dotenv") {
        for (const parsed of [dotenv.parse(r.stdout), dotenv.parse(r.stdout, { fast: true }), parseEnv(r.stdout)]) {
          assert.deepStrictEqual(parsed, env)
        }
      }
    }
    assert.isFalse(fs.existsSync(pwned()), "nothing ran")
  })

  it("a value no quoting carries safely is refused, naming the variable (never the value); JSON carries it", async () => {
    const refused: ReadonlyArray<readonly [string, string, ReadonlyArray<string>]> = [
      ["it's $(touch x)", "a single quote and one of", ["dotenv"]],
      ["a\u001b]0;title\u0007", "a control character", ["dotenv", "sh", "fish"]],
      ["carriage\rreturn", "a control character", ["dotenv"]]
    ]
    for (const [value, why, formats] of refused) {
      for (const format of formats) {
        const r = await box.run(["env", "--format", format], { env: { CLOUDFLARE_API_TOKEN: value } })
        assert.strictEqual(r.code, 1, r.stdout)
        assert.strictEqual(r.stdout, "")
        assert.include(r.stderr, `the value of CLOUDFLARE_API_TOKEN holds ${why}`)
        assert.notInclude(r.stderr, value)
      }
    }
    const env = { AWS_ACCESS_KEY_ID: refused[1]![0], AWS_SECRET_ACCESS_KEY: refused[2]![0], CLOUDFLARE_API_TOKEN: refused[0]![0] }
    const json = await box.run(["env", "--format", "json"], { env })
    assert.strictEqual(json.code, 0, json.stderr)
    noControl(json.stdout)
    assert.deepStrictEqual(JSON.parse(json.stdout), env)
  })
})

describe("one profile home, the usual commands", () => {
  let own: Sandbox
  const printToken = [process.execPath, "-e", "process.stdout.write(String(process.env.CLOUDFLARE_API_TOKEN))"]
  beforeAll(async () => {
    aws = await AwsEmulator.start()
    own = sandbox({ ...cf.env, ...aws.env })
  })
  afterAll(() => own?.cleanup())

  for (const blank of [" ", "\t"]) {
    it(`ALCHEMY_PROFILE=${JSON.stringify(blank)} (and the providers' variables) is unset: configure, profile show, profile list, env, exec use default`, async () => {
      const env = { ALCHEMY_PROFILE: blank, CLOUDFLARE_PROFILE: blank, ALCHEMY_AWS_PROFILE: blank, T: token }
      const configured = await own.run(
        ["configure", "--provider", "cloudflare", "--method", "api-token", "--api-token-env", "T", "--account-id", other.id, "--yes"],
        { env }
      )
      assert.strictEqual(configured.code, 0, configured.stderr)
      assert.deepStrictEqual(Object.keys(readConfig(own.home).profiles), ["default"])

      const show = await own.run(["profile", "show"], { env })
      assert.strictEqual(show.code, 0, show.stderr)
      assert.include(show.stdout, "Profile: default\nselected by: default profile (no profile named)")
      const list = await own.run(["profile", "list"], { env })
      assert.strictEqual(list.code, 0, list.stderr)
      assert.include(list.stdout, "* default")
      const vars = await own.run(["env", "--format", "json"], { env })
      assert.strictEqual(vars.code, 0, vars.stderr)
      assert.strictEqual(JSON.parse(vars.stdout).CLOUDFLARE_API_TOKEN, token)
      const exec = await own.run(["exec", "--", ...printToken], { env })
      assert.strictEqual(exec.code, 0, exec.stderr)
      assert.strictEqual(exec.stdout, token)
      for (const r of [configured, show, list, vars, exec]) assert.notInclude(r.stderr, "warning")
    })
  }

  it("credentials files others can read: env, exec, aws credential-process, deploy and login warn on stderr with each path and the chmod; stdout unchanged", async () => {
    const key = aws.addAccessKey()
    const configured = [
      await own.run(
        ["configure", "--profile", "exposed", "--provider", "cloudflare", "--method", "api-token", "--api-token-env", "T", "--account-id", other.id],
        { env: { T: token } }
      ),
      await own.run(
        ["configure", "--profile", "exposed", "--provider", "aws", "--method", "access-keys", "--aws-access-key-id", key.accessKeyId, "--aws-secret-access-key-stdin", "--region", "eu-west-1"],
        { input: `${key.secretAccessKey}\n` }
      )
    ]
    for (const r of configured) assert.strictEqual(r.code, 0, r.stderr)
    const env = { ALCHEMY_PROFILE: "exposed" }
    const files = ["cloudflare.json", "aws.json"].map((f) => path.join(own.home, "credentials", "exposed", f))
    const before = await own.run(["env", "--format", "json"], { env })
    assert.strictEqual(before.code, 0, before.stderr)
    assert.notInclude(before.stderr, "chmod")
    for (const file of files) fs.chmodSync(file, 0o644)
    try {
      const vars = await own.run(["env", "--format", "json"], { env })
      const exec = await own.run(["exec", "--", ...printToken], { env })
      const credentialProcess = await own.run(["aws", "credential-process"], { env })
      const deploy = await own.run(["deploy", examplePath], { env })
      const login = await own.run(["login", "--provider", "cloudflare"], { env })
      for (const r of [vars, exec, credentialProcess, deploy, login]) {
        assert.strictEqual(r.code, 0, r.stderr)
        for (const file of files) {
          const warning = `warning: ${file} is readable by others (mode 644); run: chmod 600 '${file}'`
          assert.strictEqual(r.stderr.split(warning).length - 1, 1, r.stderr)
        }
        assert.notInclude(r.stdout, "chmod")
      }
      assert.strictEqual(vars.stdout, before.stdout)
      assert.strictEqual(exec.stdout, token)
      assert.strictEqual(JSON.parse(credentialProcess.stdout).AccessKeyId, key.accessKeyId)
      for (const file of files) assert.strictEqual(fs.statSync(file).mode & 0o777, 0o644, "reported, not changed")
    } finally {
      for (const file of files) fs.chmodSync(file, 0o600)
    }
  })
})

describe("names of Object.prototype and __proto__ keys are data, never the prototype chain", () => {
  let home: Sandbox
  const configFile = () => path.join(home.home, "config.json")
  /** Every file of the home, path → text: what "nothing changed on disk" compares. */
  const snapshot = (): Record<string, string> => {
    const files: Record<string, string> = {}
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name)
        if (e.isDirectory()) walk(p)
        else files[path.relative(home.home, p)] = fs.readFileSync(p, "utf8")
      }
    }
    walk(home.home)
    return files
  }
  beforeAll(async () => {
    home = sandbox({ ...cf.env })
    const configured = await home.run(
      ["configure", "--profile", "prod", "--provider", "cloudflare", "--method", "api-token", "--api-token-env", "T", "--account-id", other.id],
      { env: { T: token } }
    )
    assert.strictEqual(configured.code, 0, configured.stderr)
  })
  afterAll(() => home?.cleanup())

  it("profile delete --yes, profile show, env of constructor, toString, valueOf, hasOwnProperty: no such profile (exit 1), nothing changed", async () => {
    const before = snapshot()
    const runs = ["constructor", "toString", "valueOf", "hasOwnProperty"].flatMap((name) =>
      [["profile", "delete", name, "--yes"], ["profile", "show", "--profile", name], ["env", "--profile", name]].map((args) => ({ name, args }))
    )
    const results = await Promise.all(runs.map(({ args }) => home.run(args)))
    runs.forEach(({ args, name }, i) => {
      const r = results[i]!
      assert.strictEqual(r.code, 1, `${args.join(" ")}: ${r.stdout}${r.stderr}`)
      assert.include(r.stderr, `Profile ${name} does not exist`, args.join(" "))
      assert.notInclude(r.stderr, "Deleted")
      assert.strictEqual(r.stdout, "")
    })
    // `__proto__` is not a valid name here at all: a usage error, before anything is read.
    const proto = [["profile", "delete", "__proto__", "--yes"], ["profile", "show", "--profile", "__proto__"], ["env", "--profile", "__proto__"]]
    for (const r of await Promise.all(proto.map((args) => home.run(args)))) {
      assert.strictEqual(r.code, 2, r.stderr)
      assert.include(r.stderr, `Invalid profile name "__proto__"`)
    }
    assert.deepStrictEqual(snapshot(), before)
  })

  it("__proto__ keys in config.json (top level, a profile, a provider): no phantom profile or provider; configure keeps each byte for byte", async () => {
    // Each `__proto__` entry as JSON.stringify(_, null, 2) writes it at its depth (JSON.parse makes it an own key).
    const entry = (depth: number, value: unknown) =>
      `${" ".repeat(depth)}"__proto__": ${JSON.stringify(value, null, 2).replace(/\n/g, `\n${" ".repeat(depth)}`)},\n`
    const entries = [
      entry(2, { profiles: { phantom: { cloudflare: { method: "api-token" } } } }),
      entry(4, { cloudflare: { method: "api-token" } }),
      entry(6, { method: "oauth", scopes: ["account:read"] })
    ]
    const original = fs.readFileSync(configFile(), "utf8")
    const withProto = (levels: ReadonlyArray<0 | 1 | 2>) => {
      let text = original
      if (levels.includes(2)) text = text.replace(/"prod": \{\n/, `"prod": {\n${entries[2]}`)
      if (levels.includes(1)) text = text.replace(/"profiles": \{\n/, `"profiles": {\n${entries[1]}`)
      if (levels.includes(0)) text = text.replace(/^\{\n/, `{\n${entries[0]}`)
      for (const level of levels) assert.include(text, entries[level]!)
      fs.writeFileSync(configFile(), text)
    }
    const listsNoPhantom = async () => {
      const list = await home.run(["profile", "list", "--json"])
      assert.strictEqual(list.code, 0, list.stderr)
      const listed = JSON.parse(list.stdout)
      assert.deepStrictEqual(listed.profiles.map((p: { name: string }) => p.name), ["prod"])
      assert.deepStrictEqual(Object.keys(listed.profiles[0].providers), ["cloudflare"])
      const table = await home.run(["profile", "list"])
      assert.strictEqual(table.code, 0, table.stderr)
      assert.include(table.stdout, "  prod     cloudflare (api-token), __proto__ (unusable)\n")
      assert.notInclude(table.stdout, "phantom")
    }
    // A file profile list reads on its quick path (every profile name valid), then one it hands to the full decoder.
    withProto([0, 2])
    await listsNoPhantom()
    withProto([0, 1, 2])
    await listsNoPhantom()

    const show = await home.run(["profile", "show", "--profile", "prod", "--json"])
    assert.strictEqual(show.code, 0, show.stderr)
    assert.deepStrictEqual(Object.keys(JSON.parse(show.stdout).providers), ["cloudflare"])
    assert.strictEqual(JSON.parse(show.stdout).providers.cloudflare.method, "api-token")
    const phantom = await home.run(["profile", "show", "--profile", "phantom"])
    assert.strictEqual(phantom.code, 1, phantom.stdout)
    assert.include(phantom.stderr, "Profile phantom does not exist")

    const env = await home.run(["env", "--profile", "prod", "--format", "json"])
    assert.strictEqual(env.code, 0, env.stderr)
    assert.deepStrictEqual(Object.keys(JSON.parse(env.stdout)).sort(), ["CLOUDFLARE_ACCOUNT_ID", "CLOUDFLARE_API_BASE_URL", "CLOUDFLARE_API_TOKEN"])

    const configured = await home.run(
      ["configure", "--profile", "dev", "--provider", "cloudflare", "--method", "api-token", "--api-token-env", "T", "--account-id", other.id],
      { env: { T: token } }
    )
    assert.strictEqual(configured.code, 0, configured.stderr)
    const after = fs.readFileSync(configFile(), "utf8")
    for (const e of entries) assert.include(after, e, "kept byte for byte")
    const raw = JSON.parse(after)
    assert.property(raw.profiles, "dev")
  })
})
