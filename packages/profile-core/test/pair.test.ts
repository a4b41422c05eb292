/**
 * A provider's configuration is a pair, its config.json entry and its credentials file (issue 9):
 * `CredentialStore.replace` writes the entry first and both under the file's lock; leftovers of killed writers
 * are found (`providers`) and removed (`delete`, `ProfileStore.deleteProfile`); every secret read or written is
 * known to `Redaction.scrub`. Real files in a temp home.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import * as path from "node:path"
import * as AlchemyHome from "../src/AlchemyHome.js"
import { CredentialStore } from "../src/CredentialStore.js"
import * as CredentialStoreModule from "../src/CredentialStore.js"
import * as FileLock from "../src/FileLock.js"
import { unsafeMakeProfileName } from "../src/ProfileName.js"
import { ProfileStore } from "../src/ProfileStore.js"
import * as ProfileStoreModule from "../src/ProfileStore.js"
import { registerSecret, scrub } from "../src/Redaction.js"
import { layerAt, makeHome } from "./support.js"

const Entry = Schema.Struct({ method: Schema.String })
const Token = Schema.Struct({ type: Schema.Literal("api-token"), apiToken: Schema.Redacted(Schema.String) })
const Key = Schema.Struct({ type: Schema.Literal("api-key"), apiKey: Schema.Redacted(Schema.String), email: Schema.String })
const Stored = Schema.Union(Token, Key)

const profile = unsafeMakeProfileName("work")
const credentialsDir = (home: string) => path.join(home, "credentials", "work")
const credentialsFile = (home: string) => path.join(credentialsDir(home), "cloudflare.json")
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, "utf8"))

const configure = (method: "api-token" | "api-key", secret: string) =>
  Effect.gen(function*() {
    const profiles = yield* ProfileStore
    const store = yield* CredentialStore
    const value: typeof Stored.Type = method === "api-token"
      ? { type: "api-token", apiToken: Redacted.make(secret) }
      : { type: "api-key", apiKey: Redacted.make(secret), email: "a@example.com" }
    return yield* store.replace(profile, "cloudflare", Stored, {
      entry: profiles.putProvider(profile, "cloudflare", Entry, { method }),
      credentials: Option.some(value)
    })
  })

/** The stores with lock waits cut to 300 ms (a live lock held elsewhere times out quickly). */
const layerWithShortLocks = (home: string) => {
  const lock = Layer.succeed(FileLock.FileLock, {
    withLock: (p, effect) => FileLock.make.withLock(p, effect, { timeout: 300 }),
    withLockOrIoError: (p, effect) => FileLock.make.withLockOrIoError(p, effect, { timeout: 300 })
  })
  const base = Layer.merge(AlchemyHome.layerAt(home), lock)
  return Layer.merge(ProfileStoreModule.layer, CredentialStoreModule.layer).pipe(
    Layer.provideMerge(base),
    Layer.provideMerge(NodeContext.layer)
  )
}

describe("CredentialStore.replace", () => {
  it.effect("writes the entry first, then the credentials, and returns what it replaced", () => {
    const home = makeHome()
    return Effect.gen(function*() {
      const profiles = yield* ProfileStore
      const store = yield* CredentialStore
      assert.isTrue(Option.isNone(yield* configure("api-token", "first-token-0001")))
      let seenDuringEntry: unknown
      const previous = yield* store.replace(profile, "cloudflare", Stored, {
        entry: profiles.putProvider(profile, "cloudflare", Entry, { method: "api-key" }).pipe(
          Effect.tap(() => Effect.sync(() => (seenDuringEntry = readJson(credentialsFile(home)).type)))
        ),
        credentials: Option.some({ type: "api-key", apiKey: Redacted.make("second-key-0002"), email: "a@example.com" })
      })
      assert.strictEqual(seenDuringEntry, "api-token", "the credentials file is written after the entry")
      assert.isTrue(Option.isSome(previous) && previous.value.type === "api-token")
      assert.strictEqual(readJson(path.join(home, "config.json")).profiles.work.cloudflare.method, "api-key")
      assert.strictEqual(readJson(credentialsFile(home)).type, "api-key")
    }).pipe(Effect.provide(layerAt(home)))
  })

  it.live("config.json locked by another process until the wait gives up: no secret is written", () => {
    const home = makeHome()
    // A live lock: the directory another process holds, its mtime fresh.
    fs.mkdirSync(path.join(home, "locks", "config.lock"), { recursive: true })
    return Effect.gen(function*() {
      const exit = yield* Effect.exit(configure("api-token", "never-written-0003"))
      assert.isTrue(Exit.isFailure(exit))
      assert.isFalse(fs.existsSync(credentialsFile(home)), "no credentials file without its entry")
      assert.deepStrictEqual(fs.existsSync(credentialsDir(home)) ? fs.readdirSync(credentialsDir(home)) : [], [])
    }).pipe(Effect.provide(layerWithShortLocks(home)))
  })

  it.effect("an entry that fails leaves the previous pair as it was", () => {
    const home = makeHome()
    return Effect.gen(function*() {
      const store = yield* CredentialStore
      yield* configure("api-token", "kept-token-0004")
      const before = fs.readFileSync(credentialsFile(home), "utf8")
      const exit = yield* Effect.exit(store.replace(profile, "cloudflare", Stored, {
        entry: Effect.fail("config.json could not be written"),
        credentials: Option.some({ type: "api-key", apiKey: Redacted.make("lost-key-0005"), email: "a@example.com" })
      }))
      assert.isTrue(Exit.isFailure(exit))
      assert.strictEqual(fs.readFileSync(credentialsFile(home), "utf8"), before)
    }).pipe(Effect.provide(layerAt(home)))
  })

  it.effect("None removes the credentials file (a method without a stored secret)", () => {
    const home = makeHome()
    return Effect.gen(function*() {
      const profiles = yield* ProfileStore
      const store = yield* CredentialStore
      yield* configure("api-token", "removed-token-0006")
      yield* store.replace(profile, "cloudflare", Stored, {
        entry: profiles.putProvider(profile, "cloudflare", Entry, { method: "env" }),
        credentials: Option.none()
      })
      assert.isFalse(fs.existsSync(credentialsFile(home)))
      assert.strictEqual(readJson(path.join(home, "config.json")).profiles.work.cloudflare.method, "env")
    }).pipe(Effect.provide(layerAt(home)))
  })

  it.effect("concurrent replaces of one provider: the entry's method always matches the file's type", () => {
    const home = makeHome()
    return Effect.gen(function*() {
      for (let round = 0; round < 5; round++) {
        yield* Effect.all(
          Array.from({ length: 8 }, (_, i) => configure(i % 2 === 0 ? "api-token" : "api-key", `secret-${round}-${i}-000`)),
          { concurrency: "unbounded" }
        )
        const method = readJson(path.join(home, "config.json")).profiles.work.cloudflare.method
        assert.strictEqual(readJson(credentialsFile(home)).type, method, `round ${round}`)
      }
    }).pipe(Effect.provide(layerAt(home)))
  })
})

describe("leftovers of killed writers", () => {
  const plant = (home: string, name: string, body: object) => {
    fs.mkdirSync(credentialsDir(home), { recursive: true, mode: 0o700 })
    fs.writeFileSync(path.join(credentialsDir(home), name), JSON.stringify(body), { mode: 0o600 })
  }

  it.effect("providers lists credentials and temp files whether or not config.json lists them", () => {
    const home = makeHome()
    plant(home, "cloudflare.json", { type: "api-token", apiToken: "orphan-token-0007" })
    plant(home, ".aws.json.4242.abcdef12.tmp", { type: "access-keys" })
    plant(home, "notes.txt", {})
    return Effect.gen(function*() {
      const store = yield* CredentialStore
      assert.deepStrictEqual(yield* store.providers(profile), ["aws", "cloudflare"])
      assert.deepStrictEqual(yield* store.providers(unsafeMakeProfileName("nobody")), [])
    }).pipe(Effect.provide(layerAt(home)))
  })

  it.effect("delete removes the file and the temp files a killed writer left for that provider", () => {
    const home = makeHome()
    plant(home, "cloudflare.json", { type: "api-token", apiToken: "orphan-token-0008" })
    plant(home, ".cloudflare.json.4242.abcdef12.tmp", { type: "api-token", apiToken: "orphan-token-0009" })
    plant(home, ".aws.json.4242.abcdef12.tmp", { type: "access-keys" })
    return Effect.gen(function*() {
      const store = yield* CredentialStore
      assert.isTrue(yield* store.delete(profile, "cloudflare"))
      assert.deepStrictEqual(fs.readdirSync(credentialsDir(home)), [".aws.json.4242.abcdef12.tmp"])
    }).pipe(Effect.provide(layerAt(home)))
  })

  it.effect("deleteProfile removes a profile that only has credentials", () => {
    const home = makeHome()
    plant(home, "cloudflare.json", { type: "api-token", apiToken: "orphan-token-0010" })
    return Effect.gen(function*() {
      const profiles = yield* ProfileStore
      assert.isTrue(yield* profiles.deleteProfile(profile))
      assert.isFalse(fs.existsSync(credentialsDir(home)))
      assert.isFalse(yield* profiles.deleteProfile(profile))
    }).pipe(Effect.provide(layerAt(home)))
  })
})

describe("secrets known to the scrub", () => {
  it.effect("a secret decoded from a credentials file or written to one is redacted by scrub", () => {
    const home = makeHome()
    const stored = "stored-secret-7f3a9c21d4"
    const written = "written-secret-0b8e44aa19"
    plantToken(home, stored)
    return Effect.gen(function*() {
      const store = yield* CredentialStore
      yield* store.read(profile, "cloudflare", Stored)
      yield* store.write(unsafeMakeProfileName("other"), "cloudflare", Stored, { type: "api-token", apiToken: Redacted.make(written) })
      assert.strictEqual(scrub(`reply: ${stored} and ${written}`), "reply: stor**** and writ****")
    }).pipe(Effect.provide(layerAt(home)))
  })

  it("a secret cut short is redacted from its beginning; short values are not registered", () => {
    registerSecret(Redacted.make("cut-short-secret-5e1d0c77aa"))
    assert.strictEqual(scrub("token cut-short-secr"), "token cut-****")
    assert.strictEqual(scrub("token cut-sho"), "token cut-sho", "fewer than 8 characters of it is not a match")
    registerSecret("123456")
    assert.strictEqual(scrub("account 111123456789"), "account 111123456789")
    registerSecret(undefined)
  })
})

function plantToken(home: string, token: string) {
  fs.mkdirSync(credentialsDir(home), { recursive: true, mode: 0o700 })
  fs.writeFileSync(credentialsFile(home), JSON.stringify({ type: "api-token", apiToken: token }), { mode: 0o600 })
}

describe("scrub with secrets that share their beginning", () => {
  it("each is redacted whole; a cut-short one only where nothing could continue it", () => {
    const a = "SHARED-PREFIX-aaaa-111122223333"
    const b = "SHARED-PREFIX-bbbb-444455556666"
    registerSecret(a)
    registerSecret(b)
    assert.strictEqual(scrub(`${a} and ${b}`), "SHAR**** and SHAR****")
    assert.strictEqual(scrub(`cut: SHARED-PREFIX-bb. next`), "cut: SHAR****. next")
    assert.strictEqual(scrub(`other: SHARED-PREFIX-cccc`), "other: SHARED-PREFIX-cccc")
  })
})
