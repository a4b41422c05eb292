/**
 * The environment the AWS provider reads is profile-core's `Environment`: an in-process environment given with
 * `Effect.provideService(Environment, {...})` is what it reads, not `process.env` (which holds other values here to
 * tell the two apart). The port fixes the environment it was built under for all its operations and layers.
 */
import { Environment } from "@alchemy/profile-core/Environment"
import { Interaction } from "@alchemy/profile-core/Interaction"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { afterAll, beforeAll } from "vitest"
import * as AwsCredentials from "../src/AwsCredentials.js"
import * as AwsPort from "../src/AwsPort.js"
import { coreLayer, makeSandbox, scripted } from "./fixtures/harness.js"

let sandbox: ReturnType<typeof makeSandbox>
const fromProcess = { AWS_ACCESS_KEY_ID: "AKIAFROMPROCESSENV00", AWS_SECRET_ACCESS_KEY: "process-secret", AWS_REGION: "us-west-1" }
const provided = {
  AWS_ACCESS_KEY_ID: "AKIAFROMPROVIDEDENV0",
  AWS_SECRET_ACCESS_KEY: "provided-secret",
  AWS_SESSION_TOKEN: "provided-token",
  AWS_DEFAULT_REGION: "eu-west-3"
}

beforeAll(() => {
  sandbox = makeSandbox()
  Object.assign(process.env, fromProcess)
})

afterAll(() => {
  for (const name of Object.keys(fromProcess)) delete process.env[name]
  sandbox?.cleanup()
})

const get = Effect.flatMap(AwsCredentials.AwsCredentials, (credentials) => credentials.get)

describe("Environment", () => {
  it.effect("fromEnv reads the keys and region from the provided environment, not process.env", () =>
    Effect.gen(function*() {
      const resolved = yield* get.pipe(Effect.provide(AwsCredentials.fromEnv), Effect.provideService(Environment, provided))
      assert.strictEqual(resolved.accessKeyId, "AKIAFROMPROVIDEDENV0")
      assert.strictEqual(Redacted.value(resolved.secretAccessKey), "provided-secret")
      assert.strictEqual(resolved.sessionToken && Redacted.value(resolved.sessionToken), "provided-token")
      assert.strictEqual(resolved.region, "eu-west-3")
      assert.deepStrictEqual(resolved.regionSource, { _tag: "Environment", variable: "AWS_DEFAULT_REGION" })

      // An environment without keys has none, whatever process.env holds; blank counts as not set.
      const missing = yield* get.pipe(
        Effect.provide(AwsCredentials.fromEnv),
        Effect.provideService(Environment, { AWS_ACCESS_KEY_ID: "AKIAFROMPROVIDEDENV0", AWS_SECRET_ACCESS_KEY: " " }),
        Effect.either
      )
      assert.isTrue(Either.isLeft(missing) && missing.left._tag === "AwsError" && missing.left.reason === "MissingSetting")

      // Without a provided one, the default is the process's.
      const fromDefault = yield* get.pipe(Effect.provide(AwsCredentials.fromEnv))
      assert.strictEqual(fromDefault.accessKeyId, "AKIAFROMPROCESSENV00")
    }))

  it.effect("the port reads the environment it was built under, in its consumer layers too", () =>
    Effect.gen(function*() {
      const port = yield* AwsPort.make.pipe(
        Effect.provide(coreLayer(sandbox.home)),
        Effect.provide(Layer.succeed(Interaction, scripted().interaction)),
        Effect.provideService(Environment, provided)
      )
      // Used outside that environment: the port still reads the one it was built under.
      const consumer = port.fromEnvironment as unknown as Layer.Layer<AwsCredentials.AwsCredentials>
      assert.strictEqual((yield* get.pipe(Effect.provide(consumer))).accessKeyId, "AKIAFROMPROVIDEDENV0")
      // DESIGN §4's choice reads it too: no profile named and raw keys set means the environment's keys.
      const chosen = port.credentials({}) as unknown as Layer.Layer<AwsCredentials.AwsCredentials>
      const resolved = yield* get.pipe(Effect.provide(chosen))
      assert.strictEqual(resolved.method, "environment")
      assert.strictEqual(resolved.accessKeyId, "AKIAFROMPROVIDEDENV0")
    }))
})
