import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { CredentialStore } from "../src/CredentialStore.js"
import { ConfigError, CredentialsError } from "../src/Errors.js"
import { migrate } from "../src/Migration.js"
import { unsafeMakeProfileName } from "../src/ProfileName.js"
import { ProfileStore } from "../src/ProfileStore.js"
import { layerAt, listTree, makeHome, packageDir, spawnWorker } from "./support.js"

const fixture = path.join(packageDir, "test/fixtures/legacy/profiles.json")
const Any = Schema.Record({ key: Schema.String, value: Schema.Unknown })

const homeWithLegacy = () => {
  const home = makeHome()
  fs.copyFileSync(fixture, path.join(home, "profiles.json"))
  return home
}

describe("Migration from profiles.json", () => {
  it.live("on first use of the stores: same profiles and secrets, backup present, secrets out of config.json", () => {
    const home = homeWithLegacy()
    const legacy = JSON.parse(fs.readFileSync(fixture, "utf8"))
    return Effect.gen(function*() {
      const profiles = yield* ProfileStore
      const credentials = yield* CredentialStore
      assert.deepStrictEqual<ReadonlyArray<string>>(yield* profiles.list, ["ci", "default", "prod"])

      for (const [profile, providers] of Object.entries<Record<string, Record<string, unknown>>>(legacy)) {
        for (const [provider, entry] of Object.entries(providers)) {
          const { credentials: secret, ...rest } = entry
          const name = unsafeMakeProfileName(profile)
          const stored = Option.getOrThrow(yield* credentials.read(name, provider, Any))
          assert.deepStrictEqual(stored, secret, `${profile}/${provider} secret moved intact`)
          const configEntry = Option.getOrThrow(yield* profiles.getProvider(name, provider, Any))
          assert.deepStrictEqual(configEntry, {
            ...rest,
            method: rest.method ?? (secret as { type: string }).type
          })
        }
      }
      const config = fs.readFileSync(path.join(home, "config.json"), "utf8")
      assert.notMatch(config, /legacy-/, "no secret in config.json")
      assert.isFalse(fs.existsSync(path.join(home, "profiles.json")))
      const backups = fs.readdirSync(home).filter((f) => f.startsWith("profiles.json.bak-"))
      assert.strictEqual(backups.length, 1)
      assert.strictEqual(fs.readFileSync(path.join(home, backups[0]!), "utf8"), fs.readFileSync(fixture, "utf8"))
      assert.strictEqual(fs.statSync(path.join(home, backups[0]!)).mode & 0o777, 0o600)
      assert.strictEqual(fs.statSync(path.join(home, "credentials/prod/aws.json")).mode & 0o777, 0o600)
    }).pipe(Effect.provide(layerAt(home)))
  })

  it.live("a second run is a no-op", () => {
    const home = homeWithLegacy()
    return Effect.gen(function*() {
      const first = yield* migrate
      assert.isTrue(first.migrated)
      assert.deepStrictEqual([...first.credentials].sort(), ["ci/cloudflare", "default/cloudflare", "prod/aws", "prod/cloudflare"])
      const snapshot = listTree(home).map((f) => [f, f.endsWith("/") ? "" : fs.readFileSync(path.join(home, f), "utf8")])
      const second = yield* migrate
      assert.isFalse(second.migrated)
      assert.deepStrictEqual(
        listTree(home).map((f) => [f, f.endsWith("/") ? "" : fs.readFileSync(path.join(home, f), "utf8")]),
        snapshot
      )
    }).pipe(Effect.provide(layerAt(home)))
  })

  it.live("never overwrites: entries already in config.json and existing credentials files win", () => {
    const home = homeWithLegacy()
    fs.writeFileSync(
      path.join(home, "config.json"),
      JSON.stringify({ version: 1, profiles: { prod: { cloudflare: { method: "oauth", newer: true } } } })
    )
    fs.mkdirSync(path.join(home, "credentials/prod"), { recursive: true })
    fs.writeFileSync(path.join(home, "credentials/prod/cloudflare.json"), `{"type":"oauth","access":"newer"}`)
    return Effect.gen(function*() {
      const result = yield* migrate
      assert.isTrue(result.migrated)
      const config = JSON.parse(fs.readFileSync(path.join(home, "config.json"), "utf8"))
      assert.deepStrictEqual(config.profiles.prod.cloudflare, { method: "oauth", newer: true })
      assert.strictEqual(config.profiles.prod.aws.method, "access-keys")
      assert.strictEqual(
        fs.readFileSync(path.join(home, "credentials/prod/cloudflare.json"), "utf8"),
        `{"type":"oauth","access":"newer"}`
      )
    }).pipe(Effect.provide(layerAt(home)))
  })

  it.live("a broken profiles.json is a typed error and nothing changes", () => {
    const home = makeHome()
    fs.writeFileSync(path.join(home, "profiles.json"), `{"default":{"cloudflare":{"credentials":{"access":"legacy-sec`)
    const before = listTree(home)
    return Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.flatMap(ProfileStore, (s) => s.list))
      assert.instanceOf(error, ConfigError)
      assert.strictEqual(error.reason, "InvalidJson")
      assert.strictEqual(error.path, path.join(home, "profiles.json"))
      assert.notInclude(error.message, "legacy-sec")
      assert.deepStrictEqual(listTree(home), before)
    }).pipe(Effect.provide(layerAt(home)))
  })

  it.live("a broken profiles.json met first by the credential store names profiles.json, not the credentials file", () => {
    const home = makeHome()
    const legacy = path.join(home, "profiles.json")
    fs.writeFileSync(legacy, `{"prod":{"cloudflare":{"credentials":{"apiToken":"legacy-sec`)
    const before = listTree(home)
    return Effect.gen(function*() {
      const store = yield* CredentialStore
      const error = yield* Effect.flip(store.read(unsafeMakeProfileName("prod"), "cloudflare", Any))
      assert.instanceOf(error, CredentialsError)
      assert.strictEqual(error.reason, "InvalidJson")
      assert.strictEqual(error.path, legacy)
      assert.include(error.message, `mv ${legacy} ${legacy}.broken`)
      // Signing in again would meet the same broken file: the message must not send the user there.
      assert.notInclude(error.message, "alchemy login")
      assert.notInclude(error.message, "legacy-sec")
      assert.deepStrictEqual(listTree(home), before)
    }).pipe(Effect.provide(layerAt(home)))
  })

  it("6 processes starting at the same moment on a legacy home migrate it once", async () => {
    const home = homeWithLegacy()
    const go = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "alchemy-core-go-")), "go")
    const workers = Array.from({ length: 6 }, () => spawnWorker(["list", home, go]))
    await Promise.all(workers.map((w) => w.waitForLine((l) => l === "ready")))
    fs.writeFileSync(go, "")
    for (const exit of await Promise.all(workers.map((w) => w.exited))) assert.strictEqual(exit.code, 0, exit.stderr)
    for (const worker of workers) assert.deepStrictEqual(JSON.parse(worker.lines.at(-1)!), ["ci", "default", "prod"])
    assert.strictEqual(fs.readdirSync(home).filter((f) => f.startsWith("profiles.json")).length, 1)
    assert.isFalse(fs.existsSync(path.join(home, "profiles.json")))
    const legacy = JSON.parse(fs.readFileSync(fixture, "utf8"))
    assert.deepStrictEqual(
      JSON.parse(fs.readFileSync(path.join(home, "credentials/prod/aws.json"), "utf8")),
      legacy.prod.aws.credentials
    )
  })
})
