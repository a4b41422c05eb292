/**
 * The built CLI on an Alchemy v2 home (profile-core's 2b fixture): the first command migrates it and says so in one
 * line on stderr (names only, never a value); stdout stays the command's own; the next command says nothing.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, assert, describe, it } from "vitest"
import { appDir, sandbox, type Sandbox } from "./helpers.js"

const fixture = path.join(appDir, "..", "..", "packages", "profile-core", "test", "fixtures", "alchemy-v2", "2b")

let box: Sandbox | undefined
afterEach(() => box?.cleanup())

describe("an Alchemy v2 home", () => {
  it("is migrated on first use, with one line on stderr naming what was migrated and what was left; env then gives the same credentials", async () => {
    box = sandbox()
    fs.cpSync(fixture, box.home, { recursive: true })
    const first = await box.run(["profile", "list"])
    assert.strictEqual(first.code, 0, first.stderr)
    assert.match(first.stdout, /default[\s\S]*legacy[\s\S]*work/)
    const lines = first.stderr.split("\n").filter((l) => l.startsWith("migrated: "))
    assert.strictEqual(lines.length, 1, first.stderr)
    assert.match(lines[0]!, /^migrated: default\/cloudflare, default\/aws, work\/cloudflare, work\/aws, legacy\/cloudflare; left in \S+profiles\.json\.bak-\S+: default\/Neon \(method env\), work\/GitHub \(unknown provider\)/)
    assert.notInclude(first.stdout, "migrated:")
    assert.notMatch(first.stdout + first.stderr, /v2sec-/)

    const second = await box.run(["profile", "list"])
    assert.strictEqual(second.code, 0, second.stderr)
    assert.notInclude(second.stderr, "migrated:")

    // alchemy env hands out the same credentials the v2 home held.
    const work = await box.run(["env", "--profile", "work", "--format", "json"])
    assert.strictEqual(work.code, 0, work.stderr)
    assert.deepInclude(JSON.parse(work.stdout), {
      CLOUDFLARE_API_TOKEN: "v2sec-2b-api-token",
      CLOUDFLARE_ACCOUNT_ID: "fedcba9876543210fedcba9876543210",
      AWS_ACCESS_KEY_ID: "AKIA2BEXAMPLE",
      AWS_SECRET_ACCESS_KEY: "v2sec-2b-secret-access-key",
      AWS_SESSION_TOKEN: "v2sec-2b-session-token",
      AWS_REGION: "eu-west-1"
    })
    const legacy = await box.run(["env", "--profile", "legacy", "--format", "json"])
    assert.strictEqual(legacy.code, 0, legacy.stderr)
    assert.deepInclude(JSON.parse(legacy.stdout), {
      CLOUDFLARE_API_KEY: "v2sec-2b-global-key",
      CLOUDFLARE_EMAIL: "legacy@example.com",
      CLOUDFLARE_ACCOUNT_ID: "00112233445566778899aabbccddeeff"
    })
  })
})
