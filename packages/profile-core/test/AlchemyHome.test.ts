import * as NodePath from "@effect/platform-node/NodePath"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as os from "node:os"
import * as path from "node:path"
import { AlchemyHome, layer, layerAt } from "../src/AlchemyHome.js"
import { Environment } from "../src/Environment.js"

const rootWith = (env: ReadonlyArray<readonly [string, string]>) =>
  Effect.map(AlchemyHome, (home) => home.root).pipe(
    Effect.provide(layer.pipe(Layer.provide(NodePath.layer))),
    Effect.provideService(Environment, Object.fromEntries(env))
  )

describe("AlchemyHome", () => {
  it.effect("$ALCHEMY_HOME when set (made absolute), else ~/.alchemy; an empty variable counts as unset", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* rootWith([["ALCHEMY_HOME", "/srv/alchemy-home"]]), "/srv/alchemy-home")
      assert.strictEqual(yield* rootWith([["ALCHEMY_HOME", "rel/home"]]), path.resolve("rel/home"))
      assert.strictEqual(yield* rootWith([]), path.join(os.homedir(), ".alchemy"))
      assert.strictEqual(yield* rootWith([["ALCHEMY_HOME", "  "]]), path.join(os.homedir(), ".alchemy"))
    }))

  it.effect("the provided Environment picks the home, not process.env", () =>
    Effect.gen(function*() {
      const saved = process.env.ALCHEMY_HOME
      process.env.ALCHEMY_HOME = "/srv/from-process-env"
      try {
        assert.strictEqual(yield* rootWith([["ALCHEMY_HOME", "/srv/from-provided-env"]]), "/srv/from-provided-env")
        // An environment without the variable: the default home, whatever the process's says.
        assert.strictEqual(yield* rootWith([]), path.join(os.homedir(), ".alchemy"))
        // Nothing provided: the process's environment (Environment's default).
        const root = yield* Effect.map(AlchemyHome, (home) => home.root).pipe(
          Effect.provide(layer.pipe(Layer.provide(NodePath.layer)))
        )
        assert.strictEqual(root, "/srv/from-process-env")
      } finally {
        if (saved === undefined) delete process.env.ALCHEMY_HOME
        else process.env.ALCHEMY_HOME = saved
      }
    }))

  it.effect("layerAt resolves the directory it is given", () =>
    Effect.map(AlchemyHome, (home) => assert.strictEqual(home.root, path.resolve("some/dir"))).pipe(
      Effect.provide(layerAt("some/dir").pipe(Layer.provide(NodePath.layer)))
    ))
})
