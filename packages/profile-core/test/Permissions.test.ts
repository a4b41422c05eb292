import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import * as path from "node:path"
import { CredentialStore } from "../src/CredentialStore.js"
import { audit, auditProfiles } from "../src/Permissions.js"
import { unsafeMakeProfileName } from "../src/ProfileName.js"
import { layerAt, makeHome } from "./support.js"

const Token = Schema.Struct({ type: Schema.Literal("api-token"), apiToken: Schema.Redacted(Schema.String) })

describe("Permissions.audit", () => {
  it.live("reports credentials files and directories others can read; files written by core are clean", () => {
    const home = makeHome()
    return Effect.gen(function*() {
      const store = yield* CredentialStore
      for (const name of ["prod", "dev"]) {
        yield* store.write(unsafeMakeProfileName(name), "cloudflare", Token, {
          type: "api-token" as const,
          apiToken: Redacted.make("token")
        })
      }
      assert.deepStrictEqual(yield* audit, [])
      const exposed = path.join(home, "credentials/prod/cloudflare.json")
      fs.chmodSync(exposed, 0o644)
      fs.chmodSync(path.join(home, "credentials/dev"), 0o755)
      const report = yield* audit
      assert.deepStrictEqual(report.map((e) => [path.relative(home, e.path), e.kind, e.mode.toString(8)]).sort(), [
        ["credentials/dev", "directory", "755"],
        ["credentials/prod/cloudflare.json", "file", "644"]
      ])
      const file = report.find((e) => e.path === exposed)!
      assert.include(file.message, `chmod 600 '${exposed}'`)
      assert.strictEqual(fs.statSync(exposed).mode & 0o777, 0o644, "audit never changes anything")
      // One profile's view: only what that profile's commands touch.
      const prod = yield* auditProfiles(["prod"])
      assert.deepStrictEqual(prod.map((e) => path.relative(home, e.path)), ["credentials/prod/cloudflare.json"])
    }).pipe(Effect.provide(layerAt(home)))
  })
})
