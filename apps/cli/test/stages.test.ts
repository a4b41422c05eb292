/**
 * Stages in the stack file (issue 13): `--stage prod` selects the stage's profile (explained as "stage prod of
 * pinned-app"), a `--profile` that contradicts it is a usage error unless `--force`, and pinned accounts
 * (Cloudflare: the resolved account id; AWS: GetCallerIdentity) are checked before the program runs: a mismatch
 * exits 1 naming the stage, the pinned and the found account, and the program never runs.
 */
import * as AwsEmulator from "@alchemy/testing/AwsEmulator"
import * as CloudflareEmulator from "@alchemy/testing/CloudflareEmulator"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { appDir, type Sandbox, sandbox, tempDir } from "./helpers.js"

const stackFile = path.join(appDir, "test", "fixtures", "stages.run.ts")
let cf: CloudflareEmulator.CloudflareEmulator
let aws: AwsEmulator.AwsEmulator
let box: Sandbox
let dir: string
let accountA: string
let accountB: string
const awsAccount = "222222222222"

beforeAll(async () => {
  cf = await CloudflareEmulator.start({ accounts: CloudflareEmulator.makeAccounts(2) })
  aws = await AwsEmulator.start()
  box = sandbox({ ...cf.env, ...aws.env })
  dir = tempDir("stages")
  accountA = cf.accounts[0]!.id
  accountB = cf.accounts[1]!.id
  for (const [profile, account] of [["prod", accountA], ["staging", accountB]] as const) {
    const r = await box.run(
      ["configure", "--profile", profile, "--method", "api-token", "--api-token-env", "TOKEN", "--account-id", account],
      { env: { TOKEN: cf.addApiToken() } }
    )
    assert.strictEqual(r.code, 0, r.stderr)
  }
  const key = aws.addAccessKey({ account: awsAccount })
  const r = await box.run([
    "configure", "--profile", "prod", "--method", "access-keys", "--aws-access-key-id", key.accessKeyId,
    "--aws-secret-access-key-env", "SECRET", "--region", "us-east-1"
  ], { env: { SECRET: key.secretAccessKey } })
  assert.strictEqual(r.code, 0, r.stderr)
})

afterAll(async () => {
  box?.cleanup()
  fs.rmSync(dir, { recursive: true, force: true })
  await cf?.close()
  await aws?.close()
})

let n = 0
const deploy = async (args: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const marker = path.join(dir, `ran-${++n}.json`)
  const result = await box.run(["deploy", stackFile, ...args], { env: { RAN_MARKER: marker, ...env } })
  return { ...result, ran: fs.existsSync(marker) ? JSON.parse(fs.readFileSync(marker, "utf8")) : undefined }
}

describe("stages", () => {
  it("--stage prod deploys with the stage's profile, explained as the stage of the app", async () => {
    const r = await deploy(["--stage", "prod"])
    assert.strictEqual(r.code, 0, r.stderr)
    assert.include(r.stderr, "Cloudflare: profile prod (stage prod of pinned-app (prod))")
    assert.strictEqual(r.ran.profiles.cloudflare.profile, "prod")
    const staging = await deploy(["--stage", "staging"])
    assert.strictEqual(staging.code, 0, staging.stderr)
    assert.strictEqual(staging.ran.profiles.cloudflare.profile, "staging")
  })

  it("a stage the file does not define keeps the usual selection (--profile, ALCHEMY_PROFILE, default)", async () => {
    const r = await deploy(["--stage", "preview-42", "--profile", "staging"])
    assert.strictEqual(r.code, 0, r.stderr)
    assert.strictEqual(r.ran.profiles.cloudflare.profile, "staging")
  })

  it("--profile that contradicts the stage's profile: usage error naming both, nothing run; --force uses it", async () => {
    const refused = await deploy(["--stage", "prod", "--profile", "staging"])
    assert.strictEqual(refused.code, 2, refused.stderr)
    assert.include(refused.stderr, "--profile staging is not the profile of stage prod of pinned-app (prod")
    assert.include(refused.stderr, "--force")
    assert.isUndefined(refused.ran)
    const forced = await deploy(["--stage", "prod", "--profile", "staging", "--force"])
    assert.strictEqual(forced.code, 0, forced.stderr)
    assert.strictEqual(forced.ran.profiles.cloudflare.profile, "staging")
  })

  it("the pinned Cloudflare account reached: runs; another account: exit 1 naming the stage and both ids, nothing run", async () => {
    const ok = await deploy(["--stage", "prod"], { PROD_CLOUDFLARE: accountA })
    assert.strictEqual(ok.code, 0, ok.stderr)
    assert.isDefined(ok.ran)
    const wrong = await deploy(["--stage", "prod"], { PROD_CLOUDFLARE: accountB })
    assert.strictEqual(wrong.code, 1, wrong.stderr)
    assert.include(wrong.stderr, `stage prod of pinned-app is pinned to Cloudflare account ${accountB}`)
    assert.include(wrong.stderr, `reach account ${accountA}`)
    assert.isUndefined(wrong.ran, "the program did not run")
    // --force picks the profile, never the account: staging's account is not prod's pin.
    const forced = await deploy(["--stage", "prod", "--profile", "staging", "--force"], { PROD_CLOUDFLARE: accountA })
    assert.strictEqual(forced.code, 1, forced.stderr)
    assert.include(forced.stderr, `reach account ${accountB}`)
    assert.isUndefined(forced.ran)
  })

  it("the pinned AWS account (GetCallerIdentity's, cached with the credentials at configure): mismatch exits 1 before the program", async () => {
    const env = { STACK_PROVIDERS: "cloudflare,aws" }
    const before = aws.counters.getCallerIdentity
    const ok = await deploy(["--stage", "prod"], { ...env, PROD_AWS: awsAccount })
    assert.strictEqual(ok.code, 0, ok.stderr)
    assert.strictEqual(aws.counters.getCallerIdentity, before, "the account recorded at configure is used")
    const wrong = await deploy(["--stage", "prod"], { ...env, PROD_AWS: "999999999999" })
    assert.strictEqual(wrong.code, 1, wrong.stderr)
    assert.include(wrong.stderr, `stage prod of pinned-app is pinned to AWS account 999999999999`)
    assert.include(wrong.stderr, `reach account ${awsAccount}`)
    assert.isUndefined(wrong.ran)
  })

  it("a pin of the wrong form, or for a provider the stack does not use, is an error of the stack file", async () => {
    const form = await deploy(["--stage", "prod"], { PROD_CLOUDFLARE: "not-an-account" })
    assert.strictEqual(form.code, 1)
    assert.include(form.stderr, "stages.prod: accounts.cloudflare must be a Cloudflare account id (32 hexadecimal characters)")
    const unused = await deploy(["--stage", "prod"], { PROD_AWS: awsAccount })
    assert.strictEqual(unused.code, 1)
    assert.include(unused.stderr, "stages.prod: accounts.aws: the stack does not use")
    assert.isUndefined(form.ran ?? unused.ran)
  })

  describe("env and exec with --stage", () => {
    let cwd: string
    beforeAll(() => {
      cwd = path.join(appDir, "test", "fixtures", `.stage-env-${process.pid}`)
      fs.mkdirSync(cwd, { recursive: true })
      fs.writeFileSync(
        path.join(cwd, "alchemy.run.ts"),
        `import { defineStack } from "@alchemy/cli/Stack"\nvoid defineStack\nexport { default } from "../stages.run.ts"\n`
      )
    })
    afterAll(() => fs.rmSync(cwd, { recursive: true, force: true }))

    it("env --stage prod gives the stage profile's credentials; a pinned-account mismatch prints nothing and exits 1", async () => {
      const prod = await box.run(["env", "--stage", "prod", "--format", "json"], { cwd })
      assert.strictEqual(prod.code, 0, prod.stderr)
      const staging = await box.run(["env", "--stage", "staging", "--format", "json"], { cwd })
      assert.notStrictEqual(JSON.parse(prod.stdout).CLOUDFLARE_API_TOKEN, JSON.parse(staging.stdout).CLOUDFLARE_API_TOKEN)
      assert.strictEqual(JSON.parse(prod.stdout).CLOUDFLARE_ACCOUNT_ID, accountA)
      const wrong = await box.run(["env", "--stage", "prod", "--format", "json"], { cwd, env: { PROD_CLOUDFLARE: accountB } })
      assert.strictEqual(wrong.code, 1, wrong.stderr)
      assert.strictEqual(wrong.stdout, "")
      assert.include(wrong.stderr, `pinned to Cloudflare account ${accountB}`)
      const refused = await box.run(["env", "--stage", "prod", "--profile", "staging"], { cwd })
      assert.strictEqual(refused.code, 2)
    })

    it("profile show --stage prod shows the stage's profile, explained as the stage of the app", async () => {
      const r = await box.run(["profile", "show", "--stage", "prod"], { cwd })
      assert.strictEqual(r.code, 0, r.stderr)
      assert.include(r.stdout, "Profile: prod")
      assert.include(r.stdout, "selected by: stage prod of pinned-app (prod)")
      const json = JSON.parse((await box.run(["profile", "show", "--stage", "staging", "--json"], { cwd })).stdout)
      assert.strictEqual(json.providers.cloudflare.profile, "staging")
      assert.strictEqual(json.providers.cloudflare.selectedBy, "app")
    })

    it("exec --stage runs nothing when the pinned account is not reached", async () => {
      const marker = path.join(dir, "exec-ran")
      const script = `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "ran")`
      const wrong = await box.run(["exec", "--stage", "prod", "--", process.execPath, "-e", script], {
        cwd,
        env: { PROD_CLOUDFLARE: accountB }
      })
      assert.strictEqual(wrong.code, 1, wrong.stderr)
      assert.isFalse(fs.existsSync(marker))
      const ok = await box.run(["exec", "--stage", "prod", "--", process.execPath, "-e", script], {
        cwd,
        env: { PROD_CLOUDFLARE: accountA }
      })
      assert.strictEqual(ok.code, 0, ok.stderr)
      assert.isTrue(fs.existsSync(marker))
    })
  })

  describe("a CI runner: no profile, credentials declared by the stage, an empty HOME left empty", () => {
    /** Every path under `root`, with sizes: the whole home before and after. */
    const tree = (root: string): Array<string> => {
      const out: Array<string> = []
      const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
          const full = path.join(d, e.name)
          out.push(path.relative(root, full))
          if (e.isDirectory()) walk(full)
        }
      }
      walk(root)
      return out.sort()
    }
    const ciRun = (args: ReadonlyArray<string>, home: string, env: Record<string, string | undefined>) =>
      box.run(args, {
        env: { HOME: home, ALCHEMY_HOME: undefined, XDG_CACHE_HOME: undefined, CI: "true", ...env }
      })

    it("deploy --stage ci with the CI variables deploys and writes nothing under HOME", async () => {
      const home = tempDir("ci-home")
      const token = cf.addApiToken()
      const key = aws.addAccessKey({ account: awsAccount })
      const marker = path.join(dir, "ci-ran.json")
      const callsBefore = aws.counters.getCallerIdentity
      const r = await ciRun(["deploy", stackFile, "--stage", "ci"], home, {
        CF_CI_TOKEN: token,
        CI_CLOUDFLARE: accountA,
        CI_AWS: awsAccount,
        STACK_PROVIDERS: "cloudflare,aws",
        CI_AWS_KEY_ID: key.accessKeyId,
        CI_AWS_SECRET: key.secretAccessKey,
        RAN_MARKER: marker
      })
      assert.strictEqual(r.code, 0, r.stderr)
      assert.include(r.stderr, "credentials declared by stage ci of pinned-app from $CF_CI_TOKEN")
      assert.isAbove(aws.counters.getCallerIdentity, callsBefore, "environment keys are asked for their account")
      assert.isTrue(fs.existsSync(marker))
      assert.deepStrictEqual(tree(home), [], "HOME is still empty")
      assert.notInclude(r.stdout + r.stderr, token.slice(4))
      assert.notInclude(r.stdout + r.stderr, key.secretAccessKey.slice(4))
      fs.rmSync(home, { recursive: true, force: true })
    })

    it("a declared variable that is not set: exit 1 naming it, nothing run, nothing written", async () => {
      const home = tempDir("ci-home")
      const marker = path.join(dir, "ci-unset.json")
      const r = await ciRun(["deploy", stackFile, "--stage", "ci"], home, { RAN_MARKER: marker })
      assert.strictEqual(r.code, 1, r.stderr)
      assert.include(r.stderr, "CF_CI_TOKEN")
      assert.isFalse(fs.existsSync(marker))
      assert.deepStrictEqual(tree(home), [])
      const empty = await ciRun(["deploy", stackFile, "--stage", "ci"], home, { RAN_MARKER: marker, CF_CI_TOKEN: "" })
      assert.strictEqual(empty.code, 1)
      assert.include(empty.stderr, "CF_CI_TOKEN")
      fs.rmSync(home, { recursive: true, force: true })
    })

    it("declared credentials reaching another account than the pin: exit 1 before the program", async () => {
      const home = tempDir("ci-home")
      const marker = path.join(dir, "ci-wrong.json")
      const r = await ciRun(["deploy", stackFile, "--stage", "ci"], home, {
        CF_CI_TOKEN: cf.addApiToken(),
        CI_CLOUDFLARE: accountB,
        RAN_MARKER: marker
      })
      // The pin is the account to use when none is declared; the token reaches it, so the check passes here ...
      assert.strictEqual(r.code, 0, r.stderr)
      // ... while a token limited to another account does not reach it.
      const limited = cf.addAccountApiToken(accountA)
      const wrong = await ciRun(["deploy", stackFile, "--stage", "ci"], home, {
        CF_CI_TOKEN: limited,
        CI_CLOUDFLARE: accountB,
        RAN_MARKER: path.join(dir, "ci-wrong-2.json")
      })
      assert.strictEqual(wrong.code, 1, wrong.stderr)
      assert.isFalse(fs.existsSync(path.join(dir, "ci-wrong-2.json")))
      assert.deepStrictEqual(tree(home), [])
      fs.rmSync(home, { recursive: true, force: true })
    })

    it("a developer's own profile of that name wins over the declaration", async () => {
      const r = await box.run(["configure", "--profile", "ci-prod", "--method", "api-token", "--api-token-env", "TOKEN", "--account-id", accountA], {
        env: { TOKEN: cf.addApiToken() }
      })
      assert.strictEqual(r.code, 0, r.stderr)
      const deployed = await deploy(["--stage", "ci"])
      assert.strictEqual(deployed.code, 0, deployed.stderr)
      assert.strictEqual(deployed.ran.profiles.cloudflare.profile, "ci-prod")
    })
  })
})
