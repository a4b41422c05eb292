import { assert, describe, it } from "@effect/vitest"
import { unsafeMakeProfileName } from "@alchemy/profile-core/ProfileName"
import * as CloudflareEmulator from "@alchemy/testing/CloudflareEmulator"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { CloudflareApi } from "../src/CloudflareApi.js"
import * as CloudflareProvider from "../src/CloudflareProvider.js"
import { configFile, emulator, envFor, failureOf, filesUnder, layer, readJson, tempHome } from "./support.js"

const profile = unsafeMakeProfileName("default")
const provider = CloudflareProvider.provider


const configureToken = (token: string, values: Record<string, string> = {}) =>
  provider.configure({ profile, method: "api-token", values, switches: {}, references: {}, secrets: { "api-token": Redacted.make(token) } })

describe("accounts", () => {
  it.scopedLive("several accounts without a terminal: NonInteractive listing `name: id` for each, nothing saved", () =>
    Effect.gen(function*() {
      const accounts = CloudflareEmulator.makeAccounts(3, "Team")
      const emu = yield* emulator({ accounts })
      const home = yield* tempHome
      const { layer: live } = layer(home, envFor(emu, home))
      const error = failureOf(yield* configureToken(emu.addApiToken()).pipe(Effect.provide(live), Effect.exit))
      assert.strictEqual(error._tag, "NonInteractive")
      for (const a of accounts) assert.include(error.message, `${a.name}: ${a.id}`)
      assert.include(error.message, "--account-id")
      assert.deepStrictEqual(filesUnder(home), {})
    }))

  it.scopedLive("several accounts on a terminal: the picker's choice is stored as metadata", () =>
    Effect.gen(function*() {
      const accounts = CloudflareEmulator.makeAccounts(3, "Team")
      const emu = yield* emulator({ accounts })
      const home = yield* tempHome
      const { layer: live, recording } = layer(home, envFor(emu, home), {
        interactive: true,
        select: (_message, titles) => titles.findIndex((t) => t.startsWith("Team 2"))
      })
      yield* configureToken(emu.addApiToken()).pipe(Effect.provide(live))
      assert.deepStrictEqual(readJson(configFile(home)).profiles.default.cloudflare.metadata, { id: accounts[1]!.id, name: "Team 2" })
      assert.include(recording.prompts, "Which Cloudflare account?")
    }))

  it.scopedLive("--account-id picks one of several; a malformed or unreachable id is refused and nothing saved", () =>
    Effect.gen(function*() {
      const accounts = CloudflareEmulator.makeAccounts(3, "Team")
      const emu = yield* emulator({ accounts })
      const home = yield* tempHome
      const token = emu.addApiToken()
      const { layer: live } = layer(home, envFor(emu, home))

      const malformed = failureOf(
        yield* configureToken(token, { "account-id": "ABC-not-an-id" }).pipe(Effect.provide(live), Effect.exit)
      )
      assert.strictEqual(malformed._tag, "CloudflareAccountError")
      assert.strictEqual(malformed.reason, "InvalidAccountId")
      assert.match(malformed.message, /32 lowercase hexadecimal/)

      const unreachable = failureOf(
        yield* configureToken(token, { "account-id": "f".repeat(32) }).pipe(Effect.provide(live), Effect.exit)
      )
      assert.strictEqual(unreachable.reason, "NotAccessible")
      assert.include(unreachable.message, `Team 1: ${accounts[0]!.id}`)
      assert.deepStrictEqual(filesUnder(home), {})

      yield* configureToken(token, { "account-id": accounts[2]!.id }).pipe(Effect.provide(live))
      assert.deepStrictEqual(readJson(configFile(home)).profiles.default.cloudflare.metadata, { id: accounts[2]!.id, name: "Team 3" })
    }))

  it.scopedLive("120 accounts across pages are all listed", () =>
    Effect.gen(function*() {
      const accounts = CloudflareEmulator.makeAccounts(120)
      const emu = yield* emulator({ accounts, perPage: 20 })
      const home = yield* tempHome
      const token = emu.addApiToken()
      const { layer: live } = layer(home, envFor(emu, home))
      const listed = yield* Effect.flatMap(CloudflareApi, (api) => api.accounts({ _tag: "Bearer", token: Redacted.make(token) })).pipe(
        Effect.provide(live)
      )
      assert.deepStrictEqual(listed.map((a) => a.id), accounts.map((a) => a.id))
      assert.isAtLeast(emu.counters.api["GET /memberships"] ?? 0, 3)
    }))

  it.scopedLive("memberships refused: falls back to /accounts", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const home = yield* tempHome
      const token = emu.addApiToken()
      emu.failNext("/memberships", 403, [{ code: 9109, message: "Unauthorized to access requested resource" }])
      const { layer: live } = layer(home, envFor(emu, home))
      const listed = yield* Effect.flatMap(CloudflareApi, (api) => api.accounts({ _tag: "Bearer", token: Redacted.make(token) })).pipe(
        Effect.provide(live)
      )
      assert.deepStrictEqual(listed.map((a) => a.id), emu.accounts.map((a) => a.id))
      assert.strictEqual(emu.counters.api["GET /accounts"], 1)
    }))

  it.scopedLive("an invalid account id in a server reply is a typed error, not a stored garbage id", () =>
    Effect.gen(function*() {
      const emu = yield* emulator({ accounts: [{ id: "not-hex", name: "Broken" }] })
      const home = yield* tempHome
      const { layer: live } = layer(home, envFor(emu, home))
      const error = failureOf(yield* configureToken(emu.addApiToken()).pipe(Effect.provide(live), Effect.exit))
      assert.strictEqual(error._tag, "CloudflareApiError")
      assert.strictEqual(error.reason, "InvalidReply")
      assert.deepStrictEqual(filesUnder(home), {})
    }))
})
