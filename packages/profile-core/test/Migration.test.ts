import { assert, describe, it } from "@effect/vitest"
import * as Console from "effect/Console"
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

// Alchemy v2 homes, as its own tool leaves them (test/fixtures/alchemy-v2/<generation>/, written with
// JSON.stringify(x, null, 2) and no trailing newline): every method of the mapping table, `method: "env"`, unknown
// providers, a name we cannot use ("team a"), entries of an unexpected shape ("odd") and a provider cache file.
const CF_A = "0123456789abcdef0123456789abcdef"
const CF_B = "fedcba9876543210fedcba9876543210"
const CF_C = "00112233445566778899aabbccddeeff"

const generations = [
  { name: "2a-old", files: { oauth: "cf-oauth.json", stored: "cf-stored.json", aws: "aws.json" }, other: "cf-stored.json" },
  {
    name: "2a-new",
    files: { oauth: "cloudflare-oauth.json", stored: "cloudflare-stored.json", aws: "aws-stored.json" },
    other: "cloudflare-stored.json"
  },
  { name: "2b", files: { oauth: "cloudflare-oauth.json", stored: "cf-stored.json", aws: "aws.json" }, other: "cf-stored.json" }
] as const

const v2Fixture = (generation: string) => path.join(packageDir, "test/fixtures/alchemy-v2", generation)

const homeWithV2 = (generation: string) => {
  const home = makeHome()
  fs.cpSync(v2Fixture(generation), home, { recursive: true })
  return home
}

const readJson = (file: string) => JSON.parse(fs.readFileSync(file, "utf8"))

/** Every file of the home with its content and mode, directories with their mode (locks left out: they come and go). */
const snapshot = (home: string) =>
  listTree(home).filter((f) => !f.startsWith("locks/")).map((f) => {
    const full = path.join(home, f)
    return [f, fs.statSync(full).mode & 0o777, f.endsWith("/") ? "" : fs.readFileSync(full, "utf8")]
  })

/** Runs `effect` with a Console whose `error` lines are collected. */
const capturingErrors = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    const current = yield* Console.consoleWith(Effect.succeed)
    const console: Console.Console = {
      ...current,
      error: (...args: ReadonlyArray<unknown>) => Effect.sync(() => void lines.push(args.join(" ")))
    }
    const value = yield* Effect.withConsole(effect, console)
    return { value, lines }
  })

const expectedSkipped = [
  "default/Neon (method env)",
  "work/GitHub (unknown provider)",
  "ci/Cloudflare (method env)",
  "ci/AWS (method env)",
  `"team a" (not a valid profile name)`,
  "odd/Cloudflare (unexpected shape)",
  "odd/AWS (unexpected shape)"
]

for (const generation of generations) {
  const { files } = generation
  describe(`Migration from Alchemy v2 (generation ${generation.name})`, () => {
    it.live("every method maps to ours; env, unknown providers and bad entries are reported and kept in the backup", () => {
      const home = homeWithV2(generation.name)
      const fixture = (profile: string, file: string) => readJson(path.join(v2Fixture(generation.name), "credentials", profile, file))
      return Effect.gen(function*() {
        // The stores migrate on first use, and say so once on stderr.
        const { value: listed, lines } = yield* capturingErrors(Effect.flatMap(ProfileStore, (s) => s.list))
        assert.deepStrictEqual<ReadonlyArray<string>>(listed, ["default", "legacy", "work"])

        const config = readJson(path.join(home, "config.json"))
        assert.deepStrictEqual(config, {
          version: 1,
          profiles: {
            default: {
              cloudflare: {
                method: "oauth",
                metadata: { id: CF_A, name: CF_A },
                scopes: ["account:read", "user:read", "workers:write", "offline_access"]
              },
              aws: { method: "aws-profile", awsProfile: "dev" }
            },
            work: {
              cloudflare: { method: "api-token", metadata: { id: CF_B, name: CF_B } },
              aws: { method: "access-keys", region: "eu-west-1", metadata: { id: "123456789012", name: "" } }
            },
            legacy: { cloudflare: { method: "api-key", metadata: { id: CF_C, name: CF_C } } }
          }
        })
        assert.notMatch(fs.readFileSync(path.join(home, "config.json"), "utf8"), /v2sec-/, "no secret in config.json")

        const oauth = fixture("default", files.oauth)
        assert.deepStrictEqual(readJson(path.join(home, "credentials/default/cloudflare.json")), oauth)
        if (generation.name === "2b") assert.isString(oauth.clientId, "the clientId of 2b's OAuth file is kept")
        const token = fixture("work", files.stored)
        assert.deepStrictEqual(readJson(path.join(home, "credentials/work/cloudflare.json")), {
          type: "api-token",
          apiToken: token.apiToken
        })
        const keys = fixture("work", files.aws)
        assert.deepStrictEqual(readJson(path.join(home, "credentials/work/aws.json")), {
          type: "access-keys",
          accessKeyId: keys.accessKeyId,
          secretAccessKey: keys.secretAccessKey,
          sessionToken: keys.sessionToken
        })
        const key = fixture("legacy", files.stored)
        assert.deepStrictEqual(readJson(path.join(home, "credentials/legacy/cloudflare.json")), {
          type: "api-key",
          apiKey: key.apiKey,
          email: "legacy@example.com"
        })

        // Their converted files are gone from credentials/ and kept byte for byte in the backup directory;
        // the provider cache and the files of a profile we could not migrate are untouched.
        const backups = fs.readdirSync(home).filter((f) => f.startsWith("profiles.json")).sort()
        assert.strictEqual(backups.length, 2)
        const [backup, credentialsBackup] = backups.map((f) => path.join(home, f)) as [string, string]
        assert.match(backup, /profiles\.json\.bak-[0-9TZ-]+$/)
        assert.strictEqual(credentialsBackup, `${backup}.credentials`)
        assert.strictEqual(fs.readFileSync(backup, "utf8"), fs.readFileSync(path.join(v2Fixture(generation.name), "profiles.json"), "utf8"))
        assert.strictEqual(fs.statSync(backup).mode & 0o777, 0o600)
        const originals = [`default/${files.oauth}`, `legacy/${files.stored}`, `work/${files.aws}`, `work/${files.stored}`]
        assert.deepStrictEqual(
          listTree(credentialsBackup),
          ["default/", "legacy/", "work/", ...originals].sort()
        )
        for (const original of originals) {
          assert.strictEqual(
            fs.readFileSync(path.join(credentialsBackup, original), "utf8"),
            fs.readFileSync(path.join(v2Fixture(generation.name), "credentials", original), "utf8")
          )
          assert.strictEqual(fs.statSync(path.join(credentialsBackup, original)).mode & 0o777, 0o600)
        }
        assert.deepStrictEqual(listTree(path.join(home, "credentials")), [
          "default/",
          "default/cloudflare-state-store.json",
          "default/cloudflare.json",
          "legacy/",
          "legacy/cloudflare.json",
          "team a/",
          `team a/${files.oauth}`,
          "work/",
          "work/aws.json",
          "work/cloudflare.json"
        ])
        for (const file of ["default/cloudflare-state-store.json", `team a/${files.oauth}`]) {
          assert.strictEqual(
            fs.readFileSync(path.join(home, "credentials", file), "utf8"),
            fs.readFileSync(path.join(v2Fixture(generation.name), "credentials", file), "utf8")
          )
        }

        assert.deepStrictEqual(lines, [
          `migrated: default/cloudflare, default/aws, work/cloudflare, work/aws, legacy/cloudflare; left in ${backup}: ${
            expectedSkipped.join(", ")
          }; original credentials files copied to ${credentialsBackup}`
        ])
        assert.notMatch(lines.join("\n"), /v2sec-/)
      }).pipe(Effect.provide(layerAt(home)))
    })

    it.live("a second run changes nothing", () => {
      const home = homeWithV2(generation.name)
      return Effect.gen(function*() {
        const first = yield* migrate
        assert.isTrue(first.migrated)
        assert.deepStrictEqual(first.skipped, expectedSkipped)
        const before = snapshot(home)
        const { value: second, lines } = yield* capturingErrors(migrate)
        assert.isFalse(second.migrated)
        assert.deepStrictEqual(lines, [])
        assert.deepStrictEqual(snapshot(home), before)
      }).pipe(Effect.provide(layerAt(home)))
    })

    it.live("an entry already in config.json and a credentials file of ours are kept, with their files of theirs", () => {
      const home = homeWithV2(generation.name)
      fs.writeFileSync(
        path.join(home, "config.json"),
        JSON.stringify({ version: 1, profiles: { work: { cloudflare: { method: "oauth", newer: true } } } })
      )
      const ours = `{"type":"access-keys","accessKeyId":"AKIAOURS","secretAccessKey":"ours-newer"}`
      // In 2a-old and 2b their aws.json is where ours goes: ours has replaced it (a `type` says it is ours).
      fs.writeFileSync(path.join(home, "credentials/work/aws.json"), ours)
      const theirs = (file: string) => fs.readFileSync(path.join(home, "credentials/work", file), "utf8")
      const theirToken = theirs(files.stored)
      return Effect.gen(function*() {
        const result = yield* migrate
        const config = readJson(path.join(home, "config.json"))
        assert.deepStrictEqual(config.profiles.work, { cloudflare: { method: "oauth", newer: true } })
        assert.strictEqual(config.profiles.default.cloudflare.method, "oauth", "the others still migrate")
        assert.strictEqual(fs.readFileSync(path.join(home, "credentials/work/aws.json"), "utf8"), ours)
        assert.isFalse(fs.existsSync(path.join(home, "credentials/work/cloudflare.json")))
        assert.strictEqual(theirs(files.stored), theirToken, "their file of a kept provider is left in place")
        assert.includeMembers([...result.skipped], [
          "work/Cloudflare (kept the cloudflare entry already in config.json)",
          "work/AWS (kept the existing credentials/work/aws.json)"
        ])
        assert.notInclude([...result.entries].join(","), "work/")
      }).pipe(Effect.provide(layerAt(home)))
    })

    it("files 0600 and directories 0700 under umask 000", async () => {
      const home = homeWithV2(generation.name)
      const worker = spawnWorker(["migrate", home, "umask0"])
      const exit = await worker.exited
      assert.strictEqual(exit.code, 0, exit.stderr)
      const result = JSON.parse(worker.lines.at(-1)!)
      assert.isTrue(result.migrated)
      const created = [
        "config.json",
        "credentials/default/cloudflare.json",
        "credentials/legacy/cloudflare.json",
        "credentials/work/aws.json",
        "credentials/work/cloudflare.json",
        path.basename(result.backup),
        ...listTree(result.credentialsBackup).map((f) => path.join(path.basename(result.credentialsBackup), f)),
        `${path.basename(result.credentialsBackup)}/`,
        "locks/",
        // theirs (0755 in the fixture copy), now holding our secrets
        "credentials/",
        "credentials/default/",
        "credentials/legacy/",
        "credentials/work/"
      ]
      for (const f of created) {
        const mode = fs.statSync(path.join(home, f)).mode & 0o777
        assert.strictEqual(mode, f.endsWith("/") ? 0o700 : 0o600, f)
      }
      assert.include(exit.stderr, "migrated: default/cloudflare")
    })

    it("6 processes starting at the same moment migrate it once", async () => {
      const home = homeWithV2(generation.name)
      const go = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "alchemy-core-go-")), "go")
      const workers = Array.from({ length: 6 }, () => spawnWorker(["list", home, go]))
      await Promise.all(workers.map((w) => w.waitForLine((l) => l === "ready")))
      fs.writeFileSync(go, "")
      const exits = await Promise.all(workers.map((w) => w.exited))
      for (const exit of exits) assert.strictEqual(exit.code, 0, exit.stderr)
      for (const worker of workers) assert.deepStrictEqual(JSON.parse(worker.lines.at(-1)!), ["default", "legacy", "work"])
      assert.strictEqual(exits.filter((e) => e.stderr.includes("migrated: ")).length, 1, "one process migrated")
      assert.strictEqual(fs.readdirSync(home).filter((f) => f.startsWith("profiles.json")).length, 2)
      const keys = readJson(path.join(v2Fixture(generation.name), "credentials/work", files.aws))
      assert.deepStrictEqual(readJson(path.join(home, "credentials/work/aws.json")), {
        type: "access-keys",
        accessKeyId: keys.accessKeyId,
        secretAccessKey: keys.secretAccessKey,
        sessionToken: keys.sessionToken
      })
    })
  })
}

describe("Migration: odd profiles.json files", () => {
  it.live("an unknown version is a ConfigError naming profiles.json, and nothing changes", () => {
    const home = homeWithV2("2b")
    const legacy = path.join(home, "profiles.json")
    fs.writeFileSync(legacy, fs.readFileSync(legacy, "utf8").replace(`"version": 2`, `"version": 3`))
    const before = snapshot(home)
    return Effect.gen(function*() {
      const error = yield* Effect.flip(migrate)
      assert.instanceOf(error, ConfigError)
      assert.strictEqual(error.reason, "UnknownVersion")
      assert.strictEqual(error.path, legacy)
      assert.include(error.message, "version 3")
      const viaStore = yield* Effect.flip(Effect.flatMap(ProfileStore, (s) => s.list))
      assert.strictEqual(viaStore.path, legacy)
      assert.deepStrictEqual(snapshot(home), before)
    }).pipe(Effect.provide(layerAt(home)))
  })

  it.live("an Alchemy v2 file whose profiles is not an object is a ConfigError, and nothing changes", () => {
    const home = makeHome()
    const legacy = path.join(home, "profiles.json")
    fs.writeFileSync(legacy, JSON.stringify({ version: 0, profiles: [] }, null, 2))
    const before = snapshot(home)
    return Effect.gen(function*() {
      const error = yield* Effect.flip(migrate)
      assert.instanceOf(error, ConfigError)
      assert.strictEqual(error.reason, "SchemaMismatch")
      assert.strictEqual(error.path, legacy)
      assert.deepStrictEqual(snapshot(home), before)
    }).pipe(Effect.provide(layerAt(home)))
  })

  it.live("their file of an unexpected shape leaves that provider in place and reported; the others migrate", () => {
    const home = homeWithV2("2b")
    const broken = path.join(home, "credentials/work/aws.json")
    fs.writeFileSync(broken, `{"accessKeyId":"AKIAX","secretAccessKey":`)
    return Effect.gen(function*() {
      const result = yield* migrate
      assert.include([...result.skipped], "work/AWS (aws.json of an unexpected shape)")
      assert.strictEqual(fs.readFileSync(broken, "utf8"), `{"accessKeyId":"AKIAX","secretAccessKey":`)
      assert.isUndefined(readJson(path.join(home, "config.json")).profiles.work.aws)
      assert.include([...result.entries], "work/cloudflare")
    }).pipe(Effect.provide(layerAt(home)))
  })

  it.live("a stored entry whose file is missing migrates the entry and says to log in", () => {
    const home = homeWithV2("2a-new")
    fs.rmSync(path.join(home, "credentials/legacy/cloudflare-stored.json"))
    return Effect.gen(function*() {
      const result = yield* migrate
      assert.include([...result.entries], "legacy/cloudflare (no credentials file: run alchemy login --profile legacy)")
      assert.deepStrictEqual(readJson(path.join(home, "config.json")).profiles.legacy, { cloudflare: { method: "api-key" } })
      assert.isFalse(fs.existsSync(path.join(home, "credentials/legacy/cloudflare.json")))
    }).pipe(Effect.provide(layerAt(home)))
  })
})
