/**
 * The credential-store contract: what every place a secret can live (the credentials file, the OS keychain) must do,
 * run by `CredentialStore.file.test.ts` and `CredentialStore.keychain.test.ts` against real homes in temp
 * directories. A backend is described by how a test sees what it holds (`inspect`) and plants what another program
 * wrote (`plant`), and by the store the operations run with (`kind`).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import * as fs from "node:fs"
import * as path from "node:path"
import { CredentialRefresher } from "../src/Credentials.js"
import * as CredentialStoreModule from "../src/CredentialStore.js"
import { CredentialStore } from "../src/CredentialStore.js"
import { unsafeMakeProfileName } from "../src/ProfileName.js"
import { ProfileStore } from "../src/ProfileStore.js"
import { scrub } from "../src/Redaction.js"
import { layerAt, makeHome } from "./support.js"

export interface Backend {
  readonly kind: CredentialStoreModule.StoreKind
  /** The text stored for profile/provider of `home` (`null` when there is none). */
  readonly inspect: (home: string, profile: string, provider: string) => Promise<string | null>
  /** Stores `text` as another program would. */
  readonly plant: (home: string, profile: string, provider: string, text: string) => Promise<void>
}

const Entry = Schema.Struct({ method: Schema.String })
const Token = Schema.Struct({ type: Schema.Literal("api-token"), apiToken: Schema.Redacted(Schema.String) })
const Oauth = Schema.Struct({
  type: Schema.Literal("oauth"),
  access: Schema.Redacted(Schema.String),
  refresh: Schema.Redacted(Schema.String),
  expires: Schema.Number
})
const prod = unsafeMakeProfileName("prod")
const staging = unsafeMakeProfileName("staging")
const token = (value: string): typeof Token.Type => ({ type: "api-token", apiToken: Redacted.make(value) })

/** Runs the contract against `backend` (`name` titles the describe block). */
export const credentialStoreContract = (name: string, backend: () => Backend) =>
  describe(`credential store contract: ${name}`, () => {
    const run = <A, E>(
      home: string,
      effect: Effect.Effect<A, E, CredentialStore | ProfileStore | CredentialRefresher>
    ) => Effect.provide(CredentialStoreModule.withStore(backend().kind)(effect), layerAt(home))

    /** configure-like: the entry and the secret as a pair. */
    const configure = (profile = prod, secret = "secret-one") =>
      Effect.gen(function*() {
        const profiles = yield* ProfileStore
        const store = yield* CredentialStore
        return yield* store.replace(profile, "cloudflare", Token, {
          entry: profiles.putProvider(profile, "cloudflare", Entry, { method: "api-token" }),
          credentials: Option.some(token(secret))
        })
      })

    it.effect("nothing stored reads as none, and the location is the backend's", () => {
      const home = makeHome()
      return run(
        home,
        Effect.gen(function*() {
          const store = yield* CredentialStore
          assert.isTrue(Option.isNone(yield* store.read(prod, "cloudflare", Token)))
          assert.strictEqual((yield* store.location(prod, "cloudflare")).store, backend().kind)
        })
      )
    })

    it.effect("a written secret reads back Redacted, is stored where the backend keeps it, and is known to scrub", () => {
      const home = makeHome()
      return run(
        home,
        Effect.gen(function*() {
          const store = yield* CredentialStore
          yield* store.write(prod, "cloudflare", Token, token("contract-secret-1"))
          const read = yield* store.read(prod, "cloudflare", Token)
          assert.isTrue(Option.isSome(read))
          const value = Option.getOrThrow(read)
          assert.isTrue(Redacted.isRedacted(value.apiToken))
          assert.strictEqual(Redacted.value(value.apiToken), "contract-secret-1")
          assert.notInclude(scrub("x contract-secret-1 y"), "contract-secret-1")
          const stored = yield* Effect.promise(() => backend().inspect(home, "prod", "cloudflare"))
          assert.deepStrictEqual(JSON.parse(stored!), { type: "api-token", apiToken: "contract-secret-1" })
          yield* store.write(prod, "cloudflare", Token, token("contract-secret-2"))
          assert.strictEqual(
            Redacted.value(Option.getOrThrow(yield* store.read(prod, "cloudflare", Token)).apiToken),
            "contract-secret-2"
          )
        })
      )
    })

    it.effect("replace writes the entry and the secret as a pair, hands back the previous, and records the store", () => {
      const home = makeHome()
      return run(
        home,
        Effect.gen(function*() {
          const first = yield* configure(prod, "first-secret")
          assert.isTrue(Option.isNone(first))
          const second = yield* configure(prod, "second-secret")
          assert.strictEqual(Redacted.value(Option.getOrThrow(second).apiToken), "first-secret")
          const config = JSON.parse(fs.readFileSync(path.join(home, "config.json"), "utf8"))
          const entry = config.profiles.prod.cloudflare
          assert.strictEqual(entry.method, "api-token")
          assert.strictEqual(entry.store, backend().kind === "keychain" ? "keychain" : undefined)
          assert.notInclude(JSON.stringify(config), "second-secret")
          const stored = yield* Effect.promise(() => backend().inspect(home, "prod", "cloudflare"))
          assert.include(stored!, "second-secret")
          assert.deepStrictEqual(yield* (yield* CredentialStore).providers(prod), ["cloudflare"])
        })
      )
    })

    it.effect("the store recorded in the entry survives the provider rewriting its entry", () => {
      const home = makeHome()
      return run(
        home,
        Effect.gen(function*() {
          yield* configure()
          const profiles = yield* ProfileStore
          yield* profiles.putProvider(prod, "cloudflare", Entry, { method: "api-token" })
          const store = yield* CredentialStore
          // Outside the requested store, the entry alone decides.
          const location = yield* Effect.locally(
            store.location(prod, "cloudflare"),
            CredentialStoreModule.requestedStore,
            Option.none()
          )
          assert.strictEqual(location.store, backend().kind)
          assert.isTrue(Option.isSome(yield* store.read(prod, "cloudflare", Token)))
        })
      )
    })

    it.effect("replace with no credentials and delete remove the secret; delete says whether there was one", () => {
      const home = makeHome()
      return run(
        home,
        Effect.gen(function*() {
          const store = yield* CredentialStore
          yield* configure()
          const previous = yield* store.replace(prod, "cloudflare", Token, {
            entry: Effect.flatMap(ProfileStore, (p) => p.deleteProvider(prod, "cloudflare")),
            credentials: Option.none()
          })
          assert.strictEqual(Redacted.value(Option.getOrThrow(previous).apiToken), "secret-one")
          assert.isNull(yield* Effect.promise(() => backend().inspect(home, "prod", "cloudflare")))
          yield* store.write(prod, "cloudflare", Token, token("again"))
          assert.isTrue(yield* store.delete(prod, "cloudflare"))
          assert.isFalse(yield* store.delete(prod, "cloudflare"))
          assert.isNull(yield* Effect.promise(() => backend().inspect(home, "prod", "cloudflare")))
        })
      )
    })

    it.effect("a stored value that does not decode is an error naming the profile and provider, left untouched", () => {
      const home = makeHome()
      return run(
        home,
        Effect.gen(function*() {
          yield* configure()
          yield* Effect.promise(() => backend().plant(home, "prod", "cloudflare", "{not json"))
          const store = yield* CredentialStore
          const exit = yield* Effect.exit(store.read(prod, "cloudflare", Token))
          assert.isTrue(Exit.isFailure(exit))
          const error = Exit.isFailure(exit) ? String(exit.cause) : ""
          assert.include(error, "is not valid JSON")
          assert.include(error, "profile prod")
          assert.strictEqual(yield* Effect.promise(() => backend().inspect(home, "prod", "cloudflare")), "{not json")
        })
      )
    })

    it.effect("an expired secret is refreshed once for concurrent callers, and the new one is stored", () => {
      const home = makeHome()
      let refreshes = 0
      return run(
        home,
        Effect.gen(function*() {
          const store = yield* CredentialStore
          const expired: typeof Oauth.Type = {
            type: "oauth",
            access: Redacted.make("old-access"),
            refresh: Redacted.make("old-refresh"),
            expires: 0
          }
          yield* store.write(prod, "cloudflare", Oauth, expired)
          yield* TestClock.setTime(1_000_000)
          const refresher = yield* CredentialRefresher
          const results = yield* Effect.all(
            Array.from({ length: 8 }, () =>
              refresher.getValid({
                profile: prod,
                provider: "cloudflare",
                schema: Oauth,
                isValid: (c, now) => c.expires > now.nowMillis + now.skewMillis,
                refresh: () =>
                  Effect.sync((): typeof Oauth.Type => {
                    refreshes++
                    return {
                      type: "oauth",
                      access: Redacted.make("new-access"),
                      refresh: Redacted.make("new-refresh"),
                      expires: 10_000_000
                    }
                  })
              })),
            { concurrency: "unbounded" }
          )
          assert.strictEqual(refreshes, 1)
          for (const r of results) assert.strictEqual(Redacted.value(r.access), "new-access")
          const stored = yield* Effect.promise(() => backend().inspect(home, "prod", "cloudflare"))
          assert.include(stored!, "new-refresh")
        })
      )
    })

    it.effect("renaming a profile carries its secret; deleting a profile removes it", () => {
      const home = makeHome()
      return run(
        home,
        Effect.gen(function*() {
          yield* configure(prod, "carried-secret")
          const profiles = yield* ProfileStore
          yield* profiles.renameProfile(prod, staging)
          assert.isNull(yield* Effect.promise(() => backend().inspect(home, "prod", "cloudflare")))
          assert.include((yield* Effect.promise(() => backend().inspect(home, "staging", "cloudflare")))!, "carried-secret")
          const store = yield* CredentialStore
          assert.isTrue(Option.isSome(yield* store.read(staging, "cloudflare", Token)))
          assert.isTrue(yield* profiles.deleteProfile(staging))
          assert.isNull(yield* Effect.promise(() => backend().inspect(home, "staging", "cloudflare")))
        })
      )
    })

    it.effect("two homes never see each other's secrets", () => {
      const a = makeHome()
      const b = makeHome()
      return Effect.gen(function*() {
        yield* run(a, configure(prod, "home-a-secret"))
        const inB = yield* run(b, Effect.flatMap(CredentialStore, (s) => s.read(prod, "cloudflare", Token)))
        assert.isTrue(Option.isNone(inB))
      })
    })
  })
