import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { LockTimeout } from "../src/Errors.js"
import { FileLock, layer } from "../src/FileLock.js"
import { makeHome } from "./support.js"

describe("FileLock", () => {
  it.live("serialises read-modify-write across fibers: no lost update", () => {
    const home = makeHome()
    const counter = path.join(home, "counter")
    fs.writeFileSync(counter, "0")
    return Effect.gen(function*() {
      const lock = yield* FileLock
      const increment = lock.withLock(
        path.join(home, "counter.lock"),
        Effect.gen(function*() {
          const n = Number(fs.readFileSync(counter, "utf8"))
          yield* Effect.sleep("1 millis")
          fs.writeFileSync(counter, String(n + 1))
        })
      )
      yield* Effect.all(Array.from({ length: 25 }, () => increment), { concurrency: "unbounded" })
      assert.strictEqual(fs.readFileSync(counter, "utf8"), "25")
      assert.isFalse(fs.existsSync(path.join(home, "counter.lock")), "released")
    }).pipe(Effect.provide(layer))
  })

  it.live("a lock left by a killed process (not refreshed for > 10 s) is taken over", () => {
    const home = makeHome()
    const lockPath = path.join(home, "config.lock")
    fs.mkdirSync(lockPath)
    const old = new Date(Date.now() - 30_000)
    fs.utimesSync(lockPath, old, old)
    return Effect.gen(function*() {
      const lock = yield* FileLock
      const result = yield* lock.withLock(lockPath, Effect.succeed("got it"), { timeout: "5 seconds" })
      assert.strictEqual(result, "got it")
    }).pipe(Effect.provide(layer))
  })

  it.live("a live holder makes waiters time out with a LockTimeout naming the lock", () => {
    const home = makeHome()
    const lockPath = path.join(home, "config.lock")
    fs.mkdirSync(lockPath) // fresh mtime: a living holder
    return Effect.gen(function*() {
      const lock = yield* FileLock
      const error = yield* Effect.flip(lock.withLock(lockPath, Effect.succeed(1), { timeout: "300 millis" }))
      assert.instanceOf(error, LockTimeout)
      assert.strictEqual(error.path, lockPath)
      assert.include(error.message, lockPath)
      assert.isAtLeast(error.waitedMs, 300)
      assert.isTrue(fs.existsSync(lockPath), "someone else's lock is not removed")
    }).pipe(Effect.provide(layer))
  })
})
