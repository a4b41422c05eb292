import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as CloudflareCredentials from "../src/CloudflareCredentials.js"
import { assertNoSecrets, configFile, credentialsFile, emulator, envFor, layer, readJson, tempHome } from "./support.js"

const fixture = fileURLToPath(new URL("./fixtures/resolve.ts", import.meta.url))
const alchemy0 = fileURLToPath(new URL("./fixtures/alchemy0-refresh.mjs", import.meta.url))
const packageDir = fileURLToPath(new URL("..", import.meta.url))

interface ChildResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const runChild = (env: Record<string, string | undefined>, args: ReadonlyArray<string> = ["--import", "tsx", fixture]) =>
  new Promise<ChildResult>((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: packageDir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => (stdout += String(d)))
    child.stderr.on("data", (d) => (stderr += String(d)))
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

/** A profile whose access token expired an hour ago, with a live refresh token. */
const seedExpired = (home: string, tokens: { access: string; refresh: string; scopes: ReadonlyArray<string> }, accountId: string) => {
  Fs.mkdirSync(Path.join(home, "credentials", "default"), { recursive: true, mode: 0o700 })
  Fs.writeFileSync(
    configFile(home),
    JSON.stringify({
      version: 1,
      profiles: { default: { cloudflare: { method: "oauth", metadata: { id: accountId, name: "Example" }, scopes: tokens.scopes } } }
    }),
    { mode: 0o600 }
  )
  Fs.writeFileSync(
    credentialsFile(home, "default"),
    JSON.stringify({
      type: "oauth",
      access: tokens.access,
      refresh: tokens.refresh,
      expires: Date.now() - 3_600_000,
      scopes: tokens.scopes
    }),
    { mode: 0o600 }
  )
}

describe("refresh across processes", () => {
  it.scopedLive("16 processes, an expired token, a rotating refresh token: one refresh, all succeed", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const home = yield* tempHome
      const tokens = emu.issueOAuthTokens({ scopes: ["account:read", "user:read", "workers:write"] })
      seedExpired(home, tokens, emu.accounts[0]!.id)
      emu.resetCounters()
      // Widen the race window: every refresh takes a while at the server.
      emu.setLatency("/oauth2/token", 150)
      const results = yield* Effect.promise(() =>
        Promise.all(Array.from({ length: 16 }, () => runChild(envFor(emu, home))))
      )
      for (const r of results) assert.strictEqual(r.code, 0, r.stdout + r.stderr)
      const lines = results.map((r) => JSON.parse(r.stdout.trim()))
      assert.isTrue(lines.every((l) => l.ok === true))
      assert.isTrue(lines.every((l) => l.sdkSameToken === true))
      assert.deepStrictEqual(lines[0].sdkKeys, ["apiToken", "baseURL"])
      assert.strictEqual(new Set(lines.map((l) => l.tokenHash)).size, 1, "all 16 use the same fresh token")
      assert.strictEqual(emu.counters.tokenRefresh, 1)

      const stored = readJson(credentialsFile(home, "default"))
      assert.notStrictEqual(stored.refresh, tokens.refresh)
      assert.strictEqual(emu.refreshTokenStatus(stored.refresh), "active")
      assert.strictEqual(emu.refreshTokenStatus(tokens.refresh), "used")
      assert.isTrue(stored.expires > Date.now())
      assertNoSecrets(results.flatMap((r) => [r.stdout, r.stderr]), [tokens.access, tokens.refresh, stored.access, stored.refresh])
    }), 180_000) // 16 Node processes on a shared 2-core machine: start-up dominates

  it.scopedLive("a revoked refresh token: NeedsLogin naming `alchemy login --profile`, nothing deleted", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const home = yield* tempHome
      const tokens = emu.issueOAuthTokens({ scopes: ["account:read", "user:read"] })
      seedExpired(home, tokens, emu.accounts[0]!.id)
      emu.revokeRefreshToken(tokens.refresh)
      const before = { config: Fs.readFileSync(configFile(home), "utf8"), credentials: Fs.readFileSync(credentialsFile(home, "default"), "utf8") }
      const result = yield* Effect.promise(() => runChild(envFor(emu, home)))
      assert.strictEqual(result.code, 3, result.stdout + result.stderr)
      const line = JSON.parse(result.stdout.trim())
      assert.strictEqual(line.tag, "NeedsLogin")
      assert.include(line.message, "alchemy login --profile default")
      assert.strictEqual(Fs.readFileSync(configFile(home), "utf8"), before.config)
      assert.strictEqual(Fs.readFileSync(credentialsFile(home, "default"), "utf8"), before.credentials)
      // One attempt: the re-read after invalid_grant finds the same refresh token, so there is nothing to retry with.
      assert.strictEqual(emu.counters.tokenRefresh, 1)
      assertNoSecrets([result.stdout, result.stderr], [tokens.access, tokens.refresh])
    }))
})

describe("refresh beside the alchemy npm package 0.x (same ~/.alchemy)", () => {
  /** HOME whose `.alchemy` is the shared home: 0.x always uses `~/.alchemy`, we are pointed there too. */
  const sharedHome = (home: string) => {
    const root = Path.join(home, ".alchemy")
    Fs.mkdirSync(root, { mode: 0o700 })
    return root
  }

  it.scopedLive("0.x holds its refresh lock while refreshing: we wait for it and use its token, one refresh in all", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const home = yield* tempHome
      const root = sharedHome(home)
      const tokens = emu.issueOAuthTokens({ scopes: ["account:read", "user:read"] })
      seedExpired(root, tokens, emu.accounts[0]!.id)
      emu.resetCounters()
      emu.setLatency("/oauth2/token", 1_500)
      const env = { ...envFor(emu, root), HOME: home }
      const startAt = Date.now() + 2_500
      // Theirs takes the lock at startAt and holds it for 1.5 s of refresh and 1 s more; ours looks at startAt + 0.5 s.
      const theirs = runChild({ ...env, HOLD_MS: "1000", START_AT: String(startAt) }, [alchemy0])
      const ours = yield* Effect.promise(() => runChild({ ...env, START_AT: String(startAt + 500) }))
      const their = yield* Effect.promise(() => theirs)
      assert.strictEqual(their.code, 0, their.stdout + their.stderr)
      assert.strictEqual(ours.code, 0, ours.stdout + ours.stderr)
      assert.isTrue(JSON.parse(their.stdout).refreshed)
      assert.strictEqual(JSON.parse(ours.stdout).tokenHash, JSON.parse(their.stdout).tokenHash, "ours uses the token 0.x got")
      assert.strictEqual(emu.counters.tokenRefresh, 1)
    }), 60_000)

  it.scopedLive("both tools at once (4 processes each): the rotating refresh token is spent once, nobody fails", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const home = yield* tempHome
      const root = sharedHome(home)
      const tokens = emu.issueOAuthTokens({ scopes: ["account:read", "user:read"] })
      seedExpired(root, tokens, emu.accounts[0]!.id)
      emu.resetCounters()
      // A slow token endpoint: whoever refreshes first is still waiting for it when every other process looks.
      emu.setLatency("/oauth2/token", 1_500)
      const env = { ...envFor(emu, root), HOME: home, START_AT: String(Date.now() + 4_000) }
      const results = yield* Effect.promise(() =>
        Promise.all(Array.from({ length: 8 }, (_, i) => i % 2 === 0 ? runChild(env, [alchemy0]) : runChild(env)))
      )
      for (const r of results) assert.strictEqual(r.code, 0, r.stdout + r.stderr)
      const lines = results.map((r) => JSON.parse(r.stdout.trim()))
      assert.isTrue(lines.every((l) => l.ok === true), JSON.stringify(lines))
      assert.strictEqual(new Set(lines.map((l) => l.tokenHash)).size, 1, "every process of both tools has one token")
      assert.strictEqual(emu.counters.tokenRefresh, 1)
      const stored = readJson(credentialsFile(root, "default"))
      assert.strictEqual(emu.refreshTokenStatus(stored.refresh), "active")
      assertNoSecrets(results.flatMap((r) => [r.stdout, r.stderr]), [tokens.access, tokens.refresh, stored.access, stored.refresh])
    }), 120_000)
})

describe("refresh in one process", () => {
  it.scopedLive("a long-running service gets a fresh token once the old one nears expiry (not memoised)", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const home = yield* tempHome
      const tokens = emu.issueOAuthTokens({ scopes: ["account:read", "user:read"] })
      seedExpired(home, tokens, emu.accounts[0]!.id)
      // Valid for 1.5 more seconds before the 5-minute skew applies.
      const file = credentialsFile(home, "default")
      Fs.writeFileSync(file, JSON.stringify({ ...readJson(file), expires: Date.now() + 5 * 60_000 + 1_500 }), { mode: 0o600 })
      emu.resetCounters()
      const { layer: live } = layer(home, envFor(emu, home))
      yield* Effect.gen(function*() {
        const service = yield* CloudflareCredentials.CloudflareCredentials
        const first = yield* service.get
        assert.strictEqual(first.headers.Authorization, `Bearer ${tokens.access}`)
        assert.strictEqual(emu.counters.tokenRefresh, 0)
        yield* Effect.sleep("2 seconds")
        const second = yield* service.get
        assert.notStrictEqual(second.headers.Authorization, first.headers.Authorization)
        const third = yield* service.get
        assert.strictEqual(third.headers.Authorization, second.headers.Authorization)
        assert.strictEqual(emu.counters.tokenRefresh, 1)
      }).pipe(Effect.provide(CloudflareCredentials.fromProfile("default")), Effect.provide(live))
    }))

  it.scopedLive("invalid_grant because another writer rotated the token: re-read and one retry succeed", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const home = yield* tempHome
      const r1 = emu.issueOAuthTokens({ scopes: ["account:read", "user:read"] })
      seedExpired(home, r1, emu.accounts[0]!.id)
      // Someone else rotates R1 -> R2 at the server and has not written it yet.
      const rotated = yield* Effect.promise(() =>
        fetch(`${emu.oauthUrl}/oauth2/token`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: r1.refresh, client_id: emu.clientId })
        }).then((r) => r.json() as Promise<{ access_token: string; refresh_token: string }>)
      )
      emu.resetCounters()
      emu.setLatency("/oauth2/token", 400)
      const { layer: live } = layer(home, envFor(emu, home))
      const file = credentialsFile(home, "default")
      const writer = Effect.gen(function*() {
        // As soon as our refresh (with R1) reached the server, the other writer stores R2.
        while (emu.counters.tokenRefresh === 0) yield* Effect.sleep("5 millis")
        Fs.writeFileSync(file, JSON.stringify({ ...readJson(file), refresh: rotated.refresh_token, access: rotated.access_token }))
      })
      const [resolved] = yield* Effect.all([
        Effect.flatMap(CloudflareCredentials.makeFromProfile("default"), (s) => s.get),
        writer
      ], { concurrency: 2 }).pipe(Effect.provide(live))
      assert.strictEqual(emu.counters.tokenRefresh, 2)
      const stored = readJson(file)
      assert.notStrictEqual(stored.refresh, rotated.refresh_token)
      assert.strictEqual(emu.refreshTokenStatus(stored.refresh), "active")
      assert.strictEqual(resolved.headers.Authorization, `Bearer ${stored.access}`)
    }))
})

describe("refresh without rotation", () => {
  it.scopedLive("no refresh token in the reply: the old one is kept on disk and keeps working", () =>
    Effect.gen(function*() {
      const emu = yield* emulator({ rotateRefreshTokens: false })
      const home = yield* tempHome
      const tokens = emu.issueOAuthTokens({ scopes: ["account:read", "user:read"] })
      seedExpired(home, tokens, emu.accounts[0]!.id)
      const { layer: live } = layer(home, envFor(emu, home))
      const resolved = yield* Effect.flatMap(CloudflareCredentials.makeFromProfile("default"), (s) => s.get).pipe(
        Effect.provide(live)
      )
      const stored = readJson(credentialsFile(home, "default"))
      assert.strictEqual(emu.counters.tokenRefresh, 1)
      assert.strictEqual(stored.refresh, tokens.refresh)
      assert.notStrictEqual(stored.access, tokens.access)
      assert.strictEqual(resolved.headers.Authorization, `Bearer ${stored.access}`)
      assert.isTrue(stored.expires > Date.now())
      assert.strictEqual(emu.refreshTokenStatus(tokens.refresh), "active")
    }))
})
