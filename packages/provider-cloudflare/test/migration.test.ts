/**
 * Alchemy v2 homes (profile-core's fixtures, as their tool writes them) migrated by profile-core on first use, then
 * resolved by this provider with its live layers against the emulator: the api-token, the api-key and the OAuth
 * tokens (expired in the fixture, so refreshed from the migrated file) all work, with the stored account.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as CloudflareCredentials from "../src/CloudflareCredentials.js"
import { credentialsFile, emulator, envFor, layer, readJson, tempHome } from "./support.js"

const fixtures = fileURLToPath(new URL("../../profile-core/test/fixtures/alchemy-v2", import.meta.url))

const generations = [
  { name: "2a-old", oauth: "cf-oauth.json", stored: "cf-stored.json" },
  { name: "2a-new", oauth: "cloudflare-oauth.json", stored: "cloudflare-stored.json" },
  { name: "2b", oauth: "cloudflare-oauth.json", stored: "cf-stored.json" }
] as const

describe("an Alchemy v2 home, migrated, resolves with the Cloudflare provider", () => {
  for (const generation of generations) {
    it.scopedLive(`generation ${generation.name}: api-token, api-key and oauth`, () =>
      Effect.gen(function*() {
        const emu = yield* emulator()
        const home = yield* tempHome
        Fs.cpSync(Path.join(fixtures, generation.name), home, { recursive: true })
        const theirs = (profile: string, file: string) => readJson(Path.join(home, "credentials", profile, file))
        const token = theirs("work", generation.stored)
        emu.addApiToken(token.apiToken)
        const key = theirs("legacy", generation.stored)
        emu.addGlobalKey(key.email, key.apiKey)
        // Their OAuth file keeps its shape (and its past `expires`); only the tokens are ones the emulator issued.
        const issued = emu.issueOAuthTokens({ scopes: ["account:read", "user:read", "workers:write"] })
        const oauthFile = Path.join(home, "credentials", "default", generation.oauth)
        Fs.writeFileSync(
          oauthFile,
          JSON.stringify({ ...theirs("default", generation.oauth), access: issued.access, refresh: issued.refresh }, null, 2)
        )
        const { layer: live } = layer(home, envFor(emu, home))
        const resolve = (profile: string) =>
          Effect.flatMap(CloudflareCredentials.makeFromProfile(profile), (s) => s.get).pipe(Effect.provide(live))

        const work = yield* resolve("work")
        assert.strictEqual(work.method, "api-token")
        assert.strictEqual(work.headers.Authorization, `Bearer ${token.apiToken}`)
        assert.strictEqual(work.accountId, token.accountId)

        const legacy = yield* resolve("legacy")
        assert.strictEqual(legacy.method, "api-key")
        assert.strictEqual(legacy.headers["X-Auth-Key"], key.apiKey)
        assert.strictEqual(legacy.headers["X-Auth-Email"], key.email)
        assert.strictEqual(legacy.accountId, key.accountId)

        const oauth = yield* resolve("default")
        assert.strictEqual(oauth.method, "oauth")
        assert.strictEqual(oauth.accountId, "0123456789abcdef0123456789abcdef")
        assert.notStrictEqual(oauth.headers.Authorization, `Bearer ${issued.access}`, "the expired token was refreshed")
        assert.strictEqual(emu.accessTokenStatus(oauth.headers.Authorization!.slice("Bearer ".length)), "active")
        assert.isAbove(readJson(credentialsFile(home, "default")).expires, Date.now())
      }))
  }
})
