import * as AwsEmulator from "@alchemy/testing/AwsEmulator"
import { CredentialStore } from "@alchemy/profile-core/CredentialStore"
import { decodeProfileName, type ProfileName } from "@alchemy/profile-core/ProfileName"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterAll, beforeAll } from "vitest"
import { AssumeRoleFile } from "../src/AwsConfig.js"
import { AwsAuthProvider } from "../src/AwsAuthProvider.js"
import { findSecrets, makeSandbox, providerLayer, runFixture, scripted } from "./fixtures/harness.js"

const mfa = { serial: "arn:aws:iam::111111111111:mfa/alice", code: "123456" }
const roleArn = "arn:aws:iam::222222222222:role/Deployer"

let emulator: AwsEmulator.AwsEmulator
let sandbox: ReturnType<typeof makeSandbox>
let key: { accessKeyId: string; secretAccessKey: string }

beforeAll(async () => {
  sandbox = makeSandbox()
  emulator = await AwsEmulator.start({
    mfa: { ...mfa, roles: ["Deployer"] },
    externalIds: { "arn:aws:iam::333333333333:role/Ops": "ext-42" }
  })
  key = emulator.addAccessKey({ account: "111111111111", arn: "arn:aws:iam::111111111111:user/alice" })
  Object.assign(process.env, emulator.env)
})

afterAll(async () => {
  await emulator?.close()
  sandbox?.cleanup()
})

/** Configure `profile` as assume-role from stored keys, then drop the cached session (as if it had expired). */
const configureWithoutSession = (profile: ProfileName, extra: Record<string, string> = {}) =>
  Effect.gen(function*() {
    const provider = yield* AwsAuthProvider
    yield* provider.configure({
      profile,
      method: "assume-role",
      values: { "role-arn": extra["role-arn"] ?? roleArn, "aws-access-key-id": key.accessKeyId, region: "us-west-2", ...extra },
      secrets: {
        "aws-secret-access-key": Redacted.make(key.secretAccessKey),
        ...(extra["mfa-serial"] !== undefined ? { "mfa-code": Redacted.make(mfa.code) } : {})
      },
      switches: {},
      references: {}
    })
    const store = yield* CredentialStore
    const file = Option.getOrThrow(yield* store.read(profile, "aws", AssumeRoleFile))
    assert.isDefined(file.session)
    const { session: _session, ...withoutSession } = file
    yield* store.write(profile, "aws", AssumeRoleFile, withoutSession)
  }).pipe(Effect.provide(providerLayer(sandbox.home, scripted().interaction)))

describe("assume-role", () => {
  it.live("MFA: the first process asks for the code, a second one within the session does not", () =>
    Effect.gen(function*() {
      const profile = yield* decodeProfileName("mfa")
      yield* configureWithoutSession(profile, { "mfa-serial": mfa.serial })
      emulator.resetCounters()

      const first = yield* Effect.promise(() => runFixture("resolve.ts", ["mfa"], { TEST_MFA_CODE: mfa.code }))
      assert.strictEqual(first.code, 0, first.stderr)
      assert.strictEqual(JSON.parse(first.stdout).asked, 1)
      assert.include(first.stderr, `ASKED MFA code for ${mfa.serial}`)

      const second = yield* Effect.promise(() => runFixture("resolve.ts", ["mfa"], { TEST_MFA_CODE: undefined }))
      assert.strictEqual(second.code, 0, second.stderr)
      assert.strictEqual(JSON.parse(second.stdout).asked, 0)
      assert.strictEqual(JSON.parse(second.stdout).accessKeyId, JSON.parse(first.stdout).accessKeyId)
      assert.strictEqual(emulator.counters.assumeRole, 1)
      const request = emulator.requests.find((r) => r.operation === "AssumeRole")
      assert.strictEqual(request?.input.serialNumber, mfa.serial)

      // the cached session file is 0600 and no output carries a secret
      const file = Path.join(sandbox.home, "credentials", "mfa", "aws.json")
      assert.strictEqual(Fs.statSync(file).mode & 0o777, 0o600)
      const stored = JSON.parse(Fs.readFileSync(file, "utf8"))
      const secrets = [key.secretAccessKey, stored.session.secretAccessKey, stored.session.sessionToken, mfa.code]
      const config = Fs.readFileSync(Path.join(sandbox.home, "config.json"), "utf8")
      assert.deepStrictEqual(findSecrets([first.stdout, first.stderr, second.stdout, second.stderr, config], secrets), [])
    }))

  it.live("without a code and without a terminal, the MFA prompt fails naming --mfa-code", () =>
    Effect.gen(function*() {
      const profile = yield* decodeProfileName("mfa-ci")
      yield* configureWithoutSession(profile, { "mfa-serial": mfa.serial })
      const child = yield* Effect.promise(() => runFixture("resolve.ts", ["mfa-ci"], { TEST_MFA_CODE: undefined }))
      assert.strictEqual(child.code, 1)
      assert.include(child.stderr, "--mfa-code")
      // a wrong code: AWS refuses, the error says so without echoing the code, nothing is cached
      const wrong = yield* Effect.promise(() => runFixture("resolve.ts", ["mfa-ci"], { TEST_MFA_CODE: "987650" }))
      assert.strictEqual(wrong.code, 1)
      assert.include(wrong.stderr, "Assuming the role of profile mfa-ci failed", wrong.stderr)
      assert.notInclude(wrong.stderr.replace(/ASKED.*\n/, ""), "987650")
      const stored = JSON.parse(Fs.readFileSync(Path.join(sandbox.home, "credentials", "mfa-ci", "aws.json"), "utf8"))
      assert.isUndefined(stored.session)
    }))

  it.live("16 concurrent processes share one AssumeRole", () =>
    Effect.gen(function*() {
      const profile = yield* decodeProfileName("shared")
      yield* configureWithoutSession(profile, { "role-arn": "arn:aws:iam::222222222222:role/Ops" })
      emulator.resetCounters()
      const children = yield* Effect.promise(() =>
        Promise.all(Array.from({ length: 16 }, () => runFixture("resolve.ts", ["shared"])))
      )
      for (const child of children) assert.strictEqual(child.code, 0, child.stderr)
      const keys = new Set(children.map((child) => JSON.parse(child.stdout).accessKeyId))
      assert.strictEqual(keys.size, 1)
      assert.strictEqual(emulator.counters.assumeRole, 1)
    }))

  it.live("source = another alchemy profile with an external id; a wrong external id or key is refused, nothing saved", () =>
    Effect.gen(function*() {
      const layer = providerLayer(sandbox.home, scripted().interaction)
      const source = yield* decodeProfileName("keys")
      const target = yield* decodeProfileName("chained")
      yield* Effect.gen(function*() {
        const provider = yield* AwsAuthProvider
        yield* provider.configure({
          profile: source,
          method: "access-keys",
          values: { "aws-access-key-id": key.accessKeyId, region: "us-east-2" },
          secrets: { "aws-secret-access-key": Redacted.make(key.secretAccessKey) }, switches: {}, references: {}
        })
        const description = yield* provider.configure({
          profile: target,
          method: "assume-role",
          values: { "role-arn": "arn:aws:iam::333333333333:role/Ops", "source-profile": "keys", "external-id": "ext-42" },
          secrets: {}, switches: {}, references: {}
        })
        assert.strictEqual(description.json.accountId, "333333333333")
        const request = emulator.requests.findLast((r) => r.operation === "AssumeRole")
        assert.strictEqual(request?.input.externalId, "ext-42")
        const otherTarget = yield* decodeProfileName("chained-wrong")
        const denied = yield* Effect.flip(provider.configure({
          profile: otherTarget,
          method: "assume-role",
          values: { "role-arn": "arn:aws:iam::333333333333:role/Ops", "source-profile": "keys", "external-id": "nope" },
          secrets: {}, switches: {}, references: {}
        }))
        assert.include(String((denied as { message?: string }).message), "Assuming the role of profile chained-wrong failed")
        assert.isFalse(yield* provider.isConfigured(otherTarget))
        const wrong = yield* Effect.flip(provider.configure({
          profile: yield* decodeProfileName("wrong-key"),
          method: "access-keys",
          values: { "aws-access-key-id": "AKIAWRONGWRONGWRONG0" },
          secrets: { "aws-secret-access-key": Redacted.make("not-the-secret-at-all") }, switches: {}, references: {}
        }))
        assert.include(String((wrong as { message?: string }).message), "rejected")
        assert.isFalse(yield* provider.isConfigured(yield* decodeProfileName("wrong-key")))
        assert.isFalse(Fs.existsSync(Path.join(sandbox.home, "credentials", "wrong-key", "aws.json")))
      }).pipe(Effect.provide(layer))
    }))
})
