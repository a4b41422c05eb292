/**
 * The start-up cache (dist/alchemy.cjs compiles the bundle with a V8 code cache kept in the user's cache directory):
 * missing, corrupt, truncated, made for another script, left by another build or Node version, unwritable, or
 * switched off, the command gives the same output and exit code, and a cache that cannot be used is rebuilt
 * silently. V8 itself aborts the process on a corrupt cache (it does not check the payload): the entry's own
 * length + CRC-32 header is what keeps a flipped bit from killing every later run.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import * as vm from "node:vm"
import * as zlib from "node:zlib"
import { afterEach, assert, describe, it } from "vitest"
import { cliPath, type Sandbox, sandbox, tempDir } from "./helpers.js"

const token = "cache-test-token-0123456789abcdefghij"
const header = Buffer.from("alchemy-v8-cache-1:")

const boxes: Array<Sandbox> = []
afterEach(() => {
  for (const b of boxes.splice(0)) b.cleanup()
})

/** A sandbox whose cache directory is its own (`cache`), and the `env` output every run must give. */
const setup = () => {
  const box = sandbox()
  boxes.push(box)
  const cache = tempDir("startup-cache")
  const env = { XDG_CACHE_HOME: cache, CLOUDFLARE_API_TOKEN: token }
  const run = (extra: Record<string, string | undefined> = {}) =>
    box.run(["env", "--format", "json"], { env: { ...env, ...extra } })
  const dir = path.join(cache, "alchemy", "compile-cache")
  const files = () => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".v8")).sort() : [])
  const expectOk = async (extra?: Record<string, string | undefined>) => {
    const r = await run(extra)
    assert.strictEqual(r.code, 0, r.stderr)
    assert.strictEqual(r.signal, null)
    assert.deepStrictEqual(JSON.parse(r.stdout), { CLOUDFLARE_API_TOKEN: token })
    assert.strictEqual(r.stderr, "")
    return r
  }
  return { box, cache, dir, files, run, expectOk }
}

/** Is the file a cache the entry accepts (its header, length and CRC-32 match)? */
const valid = (file: string): boolean => {
  const raw = fs.readFileSync(file)
  const start = header.length + 8
  if (!raw.subarray(0, header.length).equals(header)) return false
  const payload = raw.subarray(start)
  return raw.readUInt32BE(header.length) === payload.length && raw.readUInt32BE(header.length + 4) === zlib.crc32(payload)
}

describe("the start-up cache never breaks a command", () => {
  it("missing: the first run works and writes it (0600 in a 0700 directory); the next run uses it", async () => {
    const c = setup()
    await c.expectOk()
    const [file] = c.files()
    assert.isDefined(file)
    const full = path.join(c.dir, file!)
    assert.isTrue(valid(full))
    assert.strictEqual(fs.statSync(full).mode & 0o777, 0o600)
    assert.strictEqual(fs.statSync(c.dir).mode & 0o777, 0o700)
    const written = fs.statSync(full).mtimeMs
    await c.expectOk()
    // A cache V8 accepted is not written again.
    assert.strictEqual(fs.statSync(full).mtimeMs, written)
  })

  it("under Node's strictest deprecation switches: no warning, no failure, and the cache is written and used", async () => {
    // The entry takes the CRC-32 from Node's zlib binding (process.binding, deprecated in the documentation only).
    const c = setup()
    const strict = { NODE_OPTIONS: "--pending-deprecation --throw-deprecation" }
    await c.expectOk(strict)
    const [file] = c.files()
    assert.isDefined(file)
    const full = path.join(c.dir, file!)
    assert.isTrue(valid(full))
    const written = fs.statSync(full).mtimeMs
    await c.expectOk(strict)
    assert.strictEqual(fs.statSync(full).mtimeMs, written)
  })

  it("corrupt (bits flipped all through it): same output, exit 0, no abort; rebuilt valid", async () => {
    const c = setup()
    await c.expectOk()
    const full = path.join(c.dir, c.files()[0]!)
    const bytes = fs.readFileSync(full)
    for (let i = header.length + 8 + 100; i < bytes.length; i += 997) bytes[i]! ^= 0x5a
    fs.writeFileSync(full, bytes)
    assert.isFalse(valid(full))
    await c.expectOk()
    assert.isTrue(valid(full), "rebuilt")
    await c.expectOk()
  })

  it("truncated, empty, or not a cache at all (a directory in its place): the command works", async () => {
    const c = setup()
    await c.expectOk()
    const name = c.files()[0]!
    const full = path.join(c.dir, name)
    const bytes = fs.readFileSync(full)
    fs.writeFileSync(full, bytes.subarray(0, Math.floor(bytes.length / 2)))
    await c.expectOk()
    assert.isTrue(valid(full))
    fs.writeFileSync(full, "")
    await c.expectOk()
    assert.isTrue(valid(full))
    fs.rmSync(full)
    fs.mkdirSync(full)
    await c.expectOk()
  })

  it("a well-formed cache of another script (V8 rejects it): the command works and the cache is rebuilt", async () => {
    const c = setup()
    await c.expectOk()
    const full = path.join(c.dir, c.files()[0]!)
    const other = new vm.Script("globalThis.x = 1 + 1", { filename: "/elsewhere.js" }).createCachedData()
    const sizes = Buffer.alloc(8)
    sizes.writeUInt32BE(other.length, 0)
    sizes.writeUInt32BE(zlib.crc32(other), 4)
    fs.writeFileSync(full, Buffer.concat([header, sizes, other]))
    await c.expectOk()
    assert.isTrue(fs.statSync(full).size > other.length * 10, "rewritten with the bundle's own cache")
  })

  it("a command's first run starts from another command's cache of the same build, then writes and uses its own", async () => {
    const c = setup()
    const debug = { ALCHEMY_DEBUG_STARTUP: "1" }
    const state = async (args: ReadonlyArray<string>) => {
      const r = await c.box.run(args, { env: { XDG_CACHE_HOME: c.cache, CLOUDFLARE_API_TOKEN: token, ...debug } })
      assert.strictEqual(r.code, 0, r.stderr)
      assert.notInclude(r.stderr, token)
      return /^alchemy start-up cache: (.*) \(/m.exec(r.stderr)?.[1]
    }
    assert.strictEqual(await state(["env"]), "none")
    assert.strictEqual(await state(["env"]), "used")
    const [envCache] = c.files()
    // `profile list` has no cache of its own yet: it borrows env's (the runtime, the CLI and core are the same code).
    assert.strictEqual(await state(["profile", "list"]), `borrowed ${envCache}`)
    assert.lengthOf(c.files(), 2)
    assert.strictEqual(await state(["profile", "list"]), "used")
    // A broken cache of its own is not used; nor is it a reason to fail: it borrows, and rewrites its own.
    const own = c.files().find((f) => f !== envCache)!
    fs.writeFileSync(path.join(c.dir, own), "garbage")
    assert.strictEqual(await state(["profile", "list"]), `borrowed ${envCache}`)
    assert.isTrue(valid(path.join(c.dir, own)))
  })

  it("this install's caches of another build or Node version are removed after a run; the current one is kept", async () => {
    const c = setup()
    await c.expectOk()
    const [current] = c.files()
    const install = current!.split("-")[0]!
    assert.match(install, /^[0-9a-f]{8}$/)
    fs.rmSync(path.join(c.dir, current!))
    const stale = [`${install}-v18.19.0-x64-1234-5678-env.v8`, `${install}-v20.20.2-x64-1-2-env.v8`]
    for (const f of stale) fs.writeFileSync(path.join(c.dir, f), "old")
    await c.expectOk()
    assert.deepStrictEqual(c.files(), [current])
  })

  it("another install's caches are kept (two installs side by side stay warm), unless unused for 30 days", async () => {
    const c = setup()
    // A second install of the same build: a copy of dist/ elsewhere (a global install beside a project's).
    const other = tempDir("second-install")
    fs.cpSync(path.dirname(cliPath), other, { recursive: true })
    const runOther = async () => {
      const r = await c.box.run(["env", "--format", "json"], {
        env: { XDG_CACHE_HOME: c.cache, CLOUDFLARE_API_TOKEN: token },
        cli: path.join(other, "alchemy.cjs")
      })
      assert.strictEqual(r.code, 0, r.stderr)
      assert.deepStrictEqual(JSON.parse(r.stdout), { CLOUDFLARE_API_TOKEN: token })
    }
    await c.expectOk()
    const [mine] = c.files()
    await runOther()
    const both = c.files()
    assert.strictEqual(both.length, 2)
    const stamps = () => both.map((f) => fs.statSync(path.join(c.dir, f)).mtimeMs)
    const before = stamps()
    await c.expectOk()
    await runOther()
    await c.expectOk()
    // Neither was rebuilt: each run used its own cache.
    assert.deepStrictEqual(stamps(), before)
    // A foreign cache unused for 31 days goes at the next write; one used within the day is kept and not touched.
    const abandoned = "0badc0de-v20.0.0-x64-1-2-env.v8"
    const recent = "0badc0df-v20.0.0-x64-1-2-env.v8"
    fs.writeFileSync(path.join(c.dir, abandoned), "old")
    fs.writeFileSync(path.join(c.dir, recent), "old")
    const old = new Date(Date.now() - 31 * 864e5)
    fs.utimesSync(path.join(c.dir, abandoned), old, old)
    // Cleaning up happens when a cache is written: this install's is removed, so the next run writes it again.
    fs.rmSync(path.join(c.dir, mine!))
    await c.expectOk()
    assert.notInclude(c.files(), abandoned)
    assert.include(c.files(), recent)
  })

  it("a cache in use for more than a day is touched (so no other install's cleanup takes it); CI touches nothing", async () => {
    const c = setup()
    await c.expectOk()
    const full = path.join(c.dir, c.files()[0]!)
    const old = new Date(Date.now() - 2 * 864e5)
    fs.utimesSync(full, old, old)
    await c.expectOk({ CI: "true" })
    assert.closeTo(fs.statSync(full).mtimeMs, old.getTime(), 1)
    await c.expectOk()
    assert.isAbove(fs.statSync(full).mtimeMs, Date.now() - 60_000)
  })

  it("an unwritable cache location, or HOME unwritable: runs uncached, correctly, and writes nothing", async () => {
    const c = setup()
    // /proc/self cannot hold a directory, even for root.
    await c.expectOk({ XDG_CACHE_HOME: "/proc/self/alchemy-cache" })
    await c.expectOk({ XDG_CACHE_HOME: undefined, HOME: "/proc/self" })
    // A file where the cache directory should be.
    const file = path.join(c.cache, "not-a-dir")
    fs.writeFileSync(file, "x")
    await c.expectOk({ XDG_CACHE_HOME: file })
    assert.strictEqual(fs.readFileSync(file, "utf8"), "x")
  })

  it("with CI set, or ALCHEMY_COMPILE_CACHE=0, nothing is written", async () => {
    const c = setup()
    await c.expectOk({ CI: "true" })
    await c.expectOk({ ALCHEMY_COMPILE_CACHE: "0" })
    assert.deepStrictEqual(c.files(), [])
  })
})
