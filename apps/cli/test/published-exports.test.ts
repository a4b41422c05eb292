/**
 * Every public module of a published package (a file directly under src/, other than the barrel) is reachable by
 * its subpath once installed: `publishConfig.exports` lists it. A module added without its entry works in the
 * workspace (`./*` maps it) and breaks for users, as `@alchemy/profile-core/Environment` once did.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { assert, describe, it } from "vitest"
import { appDir } from "./helpers.js"

const packages = ["profile-core", "provider-cloudflare", "provider-aws"]

describe("publishConfig.exports lists every public module", () => {
  for (const name of packages) {
    it(`@alchemy/${name}`, () => {
      const dir = path.join(appDir, "..", "..", "packages", name)
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"))
      const exported = Object.keys(manifest.publishConfig.exports)
      const modules = fs.readdirSync(path.join(dir, "src"))
        .filter((f) => f.endsWith(".ts") && f !== "index.ts")
        .map((f) => `./${f.slice(0, -3)}`)
      assert.deepStrictEqual(modules.filter((m) => !exported.includes(m)), [])
      for (const m of modules) {
        assert.deepStrictEqual(manifest.publishConfig.exports[m], { types: `./dist/${m.slice(2)}.d.ts`, default: `./dist/${m.slice(2)}.js` })
      }
    })
  }
})
