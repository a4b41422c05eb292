/**
 * The AWS port (`AwsPort.make`): built once, one resolver shared by every operation of the command (its memo is
 * not thrown away between calls), every failure a `PortError`, and `credential-process` printing Version 1 JSON.
 * Also: the descriptor and the method table agree.
 */
import { input, type ProviderPort } from "@alchemy/profile-core/AuthProvider"
import { Interaction } from "@alchemy/profile-core/Interaction"
import { decodeProfileName, type ProfileName } from "@alchemy/profile-core/ProfileName"
import type { Selection } from "@alchemy/profile-core/Selection"
import * as AwsEmulator from "@alchemy/testing/AwsEmulator"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Fs from "node:fs"
import { afterAll, beforeAll } from "vitest"
import * as AwsCredentials from "../src/AwsCredentials.js"
import { descriptor } from "../src/AwsDescriptor.js"
import * as AwsPort from "../src/AwsPort.js"
import { table } from "../src/internal/methods/table.js"
import { coreLayer, makeSandbox, scripted } from "./fixtures/harness.js"

let emulator: AwsEmulator.AwsEmulator
let sandbox: ReturnType<typeof makeSandbox>
let key: { accessKeyId: string; secretAccessKey: string }

beforeAll(async () => {
  sandbox = makeSandbox()
  emulator = await AwsEmulator.start({})
  Object.assign(process.env, emulator.env)
  key = emulator.addAccessKey({ account: "111111111111" })
  // A profile of ~/.aws/config the SDK resolves with AssumeRole each time (`fromIni` with `ignoreCache`): only the
  // resolver's memo keeps a second resolve from calling STS again.
  Fs.writeFileSync(
    sandbox.awsCredentials,
    `[static]\naws_access_key_id = ${key.accessKeyId}\naws_secret_access_key = ${key.secretAccessKey}\n`
  )
  Fs.writeFileSync(
    sandbox.awsConfig,
    ["[profile role-chain]", "role_arn = arn:aws:iam::222222222222:role/Ops", "source_profile = static", "region = eu-north-1", ""]
      .join("\n")
  )
})

afterAll(async () => {
  await emulator?.close()
  sandbox?.cleanup()
})

/** A port, built the way the CLI builds it: once per command, from core's services. */
const buildPort = (): Effect.Effect<ProviderPort> =>
  AwsPort.make.pipe(
    Effect.provide(coreLayer(sandbox.home)),
    Effect.provide(Layer.succeed(Interaction, scripted().interaction))
  )


const selectionOf = (profile: ProfileName, useEnvironmentCredentials = false): Selection => ({
  profile,
  source: "flag",
  explicit: true,
  useEnvironmentCredentials,
  environmentVariables: useEnvironmentCredentials ? ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] : [],
  warnings: [],
  explanation: "--profile flag"
})

describe("AwsPort", () => {
  it("the descriptor and the method table agree: same methods, inputs declared once", () => {
    assert.deepStrictEqual(descriptor.methods.map((m) => m.id).sort(), Object.keys(table).sort())
    const options = new Set(descriptor.options.map((o) => o.name))
    const secrets = new Set(descriptor.secrets.map((s) => s.name))
    for (const method of descriptor.methods) {
      for (const name of method.options) assert.isTrue(options.has(name), `${method.id}: option ${name}`)
      for (const name of method.secrets) assert.isTrue(secrets.has(name), `${method.id}: secret ${name}`)
    }
    for (const method of Object.values(table)) {
      for (const own of method.ownInputs ?? []) {
        const declared = own.kind === "value"
          ? descriptor.options.some((o) => o.name === own.name)
          : descriptor.secrets.some((s) => s.name === own.name && s.reference)
        assert.isTrue(declared, `${method.id}: ${own.kind} ${own.name}`)
      }
    }
  })

  it.live("built once: configure, describe, resolve, the consumer layer and credential-process share one resolver", () =>
    Effect.gen(function*() {
      const module = yield* Effect.promise(() => descriptor.load())
      assert.strictEqual(module.make, AwsPort.make)
      const port = yield* buildPort()
      assert.strictEqual(port.descriptor, descriptor)
      const profile = yield* decodeProfileName("chain")
      emulator.resetCounters()

      const configured = yield* port.configure(
        input(profile, { method: "aws-profile", values: { "aws-profile": "role-chain" } })
      )
      assert.strictEqual(configured.json.accountId, "222222222222")
      // configure verified the AWS profile (one AssumeRole) and described it from the memo
      assert.strictEqual(emulator.counters.assumeRole, 1)

      const first = yield* port.resolve(profile)
      const second = yield* port.resolve(profile)
      assert.strictEqual(Redacted.value(first.AWS_ACCESS_KEY_ID!), Redacted.value(second.AWS_ACCESS_KEY_ID!))
      assert.strictEqual(Redacted.value(first.AWS_REGION!), "eu-north-1")
      yield* port.describe(profile)
      const viaLayer = yield* Effect.flatMap(AwsCredentials.AwsCredentials, (c) => c.get).pipe(
        Effect.provide(port.credentials({ flag: "chain" }) as Layer.Layer<AwsCredentials.AwsCredentials>)
      )
      assert.strictEqual(viaLayer.accessKeyId, Redacted.value(first.AWS_ACCESS_KEY_ID!))
      const json = yield* port.commands["credential-process"]!(selectionOf(profile))
      assert.strictEqual(JSON.parse(json).AccessKeyId, Redacted.value(first.AWS_ACCESS_KEY_ID!))
      assert.strictEqual(emulator.counters.assumeRole, 1)

      // the memo is the port's: another port (another command) resolves again
      const other = yield* buildPort()
      yield* other.resolve(profile)
      assert.strictEqual(emulator.counters.assumeRole, 2)
    }))

  it.live("credential-process prints Version 1 JSON, for a profile and for the raw environment keys", () =>
    Effect.gen(function*() {
      const port = yield* buildPort()
      const profile = yield* decodeProfileName("chain-cp")
      yield* port.configure(input(profile, { method: "aws-profile", values: { "aws-profile": "role-chain" } }))
      const text = yield* port.commands["credential-process"]!(selectionOf(profile))
      assert.notInclude(text, "\n")
      const output = JSON.parse(text)
      assert.deepStrictEqual(Object.keys(output).sort(), ["AccessKeyId", "Expiration", "SecretAccessKey", "SessionToken", "Version"])
      assert.strictEqual(output.Version, 1)
      assert.match(output.AccessKeyId, /^ASIA/)
      assert.strictEqual(new Date(output.Expiration).toISOString(), output.Expiration)
      assert.isAbove(Date.parse(output.Expiration), Date.now())

      process.env.AWS_ACCESS_KEY_ID = key.accessKeyId
      process.env.AWS_SECRET_ACCESS_KEY = key.secretAccessKey
      try {
        const raw = JSON.parse(yield* port.commands["credential-process"]!(selectionOf(profile, true)))
        assert.deepStrictEqual(raw, { Version: 1, AccessKeyId: key.accessKeyId, SecretAccessKey: key.secretAccessKey })
      } finally {
        delete process.env.AWS_ACCESS_KEY_ID
        delete process.env.AWS_SECRET_ACCESS_KEY
      }
    }))

  it.live("failures are PortErrors: AwsError becomes ProviderError with its message, core errors pass as they are", () =>
    Effect.gen(function*() {
      const port = yield* buildPort()
      const wrong = yield* decodeProfileName("wrong")
      const rejected = yield* Effect.flip(port.configure(input(wrong, {
        method: "access-keys",
        values: { "aws-access-key-id": "AKIAWRONGWRONGWRONG0", region: "us-east-1" },
        secrets: { "aws-secret-access-key": Redacted.make("not-the-secret-at-all") }
      })))
      assert.strictEqual(rejected._tag, "ProviderError")
      if (rejected._tag !== "ProviderError") return
      assert.strictEqual(rejected.provider, "aws")
      assert.isFalse(rejected.usage)
      assert.include(rejected.message, "AWS rejected the credentials of profile wrong")
      assert.strictEqual((rejected.cause as { _tag: string; reason: string })._tag, "AwsError")
      assert.strictEqual((rejected.cause as { reason: string }).reason, "InvalidCredentials")
      assert.notInclude(rejected.message, "not-the-secret-at-all")

      const missing = yield* Effect.flip(port.resolve(yield* decodeProfileName("nobody")))
      assert.strictEqual(missing._tag, "ProviderNotConfigured")

      // logged out: the entry stays, the credentials are gone: NeedsLogin, as core made it
      const keys = yield* decodeProfileName("keys")
      yield* port.configure(input(keys, {
        method: "access-keys",
        values: { "aws-access-key-id": key.accessKeyId, region: "us-east-1" },
        secrets: { "aws-secret-access-key": Redacted.make(key.secretAccessKey) }
      }))
      yield* port.logout(keys)
      const needsLogin = yield* Effect.flip(port.resolve(keys))
      assert.strictEqual(needsLogin._tag, "NeedsLogin")
      assert.isTrue(yield* port.isConfigured(keys))

      // an input of another method
      const foreign = yield* Effect.flip(port.configure(input(keys, {
        method: "sso",
        references: { "aws-secret-access-key": "SOME_VARIABLE" }
      })))
      assert.strictEqual(foreign._tag, "ProviderError")
      assert.include(foreign.message, "--aws-secret-access-key-variable is for --method access-keys, not sso")
    }))

  it.live("requireAccount checks the account the consumer layer reaches; declared() is web identity only", () =>
    Effect.gen(function*() {
      const port = yield* buildPort()
      const profile = yield* decodeProfileName("pinned")
      yield* port.configure(input(profile, { method: "aws-profile", values: { "aws-profile": "role-chain" } }))
      const layer = port.credentials({ flag: "pinned" })
      yield* port.requireAccount("222222222222", "stage prod of my-app", layer)
      const mismatch = yield* Effect.flip(port.requireAccount("999999999999", "stage prod of my-app", layer))
      assert.strictEqual(mismatch._tag, "AccountMismatch")

      assert.isUndefined(port.declared({ method: "sso" }, "stage prod of my-app"))
      const declared = port.declared(
        { method: "web-identity", roleArn: "arn:aws:iam::222222222222:role/deploy" },
        "stage prod of my-app"
      )
      assert.isDefined(declared)
      // no token source here: the variables fail as a ProviderError naming what to set
      const noToken = yield* Effect.flip(declared!.variables)
      assert.strictEqual(noToken._tag, "ProviderError")
      assert.include(noToken.message, "could not get a web identity token")
    }))
})
