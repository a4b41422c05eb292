/**
 * The credential-store contract against the OS keychain: a real Secret Service (gnome-keyring on a private D-Bus
 * session, unlocked with a test password; `.ci/run` installs the Debian packages). Then what only the keychain
 * has: moving secrets between the stores, and the keychain that cannot be used (no session, locked, hung).
 */
import * as SecretService from "@alchemy/testing/SecretService"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll } from "vitest"
import * as CredentialStoreModule from "../src/CredentialStore.js"
import { CredentialStore } from "../src/CredentialStore.js"
import * as Keychain from "../src/internal/keychain.js"
import { unsafeMakeProfileName } from "../src/ProfileName.js"
import { ProfileStore } from "../src/ProfileStore.js"
import { credentialStoreContract } from "./credentialStoreContract.js"
import { layerAt, listTree, makeHome } from "./support.js"

let service: SecretService.SecretService
const originalAddress = process.env.DBUS_SESSION_BUS_ADDRESS

beforeAll(async () => {
  service = await SecretService.start()
  process.env.DBUS_SESSION_BUS_ADDRESS = service.address
  Keychain.reset()
})
afterAll(async () => {
  Keychain.reset()
  if (originalAddress === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS
  else process.env.DBUS_SESSION_BUS_ADDRESS = originalAddress
  await service?.stop()
})

const itemOf = (home: string, profile: string, provider: string) => Keychain.itemOf(home, profile, provider)

credentialStoreContract("OS keychain (Secret Service)", () => ({
  kind: "keychain",
  inspect: (home, profile, provider) => {
    const item = itemOf(home, profile, provider)
    return service.lookup(item.service, item.account)
  },
  plant: (home, profile, provider, text) => {
    const item = itemOf(home, profile, provider)
    return service.plant(item.service, item.account, text)
  }
}))

const Entry = Schema.Struct({ method: Schema.String })
const Token = Schema.Struct({ type: Schema.Literal("api-token"), apiToken: Schema.Redacted(Schema.String) })
const prod = unsafeMakeProfileName("prod")

const configure = (secret: string) =>
  Effect.gen(function*() {
    const profiles = yield* ProfileStore
    const store = yield* CredentialStore
    yield* store.replace(prod, "cloudflare", Token, {
      entry: profiles.putProvider(prod, "cloudflare", Entry, { method: "api-token" }),
      credentials: Option.some({ type: "api-token" as const, apiToken: Redacted.make(secret) })
    })
  })

const filesContaining = (root: string, needle: string) =>
  listTree(root).filter((name) => {
    const full = path.join(root, name)
    return !name.endsWith("/") && fs.readFileSync(full, "utf8").includes(needle)
  })

describe("keychain store", () => {
  it.effect("items are named service alchemy:<home> (alchemy for ~/.alchemy), account <profile>/<provider>", () =>
    Effect.sync(() => {
      assert.deepStrictEqual(Keychain.itemOf("/tmp/h", "prod", "aws"), { service: "alchemy:/tmp/h", account: "prod/aws" })
      const home = process.env.HOME ?? ""
      assert.strictEqual(Keychain.itemOf(path.join(home, ".alchemy"), "p", "cloudflare").service, "alchemy")
    }))

  it.effect("configure --store keychain: the secret is in no file of the home; move to file and back", () => {
    const home = makeHome()
    const canary = "keychain-canary-7f3a9c"
    return Effect.gen(function*() {
      yield* CredentialStoreModule.withStore("keychain")(configure(canary))
      assert.deepStrictEqual(filesContaining(home, canary), [])
      const store = yield* CredentialStore
      assert.strictEqual(yield* store.move(prod, "cloudflare", "keychain"), "unchanged")
      assert.strictEqual(yield* store.move(prod, "cloudflare", "file"), "moved")
      assert.deepStrictEqual(filesContaining(home, canary), ["credentials/prod/cloudflare.json"])
      const item = itemOf(home, "prod", "cloudflare")
      assert.isNull(yield* Effect.promise(() => service.lookup(item.service, item.account)))
      assert.strictEqual((yield* store.location(prod, "cloudflare")).store, "file")
      assert.strictEqual(yield* store.move(prod, "cloudflare", "keychain"), "moved")
      assert.deepStrictEqual(filesContaining(home, canary), [])
      assert.include((yield* Effect.promise(() => service.lookup(item.service, item.account)))!, canary)
      const read = yield* store.read(prod, "cloudflare", Token)
      assert.strictEqual(Redacted.value(Option.getOrThrow(read).apiToken), canary)
    }).pipe(Effect.provide(layerAt(home)))
  })

  it.effect("configure --store file on a keychain profile moves the secret back to its file", () => {
    const home = makeHome()
    return Effect.gen(function*() {
      yield* CredentialStoreModule.withStore("keychain")(configure("first"))
      yield* CredentialStoreModule.withStore("file")(configure("second"))
      const item = itemOf(home, "prod", "cloudflare")
      assert.isNull(yield* Effect.promise(() => service.lookup(item.service, item.account)))
      assert.include(fs.readFileSync(path.join(home, "credentials/prod/cloudflare.json"), "utf8"), "second")
      const config = JSON.parse(fs.readFileSync(path.join(home, "config.json"), "utf8"))
      assert.isUndefined(config.profiles.prod.cloudflare.store)
    }).pipe(Effect.provide(layerAt(home)))
  })

  it.effect("a store written by a newer alchemy is an error for that provider only, naming it", () => {
    const home = makeHome()
    fs.writeFileSync(
      path.join(home, "config.json"),
      JSON.stringify({ version: 1, profiles: { prod: { cloudflare: { method: "api-token", store: "vault" } } } })
    )
    return Effect.gen(function*() {
      const store = yield* CredentialStore
      const exit = yield* Effect.exit(store.read(prod, "cloudflare", Token))
      assert.isTrue(Exit.isFailure(exit))
      assert.include(Exit.isFailure(exit) ? String(exit.cause) : "", "vault")
      assert.isTrue(Option.isNone(yield* store.read(prod, "aws", Token)))
    }).pipe(Effect.provide(layerAt(home)))
  })
})
