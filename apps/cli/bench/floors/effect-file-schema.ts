// Floor 2: the smallest Effect program of this kind: read config.json through @effect/platform-node's FileSystem,
// decode it with a Schema, print the profile names, under NodeRuntime.runMain.
import * as FileSystem from "@effect/platform/FileSystem"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as NodeFs from "node:fs"
import * as Schema from "effect/Schema"

const Config = Schema.parseJson(Schema.Struct({
  version: Schema.Number,
  profiles: Schema.Record({ key: Schema.String, value: Schema.Unknown })
}))

Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  const config = yield* Schema.decode(Config)(yield* fs.readFileString(`${process.env.ALCHEMY_HOME}/config.json`))
  NodeFs.writeSync(1, `${JSON.stringify(Object.keys(config.profiles))}\n`)
}).pipe(Effect.provide(NodeFileSystem.layer), NodeRuntime.runMain({ disablePrettyLogger: true }))
