/**
 * The `web-identity` method against the emulator's OIDC issuer and STS `AssumeRoleWithWebIdentity`: a token file,
 * GitHub Actions' token endpoint, the session cache shared by runtimes (each test's `inRuntime` builds the stores and
 * the refresher from scratch, as a new process would), and every failure as a typed error whose message names the fix
 * and never holds the token.
 */
import { CredentialStore } from "@alchemy/profile-core/CredentialStore"
import { decodeProfileName, type ProfileName } from "@alchemy/profile-core/ProfileName"
import * as AwsEmulator from "@alchemy/testing/AwsEmulator"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterAll, afterEach, beforeAll } from "vitest"
import { AwsAuthProvider } from "../src/AwsAuthProvider.js"
import { WebIdentityFile } from "../src/AwsConfig.js"
import * as AwsCredentials from "../src/AwsCredentials.js"
import { AwsResolver } from "../src/AwsResolver.js"
import * as CredentialProcess from "../src/CredentialProcess.js"
import { makeSandbox, providerLayer, scripted } from "./fixtures/harness.js"

const DEPLOYER = "arn:aws:iam::444444444444:role/gha/Deployer"
const CUSTOM = "arn:aws:iam::555555555555:role/CustomAudience"
const UNKNOWN = "arn:aws:iam::444444444444:role/NotThere"
const MAIN = "repo:acme/app:ref:refs/heads/main"

const tokenVariables = ["AWS_WEB_IDENTITY_TOKEN_FILE", "ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"]

let emulator: AwsEmulator.AwsEmulator
let sandbox: ReturnType<typeof makeSandbox>
/** Every token minted in this file: none may appear in an error or a file of the home. */
const tokens: Array<string> = []

beforeAll(async () => {
  sandbox = makeSandbox()
  emulator = await AwsEmulator.start({
    webIdentityRoles: [
      { roleArn: DEPLOYER, subjects: [MAIN] },
      { roleArn: CUSTOM, subjects: ["repo:acme/*"], audience: "custom-audience" }
    ]
  })
  Object.assign(process.env, emulator.env)
  for (const name of tokenVariables) delete process.env[name]
})

afterEach(() => {
  for (const name of tokenVariables) delete process.env[name]
  emulator.actions.setDown(false)
  emulator.actions.setSubject(MAIN)
})

afterAll(async () => {
  await emulator?.close()
  sandbox?.cleanup()
})

/** A token of the emulator's issuer written to a new file; returns the file and the token. */
const tokenFile = (claims: AwsEmulator.WebIdentityTokenClaims = {}, name = `token-${tokens.length}`) => {
  const token = emulator.mintWebIdentityToken(claims)
  tokens.push(token)
  const file = Path.join(sandbox.root, name)
  Fs.writeFileSync(file, `${token}\n`)
  return { file, token }
}

/** Runs `effect` in a runtime of its own: fresh stores, refresher and resolver, like a new process. */
const inRuntime = <A, E>(effect: Effect.Effect<A, E, AwsAuthProvider | AwsResolver | CredentialStore>) =>
  Effect.provide(effect, providerLayer(sandbox.home, scripted().interaction))

const configure = (profile: ProfileName, values: Record<string, string>) =>
  inRuntime(Effect.flatMap(AwsAuthProvider, (provider) =>
    provider.configure({ profile, method: "web-identity", values: { region: "us-west-2", ...values }, secrets: {}, switches: {}, references: {} })))

const resolve = (profile: ProfileName) => inRuntime(Effect.flatMap(AwsResolver, (resolver) => resolver.resolve(profile)))

/** Rewrites the cached session so it expires `inMillis` from now (within the 5-minute skew: refreshed on next use). */
const expireSession = (profile: ProfileName, inMillis = 60_000) =>
  inRuntime(Effect.gen(function*() {
    const store = yield* CredentialStore
    const file = Option.getOrThrow(yield* store.read(profile, "aws", WebIdentityFile))
    assert.isDefined(file.session)
    yield* store.write(profile, "aws", WebIdentityFile, {
      ...file,
      session: { ...file.session!, expiration: Date.now() + inMillis }
    })
  }))

/** Every file under ALCHEMY_HOME, as text. */
const homeFiles = (): Record<string, string> => {
  const out: Record<string, string> = {}
  const walk = (dir: string) => {
    if (!Fs.existsSync(dir)) return
    for (const entry of Fs.readdirSync(dir, { withFileTypes: true })) {
      const full = Path.join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (entry.isFile()) out[Path.relative(sandbox.home, full)] = Fs.readFileSync(full, "latin1")
    }
  }
  walk(sandbox.home)
  return out
}

/** Neither a token nor its signature (its most secret-looking part) occurs in `text`. */
const assertNoToken = (text: string, label: string) => {
  for (const token of tokens) {
    assert.notInclude(text, token, label)
    assert.notInclude(text, token.split(".")[2]!.slice(0, 24), label)
  }
}

/** The failure of `effect`, which must be an `AwsError` with this reason; its message is checked for tokens. */
const failure = <A, E>(effect: Effect.Effect<A, E>, reason: string) =>
  Effect.map(Effect.flip(effect), (error) => {
    const e = error as { _tag?: string; reason?: string; message: string }
    assert.strictEqual(e._tag, "AwsError", e.message)
    assert.strictEqual(e.reason, reason, e.message)
    assertNoToken(e.message, "error message")
    assertNoToken(JSON.stringify(error), "error data")
    return e.message
  })

describe("web-identity", () => {
  it.live("token file: configure assumes the role once, stores settings (no token) and the session; credential_process, env and the SDK provider use it", () =>
    Effect.gen(function*() {
      const profile = yield* decodeProfileName("wi-file")
      const { file, token } = tokenFile()
      emulator.resetCounters()
      const description = yield* configure(profile, {
        "role-arn": DEPLOYER,
        "web-identity-token-file": Path.relative(process.cwd(), file),
        "role-session-name": "ci-deploy",
        "duration-seconds": "900"
      })
      assert.strictEqual(emulator.counters.assumeRoleWithWebIdentity, 1)
      assert.strictEqual(description.json.accountId, "444444444444")
      assert.strictEqual(description.json.arn, "arn:aws:sts::444444444444:assumed-role/Deployer/ci-deploy")
      assert.strictEqual(description.json.tokenSource, "file")
      assert.deepStrictEqual(description.warnings, [])
      const text = description.lines.map((l) => `${l.label}: ${l.value}`).join("\n")
      assert.include(text, `roleArn: ${DEPLOYER}`)
      assert.include(text, `token: file ${file}`)
      assert.include(text, `cached in file ${Path.join(sandbox.home, "credentials", "wi-file", "aws.json")}`)
      const request = emulator.requests.find((r) => r.operation === "AssumeRoleWithWebIdentity")
      assert.deepStrictEqual(request?.input, {
        roleArn: DEPLOYER,
        roleSessionName: "ci-deploy",
        durationSeconds: 900,
        providerId: undefined,
        tokenSubject: MAIN,
        signed: false
      })

      // config.json: the settings, the token file as an absolute path, never a token
      const config = JSON.parse(Fs.readFileSync(Path.join(sandbox.home, "config.json"), "utf8"))
      assert.deepStrictEqual(config.profiles["wi-file"].aws, {
        method: "web-identity",
        region: "us-west-2",
        webIdentity: { roleArn: DEPLOYER, sessionName: "ci-deploy", durationSeconds: 900, tokenSource: "file", tokenFile: file },
        metadata: { id: "444444444444", name: "arn:aws:sts::444444444444:assumed-role/Deployer/ci-deploy" }
      })
      // the cache: the session only (0600)
      const cachePath = Path.join(sandbox.home, "credentials", "wi-file", "aws.json")
      assert.strictEqual(Fs.statSync(cachePath).mode & 0o777, 0o600)
      const cache = JSON.parse(Fs.readFileSync(cachePath, "utf8"))
      assert.deepStrictEqual(Object.keys(cache).sort(), ["session", "type"])
      assert.strictEqual(cache.type, "web-identity")
      assert.deepStrictEqual(Object.keys(cache.session).sort(), ["accessKeyId", "expiration", "secretAccessKey", "sessionToken"])
      for (const [name, content] of Object.entries(homeFiles())) assertNoToken(content, name)
      assert.notInclude(JSON.stringify(homeFiles()), token.slice(0, 40))

      // another runtime: the cached session, no new call, through every consumer
      const resolved = yield* resolve(profile)
      assert.strictEqual(resolved.accessKeyId, cache.session.accessKeyId)
      assert.strictEqual(resolved.accountId, "444444444444")
      const output = yield* inRuntime(CredentialProcess.credentialProcessOutput(profile))
      assert.strictEqual(output.Version, 1)
      assert.strictEqual(output.AccessKeyId, cache.session.accessKeyId)
      assert.strictEqual(output.Expiration, new Date(cache.session.expiration).toISOString())
      const env = yield* inRuntime(CredentialProcess.environment(profile))
      assert.isDefined(env.AWS_SESSION_TOKEN)
      const identity = yield* inRuntime(Effect.gen(function*() {
        const resolver = yield* AwsResolver
        const provider = yield* AwsCredentials.credentialIdentityProvider.pipe(
          Effect.provide(AwsCredentials.fromProfile("wi-file").pipe(Layer.provide(Layer.succeed(AwsResolver, resolver))))
        )
        return yield* Effect.promise(() => provider())
      }))
      assert.strictEqual(identity.accessKeyId, cache.session.accessKeyId)
      assert.strictEqual(emulator.counters.assumeRoleWithWebIdentity, 1)
    }))

  it.live("a session near expiry is refreshed once, with the token file read again; later runtimes reuse the new session", () =>
    Effect.gen(function*() {
      const profile = yield* decodeProfileName("wi-refresh")
      const { file } = tokenFile({}, "refresh-token")
      yield* configure(profile, { "role-arn": DEPLOYER, "web-identity-token-file": file })
      const first = yield* resolve(profile)
      emulator.resetCounters()

      // valid: reused by a new runtime
      assert.strictEqual((yield* resolve(profile)).accessKeyId, first.accessKeyId)
      assert.strictEqual(emulator.counters.assumeRoleWithWebIdentity, 0)

      // within the skew: one new AssumeRoleWithWebIdentity, with a fresh token from the file
      tokenFile({ expiresInSeconds: 600 }, "refresh-token")
      yield* expireSession(profile)
      const second = yield* resolve(profile)
      assert.notStrictEqual(second.accessKeyId, first.accessKeyId)
      assert.strictEqual(emulator.counters.assumeRoleWithWebIdentity, 1)
      assert.isAbove(second.expiration!, Date.now() + 10 * 60_000)
      assert.strictEqual((yield* resolve(profile)).accessKeyId, second.accessKeyId)
      assert.strictEqual(emulator.counters.assumeRoleWithWebIdentity, 1)

      // the file is read each time: a token the role does not trust, written there, is what STS now sees
      tokenFile({ sub: "repo:evil/app:ref:refs/heads/main" }, "refresh-token")
      yield* expireSession(profile)
      const message = yield* failure(resolve(profile), "WebIdentityFailed")
      assert.include(message, `subject (sub) "repo:evil/app:ref:refs/heads/main"`)
      assert.strictEqual(emulator.counters.assumeRoleWithWebIdentity, 2)

      // an expired session with no cache file at all (logged out): a new one is made, no login needed
      tokenFile({}, "refresh-token")
      yield* inRuntime(Effect.flatMap(AwsAuthProvider, (provider) => provider.logout(profile)))
      assert.isFalse(Fs.existsSync(Path.join(sandbox.home, "credentials", "wi-refresh", "aws.json")))
      const third = yield* resolve(profile)
      assert.strictEqual(emulator.counters.assumeRoleWithWebIdentity, 3)
      assert.strictEqual((yield* resolve(profile)).accessKeyId, third.accessKeyId)
      assert.strictEqual(emulator.counters.assumeRoleWithWebIdentity, 3)
    }))

  it.live("GitHub Actions endpoint: the request token as bearer, audience sts.amazonaws.com (or --web-identity-audience); AWS_WEB_IDENTITY_TOKEN_FILE wins when set", () =>
    Effect.gen(function*() {
      process.env.ACTIONS_ID_TOKEN_REQUEST_URL = emulator.actions.url
      process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = emulator.actions.requestToken
      const profile = yield* decodeProfileName("wi-actions")
      emulator.resetCounters()
      const description = yield* configure(profile, { "role-arn": DEPLOYER })
      assert.strictEqual(description.json.accountId, "444444444444")
      assert.strictEqual(description.json.tokenSource, "github-actions")
      assert.strictEqual(emulator.counters.actionsToken, 1)
      assert.strictEqual(emulator.counters.assumeRoleWithWebIdentity, 1)
      assert.strictEqual(emulator.requests.find((r) => r.operation === "ActionsToken")?.input.audience, "sts.amazonaws.com")
      const config = JSON.parse(Fs.readFileSync(Path.join(sandbox.home, "config.json"), "utf8"))
      assert.deepStrictEqual(config.profiles["wi-actions"].aws.webIdentity, { roleArn: DEPLOYER, tokenSource: "environment" })

      // a custom audience, for a role whose trust policy wants it
      const custom = yield* decodeProfileName("wi-custom")
      const described = yield* configure(custom, { "role-arn": CUSTOM, "web-identity-audience": "custom-audience" })
      assert.strictEqual(described.json.accountId, "555555555555")
      assert.strictEqual(emulator.requests.findLast((r) => r.operation === "ActionsToken")?.input.audience, "custom-audience")

      // AWS_WEB_IDENTITY_TOKEN_FILE, when set, is used instead of the endpoint
      const { file } = tokenFile()
      process.env.AWS_WEB_IDENTITY_TOKEN_FILE = file
      yield* expireSession(profile)
      const before = emulator.counters.actionsToken
      yield* resolve(profile)
      assert.strictEqual(emulator.counters.actionsToken, before)
      assert.strictEqual(emulator.counters.assumeRoleWithWebIdentity, 3)
      const shown = yield* inRuntime(Effect.flatMap(AwsAuthProvider, (provider) => provider.describe(profile)))
      assert.strictEqual(shown.json.tokenSource, "AWS_WEB_IDENTITY_TOKEN_FILE")
      assert.include(shown.lines.map((l) => l.value).join("\n"), `environment: AWS_WEB_IDENTITY_TOKEN_FILE (${file})`)
    }))

  it.live("STS refusals: wrong audience, wrong subject, expired token, foreign signature, unknown role: nothing saved, the message names the fix", () =>
    Effect.gen(function*() {
      const cases = [
        {
          name: "wi-aud",
          claims: { aud: "https://github.com/acme" },
          role: DEPLOYER,
          expect: ["AccessDenied", `trust policy of role ${DEPLOYER} does not accept this token's`, `audience (aud) "https://github.com/acme"`]
        },
        {
          name: "wi-sub",
          claims: { sub: "repo:acme/other:ref:refs/heads/main" },
          role: DEPLOYER,
          expect: [`trust policy of role ${DEPLOYER}`, `subject (sub) "repo:acme/other:ref:refs/heads/main"`, "or fix --role-arn"]
        },
        {
          name: "wi-expired",
          claims: { expiresInSeconds: -60 },
          role: DEPLOYER,
          expect: ["ExpiredTokenException", "has expired", "write a fresh token to the file"]
        },
        {
          name: "wi-forged",
          claims: { signWithForeignKey: true },
          role: DEPLOYER,
          expect: ["InvalidIdentityToken", "issuer (iss) must be an IAM OpenID Connect identity provider", "signature"]
        },
        { name: "wi-unknown", claims: {}, role: UNKNOWN, expect: [`role ${UNKNOWN}`, "or the role does not exist"] }
      ]
      for (const c of cases) {
        const profile = yield* decodeProfileName(c.name)
        const { file } = tokenFile(c.claims)
        const message = yield* failure(configure(profile, { "role-arn": c.role, "web-identity-token-file": file }), "WebIdentityFailed")
        assert.include(message, `Assuming the role of web identity profile ${c.name} failed`)
        for (const text of c.expect) assert.include(message, text, c.name)
        const configured = yield* inRuntime(Effect.flatMap(AwsAuthProvider, (provider) => provider.isConfigured(profile)))
        assert.isFalse(configured, c.name)
        assert.isFalse(Fs.existsSync(Path.join(sandbox.home, "credentials", c.name)), c.name)
      }
    }))

  it.live("token unavailable: missing file, AWS_WEB_IDENTITY_TOKEN_FILE missing, endpoint down or 401, only one Actions variable", () =>
    Effect.gen(function*() {
      const missing = Path.join(sandbox.root, "no-such-token")
      const profile = yield* decodeProfileName("wi-missing")
      const atConfigure = yield* failure(
        configure(profile, { "role-arn": DEPLOYER, "web-identity-token-file": missing }),
        "WebIdentityToken"
      )
      assert.include(atConfigure, `Profile wi-missing could not get a web identity token: the token file ${missing} does not exist`)
      assert.include(atConfigure, "--web-identity-token-file PATH")

      // configured from a file that later disappears: the resolve after the session expires says so
      const gone = yield* decodeProfileName("wi-gone")
      const { file } = tokenFile({}, "gone-token")
      yield* configure(gone, { "role-arn": DEPLOYER, "web-identity-token-file": file })
      Fs.rmSync(file)
      yield* expireSession(gone)
      assert.include(yield* failure(resolve(gone), "WebIdentityToken"), `the token file ${file} does not exist`)
      Fs.writeFileSync(file, "  \n")
      assert.include(yield* failure(resolve(gone), "WebIdentityToken"), `the token file ${file} is empty`)

      // environment source
      const env = yield* decodeProfileName("wi-env")
      process.env.ACTIONS_ID_TOKEN_REQUEST_URL = emulator.actions.url
      process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = emulator.actions.requestToken
      yield* configure(env, { "role-arn": DEPLOYER })
      yield* expireSession(env)

      process.env.AWS_WEB_IDENTITY_TOKEN_FILE = missing
      const fromVariable = yield* failure(resolve(env), "WebIdentityToken")
      assert.include(fromVariable, `the token file ${missing} does not exist`)
      assert.include(fromVariable, "point AWS_WEB_IDENTITY_TOKEN_FILE at the file holding the token")
      delete process.env.AWS_WEB_IDENTITY_TOKEN_FILE

      emulator.actions.setDown(true)
      const down = yield* failure(resolve(env), "WebIdentityToken")
      assert.include(down, "the GitHub Actions OIDC token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL, host")
      assert.include(down, "is unavailable (HTTP 503); retry the job")
      emulator.actions.setDown(false)

      process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = "not-the-request-token-at-all"
      const refused = yield* failure(resolve(env), "WebIdentityToken")
      assert.include(refused, "refused ACTIONS_ID_TOKEN_REQUEST_TOKEN (HTTP 401)")
      assert.include(refused, "permissions: id-token: write")
      assert.notInclude(refused, "not-the-request-token-at-all")

      delete process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN
      const half = yield* failure(resolve(env), "WebIdentityToken")
      assert.include(half, "ACTIONS_ID_TOKEN_REQUEST_URL is set but ACTIONS_ID_TOKEN_REQUEST_TOKEN is not")

      // nothing was cached by the failures: the old (expired) session is still the only one
      process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = emulator.actions.requestToken
      const before = emulator.counters.assumeRoleWithWebIdentity
      yield* resolve(env)
      assert.strictEqual(emulator.counters.assumeRoleWithWebIdentity, before + 1)
    }))

  it.live("no token source at configure: saved unverified with a note; using it says which variables to provide; profile show still works", () =>
    Effect.gen(function*() {
      const profile = yield* decodeProfileName("wi-later")
      emulator.resetCounters()
      const description = yield* configure(profile, { "role-arn": DEPLOYER })
      assert.strictEqual(emulator.counters.assumeRoleWithWebIdentity, 0)
      assert.isTrue(description.warnings.some((w) => w.startsWith("not verified: no web identity token is available now")))
      const text = description.lines.map((l) => `${l.label}: ${l.value}`).join("\n")
      assert.include(text, "token: environment: none available now")
      assert.include(text, "session: none cached")
      assert.strictEqual(description.json.accountId, "444444444444")
      const config = JSON.parse(Fs.readFileSync(Path.join(sandbox.home, "config.json"), "utf8"))
      assert.deepStrictEqual(config.profiles["wi-later"].aws, {
        method: "web-identity",
        region: "us-west-2",
        webIdentity: { roleArn: DEPLOYER, tokenSource: "environment" }
      })

      const message = yield* failure(resolve(profile), "WebIdentityToken")
      assert.include(message, "Profile wi-later could not get a web identity token: no token source")
      for (const name of tokenVariables) assert.include(message, name)
      assert.include(message, "permissions: id-token: write")
      assert.include(message, "--web-identity-token-file PATH")

      // where a token is available, the first use assumes the role
      const { file } = tokenFile()
      process.env.AWS_WEB_IDENTITY_TOKEN_FILE = file
      const resolved = yield* resolve(profile)
      assert.strictEqual(resolved.accountId, "444444444444")
      assert.strictEqual(emulator.counters.assumeRoleWithWebIdentity, 1)
    }))

  it.live("configure input checks: a role ARN that is not one, a short duration, audience with a token file, web-identity flags on another method", () =>
    Effect.gen(function*() {
      const profile = yield* decodeProfileName("wi-input")
      const { file } = tokenFile()
      const bad = [
        [{ "role-arn": "Deployer", "web-identity-token-file": file }, "--role-arn must be an IAM role ARN"],
        [{ "role-arn": DEPLOYER, "web-identity-token-file": file, "duration-seconds": "60" }, "at least 900"],
        [{ "role-arn": DEPLOYER, "web-identity-token-file": file, "web-identity-audience": "x" }, "give one of --web-identity-audience and --web-identity-token-file"]
      ] as const
      for (const [values, text] of bad) {
        assert.include(yield* failure(configure(profile, values), "InvalidSetting"), text)
      }
      const other = yield* failure(
        inRuntime(Effect.flatMap(AwsAuthProvider, (provider) =>
          provider.configure({
            profile,
            method: "assume-role",
            values: { "role-arn": DEPLOYER, "web-identity-token-file": file },
            secrets: {}, switches: {}, references: {}
          }))),
        "InvalidSetting"
      )
      assert.include(other, "--web-identity-token-file is for --method web-identity, not assume-role")
      // without --method, the flag says which method
      const implied = yield* inRuntime(Effect.flatMap(AwsAuthProvider, (provider) =>
        provider.configure({ profile, values: { "role-arn": DEPLOYER, "web-identity-token-file": file }, secrets: {}, switches: {}, references: {} })))
      assert.strictEqual(implied.method, "web-identity")
    }))
})
