import { assert, describe, it } from "@effect/vitest"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import * as fs from "node:fs"
import * as path from "node:path"
import { CredentialRefresher, type RefreshPolicy } from "../src/Credentials.js"
import { CredentialStore } from "../src/CredentialStore.js"
import { NeedsLogin } from "../src/Errors.js"
import { unsafeMakeProfileName } from "../src/ProfileName.js"
import { layerAt, makeHome } from "./support.js"

const Oauth = Schema.Struct({
  type: Schema.Literal("oauth"),
  access: Schema.Redacted(Schema.String),
  refresh: Schema.Redacted(Schema.String),
  expires: Schema.Number
})
type Oauth = typeof Oauth.Type
const prod = unsafeMakeProfileName("prod")
const MINUTE = 60_000

class RefreshRejected extends Data.TaggedError("RefreshRejected")<{}> {}

const oauth = (access: string, expires: number): Oauth => ({
  type: "oauth",
  access: Redacted.make(access),
  refresh: Redacted.make("refresh-token"),
  expires
})

const policy = (
  refresh: (c: Oauth) => Effect.Effect<Oauth, RefreshRejected>
): RefreshPolicy<Oauth, typeof Oauth.Encoded, RefreshRejected, never> => ({
  profile: prod,
  provider: "cloudflare",
  schema: Oauth,
  isValid: (c, now) => c.expires > now.nowMillis + now.skewMillis,
  refresh
})

const setup = (initial?: Oauth) => {
  const home = makeHome()
  const file = path.join(home, "credentials/prod/cloudflare.json")
  const run = <A, E>(effect: Effect.Effect<A, E, CredentialStore | CredentialRefresher>) =>
    Effect.provide(
      Effect.zipRight(
        initial === undefined ? Effect.void : Effect.flatMap(CredentialStore, (s) => s.write(prod, "cloudflare", Oauth, initial)),
        effect
      ),
      layerAt(home)
    )
  return { home, file, run }
}

describe("CredentialRefresher", () => {
  it.effect("concurrent fibers share one in-flight refresh and persist its result", () => {
    const { file, run } = setup(oauth("old", 0))
    let refreshes = 0
    const p = policy((c) =>
      Effect.gen(function*() {
        refreshes++
        yield* Effect.yieldNow()
        return { ...c, access: Redacted.make(`new-${refreshes}`), expires: 60 * MINUTE }
      })
    )
    return run(Effect.gen(function*() {
      const refresher = yield* CredentialRefresher
      const results = yield* Effect.all(Array.from({ length: 50 }, () => refresher.getValid(p)), {
        concurrency: "unbounded"
      })
      assert.strictEqual(refreshes, 1)
      assert.deepStrictEqual([...new Set(results.map((r) => Redacted.value(r.access)))], ["new-1"])
      assert.strictEqual(JSON.parse(fs.readFileSync(file, "utf8")).access, "new-1")
    }))
  })

  it.effect("valid cached credentials are served without I/O, and the clock is checked on every call", () => {
    const { file, run } = setup(oauth("cached", 10 * MINUTE))
    const p = policy(() => Effect.fail(new RefreshRejected()))
    return run(Effect.gen(function*() {
      const refresher = yield* CredentialRefresher
      assert.strictEqual(Redacted.value((yield* refresher.getValid(p)).access), "cached")
      // Remove the file behind the refresher's back: the hot path must not notice (no I/O).
      fs.rmSync(file)
      assert.strictEqual(Redacted.value((yield* refresher.getValid(p)).access), "cached")
      // Past expiry minus the 5 minute skew: no longer valid, so the file is read again (and is gone).
      yield* TestClock.adjust("6 minutes")
      const error = yield* Effect.flip(refresher.getValid(p))
      assert.instanceOf(error, NeedsLogin)
      assert.include(error.message, "alchemy login --profile prod")
    }))
  })

  it.effect("a refresh keeps unknown fields of the credentials file", () => {
    const { file, run } = setup()
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, JSON.stringify({ type: "oauth", access: "a", refresh: "r", expires: 0, scopes: ["x"], extra: { keep: 1 } }))
    return run(Effect.gen(function*() {
      const refresher = yield* CredentialRefresher
      yield* refresher.getValid(policy((c) => Effect.succeed({ ...c, access: Redacted.make("b"), expires: 60 * MINUTE })))
      assert.deepStrictEqual(JSON.parse(fs.readFileSync(file, "utf8")), {
        type: "oauth",
        access: "b",
        refresh: "r",
        expires: 60 * MINUTE,
        scopes: ["x"],
        extra: { keep: 1 }
      })
    }))
  })

  it.effect("no credentials file: NeedsLogin", () => {
    const { run } = setup()
    return run(Effect.gen(function*() {
      const refresher = yield* CredentialRefresher
      const error = yield* Effect.flip(refresher.getValid(policy((c) => Effect.succeed(c))))
      assert.instanceOf(error, NeedsLogin)
    }))
  })

  it.effect("a write through the store replaces the cached value", () => {
    const { run } = setup(oauth("first", 60 * MINUTE))
    return run(Effect.gen(function*() {
      const refresher = yield* CredentialRefresher
      const store = yield* CredentialStore
      const p = policy(() => Effect.fail(new RefreshRejected()))
      assert.strictEqual(Redacted.value((yield* refresher.getValid(p)).access), "first")
      yield* store.write(prod, "cloudflare", Oauth, oauth("second", 60 * MINUTE))
      assert.strictEqual(Redacted.value((yield* refresher.getValid(p)).access), "second")
    }))
  })

  it.effect("delete removes the file and the cached value; deleting again reports false", () => {
    const { file, run } = setup(oauth("stored", 60 * MINUTE))
    return run(Effect.gen(function*() {
      const refresher = yield* CredentialRefresher
      const store = yield* CredentialStore
      const p = policy(() => Effect.fail(new RefreshRejected()))
      assert.strictEqual(Redacted.value((yield* refresher.getValid(p)).access), "stored")
      assert.isTrue(yield* store.delete(prod, "cloudflare"))
      assert.isFalse(fs.existsSync(file))
      assert.instanceOf(yield* Effect.flip(refresher.getValid(p)), NeedsLogin)
      assert.isFalse(yield* store.delete(prod, "cloudflare"))
    }))
  })

  it.effect("invalidate makes the next call read the file again", () => {
    const { file, run } = setup(oauth("first", 60 * MINUTE))
    return run(Effect.gen(function*() {
      const refresher = yield* CredentialRefresher
      const p = policy(() => Effect.fail(new RefreshRejected()))
      assert.strictEqual(Redacted.value((yield* refresher.getValid(p)).access), "first")
      // Another process wrote new credentials: the cache does not know until invalidated.
      const written = JSON.parse(fs.readFileSync(file, "utf8"))
      fs.writeFileSync(file, JSON.stringify({ ...written, access: "from-elsewhere" }))
      assert.strictEqual(Redacted.value((yield* refresher.getValid(p)).access), "first")
      yield* refresher.invalidate(prod, "cloudflare")
      assert.strictEqual(Redacted.value((yield* refresher.getValid(p)).access), "from-elsewhere")
    }))
  })

  it.effect("a failed refresh reaches every waiting caller, leaves the file alone, and is retried next time", () => {
    const { file, run } = setup(oauth("old", 0))
    let attempts = 0
    const p = policy((c) =>
      Effect.suspend(() => {
        attempts++
        return attempts === 1
          ? Effect.fail(new RefreshRejected())
          : Effect.succeed({ ...c, access: Redacted.make("recovered"), expires: 60 * MINUTE })
      })
    )
    return run(Effect.gen(function*() {
      const refresher = yield* CredentialRefresher
      const before = fs.readFileSync(file, "utf8")
      const failures = yield* Effect.all(Array.from({ length: 5 }, () => Effect.flip(refresher.getValid(p))), {
        concurrency: "unbounded"
      })
      for (const failure of failures) assert.instanceOf(failure, RefreshRejected)
      assert.strictEqual(attempts, 1)
      assert.strictEqual(fs.readFileSync(file, "utf8"), before)
      assert.strictEqual(Redacted.value((yield* refresher.getValid(p)).access), "recovered")
      assert.strictEqual(attempts, 2)
    }))
  })
})
