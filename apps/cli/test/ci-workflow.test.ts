/**
 * The example GitHub Actions workflow (examples/ci/deploy.yml) and its stack file, checked and then run as the
 * runner would run its deploy step: parsed with a YAML parser, the step's command run by the built CLI with the
 * step's environment (secrets filled in), the variables the runner sets for `permissions: id-token: write`
 * (pointing at the AWS emulator's stand-in for GitHub's OIDC token endpoint), an empty HOME and CI=true.
 * The deploy must succeed, reach the pinned accounts, and leave HOME empty; a token the role does not trust, an
 * endpoint that is down, or a missing secret must each stop it with a clear error before the program runs.
 */
import * as AwsEmulator from "@alchemy/testing/AwsEmulator"
import * as CloudflareEmulator from "@alchemy/testing/CloudflareEmulator"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { parse } from "yaml"
import { appDir, type Sandbox, sandbox, tempDir } from "./helpers.js"

const workflowFile = path.join(appDir, "examples", "ci", "deploy.yml")
const cloudflareAccount = "0123456789abcdef0123456789abcdef"
const roleArn = "arn:aws:iam::123456789012:role/deploy-prod"
const subject = "repo:acme/app:environment:prod"

interface Step {
  readonly name?: string
  readonly uses?: string
  readonly run?: string
  readonly with?: Record<string, unknown>
  readonly env?: Record<string, string>
}
const workflow = parse(fs.readFileSync(workflowFile, "utf8")) as {
  readonly permissions: Record<string, string>
  readonly jobs: Record<string, { readonly steps: ReadonlyArray<Step> }>
}
const steps = Object.values(workflow.jobs).flatMap((job) => job.steps)
const deployStep = steps.find((s) => s.run?.includes("alchemy deploy"))!

let cf: CloudflareEmulator.CloudflareEmulator
let aws: AwsEmulator.AwsEmulator
let box: Sandbox

beforeAll(async () => {
  cf = await CloudflareEmulator.start({ accounts: [{ id: cloudflareAccount, name: "Prod" }] })
  aws = await AwsEmulator.start({ webIdentityRoles: [{ roleArn, subjects: [subject] }], actionsSubject: subject })
  box = sandbox({ ...cf.env, ...aws.env })
})

afterAll(async () => {
  box?.cleanup()
  await cf?.close()
  await aws?.close()
})

/** Runs the deploy step as the runner would: its command, its env with `secrets`, the OIDC variables, an empty HOME. */
const runStep = async (secrets: Record<string, string>, extra: Record<string, string | undefined> = {}) => {
  const home = tempDir("runner-home")
  const env: Record<string, string | undefined> = {
    HOME: home,
    ALCHEMY_HOME: undefined,
    XDG_CACHE_HOME: undefined,
    ACTIONS_ID_TOKEN_REQUEST_URL: aws.actions.url,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: aws.actions.requestToken,
    ...extra
  }
  for (const [name, value] of Object.entries(deployStep.env ?? {})) {
    const secret = /^\$\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/.exec(value)
    env[name] = secret !== null ? secrets[secret[1]!] : value
  }
  // `npx alchemy <args>`: the installed bin, which is this build.
  const args = deployStep.run!.trim().replace(/^npx\s+alchemy\s+/, "").split(/\s+/)
  const result = await box.run(args, { env, cwd: appDir })
  const left = fs.readdirSync(home)
  fs.rmSync(home, { recursive: true, force: true })
  return { ...result, left }
}

describe("examples/ci/deploy.yml", () => {
  it("asks for the job's OIDC token, maps only the Cloudflare secret, configures nothing, keeps no AWS keys", () => {
    assert.strictEqual(workflow.permissions["id-token"], "write")
    assert.isDefined(deployStep, "a step runs alchemy deploy")
    assert.match(deployStep.run!, /^npx alchemy deploy \S+ --stage prod$/)
    assert.strictEqual(deployStep.env?.CI, "true")
    assert.strictEqual(deployStep.env?.CF_PROD_TOKEN, "${{ secrets.CF_PROD_TOKEN }}")
    for (const step of steps) {
      assert.notMatch(step.run ?? "", /alchemy (configure|login)/, "no configure or login step")
      for (const name of Object.keys(step.env ?? {})) assert.notMatch(name, /^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY)$/)
    }
    const node = steps.find((s) => s.uses?.startsWith("actions/setup-node"))
    assert.strictEqual(Number(node?.with?.["node-version"]), 20)
  })

  it("the stack file it deploys declares stage prod's credentials with the variables the step maps", async () => {
    const file = path.join(appDir, deployStep.run!.split(/\s+/)[3]!)
    const stack = (await import(file)).default
    const prod = stack.stages.prod
    assert.strictEqual(prod.credentials.cloudflare.tokenVariable, "CF_PROD_TOKEN")
    assert.property(deployStep.env, prod.credentials.cloudflare.tokenVariable)
    assert.strictEqual(prod.credentials.aws.method, "web-identity")
    assert.deepStrictEqual(prod.accounts, { cloudflare: cloudflareAccount, aws: "123456789012" })
  })

  it("run as the runner runs it: deploys to the pinned accounts, one role session, HOME left empty", async () => {
    const token = cf.addApiToken()
    const before = aws.counters.assumeRoleWithWebIdentity
    const r = await runStep({ CF_PROD_TOKEN: token })
    assert.strictEqual(r.code, 0, r.stderr)
    assert.include(r.stdout, `[deploy/prod] my-app: Cloudflare account ${cloudflareAccount} (api-token), AWS web-identity credentials ASIA****`)
    assert.include(r.stderr, "credentials declared by stage prod of my-app from $CF_PROD_TOKEN")
    assert.strictEqual(aws.counters.assumeRoleWithWebIdentity - before, 1)
    assert.deepStrictEqual(r.left, [], "nothing written under HOME")
    assert.notInclude(r.stdout + r.stderr, token.slice(4))
  })

  it("a token whose subject the role does not trust: exit 1 naming the subject, nothing deployed", async () => {
    aws.actions.setSubject("repo:someone-else/fork:ref:refs/heads/main")
    try {
      const r = await runStep({ CF_PROD_TOKEN: cf.addApiToken() })
      assert.strictEqual(r.code, 1, r.stderr)
      assert.include(r.stderr, "repo:someone-else/fork:ref:refs/heads/main")
      // The fix names the stage's settings, not flags of alchemy configure.
      assert.include(r.stderr, "fix roleArn (or audience) in the settings")
      assert.notInclude(r.stderr, "--role-arn")
      assert.notInclude(r.stdout, "[deploy/prod]")
      assert.deepStrictEqual(r.left, [])
    } finally {
      aws.actions.setSubject(subject)
    }
  })

  it("the OIDC endpoint down, or the job without id-token permission: exit 1 saying which", async () => {
    aws.actions.setDown(true)
    try {
      const down = await runStep({ CF_PROD_TOKEN: cf.addApiToken() })
      assert.strictEqual(down.code, 1, down.stderr)
      assert.include(down.stderr, "GitHub Actions OIDC token endpoint")
      assert.notInclude(down.stdout, "[deploy/prod]")
    } finally {
      aws.actions.setDown(false)
    }
    const noPermission = await runStep({ CF_PROD_TOKEN: cf.addApiToken() }, {
      ACTIONS_ID_TOKEN_REQUEST_URL: undefined,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: undefined
    })
    assert.strictEqual(noPermission.code, 1, noPermission.stderr)
    assert.include(noPermission.stderr, "id-token: write")
    assert.notInclude(noPermission.stderr, "alchemy configure")
  })

  it("the secret not mapped: exit 1 naming CF_PROD_TOKEN", async () => {
    const r = await runStep({})
    assert.strictEqual(r.code, 1, r.stderr)
    assert.include(r.stderr, "CF_PROD_TOKEN")
    assert.notInclude(r.stdout, "[deploy/prod]")
    assert.deepStrictEqual(r.left, [])
  })
})
