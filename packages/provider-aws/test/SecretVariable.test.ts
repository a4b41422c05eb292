/**
 * Access keys by reference: `references["aws-secret-access-key"]` (and `references["aws-session-token"]`, the CLI's
 * `--aws-secret-access-key-variable` / `--aws-session-token-variable`) keep only the
 * variables' names in the entry, next to the access key id; every resolve reads them as they are then.
 */
import { decodeProfileName } from "@alchemy/profile-core/ProfileName"
import * as AwsEmulator from "@alchemy/testing/AwsEmulator"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterAll, beforeAll } from "vitest"
import { AwsAuthProvider } from "../src/AwsAuthProvider.js"
import { AwsResolver } from "../src/AwsResolver.js"
import { makeSandbox, providerLayer, scripted } from "./fixtures/harness.js"

const VARIABLE = "AWS_PROD_SECRET"

let emulator: AwsEmulator.AwsEmulator
let sandbox: ReturnType<typeof makeSandbox>
let key: { accessKeyId: string; secretAccessKey: string }

beforeAll(async () => {
  sandbox = makeSandbox()
  emulator = await AwsEmulator.start({})
  key = emulator.addAccessKey({ account: "111111111111", arn: "arn:aws:iam::111111111111:user/ci" })
  Object.assign(process.env, emulator.env)
  delete process.env[VARIABLE]
})

afterAll(async () => {
  delete process.env[VARIABLE]
  await emulator?.close()
  sandbox?.cleanup()
})

const inRuntime = <A, E>(effect: Effect.Effect<A, E, AwsAuthProvider | AwsResolver>) =>
  Effect.provide(effect, providerLayer(sandbox.home, scripted().interaction))

const show = (d: { readonly lines: ReadonlyArray<{ label: string; value: string }> }) =>
  d.lines.map((l) => `${l.label}: ${l.value}`).join("\n")

describe("access-keys by reference", () => {
  it.live("configure stores the variable's name and the key id, no file; each resolve reads the variable; unset is SecretVariableNotSet", () =>
    Effect.gen(function*() {
      const profile = yield* decodeProfileName("ref")
      process.env[VARIABLE] = key.secretAccessKey
      const configured = yield* inRuntime(Effect.flatMap(AwsAuthProvider, (provider) =>
        provider.configure({
          profile,
          values: { "aws-access-key-id": key.accessKeyId, region: "eu-west-1" },
          secrets: {},
          switches: {},
          references: { "aws-secret-access-key": VARIABLE }
        })))
      assert.strictEqual(configured.method, "access-keys")
      assert.strictEqual(configured.json.accountId, "111111111111")
      assert.include(show(configured), `secretAccessKey: from $${VARIABLE} (set)`)
      assert.deepStrictEqual(configured.json.secretVariable, { name: VARIABLE, set: true })
      const config = JSON.parse(Fs.readFileSync(Path.join(sandbox.home, "config.json"), "utf8"))
      assert.deepStrictEqual(config.profiles.ref.aws, {
        method: "access-keys",
        region: "eu-west-1",
        accessKeyId: key.accessKeyId,
        variables: { "aws-secret-access-key": VARIABLE },
        metadata: { id: "111111111111", name: "arn:aws:iam::111111111111:user/ci" }
      })
      assert.isFalse(Fs.existsSync(Path.join(sandbox.home, "credentials", "ref")))

      const resolved = yield* inRuntime(Effect.flatMap(AwsResolver, (r) => r.resolve(profile)))
      assert.strictEqual(Redacted.value(resolved.secretAccessKey), key.secretAccessKey)
      // read as it is at each resolve, in the same runtime too
      const changed = yield* inRuntime(Effect.gen(function*() {
        const resolver = yield* AwsResolver
        yield* resolver.resolve(profile)
        process.env[VARIABLE] = "another-secret-value-0123456789"
        return yield* resolver.resolve(profile)
      }))
      assert.strictEqual(Redacted.value(changed.secretAccessKey), "another-secret-value-0123456789")

      for (const value of [undefined, "", "  "]) {
        if (value === undefined) delete process.env[VARIABLE]
        else process.env[VARIABLE] = value
        const error = yield* Effect.flip(inRuntime(Effect.flatMap(AwsResolver, (r) => r.resolve(profile))))
        assert.strictEqual(error._tag, "SecretVariableNotSet", JSON.stringify(value))
        assert.include(error.message, `Profile ref reads its aws secret access key from the environment variable ${VARIABLE}`)
      }
      // profile show still describes it, naming the variable
      const shown = yield* inRuntime(Effect.flatMap(AwsAuthProvider, (provider) => provider.describe(profile)))
      assert.include(show(shown), `secretAccessKey: from $${VARIABLE} (not set)`)
      assert.deepStrictEqual(shown.json.secretVariable, { name: VARIABLE, set: false })
      assert.isTrue(shown.warnings.some((w) => w.includes(VARIABLE)))
      assert.notInclude(JSON.stringify(shown), key.secretAccessKey)
    }))

  it.live("a wrong secret in the variable fails configure, nothing saved; unset at configure saves unverified with a note; checks", () =>
    Effect.gen(function*() {
      const configure = (name: string, references: Record<string, string>, secrets: Record<string, string> = {}) =>
        Effect.flatMap(decodeProfileName(name), (profile) =>
          inRuntime(Effect.flatMap(AwsAuthProvider, (provider) =>
            provider.configure({
              profile,
              method: "access-keys",
              values: { "aws-access-key-id": key.accessKeyId },
              secrets: Object.fromEntries(Object.entries(secrets).map(([k, v]) => [k, Redacted.make(v)])),
              switches: {},
              references
            }))))
      process.env[VARIABLE] = "wrong-secret-wrong-secret-wrong-secret"
      const wrong = yield* Effect.flip(configure("wrong", { "aws-secret-access-key": VARIABLE }))
      assert.include(String((wrong as { message: string }).message), "AWS rejected the credentials of profile wrong")
      assert.notProperty(JSON.parse(Fs.readFileSync(Path.join(sandbox.home, "config.json"), "utf8")).profiles, "wrong")

      delete process.env[VARIABLE]
      const later = yield* configure("later", { "aws-secret-access-key": VARIABLE })
      assert.isTrue(later.warnings.some((w) => w.startsWith(`not verified: $${VARIABLE} is not set now`)))
      assert.include(show(later), `secretAccessKey: from $${VARIABLE} (not set)`)

      const errors = [
        [{ "aws-secret-access-key": "1BAD" }, {}, "needs an environment variable name"],
        [{ "aws-secret-access-key": VARIABLE }, { "aws-secret-access-key": "x".repeat(20) }, "not both"],
        [{ "aws-session-token": "TOKEN" }, {}, "goes with --aws-secret-access-key-variable"]
      ] as const
      for (const [references, secrets, text] of errors) {
        const error = yield* Effect.flip(configure("checks", references, secrets))
        assert.include(String((error as { message: string }).message), text)
      }
    }))
})
