import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import { createHash, randomBytes } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Browser as PlaywrightBrowser } from "playwright-core"
import * as Browser from "../src/Browser.js"
import * as CloudflareEmulator from "../src/CloudflareEmulator.js"

/** A tiny loopback callback server, like the one the CLI runs during `alchemy login`. */
const startCallbackServer = async () => {
  const received: Array<URLSearchParams> = []
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1")
    if (url.pathname === "/device") {
      // A device-code style page: a form with no redirect_uri, answered on the same origin.
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" })
      res.end(req.method === "POST"
        ? "<!doctype html><p>Request approved on the device page.</p>"
        : `<!doctype html><form method="post" action="/device"><button name="decision" value="allow">Allow</button></form>`)
      return
    }
    if (url.pathname === "/hang") return // a callback that never answers
    if (url.pathname !== "/auth/callback") {
      res.writeHead(404).end()
      return
    }
    received.push(url.searchParams)
    const error = url.searchParams.get("error")
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" })
    res.end(
      error === null
        ? "<!doctype html><title>Done</title><p>Login complete. You can close this tab.</p>"
        : `<!doctype html><title>Failed</title><p>Login failed: ${error}</p>`
    )
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    port,
    received,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  }
}

const pkce = () => {
  const verifier = randomBytes(32).toString("base64url")
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") }
}

describe("Browser (headless Chromium against the emulator's consent page)", () => {
  let cf: CloudflareEmulator.CloudflareEmulator
  let callback: Awaited<ReturnType<typeof startCallbackServer>>
  let browser: PlaywrightBrowser
  let tmp: string

  beforeAll(async () => {
    assert.isTrue(Browser.isChromiumInstalled(), `${Browser.chromiumExecutablePath} is missing: apt-get install chromium`)
    cf = await CloudflareEmulator.start()
    callback = await startCallbackServer()
    browser = await Browser.launchChromium()
    tmp = mkdtempSync(join(tmpdir(), "alchemy-browser-test-"))
  })
  afterAll(async () => {
    await browser?.close()
    await callback?.close()
    await cf?.close()
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true })
  })

  const authorizeUrl = (challenge: string, host = "127.0.0.1") => {
    const url = new URL("/oauth2/authorize", cf.oauthUrl)
    url.search = new URLSearchParams({
      client_id: cf.clientId,
      redirect_uri: `http://${host}:${callback.port}/auth/callback`,
      response_type: "code",
      code_challenge: challenge,
      code_challenge_method: "S256",
      state: `state-${randomBytes(8).toString("hex")}`,
      scope: "account:read user:read offline_access"
    }).toString()
    return url.toString()
  }

  it("clicks Allow: lands on the callback with a code and the state, and the code gets tokens", async () => {
    const { challenge, verifier } = pkce()
    const url = authorizeUrl(challenge)
    const before = callback.received.length
    const result = await Browser.clickThrough(url, "Allow", { browser })
    assert.include(result.text, "Login complete")
    assert.strictEqual(callback.received.length, before + 1)
    const params = callback.received.at(-1)!
    assert.strictEqual(params.get("state"), new URL(url).searchParams.get("state"))
    const code = params.get("code")
    assert.isString(code)

    const res = await fetch(`${cf.oauthUrl}/oauth2/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: code!,
        code_verifier: verifier,
        client_id: cf.clientId,
        redirect_uri: new URL(url).searchParams.get("redirect_uri")!
      })
    })
    assert.strictEqual(res.status, 200)
    const { access_token } = await res.json() as { access_token: string }
    const accounts = await fetch(`${cf.apiBaseUrl}/accounts`, { headers: { authorization: `Bearer ${access_token}` } })
    assert.strictEqual(accounts.status, 200)
  })

  it("clicks Deny: lands on a localhost callback with error=access_denied and no code", async () => {
    const { challenge } = pkce()
    const denies = cf.counters.consentDeny
    const result = await Browser.clickThrough(authorizeUrl(challenge, "localhost"), "Deny", { browser })
    assert.include(result.text, "Login failed: access_denied")
    const params = callback.received.at(-1)!
    assert.strictEqual(params.get("error"), "access_denied")
    assert.isNull(params.get("code"))
    assert.strictEqual(cf.counters.consentDeny, denies + 1)
  })

  it("without a redirect_uri (device page), returns the page the form submission loads", async () => {
    const result = await Browser.clickThrough(`http://127.0.0.1:${callback.port}/device?user_code=ABCD-EFGH`, "Allow", {
      browser
    })
    assert.include(result.text, "Request approved on the device page.")
  })

  it("as $BROWSER: the opener clicks Allow, prints the callback page, exits 0 and never logs the code", async () => {
    const { challenge } = pkce()
    const url = authorizeUrl(challenge)
    const log = join(tmp, "opened.jsonl")
    const run = await runOpener(url, Browser.browserEnv("Allow", { log }))
    assert.strictEqual(run.code, 0, run.stderr)
    assert.include(run.stdout, "Login complete")
    const code = callback.received.at(-1)!.get("code")!
    const logged = readFileSync(log, "utf8")
    assert.deepStrictEqual(JSON.parse(logged), {
      opened: url,
      action: "Allow",
      landed: `http://127.0.0.1:${callback.port}/auth/callback`,
      outcome: "code"
    })
    assert.notInclude(logged + run.stdout + run.stderr, code)
  })

  it("as $BROWSER: the opener fails fast with exit 1 when the page has no such button", async () => {
    const { challenge } = pkce()
    const url = authorizeUrl(challenge).replace(cf.clientId, "unknown-client")
    const run = await runOpener(url, Browser.browserEnv("Allow"))
    assert.strictEqual(run.code, 1)
    assert.include(run.stderr, `no "Allow" button`)
    assert.include(run.stderr, "Invalid client")
  })

  it("as $BROWSER: the opener gives up on its own when the callback never loads", async () => {
    const { challenge } = pkce()
    const url = new URL(authorizeUrl(challenge))
    url.searchParams.set("redirect_uri", `http://127.0.0.1:${callback.port}/hang`)
    const run = await runOpener(url.toString(), { ...Browser.browserEnv("Allow"), ALCHEMY_TEST_BROWSER_TIMEOUT_MS: "3000" })
    assert.strictEqual(run.code, 1)
    assert.match(run.stderr, /browser-opener: .*(Timeout|gave up)/)
    assert.strictEqual(run.stdout, "")
  })
})

const runOpener = (url: string, env: Record<string, string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    // Run it the way a CLI runs $BROWSER: the file itself is the command (shebang, executable bit).
    const child = spawn(env.BROWSER!, [url], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()))
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()))
    child.once("error", reject)
    child.once("exit", (code) => resolve({ code, stdout, stderr }))
  })
