/**
 * Issue 9, "Hardening": a home that is not the user's, FIFOs and other non-files, absurdly deep JSON, locks dated
 * in the future, lock waits that ignore interruption, `ALCHEMY_HOME` relative or with `~`, and directories that
 * keep their group/other permissions. Real files in temp homes; chown to nobody (uid 65534) needs root.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { AlchemyHome } from "../src/AlchemyHome.js"
import { CredentialStore } from "../src/CredentialStore.js"
import { Environment } from "../src/Environment.js"
import { ConfigError, CredentialsError, LockTimeout } from "../src/Errors.js"
import { FileLock, layer as fileLockLayer } from "../src/FileLock.js"
import { migrate } from "../src/Migration.js"
import * as ProfileCore from "../src/ProfileCore.js"
import { unsafeMakeProfileName } from "../src/ProfileName.js"
import { ProfileStore } from "../src/ProfileStore.js"
import { layerAt, listTree, makeHome } from "./support.js"

const isRoot = process.getuid?.() === 0
const nobody = 65534
const p = unsafeMakeProfileName("p")
const Entry = Schema.Struct({ method: Schema.String })
const Token = Schema.Struct({ type: Schema.Literal("api-token"), apiToken: Schema.Redacted(Schema.String) })
const token = (value: string) => ({ type: "api-token" as const, apiToken: Redacted.make(value) })

/** A home with profile p (cloudflare, api-token) and its credentials file, written as core writes them. */
const seededHome = () => {
  const home = makeHome()
  fs.writeFileSync(path.join(home, "config.json"), JSON.stringify({ version: 1, profiles: { p: { cloudflare: { method: "api-token" } } } }), { mode: 0o600 })
  fs.mkdirSync(path.join(home, "credentials/p"), { recursive: true, mode: 0o700 })
  fs.writeFileSync(path.join(home, "credentials/p/cloudflare.json"), JSON.stringify({ type: "api-token", apiToken: "planted-secret" }), { mode: 0o600 })
  return home
}

/** Every file of the home with its content and mode, to show that nothing changed. */
const snapshot = (home: string) =>
  listTree(home).map((f) => {
    const full = path.join(home, f)
    const stat = fs.statSync(full)
    return [f, (stat.mode & 0o7777).toString(8), stat.uid, stat.isFile() ? fs.readFileSync(full, "utf8") : ""]
  })

/** The failure's `reason` (`Unsafe`, ...), or its tag when it has none. */
const reasonOf = <A, E extends { readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.flip(effect), (e) => ("reason" in e ? String(e.reason) : e._tag))

const mode = (file: string) => (fs.statSync(file).mode & 0o777).toString(8)

describe("a home that is not the user's (item 1)", () => {
  it.live.runIf(isRoot)("a home owned by another user is refused with the owner and the fix; nothing read or written", () => {
    const home = seededHome()
    fs.chownSync(home, nobody, nobody)
    const before = snapshot(home)
    return Effect.gen(function*() {
      const store = yield* ProfileStore
      const credentials = yield* CredentialStore
      const read = yield* Effect.flip(store.read)
      assert.instanceOf(read, ConfigError)
      assert.strictEqual(read.reason, "Unsafe")
      assert.include(read.message, `${home} is owned by uid ${nobody}, not by you (uid 0)`)
      assert.include(read.message, `chown 0 '${home}' && chmod 700 '${home}'`)
      const secret = yield* Effect.flip(credentials.read(p, "cloudflare", Token))
      assert.instanceOf(secret, CredentialsError)
      assert.strictEqual(secret.reason, "Unsafe")
      assert.notInclude(secret.message, "planted-secret")
      assert.include(yield* reasonOf(credentials.write(p, "cloudflare", Token, token("mine"))), "Unsafe")
      assert.include(yield* reasonOf(store.putProvider(p, "aws", Entry, { method: "sso" })), "Unsafe")
      assert.deepStrictEqual(snapshot(home), before)
    }).pipe(Effect.provide(layerAt(home)))
  })

  it.live.runIf(isRoot)("a home that is a symbolic link must be a link of ours (another user's could be re-pointed)", () => {
    const target = seededHome()
    const link = path.join(makeHome(), "alchemy")
    fs.symlinkSync(target, link)
    const read = Effect.flatMap(ProfileStore, (store) => store.list).pipe(Effect.provide(layerAt(link)))
    return Effect.gen(function*() {
      assert.deepStrictEqual<ReadonlyArray<string>>(yield* read, ["p"], "a link of ours (~/.alchemy -> dotfiles) is fine")
      fs.lchownSync(link, nobody, nobody)
      const error = yield* Effect.flip(read)
      assert.strictEqual(error.reason, "Unsafe")
      assert.include(error.message, `${link} is a symbolic link owned by uid ${nobody}, not by you (uid 0)`)
    })
  })

  it.live("a home, or a directory in it, writable by group or others (sticky or not) is refused", () => {
    const home = seededHome()
    const cases: ReadonlyArray<readonly [string, number, string]> = [
      [home, 0o777, "its group and others (mode 777)"],
      [home, 0o770, "its group (mode 770)"],
      [home, 0o1777, "its group and others (mode 777)"],
      [path.join(home, "credentials"), 0o777, "its group and others"],
      [path.join(home, "credentials/p"), 0o702, "others (mode 702)"]
    ]
    return Effect.gen(function*() {
      const credentials = yield* CredentialStore
      for (const [dir, bad, who] of cases) {
        fs.chmodSync(dir, bad)
        const before = snapshot(home).filter(([f]) => f !== "locks/")
        const read = yield* Effect.flip(credentials.read(p, "cloudflare", Token))
        assert.strictEqual(read.reason, "Unsafe", `${dir} ${bad.toString(8)}`)
        assert.include(read.message, `${dir} is writable by ${who}`)
        assert.include(read.message, `chmod 700 '${dir}'`)
        assert.include(yield* reasonOf(credentials.write(p, "cloudflare", Token, token("mine"))), "Unsafe")
        // refused, not repaired (what others may have planted stays for the user to see); only locks/ may appear
        assert.deepStrictEqual(snapshot(home).filter(([f]) => f !== "locks/"), before)
        fs.chmodSync(dir, 0o700)
      }
      assert.strictEqual(Redacted.value(Option.getOrThrow(yield* credentials.read(p, "cloudflare", Token)).apiToken), "planted-secret")
    }).pipe(Effect.provide(layerAt(home)))
  })

  it.live("a credentials file owned by another user, or writable by others, is refused", () => {
    const home = seededHome()
    const file = path.join(home, "credentials/p/cloudflare.json")
    return Effect.gen(function*() {
      const credentials = yield* CredentialStore
      fs.chmodSync(file, 0o666)
      const writable = yield* Effect.flip(credentials.read(p, "cloudflare", Token))
      assert.strictEqual(writable.reason, "Unsafe")
      assert.include(writable.message, `chmod 600 '${file}'`)
      fs.chmodSync(file, 0o600)
      if (isRoot) {
        fs.chownSync(file, nobody, nobody)
        const owned = yield* Effect.flip(credentials.read(p, "cloudflare", Token))
        assert.strictEqual(owned.reason, "Unsafe")
        assert.include(owned.message, `${file} is owned by uid ${nobody}`)
      }
    }).pipe(Effect.provide(layerAt(home)))
  })

  it.live("writes never chmod (or otherwise address) the temp file by path: mode and fsync go through its handle", () => {
    const home = makeHome()
    const byPath: Array<string> = []
    const Spy = Layer.effect(
      FileSystem.FileSystem,
      Effect.map(FileSystem.FileSystem, (fs): FileSystem.FileSystem => ({
        ...fs,
        chmod: (file, mode) => Effect.zipRight(Effect.sync(() => byPath.push(`chmod ${file}`)), fs.chmod(file, mode)),
        open: (file, options) => Effect.zipRight(Effect.sync(() => byPath.push(`open ${file}`)), fs.open(file, options))
      }))
    ).pipe(Layer.provide(NodeContext.layer))
    return Effect.gen(function*() {
      yield* (yield* CredentialStore).write(p, "cloudflare", Token, token("mine"))
      yield* (yield* ProfileStore).putProvider(p, "cloudflare", Entry, { method: "api-token" })
      assert.strictEqual(mode(path.join(home, "credentials/p/cloudflare.json")), "600")
      assert.deepStrictEqual(byPath.filter((call) => call.endsWith(".tmp")), [])
    }).pipe(Effect.provide(ProfileCore.layerAt(home).pipe(Layer.provideMerge(Spy), Layer.provideMerge(NodeContext.layer))))
  })
})

/** A FIFO at `file`; `release` opens its other end so a reader stuck on it (the bug) is let go. */
const fifoAt = (file: string) => {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
  execFileSync("mkfifo", ["-m", "600", file])
  return () => {
    try {
      fs.closeSync(fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK))
    } catch {
      // nobody was reading
    }
  }
}

/** The failure of `effect`, which must come within 3 seconds (a FIFO used to block forever). */
const failsPromptly = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const started = Date.now()
    const error = yield* Effect.flip(effect).pipe(
      Effect.timeoutFail({ duration: "3 seconds", onTimeout: () => new Error("still blocked after 3 seconds") })
    )
    assert.isBelow(Date.now() - started, 1000)
    return error
  })

describe("a FIFO, socket, device or directory in place of a file (item 3)", () => {
  it.live("config.json, a credentials file and profiles.json as FIFOs fail at once, naming the path and what it is", () => {
    const home = seededHome()
    const config = path.join(home, "config.json")
    const credentialsFile = path.join(home, "credentials/p/cloudflare.json")
    const legacy = path.join(home, "profiles.json")
    const releases: Array<() => void> = []
    return Effect.gen(function*() {
      const store = yield* ProfileStore
      const credentials = yield* CredentialStore

      fs.rmSync(credentialsFile)
      releases.push(fifoAt(credentialsFile))
      const secret = yield* failsPromptly(credentials.read(p, "cloudflare", Token))
      assert.strictEqual(secret._tag, "CredentialsError")
      assert.strictEqual(secret.reason, "Unreadable")
      assert.include(secret.message, `(${credentialsFile}) cannot be read: it is a FIFO (named pipe), not a regular file`)

      fs.rmSync(config)
      releases.push(fifoAt(config))
      const read = yield* failsPromptly(store.read)
      assert.strictEqual(read._tag, "ConfigError")
      assert.include(read.message, `${config} cannot be read: it is a FIFO (named pipe)`)
      const write = yield* failsPromptly(store.putProvider(p, "aws", Entry, { method: "sso" }))
      assert.include(write.message, `${config} cannot be read: it is a FIFO`)
      assert.isTrue(fs.statSync(config).isFIFO(), "left in place")

      releases.push(fifoAt(legacy))
      const migration = yield* failsPromptly(migrate)
      assert.include(migration.message, `${legacy} cannot be read: it is a FIFO`)
    }).pipe(
      Effect.provide(layerAt(home)),
      Effect.ensuring(Effect.sync(() => releases.forEach((release) => release())))
    )
  })

  it.live("a directory, a socket or a device in place of config.json is named as such", () => {
    const home = makeHome()
    const config = path.join(home, "config.json")
    const server = net.createServer()
    return Effect.gen(function*() {
      const store = yield* ProfileStore
      fs.mkdirSync(config)
      assert.include((yield* failsPromptly(store.read)).message, `${config} cannot be read: it is a directory`)
      fs.rmdirSync(config)
      yield* Effect.async<void>((resume) => void server.listen(config, () => resume(Effect.void)))
      assert.include((yield* failsPromptly(store.read)).message, `${config} cannot be read: it is a socket`)
      yield* Effect.async<void>((resume) => void server.close(() => resume(Effect.void)))
      fs.rmSync(config, { force: true })
      fs.symlinkSync("/dev/zero", config)
      assert.include((yield* failsPromptly(store.read)).message, `${config} cannot be read: it is a character device`)
    }).pipe(Effect.provide(layerAt(home)))
  })
})

const nested = (depth: number) => `${"{\"a\":".repeat(depth)}1${"}".repeat(depth)}`

describe("JSON nested absurdly deep (item 11)", () => {
  it.live("an unknown key nested 5,000 deep in config.json or a credentials file is an error naming the file", () => {
    const home = seededHome()
    const config = path.join(home, "config.json")
    const credentialsFile = path.join(home, "credentials/p/cloudflare.json")
    fs.writeFileSync(config, `{"version":1,"profiles":{"p":{"cloudflare":{"method":"api-token","x":${nested(5000)}}}}}`)
    fs.writeFileSync(credentialsFile, `{"type":"api-token","apiToken":"s","x":${nested(5000)}}`)
    const before = snapshot(home)
    return Effect.gen(function*() {
      const store = yield* ProfileStore
      const read = yield* Effect.flip(store.read)
      assert.instanceOf(read, ConfigError)
      assert.include(read.message, `${config} does not have the expected shape: values nest 5004 levels deep; at most 256 are read`)
      assert.instanceOf(yield* Effect.flip(store.putProvider(p, "aws", Entry, { method: "sso" })), ConfigError)
      const secret = yield* Effect.flip((yield* CredentialStore).read(p, "cloudflare", Token))
      assert.instanceOf(secret, CredentialsError)
      assert.include(secret.message, `(${credentialsFile}) does not have the expected shape: values nest 5001 levels deep`)
      assert.deepStrictEqual(snapshot(home), before)
    }).pipe(Effect.provide(layerAt(home)))
  })

  it.live("an unknown key as deep as allowed survives a rewrite", () => {
    const home = seededHome()
    const config = path.join(home, "config.json")
    const deep = JSON.parse(nested(250))
    fs.writeFileSync(config, JSON.stringify({ version: 1, profiles: { p: { cloudflare: { method: "api-token", x: deep } } }, x: deep }))
    return Effect.gen(function*() {
      yield* (yield* ProfileStore).putProvider(unsafeMakeProfileName("q"), "aws", Entry, { method: "sso" })
      const written = JSON.parse(fs.readFileSync(config, "utf8"))
      assert.deepStrictEqual(written.x, deep)
      assert.deepStrictEqual(written.profiles.p.cloudflare.x, deep)
      assert.deepStrictEqual(written.profiles.q, { aws: { method: "sso" } })
    }).pipe(Effect.provide(layerAt(home)))
  })
})

describe("locks (item 12, and waits that can be interrupted)", () => {
  it.live("a lock dated in the future is stale: taken over at once, not after the timeout", () => {
    const home = makeHome()
    const lockPath = path.join(home, "config.lock")
    fs.mkdirSync(lockPath)
    const future = new Date(Date.now() + 365 * 24 * 3600_000)
    fs.utimesSync(lockPath, future, future)
    return Effect.gen(function*() {
      const lock = yield* FileLock
      const started = Date.now()
      assert.strictEqual(yield* lock.withLock(lockPath, Effect.succeed("got it"), { timeout: "3 seconds" }), "got it")
      assert.isBelow(Date.now() - started, 1000)
      assert.isFalse(fs.existsSync(lockPath), "released")
      // A holder's own lock, up to a second ahead (proper-lockfile rounds up on coarse file systems), still holds.
      fs.mkdirSync(lockPath)
      const soon = new Date(Date.now() + 1000)
      fs.utimesSync(lockPath, soon, soon)
      const held = yield* Effect.flip(lock.withLock(lockPath, Effect.void, { timeout: "300 millis" }))
      assert.instanceOf(held, LockTimeout)
    }).pipe(Effect.provide(fileLockLayer))
  })

  it.live("a fiber waiting for a lock another process holds is interrupted at once", () => {
    const home = makeHome()
    const lockPath = path.join(home, "config.lock")
    fs.mkdirSync(lockPath)
    return Effect.gen(function*() {
      const lock = yield* FileLock
      const waiting = yield* Effect.fork(lock.withLock(lockPath, Effect.void, { timeout: "5 seconds" }))
      yield* Effect.sleep("300 millis")
      const started = Date.now()
      yield* Fiber.interrupt(waiting)
      assert.isBelow(Date.now() - started, 500)
      assert.isTrue(fs.existsSync(lockPath), "the other holder's lock is left alone")
    }).pipe(Effect.provide(fileLockLayer))
  })
})

describe("ALCHEMY_HOME (item 14)", () => {
  const withHomeVariable = (value: string) =>
    <A, E>(effect: Effect.Effect<A, E, ProfileCore.Services>) =>
      effect.pipe(
        Effect.provide(ProfileCore.layer.pipe(Layer.provideMerge(NodeContext.layer))),
        Effect.provideService(Environment, { ALCHEMY_HOME: value })
      )

  it.live("a leading ~ is the user's home directory", () => {
    const home = makeHome()
    const saved = process.env.HOME
    process.env.HOME = home
    return Effect.gen(function*() {
      assert.strictEqual((yield* AlchemyHome).root, path.join(home, "x"))
      yield* (yield* CredentialStore).write(p, "cloudflare", Token, token("mine"))
      assert.strictEqual(mode(path.join(home, "x/credentials/p/cloudflare.json")), "600")
      assert.isFalse(fs.existsSync(path.join(process.cwd(), "~")))
      assert.strictEqual(yield* Effect.map(AlchemyHome, (h) => h.root).pipe(withHomeVariable("~")), home)
    }).pipe(withHomeVariable("~/x"), Effect.ensuring(Effect.sync(() => (process.env.HOME = saved))))
  })

  it.live("any other relative value is refused, naming the variable and the fix; nothing is created", () => {
    const relative = `alchemy-relative-home-${process.pid}`
    return Effect.gen(function*() {
      const errors = [
        yield* Effect.flip((yield* ProfileStore).read),
        yield* Effect.flip((yield* CredentialStore).write(p, "cloudflare", Token, token("s")))
      ]
      for (const error of errors) {
        assert.match(error.message, /^Refusing to use the alchemy home/)
        assert.include(error.message, `: ALCHEMY_HOME is the relative path "${relative}"`)
        assert.include(error.message, `ALCHEMY_HOME="$HOME/${relative}"`)
      }
      assert.isFalse(fs.existsSync(path.join(process.cwd(), relative)))
    }).pipe(withHomeVariable(relative))
  })
})

describe("directories of the home are tightened on write (item 16)", () => {
  it.live("0755 is read without complaint, and the home, credentials/ and credentials/<profile> become 0700 on write", () => {
    const home = seededHome()
    const dirs = [home, path.join(home, "credentials"), path.join(home, "credentials/p")]
    for (const dir of dirs) fs.chmodSync(dir, 0o755)
    return Effect.gen(function*() {
      const credentials = yield* CredentialStore
      assert.isTrue(Option.isSome(yield* credentials.read(p, "cloudflare", Token)))
      assert.deepStrictEqual(dirs.map(mode), ["755", "755", "755"], "reading changes nothing")
      yield* credentials.write(p, "cloudflare", Token, token("mine"))
      assert.deepStrictEqual(dirs.map(mode), ["700", "700", "700"])
      fs.chmodSync(home, 0o750)
      yield* (yield* ProfileStore).putProvider(p, "aws", Entry, { method: "sso" })
      assert.strictEqual(mode(home), "700")
    }).pipe(Effect.provide(layerAt(home)))
  })
})

