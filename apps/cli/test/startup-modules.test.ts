/**
 * What a hot command loads (issue 11): `env`, `profile show` and `aws credential-process` on a configured profile
 * load none of the built-in modules the bundle defers (scripts/build.mjs, lazyBuiltins), nor proper-lockfile (which
 * patches node:fs through graceful-fs), nor the AWS SDK file, and format no stack trace; `exec` loads
 * node:child_process and still works. A
 * regression here costs every start a few milliseconds without breaking anything else, so it is checked here, by
 * what the process loaded, not by timing it.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, assert, describe, it } from "vitest"
import { preload, type Sandbox, sandbox } from "./helpers.js"

const boxes: Array<Sandbox> = []
afterEach(() => {
  for (const b of boxes.splice(0)) b.cleanup()
})

const token = "modules-test-token-0123456789abcdefghij"
const secret = "modulesSECRET0123456789abcdef0123456789ab"

/** A profile with Cloudflare (API token) and AWS (access keys), written as the CLI writes them. */
const setup = () => {
  const box = sandbox({ CLOUDFLARE_BASE_URL: "http://127.0.0.1:9/client/v4", AWS_ENDPOINT_URL_STS: "http://127.0.0.1:9" })
  boxes.push(box)
  const write = (file: string, value: unknown) => {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
    fs.writeFileSync(file, JSON.stringify(value, null, 2), { mode: 0o600 })
  }
  write(path.join(box.home, "config.json"), {
    version: 1,
    profiles: {
      default: {
        cloudflare: { method: "api-token", metadata: { id: "0123456789abcdef0123456789abcdef", name: "Account" } },
        aws: { method: "access-keys", region: "us-west-2", metadata: { id: "111111111111", name: "arn:aws:iam::111111111111:user/me" } }
      }
    }
  })
  write(path.join(box.home, "credentials", "default", "cloudflare.json"), { type: "api-token", apiToken: token })
  write(path.join(box.home, "credentials", "default", "aws.json"), {
    type: "access-keys",
    accessKeyId: "AKIAMODULESTEST00001",
    secretAccessKey: secret
  })
  // Preloaded into the CLI: at exit, the built-in modules it loaded, whether graceful-fs patched node:fs, and
  // whether the AWS SDK file was required.
  const probe = preload(
    "modules",
    "process.on('exit', () => require('node:fs').writeFileSync(process.env.ALCHEMY_TEST_REPORT, JSON.stringify({" +
      "builtins: process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13))," +
      "gracefulFs: require('node:fs')[Symbol.for('graceful-fs.queue')] !== undefined," +
      "awsSdk: Object.keys(require.cache).some((f) => f.endsWith('aws-sdk.cjs')), stackTraces})))\n" +
      // A stack trace formatted in a run makes V8 re-parse the whole bundle for its source positions (~4 ms).
      "let stackTraces = 0\n" +
      "Error.prepareStackTrace = (e, frames) => (stackTraces++, `${e}\\n${frames.map((f) => `    at ${f}`).join('\\n')}`)\n"
  ).file
  const report = path.join(path.dirname(probe), "report.json")
  const run = async (args: ReadonlyArray<string>) => {
    const r = await box.run(args, { env: { NODE_OPTIONS: `--require ${probe}`, ALCHEMY_TEST_REPORT: report } })
    assert.strictEqual(r.code, 0, r.stderr)
    const loaded = JSON.parse(fs.readFileSync(report, "utf8")) as {
      builtins: Array<string>
      gracefulFs: boolean
      awsSdk: boolean
      stackTraces: number
    }
    fs.rmSync(report)
    return { ...r, ...loaded }
  }
  return { run }
}

/**
 * Deferred by the build, or never needed by these commands: `net` and `stream` (standard output is a pipe here,
 * written through its descriptor, internal/Output.ts; the cache's CRC-32 comes from zlib's binding, not node:zlib)
 * and `perf_hooks` (effect's clock, patched in scripts/build.mjs).
 */
const deferred = [
  "crypto", "child_process", "http", "https", "readline", "tty", "fs/promises", "worker_threads", "module", "os",
  "net", "stream", "zlib", "perf_hooks"
]

describe("a hot command loads only what it uses", () => {
  for (const args of [["env", "--format", "json"], ["profile", "show"], ["aws", "credential-process"]]) {
    it(`${args.join(" ")}: no deferred built-in, no proper-lockfile, no AWS SDK, no stack trace`, async () => {
      const c = setup()
      const r = await c.run(args)
      assert.include(r.stdout + r.stderr, args[0] === "profile" ? "AKIA" : "AKIAMODULESTEST00001")
      assert.deepStrictEqual(r.builtins.filter((m) => deferred.includes(m)), [])
      assert.isFalse(r.gracefulFs, "proper-lockfile (graceful-fs) was loaded")
      assert.isFalse(r.awsSdk, "the AWS SDK file was loaded")
      assert.strictEqual(r.stackTraces, 0, "a stack trace was formatted")
    })
  }

  it("exec: node:child_process is loaded when used, and the child gets the credentials", async () => {
    const c = setup()
    const r = await c.run(["exec", "--", process.execPath, "-e", "process.stdout.write(process.env.CLOUDFLARE_API_TOKEN)"])
    assert.strictEqual(r.stdout, token)
    assert.include(r.builtins, "child_process")
  })
})
