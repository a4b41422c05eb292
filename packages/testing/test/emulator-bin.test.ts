/**
 * `pnpm emulator` (src/bin.ts) as a person runs it: a child process whose printed variables and test-only
 * credentials work against the emulators it started (the Cloudflare token with `/user/tokens/verify`, the global
 * key with `/user`, the AWS key pair with STS `GetCallerIdentity` through the real SDK client).
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { type ChildProcess, spawn } from "node:child_process"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"
import type * as StsSdk from "../../provider-aws/node_modules/@aws-sdk/client-sts/dist-types/index.js"

const requireAws = createRequire(new URL("../../provider-aws/package.json", import.meta.url))
const Sts = requireAws("@aws-sdk/client-sts") as typeof StsSdk

const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url))
const root = fileURLToPath(new URL("../../..", import.meta.url))

let child: ChildProcess
let output = ""
let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>

/** The value printed after `label:` (the credentials) or `export NAME=` (the variables). */
const printed = (pattern: RegExp): string => {
  const m = pattern.exec(output)
  assert.isNotNull(m, `${pattern} not in:\n${output}`)
  return m![1]!
}
const credential = (label: string) => printed(new RegExp(`^  ${label}:\\s+(\\S+)`, "m"))
const variable = (name: string) => printed(new RegExp(`^  export ${name}=(\\S+)$`, "m"))

beforeAll(async () => {
  child = spawn(process.execPath, ["--import", "tsx", bin], {
    cwd: root,
    env: { ...process.env, CLOUDFLARE_EMULATOR_PORT: "0", AWS_EMULATOR_PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"]
  })
  exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })))
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (output += d))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the emulator printed no "Press Ctrl-C" within 30 s:\n${output}`)), 30_000)
    child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      output += d
      if (output.includes("Press Ctrl-C to stop.")) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once("exit", () => reject(new Error(`the emulator exited:\n${output}`)))
  })
})

afterAll(async () => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    child.kill("SIGKILL")
    await exited
  }
})

describe("pnpm emulator", () => {
  it("marks the credentials it prints as test-only", () => {
    assert.include(output, "TEST-ONLY credentials")
  })

  it("prints a Cloudflare API token that /user/tokens/verify accepts", async () => {
    const base = variable("CLOUDFLARE_BASE_URL")
    const token = credential("Cloudflare API token")
    const res = await fetch(`${base}/user/tokens/verify`, { headers: { Authorization: `Bearer ${token}` } })
    const body = (await res.json()) as { success: boolean; result: { status: string } }
    assert.strictEqual(res.status, 200)
    assert.isTrue(body.success)
    assert.strictEqual(body.result.status, "active")
    const wrong = await fetch(`${base}/user/tokens/verify`, { headers: { Authorization: `Bearer ${token}x` } })
    assert.strictEqual(wrong.status, 401)
  })

  it("prints a global API key and its email that /user accepts", async () => {
    const base = variable("CLOUDFLARE_BASE_URL")
    const key = credential("Cloudflare global API key")
    const email = credential("Cloudflare email")
    const res = await fetch(`${base}/user`, { headers: { "X-Auth-Key": key, "X-Auth-Email": email } })
    const body = (await res.json()) as { success: boolean; result: { email: string } }
    assert.strictEqual(res.status, 200, JSON.stringify(body))
    assert.isTrue(body.success)
    assert.strictEqual(body.result.email, email)
    const wrong = await fetch(`${base}/user`, { headers: { "X-Auth-Key": `${key}0`, "X-Auth-Email": email } })
    assert.notStrictEqual(wrong.status, 200)
  })

  it("prints an AWS access key pair that STS GetCallerIdentity accepts (real SDK client)", async () => {
    const endpoint = variable("AWS_ENDPOINT_URL_STS")
    const accessKeyId = credential("AWS access key id")
    const secretAccessKey = credential("AWS secret access key")
    const call = (secret: string) => {
      const client = new Sts.STSClient({ region: "us-east-1", endpoint, credentials: { accessKeyId, secretAccessKey: secret } })
      return (client as unknown as { send(c: unknown): Promise<StsSdk.GetCallerIdentityCommandOutput> })
        .send(new Sts.GetCallerIdentityCommand({}))
        .finally(() => client.destroy())
    }
    const identity = await call(secretAccessKey)
    assert.match(identity.Account ?? "", /^\d{12}$/)
    assert.match(identity.Arn ?? "", /^arn:aws:iam::\d{12}:user\//)
    const refused = await call(`${secretAccessKey}x`).then(() => undefined, (e: Error) => e)
    assert.isDefined(refused, "a wrong secret was accepted")
  })

  it("prints the configure commands that use them, and stops on SIGTERM", async () => {
    assert.include(output, `--method api-token --api-token-stdin`)
    assert.include(output, `--method api-key --email`)
    assert.include(output, `--aws-access-key-id ${credential("AWS access key id")} --aws-secret-access-key-stdin`)
    child.kill("SIGTERM")
    assert.deepStrictEqual(await exited, { code: 0, signal: null })
  })
})
