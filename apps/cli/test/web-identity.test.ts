/**
 * The `web-identity` method and AWS secrets by reference, end to end with the bundled CLI against the AWS emulator's
 * OIDC issuer, STS `AssumeRoleWithWebIdentity` and GitHub Actions token endpoint: configure, `aws credential-process`,
 * `env`, `exec`, `profile show`; one AssumeRoleWithWebIdentity for 8 concurrent processes on an expired session; and
 * a canary scan: no web identity token in any output or file, the session credentials only in the session cache and
 * where a command hands them out.
 */
import * as AwsEmulator from "@alchemy/testing/AwsEmulator"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import type * as StsSdk from "../../../packages/provider-aws/node_modules/@aws-sdk/client-sts/dist-types/index.js"
import { readConfig, type Result, type Sandbox, sandbox, tempDir, filesUnder } from "./helpers.js"

const requireAws = createRequire(new URL("../../../packages/provider-aws/package.json", import.meta.url))
const Sts = requireAws("@aws-sdk/client-sts") as typeof StsSdk

const DEPLOYER = "arn:aws:iam::444444444444:role/gha/Deployer"
const MAIN = "repo:acme/app:ref:refs/heads/main"
const SECRET_VARIABLE = "AWS_CI_SECRET"
const tokenVariables = ["AWS_WEB_IDENTITY_TOKEN_FILE", "ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"]

let aws: AwsEmulator.AwsEmulator
let box: Sandbox
let scratch: string
let tokenFile: string
let key: { accessKeyId: string; secretAccessKey: string }
/** Every web identity token handed to the CLI (written to the token file or minted by the Actions endpoint). */
const tokens: Array<string> = []
/** Every run of the suite, for the canary scan. */
const runs: Array<{ readonly args: string; readonly result: Result }> = []

const run = async (args: ReadonlyArray<string>, env: Record<string, string | undefined> = {}) => {
  const result = await box.run(args, { env })
  runs.push({ args: args.join(" "), result })
  return result
}

const actionsEnv = () => ({
  ACTIONS_ID_TOKEN_REQUEST_URL: aws.actions.url,
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: aws.actions.requestToken
})

const writeToken = (claims: AwsEmulator.WebIdentityTokenClaims = {}) => {
  const token = aws.mintWebIdentityToken(claims)
  tokens.push(token)
  fs.writeFileSync(tokenFile, `${token}\n`)
  return token
}


const callerIdentity = (credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken?: string }) =>
  (new Sts.STSClient({
    region: "us-east-1",
    endpoint: aws.url,
    credentials: {
      accessKeyId: credentials.AccessKeyId,
      secretAccessKey: credentials.SecretAccessKey,
      ...(credentials.SessionToken !== undefined ? { sessionToken: credentials.SessionToken } : {})
    }
  }) as unknown as { send(command: unknown): Promise<StsSdk.GetCallerIdentityCommandOutput> }).send(
    new Sts.GetCallerIdentityCommand({})
  )

const sessionCache = (profile: string) => path.join(box.home, "credentials", profile, "aws.json")

beforeAll(async () => {
  aws = await AwsEmulator.start({ webIdentityRoles: [{ roleArn: DEPLOYER, subjects: [MAIN] }] })
  key = aws.addAccessKey({ account: "111111111111", arn: "arn:aws:iam::111111111111:user/ci" })
  box = sandbox(aws.env)
  // Nothing of a real CI job around the tests may reach the CLI.
  for (const name of [...tokenVariables, SECRET_VARIABLE]) delete box.env[name]
  scratch = tempDir("web-identity")
  tokenFile = path.join(scratch, "token")
})

afterAll(async () => {
  box?.cleanup()
  if (scratch !== undefined) fs.rmSync(scratch, { recursive: true, force: true })
  await aws?.close()
})

describe("web-identity", () => {
  it("configure with a token file assumes the role once and saves settings, no token; profile show names role, source and cache", async () => {
    writeToken()
    const r = await run([
      "configure", "--profile", "wi", "--method", "web-identity", "--role-arn", DEPLOYER,
      "--web-identity-token-file", tokenFile, "--region", "us-east-1"
    ])
    assert.strictEqual(r.code, 0, r.stderr)
    assert.strictEqual(aws.counters.assumeRoleWithWebIdentity, 1)
    assert.include(r.stdout, `roleArn: ${DEPLOYER}`)
    assert.include(r.stdout, `token: file ${tokenFile}`)
    assert.deepStrictEqual(readConfig(box.home).profiles.wi.aws, {
      method: "web-identity",
      region: "us-east-1",
      webIdentity: { roleArn: DEPLOYER, tokenSource: "file", tokenFile },
      metadata: { id: "444444444444", name: "arn:aws:sts::444444444444:assumed-role/Deployer/alchemy-wi" }
    })
    const show = await run(["profile", "show", "--profile", "wi"])
    assert.strictEqual(show.code, 0, show.stderr)
    assert.include(show.stdout, "accountId: 444444444444")
    assert.match(show.stdout, new RegExp(`session: expires in \\d+m.*, cached in file ${sessionCache("wi").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`))
    const json = JSON.parse((await run(["profile", "show", "--profile", "wi", "--json"])).stdout)
    assert.strictEqual(json.providers.aws.details.tokenSource, "file")
    assert.strictEqual(json.providers.aws.details.webIdentity.roleArn, DEPLOYER)
    assert.isString(json.providers.aws.details.sessionExpiresAt)
    assert.strictEqual(aws.counters.assumeRoleWithWebIdentity, 1)
  })

  it("aws credential-process, env and exec hand out the cached session; GetCallerIdentity reaches the role's account", async () => {
    const cp = await run(["aws", "credential-process", "--profile", "wi"])
    assert.strictEqual(cp.code, 0, cp.stderr)
    const output = JSON.parse(cp.stdout)
    assert.strictEqual(output.Version, 1)
    assert.match(output.AccessKeyId, /^ASIA/)
    assert.isAbove(Date.parse(output.Expiration), Date.now() + 50 * 60_000)
    const identity = await callerIdentity(output)
    assert.strictEqual(identity.Account, "444444444444")
    assert.strictEqual(identity.Arn, "arn:aws:sts::444444444444:assumed-role/Deployer/alchemy-wi")

    const env = await run(["env", "--profile", "wi", "--format", "json"])
    assert.strictEqual(env.code, 0, env.stderr)
    const vars = JSON.parse(env.stdout)
    assert.strictEqual(vars.AWS_ACCESS_KEY_ID, output.AccessKeyId)
    assert.strictEqual(vars.AWS_SESSION_TOKEN, output.SessionToken)
    assert.strictEqual(vars.AWS_REGION, "us-east-1")

    const script = "process.stdout.write(process.env.AWS_ACCESS_KEY_ID + ' ' + process.env.AWS_CREDENTIAL_EXPIRATION)"
    const exec = await run(["exec", "--profile", "wi", "--", process.execPath, "-e", script])
    assert.strictEqual(exec.code, 0, exec.stderr)
    assert.strictEqual(exec.stdout, `${output.AccessKeyId} ${output.Expiration}`)
    // all from the session configure cached
    assert.strictEqual(aws.counters.assumeRoleWithWebIdentity, 1)
  })

  it("8 concurrent aws credential-process on an expired session assume the role once, with a fresh token from the file", async () => {
    const cache = JSON.parse(fs.readFileSync(sessionCache("wi"), "utf8"))
    fs.writeFileSync(sessionCache("wi"), JSON.stringify({ ...cache, session: { ...cache.session, expiration: Date.now() - 1000 } }))
    writeToken()
    aws.resetCounters()
    const results = await Promise.all(Array.from({ length: 8 }, () => run(["aws", "credential-process", "--profile", "wi"])))
    for (const r of results) assert.strictEqual(r.code, 0, r.stderr)
    const ids = new Set(results.map((r) => JSON.parse(r.stdout).AccessKeyId))
    assert.strictEqual(ids.size, 1)
    assert.notInclude([...ids], cache.session.accessKeyId)
    assert.strictEqual(aws.counters.assumeRoleWithWebIdentity, 1)
    const request = aws.requests.find((r) => r.operation === "AssumeRoleWithWebIdentity")
    assert.strictEqual(request?.input.signed, false)
  })

  it("GitHub Actions: no token file, the runner's variables; the endpoint down or the token file gone is exit 1 naming the fix, nothing on stdout", async () => {
    aws.resetCounters()
    const r = await run(["configure", "--profile", "gha", "--method", "web-identity", "--role-arn", DEPLOYER], actionsEnv())
    assert.strictEqual(r.code, 0, r.stderr)
    assert.strictEqual(aws.counters.actionsToken, 1)
    assert.strictEqual(aws.requests.find((q) => q.operation === "ActionsToken")?.input.audience, "sts.amazonaws.com")
    assert.deepStrictEqual(readConfig(box.home).profiles.gha.aws.webIdentity, { roleArn: DEPLOYER, tokenSource: "environment" })
    const cp = await run(["aws", "credential-process", "--profile", "gha"], actionsEnv())
    assert.strictEqual(cp.code, 0, cp.stderr)
    assert.strictEqual((await callerIdentity(JSON.parse(cp.stdout))).Account, "444444444444")
    assert.strictEqual(aws.counters.assumeRoleWithWebIdentity, 1)

    // a new session is needed while the endpoint is down
    const cache = JSON.parse(fs.readFileSync(sessionCache("gha"), "utf8"))
    fs.writeFileSync(sessionCache("gha"), JSON.stringify({ ...cache, session: { ...cache.session, expiration: Date.now() - 1000 } }))
    aws.actions.setDown(true)
    try {
      const down = await run(["aws", "credential-process", "--profile", "gha"], actionsEnv())
      assert.strictEqual(down.code, 1)
      assert.strictEqual(down.stdout, "")
      assert.include(down.stderr, "Profile gha could not get a web identity token")
      assert.include(down.stderr, "ACTIONS_ID_TOKEN_REQUEST_URL")
      assert.include(down.stderr, "HTTP 503")
    } finally {
      aws.actions.setDown(false)
    }
    const none = await run(["env", "--profile", "gha", "--format", "json"])
    assert.strictEqual(none.code, 1)
    assert.strictEqual(none.stdout, "")
    assert.include(none.stderr, "no token source: set AWS_WEB_IDENTITY_TOKEN_FILE")

    const missing = await run([
      "configure", "--profile", "typo", "--method", "web-identity", "--role-arn", DEPLOYER,
      "--web-identity-token-file", path.join(scratch, "no-such-file")
    ])
    assert.strictEqual(missing.code, 1)
    assert.include(missing.stderr, `the token file ${path.join(scratch, "no-such-file")} does not exist`)
    assert.notProperty(readConfig(box.home).profiles, "typo")

  })
})

describe("access-keys by reference", () => {
  it("--aws-secret-access-key-variable: set works everywhere, unset is exit 1 naming the variable with nothing on stdout", async () => {
    const configure = await run([
      "configure", "--profile", "keys", "--method", "access-keys", "--aws-access-key-id", key.accessKeyId,
      "--aws-secret-access-key-variable", SECRET_VARIABLE, "--region", "eu-west-1"
    ], { [SECRET_VARIABLE]: key.secretAccessKey })
    assert.strictEqual(configure.code, 0, configure.stderr)
    assert.include(configure.stdout, `secretAccessKey: from $${SECRET_VARIABLE} (set)`)
    const entry = readConfig(box.home).profiles.keys.aws
    assert.deepStrictEqual(entry.variables, { "aws-secret-access-key": SECRET_VARIABLE })
    assert.strictEqual(entry.accessKeyId, key.accessKeyId)
    assert.isFalse(fs.existsSync(path.join(box.home, "credentials", "keys")))

    const cp = await run(["aws", "credential-process", "--profile", "keys"], { [SECRET_VARIABLE]: key.secretAccessKey })
    assert.strictEqual(cp.code, 0, cp.stderr)
    const output = JSON.parse(cp.stdout)
    assert.deepStrictEqual(output, { Version: 1, AccessKeyId: key.accessKeyId, SecretAccessKey: key.secretAccessKey })
    assert.strictEqual((await callerIdentity(output)).Account, "111111111111")
    const env = await run(["env", "--profile", "keys", "--format", "json"], { [SECRET_VARIABLE]: key.secretAccessKey })
    assert.strictEqual(env.code, 0, env.stderr)
    assert.strictEqual(JSON.parse(env.stdout).AWS_SECRET_ACCESS_KEY, key.secretAccessKey)

    for (const args of [["aws", "credential-process", "--profile", "keys"], ["env", "--profile", "keys", "--format", "json"]]) {
      for (const value of [undefined, ""]) {
        const r = await run(args, { [SECRET_VARIABLE]: value })
        assert.strictEqual(r.code, 1, `${args.join(" ")} ${JSON.stringify(value)}: ${r.stderr}`)
        assert.strictEqual(r.stdout, "")
        assert.include(r.stderr, `Profile keys reads its aws secret access key from the environment variable ${SECRET_VARIABLE}`)
        assert.include(r.stderr, "alchemy configure --profile keys --provider aws")
      }
    }
    const show = await run(["profile", "show", "--profile", "keys"])
    assert.strictEqual(show.code, 0, show.stderr)
    assert.include(show.stdout, `secretAccessKey: from $${SECRET_VARIABLE} (not set)`)
  })

  it("with --aws-secret-access-key-env / -stdin, or a name that is not a variable name: exit 2, nothing written", async () => {
    const fresh = sandbox(aws.env)
    try {
      const base = ["configure", "--profile", "k", "--method", "access-keys", "--aws-access-key-id", key.accessKeyId]
      for (const [extra, input] of [
        [["--aws-secret-access-key-variable", SECRET_VARIABLE, "--aws-secret-access-key-env", "S"], undefined],
        [["--aws-secret-access-key-variable", SECRET_VARIABLE, "--aws-secret-access-key-stdin"], key.secretAccessKey],
        [["--aws-secret-access-key-variable", "1BAD"], undefined],
        [["--aws-secret-access-key-variable", SECRET_VARIABLE, "--aws-session-token-variable", "NOT-A-NAME"], undefined]
      ] as const) {
        const r = await fresh.run([...base, ...extra], {
          env: { [SECRET_VARIABLE]: key.secretAccessKey, S: key.secretAccessKey },
          ...(input === undefined ? {} : { input })
        })
        runs.push({ args: extra.join(" "), result: r })
        assert.strictEqual(r.code, 2, `${extra.join(" ")}: ${r.stderr}`)
        assert.include(r.stderr, "-variable")
      }
      assert.deepStrictEqual(filesUnder(fresh.home), {})
    } finally {
      fresh.cleanup()
    }
  })
})

describe("canary", () => {
  it("no web identity token in any output or file; secrets only where a command hands them out or in the session cache", () => {
    assert.isAbove(runs.length, 25)
    // the tokens the Actions endpoint minted are not known to the test: its request token stands for them, and
    // every minted token shares the issuer's signing key, so a JWT of the issuer is recognised by its header.
    const jwtHeader = tokens[0]!.split(".")[0]!
    const files = filesUnder(box.home)
    for (const [name, text] of Object.entries(files)) {
      assert.notInclude(text, jwtHeader, name)
      for (const token of tokens) assert.notInclude(text, token.split(".")[2]!.slice(0, 24), name)
      assert.notInclude(text, aws.actions.requestToken, name)
      assert.notInclude(text, key.secretAccessKey, name)
    }
    // the session credentials: in the session caches only
    const sessions = ["wi", "gha"].map((p) => JSON.parse(files[path.join("credentials", p, "aws.json")]!).session)
    for (const [name, text] of Object.entries(files)) {
      if (name.startsWith(path.join("credentials", "wi")) || name.startsWith(path.join("credentials", "gha"))) continue
      for (const session of sessions) {
        assert.notInclude(text, session.secretAccessKey, name)
        assert.notInclude(text, session.sessionToken, name)
      }
    }
    for (const { args, result } of runs) {
      for (const text of [result.stdout, result.stderr]) {
        assert.notInclude(text, jwtHeader, args)
        assert.notInclude(text, aws.actions.requestToken, args)
      }
      const handsOut = args.startsWith("env ") || args.startsWith("exec ") || args.startsWith("aws credential-process")
      if (handsOut) continue
      for (const text of [result.stdout, result.stderr]) {
        assert.notInclude(text, key.secretAccessKey.slice(4), args)
        for (const session of sessions) assert.notInclude(text, session.secretAccessKey.slice(4), args)
      }
    }
  })
})
