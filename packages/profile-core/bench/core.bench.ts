/**
 * profile-core benchmark: `pnpm bench` (node --import tsx bench/core.bench.ts). Prints a markdown table.
 * Not a test: numbers depend on the machine, so `node -e 0` is measured in the same run for scale.
 */
import * as SecretService from "@alchemy/testing/SecretService"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { CredentialRefresher, type RefreshPolicy } from "../src/Credentials.js"
import { CredentialStore, withStore } from "../src/CredentialStore.js"
import * as Keychain from "../src/internal/keychain.js"
import { FileLock } from "../src/FileLock.js"
import * as ProfileCore from "../src/ProfileCore.js"
import { unsafeMakeProfileName } from "../src/ProfileName.js"
import { ProfileStore } from "../src/ProfileStore.js"

const Oauth = Schema.Struct({
  type: Schema.Literal("oauth"),
  access: Schema.Redacted(Schema.String),
  refresh: Schema.Redacted(Schema.String),
  expires: Schema.Number
})

const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!

const sample = async (runs: number, f: () => unknown | Promise<unknown>): Promise<Array<number>> => {
  const times: Array<number> = []
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint()
    await f()
    times.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  return times.sort((a, b) => a - b)
}

const sampleSync = (runs: number, f: () => unknown): Array<number> => {
  const times: Array<number> = []
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint()
    f()
    times.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  return times.sort((a, b) => a - b)
}

const fmt = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(2)} ms`)

const main = async () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "alchemy-core-bench-"))
  const runtime = ManagedRuntime.make(ProfileCore.layerAt(home).pipe(Layer.provideMerge(NodeContext.layer)))
  const profile = unsafeMakeProfileName("bench")

  // node -e 0, median of 10 spawns
  const nodeStart = sampleSync(10, () => spawnSync(process.execPath, ["-e", "0"]))

  // Valid cached credentials, in-process
  await runtime.runPromise(Effect.flatMap(CredentialStore, (s) =>
    s.write(profile, "cloudflare", Oauth, {
      type: "oauth" as const,
      access: Redacted.make("bench-access"),
      refresh: Redacted.make("bench-refresh"),
      expires: Date.now() + 3_600_000
    })))
  const refresher = await runtime.runPromise(CredentialRefresher)
  const policy: RefreshPolicy<typeof Oauth.Type, typeof Oauth.Encoded, never, never> = {
    profile,
    provider: "cloudflare",
    schema: Oauth,
    isValid: (c, now) => c.expires > now.nowMillis + now.skewMillis,
    refresh: (c) => Effect.succeed(c)
  }
  const get = refresher.getValid(policy)
  await runtime.runPromise(get) // warm the cache
  for (let i = 0; i < 2000; i++) runtime.runSync(get) // warm the JIT
  const cached = sampleSync(20_000, () => runtime.runSync(get))

  // config.json with 1,000 profiles, read and decoded
  const profiles: Record<string, unknown> = {}
  for (let i = 0; i < 1000; i++) {
    profiles[`profile-${i}`] = {
      cloudflare: { method: "oauth", metadata: { id: "0123456789abcdef0123456789abcdef", name: `Account ${i}` }, scopes: ["a", "b"] },
      aws: { method: "sso", region: "us-west-2", sso: { startUrl: "https://example.awsapps.com/start", region: "us-east-1" } }
    }
  }
  fs.writeFileSync(path.join(home, "config.json"), JSON.stringify({ version: 1, profiles }, null, 2))
  const store = await runtime.runPromise(ProfileStore)
  for (let i = 0; i < 5; i++) await runtime.runPromise(store.read)
  const read = await sample(50, () => runtime.runPromise(store.read))
  const count = Object.keys((await runtime.runPromise(store.read)).profiles).length
  if (count !== 1000) throw new Error(`expected 1000 profiles, read ${count}`)

  // Uncontended lock acquire + release
  const lock = await runtime.runPromise(FileLock)
  const lockPath = path.join(home, "bench.lock")
  for (let i = 0; i < 10; i++) await runtime.runPromise(lock.withLock(lockPath, Effect.void))
  const locks = await sample(200, () => runtime.runPromise(lock.withLock(lockPath, Effect.void)))

  // Uncached reads of the credentials file (what the first resolve of a command costs)
  const fileReads = await sample(50, () => runtime.runPromise(Effect.flatMap(CredentialStore, (s) => s.read(profile, "cloudflare", Oauth))))

  await runtime.dispose()
  fs.rmSync(home, { recursive: true, force: true })

  const keychain = await keychainRows()

  const rows: Array<[string, string, string, string]> = [
    ["`node -e 0` start (10 spawns, for scale)", fmt(percentile(nodeStart, 50)), fmt(percentile(nodeStart, 99)), "-"],
    ["valid cached credentials, in-process (20,000 calls)", fmt(percentile(cached, 50)), fmt(percentile(cached, 99)), "p50 < 50 µs"],
    ["config.json with 1,000 profiles, read + decoded (50 runs)", fmt(percentile(read, 50)), fmt(percentile(read, 99)), "< 20 ms"],
    ["uncontended lock acquire + release (200 runs)", fmt(percentile(locks, 50)), fmt(percentile(locks, 99)), "< 5 ms"],
    ["file store: read + decode the credentials file, uncached (50 runs)", fmt(percentile(fileReads, 50)), fmt(percentile(fileReads, 99)), "-"],
    ...keychain
  ]
  console.log(`profile-core benchmark: node ${process.version}, ${os.cpus().length} cpu, load ${os.loadavg()[0]!.toFixed(1)}\n`)
  console.log("| measure | p50 | p99 | target |")
  console.log("| --- | --- | --- | --- |")
  for (const row of rows) console.log(`| ${row.join(" | ")} |`)
}

/**
 * The same credentials kept in the OS keychain: a real Secret Service (gnome-keyring on a private D-Bus session,
 * as in the tests). The first read of a process starts the helper child; later reads reuse it; valid credentials
 * are then served from the in-process cache exactly as for the file store.
 */
const keychainRows = async (): Promise<Array<[string, string, string, string]>> => {
  const problem = SecretService.missing()
  if (problem !== undefined) return [["OS keychain rows skipped", problem, "-", "-"]]
  const service = await SecretService.start()
  const saved = process.env.DBUS_SESSION_BUS_ADDRESS
  process.env.DBUS_SESSION_BUS_ADDRESS = service.address
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "alchemy-core-bench-keychain-"))
  const profile = unsafeMakeProfileName("bench")
  const layer = ProfileCore.layerAt(home).pipe(Layer.provideMerge(NodeContext.layer))
  try {
    Keychain.reset()
    await Effect.runPromise(Effect.provide(
      withStore("keychain")(Effect.flatMap(CredentialStore, (s) =>
        s.write(profile, "cloudflare", Oauth, {
          type: "oauth" as const,
          access: Redacted.make("bench-access"),
          refresh: Redacted.make("bench-refresh"),
          expires: Date.now() + 3_600_000
        }))),
      layer
    ))
    // Recorded like `configure --store keychain` does, so plain reads go to the keychain.
    fs.writeFileSync(
      path.join(home, "config.json"),
      JSON.stringify({ version: 1, profiles: { bench: { cloudflare: { method: "oauth", store: "keychain" } } } })
    )
    const read = Effect.flatMap(CredentialStore, (s) => s.read(profile, "cloudflare", Oauth))
    // First read of a process: helper start + D-Bus connection + the item.
    const first = await sample(10, async () => {
      Keychain.reset()
      await Effect.runPromise(Effect.provide(read, layer))
    })
    const runtime = ManagedRuntime.make(layer)
    const reads = await sample(50, () => runtime.runPromise(read))
    const refresher = await runtime.runPromise(CredentialRefresher)
    const get = refresher.getValid({
      profile,
      provider: "cloudflare",
      schema: Oauth,
      isValid: (c, now) => c.expires > now.nowMillis + now.skewMillis,
      refresh: (c) => Effect.succeed(c)
    })
    await runtime.runPromise(get)
    for (let i = 0; i < 2000; i++) runtime.runSync(get)
    const cached = sampleSync(20_000, () => runtime.runSync(get))
    await runtime.dispose()
    return [
      ["keychain store: first read of a process (helper start + D-Bus, 10 runs)", fmt(percentile(first, 50)), fmt(percentile(first, 99)), "-"],
      ["keychain store: read + decode, helper running, uncached (50 runs)", fmt(percentile(reads, 50)), fmt(percentile(reads, 99)), "-"],
      ["keychain store: valid cached credentials, in-process (20,000 calls)", fmt(percentile(cached, 50)), fmt(percentile(cached, 99)), "p50 < 50 µs"]
    ]
  } finally {
    Keychain.reset()
    if (saved === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS
    else process.env.DBUS_SESSION_BUS_ADDRESS = saved
    fs.rmSync(home, { recursive: true, force: true })
    await service.stop()
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
