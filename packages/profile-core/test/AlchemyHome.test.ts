import * as NodePath from "@effect/platform-node/NodePath"
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as os from "node:os"
import * as path from "node:path"
import { AlchemyHome, layer, layerAt } from "../src/AlchemyHome.js"

const rootWith = (env: ReadonlyArray<readonly [string, string]>) =>
  Effect.map(AlchemyHome, (home) => home.root).pipe(
    Effect.provide(layer.pipe(Layer.provide(NodePath.layer))),
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(env)))
  )

describe("AlchemyHome", () => {
  it.effect("$ALCHEMY_HOME when set (made absolute), else ~/.alchemy; an empty variable counts as unset", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* rootWith([["ALCHEMY_HOME", "/srv/alchemy-home"]]), "/srv/alchemy-home")
      assert.strictEqual(yield* rootWith([["ALCHEMY_HOME", "rel/home"]]), path.resolve("rel/home"))
      assert.strictEqual(yield* rootWith([]), path.join(os.homedir(), ".alchemy"))
      assert.strictEqual(yield* rootWith([["ALCHEMY_HOME", "  "]]), path.join(os.homedir(), ".alchemy"))
    }))

  it.effect("layerAt resolves the directory it is given", () =>
    Effect.map(AlchemyHome, (home) => assert.strictEqual(home.root, path.resolve("some/dir"))).pipe(
      Effect.provide(layerAt("some/dir").pipe(Layer.provide(NodePath.layer)))
    ))
})
