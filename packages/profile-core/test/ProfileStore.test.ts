import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import * as path from "node:path"
import { CredentialRefresher } from "../src/Credentials.js"
import { CredentialStore } from "../src/CredentialStore.js"
import { ConfigError, CredentialsError, InvalidProfileName, ProfileExists, ProfileNotFound } from "../src/Errors.js"
import { decodeProfileName, type ProfileName, unsafeMakeProfileName } from "../src/ProfileName.js"
import { keptEntries } from "../src/ConfigFile.js"
import { ProfileStore } from "../src/ProfileStore.js"
import { layerAt, listTree, makeHome } from "./support.js"

const Cloudflare = Schema.Struct({
  method: Schema.String,
  metadata: Schema.optional(Schema.Struct({ id: Schema.String, name: Schema.String })),
  scopes: Schema.optional(Schema.Array(Schema.String))
})
const Oauth = Schema.Struct({
  type: Schema.Literal("oauth"),
  access: Schema.Redacted(Schema.String),
  refresh: Schema.Redacted(Schema.String),
  expires: Schema.Number
})
const prod = unsafeMakeProfileName("prod")
const dev = unsafeMakeProfileName("dev")

const inHome = <A, E>(home: string, effect: Effect.Effect<A, E, ProfileStore | CredentialStore | CredentialRefresher>) =>
  Effect.provide(effect, layerAt(home))

describe("ProfileStore", () => {
  it.live("a missing config.json reads as an empty version 1 config and creates nothing", () => {
    const home = makeHome()
    return inHome(home, Effect.gen(function*() {
      const store = yield* ProfileStore
      assert.deepStrictEqual(yield* store.read, { version: 1, profiles: {} })
      assert.deepStrictEqual<ReadonlyArray<string>>(yield* store.list, [])
      assert.deepStrictEqual(yield* store.getProvider(prod, "cloudflare", Cloudflare), Option.none())
      assert.deepStrictEqual(listTree(home), [])
    }))
  })

  it.live("every read sees the file as it is now: a text read before is not decoded again, a changed one is", () => {
    const home = makeHome()
    const file = path.join(home, "config.json")
    const write = (name: string) =>
      fs.writeFileSync(file, JSON.stringify({ version: 1, profiles: { [name]: { cloudflare: { method: "api-token" } } } }))
    return inHome(home, Effect.gen(function*() {
      const store = yield* ProfileStore
      write("aaaa")
      const first = yield* store.read
      // The same text (another store of this process reads it too): the same decoded config, not decoded again.
      assert.strictEqual(yield* store.read, first)
      // Another writer changes the file, keeping its length: the next read has the new profile.
      write("bbbb")
      assert.deepStrictEqual<ReadonlyArray<string>>(yield* store.list, ["bbbb"])
      write("aaaa")
      assert.deepStrictEqual<ReadonlyArray<string>>(yield* store.list, ["aaaa"])
      // A file that stops decoding fails, whatever was decoded before.
      fs.writeFileSync(file, JSON.stringify({ version: 1, profiles: [] }))
      assert.instanceOf(yield* Effect.flip(store.read), ConfigError)
    }))
  })

  it.live("put, get, list, delete provider, rename and delete profile", () => {
    const home = makeHome()
    return inHome(home, Effect.gen(function*() {
      const store = yield* ProfileStore
      const credentials = yield* CredentialStore
      const entry = { method: "oauth", metadata: { id: "acc", name: "Account" }, scopes: ["user:read"] }
      yield* store.putProvider(prod, "cloudflare", Cloudflare, entry)
      yield* store.putProvider(prod, "aws", Cloudflare, { method: "sso" })
      yield* store.putProvider(dev, "cloudflare", Cloudflare, { method: "api-token" })
      assert.deepStrictEqual<ReadonlyArray<string>>(yield* store.list, ["dev", "prod"])
      assert.deepStrictEqual(yield* store.getProvider(prod, "cloudflare", Cloudflare), Option.some(entry))

      assert.isTrue(yield* store.deleteProvider(prod, "aws"))
      assert.isFalse(yield* store.deleteProvider(prod, "aws"))
      assert.deepStrictEqual(yield* store.getProvider(prod, "aws", Cloudflare), Option.none())

      yield* credentials.write(prod, "cloudflare", Oauth, {
        type: "oauth" as const,
        access: Redacted.make("access"),
        refresh: Redacted.make("refresh"),
        expires: 1
      })
      const renamed = unsafeMakeProfileName("production")
      yield* store.renameProfile(prod, renamed)
      assert.deepStrictEqual<ReadonlyArray<string>>(yield* store.list, ["dev", "production"])
      assert.isTrue(Option.isSome(yield* credentials.read(renamed, "cloudflare", Oauth)))
      assert.isTrue(Option.isNone(yield* credentials.read(prod, "cloudflare", Oauth)))

      const missing = yield* Effect.flip(store.renameProfile(prod, unsafeMakeProfileName("x")))
      assert.instanceOf(missing, ProfileNotFound)
      assert.deepStrictEqual<ReadonlyArray<string>>(missing.available, ["dev", "production"])
      assert.instanceOf(yield* Effect.flip(store.renameProfile(dev, renamed)), ProfileExists)

      assert.isTrue(yield* store.deleteProfile(renamed))
      assert.deepStrictEqual<ReadonlyArray<string>>(yield* store.list, ["dev"])
      assert.isFalse(fs.existsSync(path.join(home, "credentials/production")))
      assert.isFalse(yield* store.deleteProfile(renamed))
    }))
  })

  it.live("unknown keys at every level survive a rewrite", () => {
    const home = makeHome()
    const original = {
      version: 1,
      telemetry: { enabled: false },
      profiles: {
        prod: {
          cloudflare: { method: "oauth", metadata: { id: "a", name: "b", color: "red" }, scopes: ["x"], future: 1 },
          aws: { method: "sso", region: "us-west-2", sso: { startUrl: "https://s", region: "us-east-1" } }
        }
      }
    }
    fs.writeFileSync(path.join(home, "config.json"), JSON.stringify(original))
    return inHome(home, Effect.gen(function*() {
      const store = yield* ProfileStore
      yield* store.putProvider(dev, "cloudflare", Cloudflare, { method: "api-token" })
      const updated = yield* store.updateProvider(prod, "cloudflare", Cloudflare, (current) => ({
        ...Option.getOrThrow(current),
        scopes: ["x", "y"]
      }))
      assert.deepStrictEqual(updated.scopes, ["x", "y"])
      const written = JSON.parse(fs.readFileSync(path.join(home, "config.json"), "utf8"))
      const expected = {
        ...original,
        profiles: {
          prod: { ...original.profiles.prod, cloudflare: { ...original.profiles.prod.cloudflare, scopes: ["x", "y"] } },
          dev: { cloudflare: { method: "api-token" } }
        }
      }
      assert.deepStrictEqual(written, expected)
      assert.strictEqual(JSON.stringify(written), JSON.stringify(expected), "key order of the file is kept")
    }))
  })
})

const broken: ReadonlyArray<readonly [string, string, ConfigError["reason"]]> = [
  ["not JSON", "{ this is not json", "InvalidJson"],
  ["truncated", `{"version":1,"profiles":{"prod":{"cloudflare":{"method":"oa`, "InvalidJson"],
  ["empty", "", "InvalidJson"],
  ["version 99", `{"version":99,"profiles":{}}`, "UnknownVersion"],
  ["no version", `{"profiles":{}}`, "SchemaMismatch"],
  ["profiles is a list", `{"version":1,"profiles":[]}`, "SchemaMismatch"],
  ["profiles missing", `{"version":1}`, "SchemaMismatch"],
  ["an array", `[1,2,3]`, "SchemaMismatch"]
]

describe("broken config.json: typed error, file unchanged byte for byte, nothing created", () => {
  for (const [name, content, reason] of broken) {
    it.live(name, () => {
      const home = makeHome()
      const file = path.join(home, "config.json")
      fs.writeFileSync(file, content)
      const before = fs.readFileSync(file)
      const tree = listTree(home)
      return inHome(home, Effect.gen(function*() {
        const store = yield* ProfileStore
        const attempts = [
          store.read,
          store.list,
          store.getProvider(prod, "cloudflare", Cloudflare),
          store.putProvider(prod, "cloudflare", Cloudflare, { method: "oauth" }),
          store.deleteProvider(prod, "cloudflare"),
          store.deleteProfile(prod),
          store.renameProfile(prod, dev)
        ] as const
        for (const attempt of attempts) {
          const error = yield* Effect.flip(attempt as Effect.Effect<unknown, unknown>)
          assert.instanceOf(error, ConfigError)
          assert.strictEqual(error.reason, reason)
          assert.strictEqual(error.path, file)
          assert.include(error.message, file)
          assert.match(error.message, /unchanged/)
        }
        assert.isTrue(Buffer.compare(before, fs.readFileSync(file)) === 0)
        assert.deepStrictEqual(listTree(home), tree)
      }))
    })
  }
})

describe("broken credentials files", () => {
  const cases: ReadonlyArray<readonly [string, string, CredentialsError["reason"]]> = [
    ["not JSON", `{"type":"oauth","access":"supersecret-1234"`, "InvalidJson"],
    ["garbage with the secret", `supersecret-1234 not json`, "InvalidJson"],
    ["wrong types", `{"type":"oauth","access":["supersecret-1234"],"refresh":7,"expires":"x"}`, "SchemaMismatch"],
    ["no envelope", `{"access":"supersecret-1234"}`, "SchemaMismatch"],
    ["version 99", `{"version":99,"type":"oauth","access":"supersecret-1234"}`, "UnknownVersion"]
  ]
  for (const [name, content, reason] of cases) {
    it.live(name, () => {
      const home = makeHome()
      const file = path.join(home, "credentials/prod/cloudflare.json")
      fs.mkdirSync(path.dirname(file), { recursive: true })
      fs.writeFileSync(file, content)
      const tree = listTree(home)
      return inHome(home, Effect.gen(function*() {
        const store = yield* CredentialStore
        const refresher = yield* CredentialRefresher
        const errors = [
          yield* Effect.flip(store.read(prod, "cloudflare", Oauth)),
          yield* Effect.flip(refresher.getValid({
            profile: prod,
            provider: "cloudflare",
            schema: Oauth,
            isValid: () => false,
            refresh: (c) => Effect.succeed(c)
          }))
        ]
        for (const error of errors) {
          assert.instanceOf(error, CredentialsError)
          assert.strictEqual(error.reason, reason)
          assert.strictEqual(error.path, file)
          assert.include(error.message, "alchemy login --profile prod")
          assert.notInclude(error.message, "supersecret")
          assert.notInclude(JSON.stringify(error), "supersecret")
        }
        assert.strictEqual(fs.readFileSync(file, "utf8"), content)
        assert.deepStrictEqual(listTree(home), tree)
      }))
    })
  }
})

describe("hostile profile names are rejected before touching disk", () => {
  const hostile = ["../x", "", "a".repeat(200), "a\u0000b", ".", "..", "a/b", "-x", "x\\y", " prod", "prod\n"]
  for (const input of hostile) {
    it.live(JSON.stringify(input).slice(0, 30), () => {
      const home = makeHome()
      return Effect.gen(function*() {
        const error = yield* Effect.flip(decodeProfileName(input))
        assert.instanceOf(error, InvalidProfileName)
        assert.notInclude(error.message, "\u0000")
        assert.isBelow(error.message.length, 400)
        // Even when a caller skips validation (casts), the stores refuse without touching disk.
        const exit = yield* Effect.exit(inHome(home, Effect.flatMap(ProfileStore, (store) =>
          store.putProvider(input as ProfileName, "cloudflare", Cloudflare, { method: "oauth" }))))
        assert.isTrue(Exit.isFailure(exit))
        const exit2 = yield* Effect.exit(inHome(home, Effect.flatMap(CredentialStore, (store) =>
          store.write(input as ProfileName, "cloudflare", Oauth, {
            type: "oauth" as const,
            access: Redacted.make("a"),
            refresh: Redacted.make("b"),
            expires: 0
          }))))
        assert.isTrue(Exit.isFailure(exit2))
        assert.deepStrictEqual(listTree(home), [])
      })
    })
  }
})

describe("a lock that cannot be created", () => {
  it.live("is a typed error naming the lock, for config.json and for credentials; nothing is written", () => {
    const home = makeHome()
    // `locks` is a file, so the lock directory inside it cannot be made (ENOTDIR), whoever runs the test.
    fs.writeFileSync(path.join(home, "locks"), "")
    const tree = listTree(home)
    return inHome(home, Effect.gen(function*() {
      const config = yield* Effect.flip(
        Effect.flatMap(ProfileStore, (store) => store.putProvider(prod, "cloudflare", Cloudflare, { method: "oauth" }))
      )
      assert.instanceOf(config, ConfigError)
      assert.strictEqual(config.reason, "WriteFailed")
      assert.include(config.message, path.join(home, "locks/config.lock"))
      const credentials = yield* Effect.flip(
        Effect.flatMap(CredentialStore, (store) =>
          store.write(prod, "cloudflare", Oauth, {
            type: "oauth" as const,
            access: Redacted.make("supersecret-1234"),
            refresh: Redacted.make("refresh"),
            expires: 0
          }))
      )
      assert.instanceOf(credentials, CredentialsError)
      assert.strictEqual(credentials.reason, "WriteFailed")
      assert.include(credentials.message, path.join(home, "locks/credentials.prod.cloudflare.lock"))
      assert.notInclude(credentials.message, "supersecret")
      assert.deepStrictEqual(listTree(home), tree)
    }))
  })
})

/**
 * `alchemy` 0.x accepts any key as a profile name and never validates what it writes; its users' files hold names,
 * providers and keys we cannot use. They are reported and kept byte for byte, and the other profiles work.
 */
describe("entries this version cannot use (written by alchemy 0.x, a newer version, a hand edit)", () => {
  const written = {
    version: 1,
    profiles: {
      "team a": { cloudflare: { method: "api-token", metadata: { id: "a".repeat(32), name: "Team A" } } },
      "prod/eu": { cloudflare: { method: "oauth", scopes: ["x"] } },
      "ü": { cloudflare: { method: "api-key" } },
      "\u001b]0;pwned\u0007": {},
      prod: {
        cloudflare: { method: "api-token", metadata: { id: "b".repeat(32), name: "Prod" }, future: { deep: [1, { x: 2 }] } },
        note: "kept as is",
        Neon: { method: "env" },
        neon: 7
      },
      broken: { cloudflare: { method: 42 }, aws: { method: "access-keys" } },
      weird: 5,
      constructor: { cloudflare: { method: "api-token" } }
    },
    settings: { telemetry: false }
  }
  // `__proto__` is data in JSON (JSON.parse makes it an own key); build it the same way.
  const text = JSON.stringify(written, null, 2).replace(
    '"note": "kept as is",',
    '"note": "kept as is",\n      "__proto__": { "polluted": true },'
  ).replace('"version": 1,', '"version": 1,\n  "__proto__": [1, 2],')

  it.live("every other profile works, what is kept is reported, and a write keeps it byte for byte", () => {
    const home = makeHome()
    const file = path.join(home, "config.json")
    fs.writeFileSync(file, text)
    return inHome(home, Effect.gen(function*() {
      const store = yield* ProfileStore
      const config = yield* store.read
      assert.deepStrictEqual<ReadonlyArray<string>>(yield* store.list, ["broken", "constructor", "prod"])
      const kept = keptEntries(config)
      const profilesKept = kept.filter((k) => k.key === undefined).map((k) => k.profile)
      assert.deepStrictEqual(profilesKept, ["team a", "prod/eu", "ü", "\u001b]0;pwned\u0007", "weird"])
      for (const k of kept) assert.notMatch(k.reason, /[\u0000-\u001f\u007f]/, "reasons carry no control characters")
      assert.include(kept.find((k) => k.profile === "team a")!.reason, "not a valid profile name")
      assert.deepStrictEqual(
        kept.filter((k) => k.key !== undefined).map((k) => `${k.profile}/${k.key}`),
        ["prod/note", "prod/__proto__", "prod/Neon", "prod/neon", "broken/cloudflare"]
      )

      const entry = yield* store.getProvider(prod, "cloudflare", Cloudflare)
      assert.strictEqual(Option.getOrThrow(entry).metadata?.name, "Prod")
      // A provider entry that does not decode is an error for that entry only, naming where.
      const broken = unsafeMakeProfileName("broken")
      const error = yield* Effect.flip(store.getProvider(broken, "cloudflare", Cloudflare))
      assert.instanceOf(error, ConfigError)
      assert.include(error.message, "profiles.broken.cloudflare: method")
      assert.isTrue(Option.isSome(yield* store.getProvider(broken, "aws", Cloudflare)))
      assert.strictEqual(({} as Record<string, unknown>).polluted, undefined, "no prototype was touched")

      // Writes of other entries: the file is the same text plus the change, every kept key in its place.
      yield* store.putProvider(prod, "aws", Cloudflare, { method: "access-keys" })
      yield* store.putProvider(dev, "cloudflare", Cloudflare, { method: "api-token" })
      yield* store.updateProvider(prod, "cloudflare", Cloudflare, (current) => ({ ...Option.getOrThrow(current), scopes: ["y"] }))
      const expected = JSON.parse(text)
      expected.profiles.prod.aws = { method: "access-keys" }
      expected.profiles.prod.cloudflare.scopes = ["y"]
      expected.profiles.dev = { cloudflare: { method: "api-token" } }
      assert.strictEqual(fs.readFileSync(file, "utf8"), `${JSON.stringify(expected, null, 2)}\n`)
      assert.include(fs.readFileSync(file, "utf8"), '"__proto__": {\n        "polluted": true')
      assert.include(fs.readFileSync(file, "utf8"), '"__proto__": [\n    1,')

      // Deleting a profile keeps the kept ones; deleting and renaming work around them.
      yield* store.deleteProfile(dev)
      yield* store.renameProfile(broken, unsafeMakeProfileName("fixed"))
      const after = JSON.parse(fs.readFileSync(file, "utf8"))
      assert.deepStrictEqual(Object.keys(after.profiles), [
        "team a", "prod/eu", "ü", "\u001b]0;pwned\u0007", "prod", "weird", "constructor", "fixed"
      ])
      assert.deepStrictEqual(after.profiles.fixed, { cloudflare: { method: 42 }, aws: { method: "access-keys" } })
    }))
  })

  it.live("names of the prototype chain are data: a missing 'toString' or 'valueOf' is not found", () => {
    const home = makeHome()
    fs.writeFileSync(path.join(home, "config.json"), `{"version":1,"profiles":{}}`)
    return inHome(home, Effect.gen(function*() {
      const store = yield* ProfileStore
      for (const name of ["constructor", "toString", "valueOf", "hasOwnProperty"]) {
        const profile = unsafeMakeProfileName(name)
        assert.isFalse(yield* store.deleteProfile(profile), name)
        assert.isTrue(Option.isNone(yield* store.getProvider(profile, "cloudflare", Cloudflare)), name)
        assert.isFalse(yield* store.deleteProvider(profile, "constructor"), name)
      }
      assert.strictEqual(fs.readFileSync(path.join(home, "config.json"), "utf8"), `{"version":1,"profiles":{}}`)
    }))
  })

  it.live("a credentials file keeps unknown keys (a __proto__ key too) through a refresh", () => {
    const home = makeHome()
    const file = path.join(home, "credentials/prod/cloudflare.json")
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(
      file,
      `{"type":"oauth","access":"old-access","refresh":"old-refresh","expires":1,"clientId":"theirs",` +
        `"__proto__":{"x":1},"extra":{"nested":[1,2]}}`
    )
    return inHome(home, Effect.gen(function*() {
      const refresher = yield* CredentialRefresher
      const value = yield* refresher.getValid({
        profile: prod,
        provider: "cloudflare",
        schema: Oauth,
        isValid: (c, now) => c.expires > now.nowMillis,
        refresh: () =>
          Effect.succeed({
            type: "oauth" as const,
            access: Redacted.make("new-access"),
            refresh: Redacted.make("new-refresh"),
            expires: Date.now() + 3_600_000
          })
      })
      assert.strictEqual(Redacted.value(value.access), "new-access")
      const after = fs.readFileSync(file, "utf8")
      const json = JSON.parse(after)
      assert.deepStrictEqual(Object.keys(json), ["type", "access", "refresh", "expires", "clientId", "__proto__", "extra"])
      assert.strictEqual(json.access, "new-access")
      assert.strictEqual(json.clientId, "theirs")
      assert.deepStrictEqual(json.extra, { nested: [1, 2] })
      assert.include(after, '"__proto__": {\n    "x": 1')
    }))
  })
})
