import * as AwsEmulator from "@alchemy/testing/AwsEmulator"
import { decodeProfileName } from "@alchemy/profile-core/ProfileName"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterAll, beforeAll } from "vitest"
import { ProfileStore } from "@alchemy/profile-core/ProfileStore"
import { CredentialStore } from "@alchemy/profile-core/CredentialStore"
import { AssumeRoleFile, AwsProviderEntry } from "../src/AwsConfig.js"
import { AwsAuthProvider } from "../src/AwsAuthProvider.js"
import * as AwsCredentials from "../src/AwsCredentials.js"
import * as AwsLive from "../src/AwsLive.js"
import { AwsResolver } from "../src/AwsResolver.js"
import * as CredentialProcess from "../src/CredentialProcess.js"
import { findSecrets, fixture, makeSandbox, providerLayer, runFixture, scripted } from "./fixtures/harness.js"

let emulator: AwsEmulator.AwsEmulator
let sandbox: ReturnType<typeof makeSandbox>
let staticKey: { accessKeyId: string; secretAccessKey: string }
let processKey: { accessKeyId: string; secretAccessKey: string }
let storedKey: { accessKeyId: string; secretAccessKey: string }

const tsxCommand = (script: string, args: string) =>
  `${process.execPath} --import tsx ${fixture(script)} ${args}`

beforeAll(async () => {
  sandbox = makeSandbox()
  emulator = await AwsEmulator.start({})
  Object.assign(process.env, emulator.env)
  staticKey = emulator.addAccessKey({ account: "111111111111" })
  processKey = emulator.addAccessKey({ account: "222222222222" })
  storedKey = emulator.addAccessKey({ account: "333333333333" })
  Fs.writeFileSync(
    sandbox.awsCredentials,
    `[static]\naws_access_key_id = ${staticKey.accessKeyId}\naws_secret_access_key = ${staticKey.secretAccessKey}\n`
  )
  Fs.writeFileSync(
    sandbox.awsConfig,
    [
      "[profile static]",
      "region = ap-south-1",
      "[profile proc]",
      `credential_process = ${process.execPath} ${fixture("static-process.mjs")}`,
      "[profile via-alchemy]",
      `credential_process = ${tsxCommand("credential-process.ts", "stored")}`,
      "[profile loop]",
      `credential_process = ${tsxCommand("credential-process.ts", "loopy")}`,
      "[profile loop-outer]",
      `credential_process = ${tsxCommand("credential-process.ts", "outer")}`,
      // chains the SDK resolves with its nested STS / SSO clients (@aws-sdk/nested-clients)
      "[profile role-chain]",
      "role_arn = arn:aws:iam::222222222222:role/Ops",
      "source_profile = static",
      "region = eu-north-1",
      "[profile sso-chain]",
      "sso_session = corp",
      "sso_account_id = 111111111111",
      "sso_role_name = ReadOnlyAccess",
      "region = ca-central-1",
      "[sso-session corp]",
      `sso_start_url = ${emulator.url}/start`,
      "sso_region = us-east-1",
      "[profile sso-legacy]",
      `sso_start_url = ${emulator.url}/legacy`,
      "sso_region = us-east-1",
      "sso_account_id = 111111111111",
      "sso_role_name = Billing",
      ""
    ].join("\n")
  )
  process.env.STATIC_KEY_ID = processKey.accessKeyId
  process.env.STATIC_SECRET = processKey.secretAccessKey
  await Effect.runPromise(
    Effect.gen(function*() {
      const provider = yield* AwsAuthProvider
      yield* provider.configure({
        profile: yield* decodeProfileName("stored"),
        method: "access-keys",
        values: { "aws-access-key-id": storedKey.accessKeyId, region: "eu-central-1" },
        secrets: { "aws-secret-access-key": Redacted.make(storedKey.secretAccessKey) }, switches: {}, references: {}
      })
    }).pipe(Effect.provide(providerLayer(sandbox.home, scripted().interaction)))
  )
})

afterAll(async () => {
  await AwsLive.dispose()
  await emulator?.close()
  sandbox?.cleanup()
})

const configureAwsProfile = (name: string, awsProfile: string) =>
  Effect.gen(function*() {
    const provider = yield* AwsAuthProvider
    return yield* provider.configure({
      profile: yield* decodeProfileName(name),
      method: "aws-profile",
      values: { "aws-profile": awsProfile },
      secrets: {}, switches: {}, references: {}
    })
  })

describe("aws-profile", () => {
  it.live("static keys and credential_process from a temporary AWS config (AWS_CONFIG_FILE)", () =>
    Effect.gen(function*() {
      const a = yield* configureAwsProfile("from-static", "static")
      assert.strictEqual(a.json.accountId, "111111111111")
      const runs = `${sandbox.root}/static-process-runs`
      process.env.STATIC_PROCESS_LOG = runs
      try {
        const b = yield* configureAwsProfile("from-process", "proc")
        assert.strictEqual(b.json.accountId, "222222222222")
        assert.deepStrictEqual(findSecrets([JSON.stringify(b)], [staticKey.secretAccessKey, processKey.secretAccessKey]), [])
        const fromProcess = yield* decodeProfileName("from-process")
        const resolved = yield* Effect.flatMap(AwsResolver, (r) => r.resolve(fromProcess))
        assert.strictEqual(resolved.accessKeyId, processKey.accessKeyId)
        // configure verified, saved and described the profile, then it was resolved: the process ran once
        assert.strictEqual(Fs.readFileSync(runs, "utf8"), "run\n")
      } finally {
        delete process.env.STATIC_PROCESS_LOG
      }
      assert.deepStrictEqual(findSecrets([JSON.stringify(a)], [staticKey.secretAccessKey, processKey.secretAccessKey]), [])
    }).pipe(Effect.provide(providerLayer(sandbox.home, scripted().interaction))))

  it.live("the AWS profile's region (AWS_CONFIG_FILE) is exported and shown with its source; overrides in order", () => {
    const person = scripted()
    return Effect.gen(function*() {
      const provider = yield* AwsAuthProvider
      const configured = yield* configureAwsProfile("regional", "static")
      // the AWS profile names a region: configure neither asks for one nor stores a copy that would shadow it
      assert.deepStrictEqual(person.asked, [])
      assert.isUndefined(JSON.parse(Fs.readFileSync(`${sandbox.home}/config.json`, "utf8")).profiles.regional.aws.region)
      assert.strictEqual(configured.json.region, "ap-south-1")
      assert.strictEqual(configured.json.regionSource, "aws-profile")
      assert.strictEqual(configured.json.regionFile, sandbox.awsConfig)
      const regionLine = configured.lines.find((line) => line.label === "region")
      assert.strictEqual(regionLine?.value, `ap-south-1 (from AWS profile static in ${sandbox.awsConfig})`)

      const regional = yield* decodeProfileName("regional")
      const env = yield* provider.environment(regional)
      assert.strictEqual(Redacted.value(env.AWS_REGION!), "ap-south-1")
      assert.strictEqual(Redacted.value(env.AWS_DEFAULT_REGION!), "ap-south-1")

      // AWS_REGION > AWS_DEFAULT_REGION > the alchemy profile's region > the AWS profile's region
      const regionWith = (variables: Record<string, string>) =>
        Effect.acquireUseRelease(
          Effect.sync(() => Object.assign(process.env, variables)),
          () => Effect.flatMap(provider.environment(regional), (e) => Effect.sync(() => Redacted.value(e.AWS_REGION!))),
          () => Effect.sync(() => Object.keys(variables).forEach((name) => delete process.env[name]))
        )
      assert.strictEqual(yield* regionWith({ AWS_DEFAULT_REGION: "eu-west-3" }), "eu-west-3")
      assert.strictEqual(yield* regionWith({ AWS_REGION: "sa-east-1", AWS_DEFAULT_REGION: "eu-west-3" }), "sa-east-1")
      process.env.AWS_REGION = "sa-east-1"
      try {
        const overridden = yield* provider.describe(regional)
        assert.strictEqual(overridden.json.regionSource, "AWS_REGION")
        assert.strictEqual(overridden.lines.find((line) => line.label === "region")?.value, "sa-east-1 (from AWS_REGION)")
      } finally {
        delete process.env.AWS_REGION
      }
      const pinned = yield* provider.configure({
        profile: regional,
        method: "aws-profile",
        values: { "aws-profile": "static", region: "us-west-2" },
        secrets: {}, switches: {}, references: {}
      })
      assert.strictEqual(pinned.json.region, "us-west-2")
      assert.strictEqual(pinned.json.regionSource, "profile")
      assert.strictEqual(Redacted.value((yield* provider.environment(regional)).AWS_REGION!), "us-west-2")
    }).pipe(Effect.provide(providerLayer(sandbox.home, person.interaction)))
  })

  it.live("an AWS profile without a region: asked once in configure (interactive); the credentials file's region counts", () => {
    const person = scripted({ text: (message) => (message.includes("region") ? "eu-south-1" : undefined) })
    return Effect.gen(function*() {
      const provider = yield* AwsAuthProvider
      const noRegion = yield* decodeProfileName("no-region")
      const configured = yield* provider.configure({
        profile: noRegion,
        method: "aws-profile",
        values: { "aws-profile": "proc" },
        secrets: {}, switches: {}, references: {}
      })
      assert.deepStrictEqual(person.asked.map((q) => q.flag), ["--region"])
      assert.strictEqual(configured.json.region, "eu-south-1")
      assert.strictEqual(configured.json.regionSource, "profile")

      // a region written in the credentials file (the SDK reads it after the config file's)
      Fs.appendFileSync(
        sandbox.awsCredentials,
        `[cred-region]\naws_access_key_id = ${staticKey.accessKeyId}\naws_secret_access_key = ${staticKey.secretAccessKey}\nregion = af-south-1\n`
      )
      const store = yield* ProfileStore
      const credRegion = yield* decodeProfileName("cred-region")
      yield* store.putProvider(credRegion, "aws", AwsProviderEntry, { method: "aws-profile", awsProfile: "cred-region" })
      const description = yield* provider.describe(credRegion)
      assert.strictEqual(description.json.region, "af-south-1")
      assert.strictEqual(description.json.regionFile, sandbox.awsCredentials)
    }).pipe(Effect.provide(providerLayer(sandbox.home, person.interaction)))
  })

  it.live("an AWS profile whose credential_process calls back into alchemy for the same profile fails clearly", () =>
    Effect.gen(function*() {
      // configure verifies before saving, so it refuses the profile (the child finds no such alchemy profile)
      const refused = yield* Effect.flip(configureAwsProfile("loopy", "loop"))
      assert.include(String((refused as { message?: string }).message), "alchemy configure --profile loopy --provider aws")
      const loopy = yield* decodeProfileName("loopy")
      assert.isFalse(yield* Effect.flatMap(AwsAuthProvider, (p) => p.isConfigured(loopy)))

      // written by hand (or edited afterwards), the loop is caught by the child and reported, not repeated
      const store = yield* ProfileStore
      yield* store.putProvider(loopy, "aws", AwsProviderEntry, { method: "aws-profile", awsProfile: "loop" })
      const error = yield* Effect.flip(Effect.flatMap(AwsResolver, (r) => r.resolve(loopy)))
      const message = String((error as { message?: string }).message)
      assert.include(message, "ALCHEMY_CREDENTIAL_PROCESS_CHAIN")
      assert.include(message, "loopy -> credential_process -> loopy")
      assert.strictEqual((error as { reason?: string }).reason, "CredentialProcessLoop")
      assert.notInclude(message, "Command failed")
      assert.isUndefined(process.env.ALCHEMY_CREDENTIAL_PROCESS_CHAIN)
    }).pipe(Effect.provide(providerLayer(sandbox.home, scripted().interaction))))

  it.live("an indirect loop (assume-role sourced from an aws-profile that calls back for the role) fails fast", () =>
    Effect.gen(function*() {
      const store = yield* ProfileStore
      const outer = yield* decodeProfileName("outer")
      const inner = yield* decodeProfileName("inner")
      yield* store.putProvider(inner, "aws", AwsProviderEntry, { method: "aws-profile", awsProfile: "loop-outer" })
      yield* store.putProvider(outer, "aws", AwsProviderEntry, {
        method: "assume-role",
        assumeRole: { roleArn: "arn:aws:iam::222222222222:role/Ops", sourceProfile: "inner" }
      })
      const credentials = yield* CredentialStore
      yield* credentials.write(outer, "aws", AssumeRoleFile, { type: "assume-role" })
      const error = yield* Effect.flip(Effect.flatMap(AwsResolver, (r) => r.resolve(outer)))
      const message = String((error as { message?: string }).message)
      assert.strictEqual((error as { reason?: string }).reason, "CredentialProcessLoop", message)
      assert.include(message, "outer -> credential_process -> inner -> credential_process -> outer")
    }).pipe(Effect.provide(providerLayer(sandbox.home, scripted().interaction))))
})

/** An IAM Identity Center token from the emulator (device code, approved), as the AWS CLI caches it. */
const cachedSsoToken = async (startUrl: string) => {
  const { SSOOIDCClient, RegisterClientCommand, StartDeviceAuthorizationCommand, CreateTokenCommand } = await import(
    "@aws-sdk/client-sso-oidc"
  )
  const oidc = new SSOOIDCClient({ region: "us-east-1", endpoint: emulator.url })
  const client = await oidc.send(new RegisterClientCommand({ clientName: "aws-cli", clientType: "public" }))
  const device = await oidc.send(
    new StartDeviceAuthorizationCommand({ clientId: client.clientId, clientSecret: client.clientSecret, startUrl })
  )
  emulator.approveDevice(device.userCode)
  const token = await oidc.send(
    new CreateTokenCommand({
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      grantType: "urn:ietf:params:oauth:grant-type:device_code",
      deviceCode: device.deviceCode
    })
  )
  oidc.destroy()
  return {
    startUrl,
    region: "us-east-1",
    accessToken: token.accessToken,
    expiresAt: new Date(Date.now() + (token.expiresIn ?? 3600) * 1000).toISOString(),
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    registrationExpiresAt: new Date((client.clientSecretExpiresAt ?? 0) * 1000).toISOString(),
    refreshToken: token.refreshToken
  }
}

describe("aws-profile chains resolved by the SDK's nested clients", () => {
  // A role chain (role_arn + source_profile) and SSO (sso-session, and the legacy sso_start_url form) are resolved
  // by @aws-sdk/credential-provider-ini with the STS / SSO clients of @aws-sdk/nested-clients. If that package
  // gets its own @aws-sdk/core (a release newer than the clients'), its client construction prints the SDK's
  // NodeVersionSupportWarning on Node 20, in the middle of `alchemy exec` output.
  it.live("role_arn + source_profile and SSO resolve to real credentials with no NodeVersionSupportWarning", () =>
    Effect.gen(function*() {
      const userHome = Path.join(sandbox.root, "user-home")
      const cache = Path.join(userHome, ".aws", "sso", "cache")
      Fs.mkdirSync(cache, { recursive: true })
      const sha1 = (text: string) => Crypto.createHash("sha1").update(text).digest("hex")
      const session = yield* Effect.promise(() => cachedSsoToken(`${emulator.url}/start`))
      Fs.writeFileSync(Path.join(cache, `${sha1("corp")}.json`), JSON.stringify(session))
      const legacy = yield* Effect.promise(() => cachedSsoToken(`${emulator.url}/legacy`))
      Fs.writeFileSync(Path.join(cache, `${sha1(legacy.startUrl)}.json`), JSON.stringify(legacy))

      const store = yield* ProfileStore
      for (const name of ["role-chain", "sso-chain", "sso-legacy"]) {
        yield* store.putProvider(yield* decodeProfileName(name), "aws", AwsProviderEntry, {
          method: "aws-profile",
          awsProfile: name
        })
      }
      const cases = [
        { name: "role-chain", counter: "assumeRole" },
        { name: "sso-chain", counter: "getRoleCredentials" },
        { name: "sso-legacy", counter: "getRoleCredentials" }
      ] as const
      for (const { counter, name } of cases) {
        const before = emulator.counters[counter]
        const child = yield* Effect.promise(() =>
          runFixture("resolve.ts", [name], {
            HOME: userHome,
            // nothing may hide the warning from this check
            NODE_NO_WARNINGS: undefined,
            NODE_OPTIONS: undefined,
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined
          })
        )
        assert.strictEqual(child.code, 0, `${name}: ${child.stderr}`)
        assert.notInclude(child.stderr, "NodeVersionSupportWarning", name)
        assert.notInclude(child.stderr, "Warning", name)
        // the credentials came from the emulator through the chain: AssumeRole / GetRoleCredentials ran once
        assert.strictEqual(emulator.counters[counter] - before, 1, name)
        assert.match(JSON.parse(child.stdout).accessKeyId, /^ASIA/, name)
      }
    }).pipe(Effect.provide(providerLayer(sandbox.home, scripted().interaction))))
})

describe("interop out", () => {
  it.live("credential_process output is read by the SDK's fromProcess", () =>
    Effect.gen(function*() {
      const { fromProcess } = yield* Effect.promise(() => import("@aws-sdk/credential-providers"))
      const identity = yield* Effect.promise(() => fromProcess({ profile: "via-alchemy" })())
      assert.strictEqual(identity.accessKeyId, storedKey.accessKeyId)
      assert.strictEqual(identity.secretAccessKey, storedKey.secretAccessKey)

      const child = yield* Effect.promise(() => runFixture("credential-process.ts", ["stored"]))
      assert.strictEqual(child.code, 0)
      assert.strictEqual(JSON.parse(child.stdout).Version, 1)
      assert.deepStrictEqual(findSecrets([child.stderr], [storedKey.secretAccessKey]), [])

      const missing = yield* Effect.promise(() => runFixture("credential-process.ts", ["nobody"]))
      assert.strictEqual(missing.code, 1)
      assert.include(missing.stderr, "alchemy configure --profile nobody --provider aws")
    }))

  it.live("the recursion guard stops a credential process nested too deep, even for a profile not in the chain", () =>
    Effect.gen(function*() {
      const deep = yield* Effect.promise(() =>
        runFixture("credential-process.ts", ["stored"], { ALCHEMY_CREDENTIAL_PROCESS_DEPTH: "5" })
      )
      assert.strictEqual(deep.code, 1)
      assert.strictEqual(deep.stdout, "")
      assert.include(deep.stderr, "Credential loop for profile stored: 5 nested alchemy credential processes")
      assert.include(deep.stderr, "ALCHEMY_CREDENTIAL_PROCESS_DEPTH")
      // one level less is still allowed
      const shallow = yield* Effect.promise(() =>
        runFixture("credential-process.ts", ["stored"], { ALCHEMY_CREDENTIAL_PROCESS_DEPTH: "4" })
      )
      assert.strictEqual(shallow.code, 0, shallow.stderr)
      assert.strictEqual(JSON.parse(shallow.stdout).AccessKeyId, storedKey.accessKeyId)
    }))

  it.live("environment export: AWS_* with region; AWS_REGION overrides and is reported", () =>
    Effect.gen(function*() {
      const provider = yield* AwsAuthProvider
      const stored = yield* decodeProfileName("stored")
      const env = yield* provider.environment(stored)
      assert.strictEqual(Redacted.value(env.AWS_ACCESS_KEY_ID!), storedKey.accessKeyId)
      assert.strictEqual(Redacted.value(env.AWS_SECRET_ACCESS_KEY!), storedKey.secretAccessKey)
      assert.strictEqual(Redacted.value(env.AWS_REGION!), "eu-central-1")
      assert.isUndefined(env.AWS_SESSION_TOKEN)
      assert.notInclude(JSON.stringify(env), storedKey.secretAccessKey)
      process.env.AWS_REGION = "sa-east-1"
      try {
        const description = yield* provider.describe(stored)
        assert.strictEqual(description.json.region, "sa-east-1")
        assert.strictEqual(description.json.regionSource, "AWS_REGION")
        assert.isTrue(description.warnings.some((w) => w.includes("AWS_REGION=sa-east-1")))
        assert.deepStrictEqual(findSecrets([JSON.stringify(description)], [storedKey.secretAccessKey]), [])
      } finally {
        delete process.env.AWS_REGION
      }
    }).pipe(Effect.provide(providerLayer(sandbox.home, scripted().interaction))))
})

describe("interop out of temporary credentials", () => {
  it.live("an assumed session exports AWS_SESSION_TOKEN and AWS_CREDENTIAL_EXPIRATION; fromProcess reads its Expiration", () =>
    Effect.gen(function*() {
      const provider = yield* AwsAuthProvider
      const profile = yield* decodeProfileName("session")
      yield* provider.configure({
        profile,
        method: "assume-role",
        values: { "role-arn": "arn:aws:iam::222222222222:role/Ops", "source-profile": "stored" },
        secrets: {}, switches: {}, references: {}
      })
      const resolved = yield* Effect.flatMap(AwsResolver, (r) => r.resolve(profile))
      assert.isDefined(resolved.sessionToken)
      assert.isDefined(resolved.expiration)
      const expiration = new Date(resolved.expiration!).toISOString()

      const env = yield* provider.environment(profile)
      assert.strictEqual(Redacted.value(env.AWS_ACCESS_KEY_ID!), resolved.accessKeyId)
      assert.strictEqual(Redacted.value(env.AWS_SESSION_TOKEN!), Redacted.value(resolved.sessionToken!))
      assert.strictEqual(Redacted.value(env.AWS_CREDENTIAL_EXPIRATION!), expiration)
      assert.strictEqual(Redacted.value(env.AWS_REGION!), resolved.region)

      const output = yield* CredentialProcess.credentialProcessOutput(profile)
      assert.strictEqual(output.SessionToken, Redacted.value(resolved.sessionToken!))
      assert.strictEqual(output.Expiration, expiration)

      // another AWS tool reading it through credential_process gets the session and its expiry
      Fs.appendFileSync(
        sandbox.awsConfig,
        `[profile via-alchemy-session]\ncredential_process = ${tsxCommand("credential-process.ts", "session")}\n`
      )
      const { fromProcess } = yield* Effect.promise(() => import("@aws-sdk/credential-providers"))
      const identity = yield* Effect.promise(() => fromProcess({ profile: "via-alchemy-session", ignoreCache: true })())
      assert.strictEqual(identity.accessKeyId, resolved.accessKeyId)
      assert.strictEqual(identity.sessionToken, Redacted.value(resolved.sessionToken!))
      assert.strictEqual(identity.expiration?.toISOString(), expiration)
    }).pipe(Effect.provide(providerLayer(sandbox.home, scripted().interaction))))
})

describe("access-keys", () => {
  it.live("login re-checks stored keys with GetCallerIdentity; keys AWS no longer accepts are reported", () =>
    Effect.gen(function*() {
      const provider = yield* AwsAuthProvider
      const profile = yield* decodeProfileName("rotating")
      const key = emulator.addAccessKey({ account: "111111111111" })
      yield* provider.configure({
        profile,
        method: "access-keys",
        values: { "aws-access-key-id": key.accessKeyId },
        secrets: { "aws-secret-access-key": Redacted.make(key.secretAccessKey) }, switches: {}, references: {}
      })
      const before = emulator.counters.getCallerIdentity
      const ok = yield* provider.login({ profile, values: {}, secrets: {}, switches: {}, references: {} })
      assert.strictEqual(ok.json.accountId, "111111111111")
      assert.strictEqual(emulator.counters.getCallerIdentity - before, 1)
      // unknown keys in config.json and in the credentials file survive a rewrite by alchemy
      const configPath = `${sandbox.home}/config.json`
      const config = JSON.parse(Fs.readFileSync(configPath, "utf8"))
      config.profiles.rotating.aws.futureSetting = { keep: true }
      Fs.writeFileSync(configPath, JSON.stringify(config))
      const credentialsPath = `${sandbox.home}/credentials/rotating/aws.json`
      Fs.writeFileSync(credentialsPath, JSON.stringify({ ...JSON.parse(Fs.readFileSync(credentialsPath, "utf8")), note: "mine" }))
      yield* provider.configure({
        profile,
        method: "access-keys",
        values: { "aws-access-key-id": key.accessKeyId, region: "us-east-2" },
        secrets: { "aws-secret-access-key": Redacted.make(key.secretAccessKey) }, switches: {}, references: {}
      })
      const rewritten = JSON.parse(Fs.readFileSync(configPath, "utf8")).profiles.rotating.aws
      assert.deepStrictEqual(rewritten.futureSetting, { keep: true })
      assert.strictEqual(rewritten.region, "us-east-2")
      assert.strictEqual(JSON.parse(Fs.readFileSync(credentialsPath, "utf8")).note, "mine")
      assert.strictEqual(Fs.statSync(credentialsPath).mode & 0o777, 0o600)

      emulator.expireCredentials(key.accessKeyId)
      const error = yield* Effect.flip(provider.login({ profile, values: {}, secrets: {}, switches: {}, references: {} }))
      const message = String((error as { message?: string }).message)
      assert.include(message, "AWS rejected the credentials of profile rotating")
      assert.notInclude(message, key.secretAccessKey)
    }).pipe(Effect.provide(providerLayer(sandbox.home, scripted().interaction))))
})

describe("consumers", () => {
  it.live("automatic layer: a named profile wins over AWS_* variables (with a warning); none named uses them", () =>
    Effect.gen(function*() {
      const person = scripted()
      const env = {
        AWS_ACCESS_KEY_ID: staticKey.accessKeyId,
        AWS_SECRET_ACCESS_KEY: staticKey.secretAccessKey,
        ALCHEMY_AWS_PROFILE: "stored"
      }
      const base = providerLayer(sandbox.home, person.interaction)
      const named = yield* Effect.flatMap(AwsCredentials.AwsCredentials, (c) => c.get).pipe(
        Effect.provide(AwsCredentials.layer({ env }).pipe(Layer.provide(base)))
      )
      assert.strictEqual(named.accessKeyId, storedKey.accessKeyId)
      assert.isTrue(person.shown.some((line) => line.startsWith("warning:") && line.includes("AWS_ACCESS_KEY_ID")))

      process.env.AWS_ACCESS_KEY_ID = staticKey.accessKeyId
      process.env.AWS_SECRET_ACCESS_KEY = staticKey.secretAccessKey
      try {
        const fromEnv = yield* Effect.flatMap(AwsCredentials.AwsCredentials, (c) => c.get).pipe(
          Effect.provide(AwsCredentials.layer({ env: { ...process.env } }).pipe(Layer.provide(base)))
        )
        assert.strictEqual(fromEnv.method, "environment")
        assert.strictEqual(fromEnv.accessKeyId, staticKey.accessKeyId)
      } finally {
        delete process.env.AWS_ACCESS_KEY_ID
        delete process.env.AWS_SECRET_ACCESS_KEY
      }
    }))

  it.live("the identity provider works in a real SDK client; the Promise face resolves a profile", () =>
    Effect.gen(function*() {
      const provider = yield* AwsCredentials.credentialIdentityProvider.pipe(
        Effect.provide(
          AwsCredentials.fromProfile("stored").pipe(Layer.provide(providerLayer(sandbox.home, scripted().interaction)))
        )
      )
      const { STSClient, GetCallerIdentityCommand } = yield* Effect.promise(() => import("@aws-sdk/client-sts"))
      const sts = new STSClient({ region: "us-east-1", credentials: provider })
      const identity = yield* Effect.promise(() => sts.send(new GetCallerIdentityCommand({})))
      assert.strictEqual(identity.Account, "333333333333")

      const viaPromise = yield* Effect.promise(() => AwsLive.getAwsCredentials({ profile: "stored" }))
      assert.strictEqual(viaPromise.accessKeyId, storedKey.accessKeyId)
      const rejected = yield* Effect.promise(() =>
        AwsLive.getAwsCredentials({ profile: "nobody" }).then(() => undefined, (e: unknown) => e)
      )
      assert.strictEqual((rejected as { _tag?: string })._tag, "ProviderNotConfigured")
      assert.include((rejected as Error).message, "alchemy configure --profile nobody --provider aws")
    }))
})
