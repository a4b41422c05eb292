/**
 * Real processes, real files: concurrent writers, a shared refresh, writers killed mid-write, permissions.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "vitest"
import { decodeConfigText } from "../src/ConfigFile.js"
import { CredentialStore } from "../src/CredentialStore.js"
import { unsafeMakeProfileName } from "../src/ProfileName.js"
import { layerAt, listTree, makeHome, spawnWorker, type Worker, workerArgs } from "./support.js"

const Oauth = Schema.Struct({
  type: Schema.Literal("oauth"),
  access: Schema.Redacted(Schema.String),
  refresh: Schema.Redacted(Schema.String),
  expires: Schema.Number
})

const goFile = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), "alchemy-core-go-")), "go")

const startTogether = async (workers: ReadonlyArray<Worker>, go: string) => {
  await Promise.all(workers.map((w) => w.waitForLine((l) => l === "ready")))
  fs.writeFileSync(go, "")
  const exits = await Promise.all(workers.map((w) => w.exited))
  for (const exit of exits) assert.strictEqual(exit.code, 0, exit.stderr)
}

describe("concurrent processes", () => {
  it("20 processes writing 20 different profiles at the same moment: all 20 are present", async () => {
    const home = makeHome()
    const go = goFile()
    const names = Array.from({ length: 20 }, (_, i) => `p${String(i + 1).padStart(2, "0")}`)
    const workers = names.map((name) => spawnWorker(["put", home, name, go]))
    await startTogether(workers, go)
    const config = decodeConfigText(fs.readFileSync(path.join(home, "config.json"), "utf8"))
    assert(Either.isRight(config))
    assert.deepStrictEqual(Object.keys(config.right.profiles).sort(), names)
    workers.forEach((worker, i) => {
      const profiles = config.right.profiles as Record<string, Record<string, unknown>>
      const entry = profiles[names[i]!]!.cloudflare as Record<string, unknown>
      assert.strictEqual(entry.n, worker.child.pid, `profile ${names[i]} holds what its own process wrote`)
    })
  })

  it("16 processes needing a refresh: refresh runs exactly once and all 16 get the refreshed value", async () => {
    const home = makeHome()
    const go = goFile()
    const counter = path.join(path.dirname(go), "refresh-count")
    await Effect.runPromise(
      Effect.flatMap(CredentialStore, (store) =>
        store.write(unsafeMakeProfileName("default"), "cloudflare", Oauth, {
          type: "oauth" as const,
          access: Redacted.make("expired-access"),
          refresh: Redacted.make("refresh-token"),
          expires: Date.now() - 1000
        })).pipe(Effect.provide(layerAt(home)))
    )
    const workers = Array.from({ length: 16 }, () => spawnWorker(["refresh", home, "default", counter, go]))
    await startTogether(workers, go)
    const refreshers = fs.readFileSync(counter, "utf8").trim().split("\n")
    assert.strictEqual(refreshers.length, 1, "exactly one process refreshed")
    const expected = `refreshed-by-${refreshers[0]}`
    for (const worker of workers) {
      assert.deepStrictEqual(JSON.parse(worker.lines.at(-1)!), { access: expected })
    }
    const stored = JSON.parse(fs.readFileSync(path.join(home, "credentials/default/cloudflare.json"), "utf8"))
    assert.strictEqual(stored.access, expected)
    assert.strictEqual(stored.refresh, "refresh-token")
  })

  it("a writer killed with SIGKILL at random moments (200 rounds): config.json always parses, old or new", async () => {
    const parallel = 4
    const roundsEach = 50
    const run = async (lane: number) => {
      const home = makeHome()
      // Unknown keys and another profile, which every rewrite must keep.
      const seed = {
        version: 1,
        fromTheFuture: { keep: [1, 2, 3] },
        profiles: { other: { aws: { method: "sso", region: "eu-west-1", sso: { startUrl: "https://x" } } } }
      }
      fs.writeFileSync(path.join(home, "config.json"), JSON.stringify(seed))
      let previous = 0
      for (let round = 0; round < roundsEach; round++) {
        const start = (lane * 1000 + round + 1) * 1_000_000
        const worker = spawnWorker(["loop", home, String(start)])
        await worker.waitForLine(() => true)
        await new Promise((r) => setTimeout(r, Math.random() * 25))
        worker.child.kill("SIGKILL")
        await worker.exited
        await new Promise<void>((r) => worker.child.stdout!.closed ? r() : worker.child.stdout!.once("close", () => r()))
        const last = Number(worker.lines.at(-1))
        const text = fs.readFileSync(path.join(home, "config.json"), "utf8")
        const decoded = decodeConfigText(text)
        assert(Either.isRight(decoded), `round ${round}: config.json does not decode: ${text.slice(0, 200)}`)
        const json = JSON.parse(text)
        const n = json.profiles.looping.cloudflare.n
        assert(n === last || n === last + 1, `round ${round}: holds n=${n}, last completed write was ${last}`)
        assert(n > previous)
        previous = n
        assert.deepStrictEqual(json, {
          ...seed,
          profiles: { ...seed.profiles, looping: { cloudflare: { method: "api-token", n } } }
        })
        // A writer killed while holding the lock leaves it behind; age it as if 10 s had passed (stale recovery).
        const lock = path.join(home, "locks/config.lock")
        if (fs.existsSync(lock)) fs.utimesSync(lock, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000))
      }
      const leftovers = fs.readdirSync(home).filter((name) => name.endsWith(".tmp"))
      assert(leftovers.length <= 1, `temp files of killed writers are swept: ${leftovers.join(", ")}`)
    }
    await Promise.all(Array.from({ length: parallel }, (_, lane) => run(lane)))
  }, 180_000)
})

describe("permissions", () => {
  it("umask 000: files are 0600 and directories 0700", async () => {
    const home = path.join(makeHome(), "nested", "home")
    const worker = spawnWorker(["umask", home])
    const exit = await worker.exited
    assert.strictEqual(exit.code, 0, exit.stderr)
    const mode = (p: string) => (fs.statSync(path.join(home, p)).mode & 0o777).toString(8)
    assert.strictEqual(mode("."), "700")
    assert.strictEqual(mode("config.json"), "600")
    assert.strictEqual(mode("credentials"), "700")
    assert.strictEqual(mode("credentials/perm"), "700")
    assert.strictEqual(mode("credentials/perm/cloudflare.json"), "600")
    assert.strictEqual(mode("locks"), "700")
  })

  it("a read-only home gives ReadOnly errors (no crash, no secret, nothing created)", async () => {
    const home = makeHome()
    const isRoot = process.getuid?.() === 0
    if (isRoot) {
      // root ignores permission bits: run the worker as nobody against a home owned by root.
      fs.chmodSync(home, 0o755)
      const bundle = workerArgs().at(-1)!
      if (bundle.endsWith(".mjs")) fs.chmodSync(path.dirname(bundle), 0o755)
    } else {
      fs.chmodSync(home, 0o555)
    }
    const before = listTree(home)
    const worker = spawnWorker(["readonly", home], isRoot ? { uid: 65534, gid: 65534, cwd: os.tmpdir() } : {})
    const exit = await worker.exited
    assert.strictEqual(exit.code, 0, exit.stderr)
    const out = JSON.parse(worker.lines.at(-1)!)
    assert.strictEqual(out.config.tag, "ConfigError")
    assert.strictEqual(out.config.reason, "ReadOnly")
    assert.match(out.config.message, /ALCHEMY_HOME/)
    assert.strictEqual(out.credentials.tag, "CredentialsError")
    assert.strictEqual(out.credentials.reason, "ReadOnly")
    assert.notInclude(worker.lines.join("\n") + exit.stderr, "a-secret-value")
    assert.deepStrictEqual(listTree(home), before)
  })
})

