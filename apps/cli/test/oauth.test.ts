/**
 * Cloudflare OAuth through the bundled CLI against an emulator that approves at once (`autoApprove`):
 * `--no-browser` in a real pseudo-terminal (the person opens the printed URL elsewhere and pastes the redirect URL
 * back), and `profile delete` revoking the grant before it deletes the profile.
 */
import * as CloudflareEmulator from "@alchemy/testing/CloudflareEmulator"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import * as fs from "node:fs"
import * as path from "node:path"
import { readConfig, type Sandbox, sandbox } from "./helpers.js"
import * as Tmux from "./tmux.js"

let cf: CloudflareEmulator.CloudflareEmulator
let box: Sandbox
let opened: string
const ptys: Array<Tmux.Pty> = []

beforeAll(async () => {
  cf = await CloudflareEmulator.start({ autoApprove: true })
  box = sandbox({ ...cf.env, TERM: "xterm-256color" })
  // $BROWSER records what it is asked to open: with --no-browser that must be nothing.
  opened = path.join(box.home, "..", "opened.txt")
  const opener = path.join(box.home, "..", "browser.sh")
  fs.writeFileSync(opener, `#!/bin/sh\necho "$1" >> '${opened}'\n`, { mode: 0o700 })
  box.env.BROWSER = opener
})

afterAll(async () => {
  for (const p of ptys) p.close()
  box?.cleanup()
  await cf?.close()
})

const configureArgs = (profile: string) =>
  ["configure", "--profile", profile, "--provider", "cloudflare", "--method", "oauth", "--scopes", "default", "--no-browser"]

/**
 * Start `configure --no-browser` in a pty, read the authorize URL off the screen and "open it elsewhere":
 * the emulator redirects at once, and the `location` header is the URL the person would paste.
 */
const startNoBrowser = async (args: ReadonlyArray<string>, beforeUrl: (p: Tmux.Pty) => Promise<void> = async () => {}) => {
  const p = Tmux.start(args, box.env)
  ptys.push(p)
  await beforeUrl(p)
  const screen = await p.waitFor(/Paste the full URL/)
  assert.include(screen, "Open this URL in a browser")
  const escaped = cf.url.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  const match = new RegExp(`${escaped}/oauth2/auth\\S*`).exec(screen)
  assert.isNotNull(match, screen)
  const response = await fetch(match![0], { redirect: "manual" })
  assert.strictEqual(response.status, 302, await response.text())
  const location = response.headers.get("location")!
  const redirect = new URL(location)
  assert.isNotNull(redirect.searchParams.get("code"), location)
  assert.isNotNull(redirect.searchParams.get("state"), location)
  return { p, redirect }
}

const paste = (p: Tmux.Pty, url: string) => {
  p.type(url)
  p.keys("Enter")
}

const credentialsFile = (profile: string) => path.join(box.home, "credentials", profile, "cloudflare.json")

const loginNoBrowser = async (profile: string) => {
  const { p, redirect } = await startNoBrowser(configureArgs(profile))
  paste(p, redirect.toString())
  assert.strictEqual(await p.exitCode(), 0, p.screen())
  return p
}

describe("configure --method oauth --no-browser on a terminal", () => {
  it("prints the URL, opens nothing, takes the pasted redirect URL: logged in", async () => {
    const before = cf.counters.tokenCode
    const p = await loginNoBrowser("nb")
    const screen = p.screen()
    assert.include(screen, "Profile: nb")
    assert.include(screen, "expires: in ")
    assert.strictEqual(cf.counters.tokenCode, before + 1)
    const stored = JSON.parse(fs.readFileSync(credentialsFile("nb"), "utf8"))
    assert.strictEqual(stored.type, "oauth")
    assert.notInclude(screen, stored.access.slice(4))
    assert.notInclude(screen, stored.refresh.slice(4))
    assert.strictEqual(cf.refreshTokenStatus(stored.refresh), "active")

    const show = await box.run(["profile", "show", "--profile", "nb", "--json"])
    assert.strictEqual(show.code, 0, show.stderr)
    const cloudflare = JSON.parse(show.stdout).providers.cloudflare
    assert.strictEqual(cloudflare.method, "oauth")
    assert.strictEqual(cloudflare.status, "ok")
    assert.strictEqual(cloudflare.details.loggedIn, true)
    assert.strictEqual(cloudflare.details.accountId, cf.accounts[0]!.id)
    assert.isFalse(fs.existsSync(opened), "no browser was opened")
  })

  it("login --no-browser: a grant revoked at Cloudflare is replaced through the pasted redirect URL", async () => {
    const old = JSON.parse(fs.readFileSync(credentialsFile("nb"), "utf8")).refresh
    cf.revokeRefreshToken(old)
    // The profile's permissions (narrowed here by hand) are asked for again as they are: login asks nothing.
    const config = readConfig(box.home)
    config.profiles.nb.cloudflare.scopes = ["account:read", "user:read"]
    fs.writeFileSync(path.join(box.home, "config.json"), JSON.stringify(config))
    const { p, redirect } = await startNoBrowser(["login", "--profile", "nb", "--no-browser"])
    paste(p, redirect.toString())
    assert.strictEqual(await p.exitCode(), 0, p.screen())
    assert.include(p.screen(), "Profile: nb")
    assert.notInclude(p.screen(), "Which permissions")
    assert.deepStrictEqual(JSON.parse(fs.readFileSync(credentialsFile("nb"), "utf8")).scopes, ["account:read", "user:read"])
    const fresh = JSON.parse(fs.readFileSync(credentialsFile("nb"), "utf8")).refresh
    assert.notStrictEqual(fresh, old)
    assert.strictEqual(cf.refreshTokenStatus(fresh), "active")
    const show = JSON.parse((await box.run(["profile", "show", "--profile", "nb", "--json"])).stdout)
    assert.strictEqual(show.providers.cloudflare.status, "ok")
    assert.strictEqual(show.providers.cloudflare.details.loggedIn, true)
    assert.isFalse(fs.existsSync(opened), "no browser was opened")
  })

  it("a pasted URL with another login's state is refused with a clear message; nothing is written", async () => {
    const before = cf.counters.tokenCode
    const { p, redirect } = await startNoBrowser(configureArgs("wrongstate"))
    redirect.searchParams.set("state", "not-the-state-of-this-login")
    paste(p, redirect.toString())
    assert.strictEqual(await p.exitCode(), 1, p.screen())
    assert.include(p.screen(), "the state in the pasted URL does not match this login")
    assert.strictEqual(cf.counters.tokenCode, before, "the code is not exchanged")
    assert.notProperty(readConfig(box.home).profiles, "wrongstate")
    assert.isFalse(fs.existsSync(path.dirname(credentialsFile("wrongstate"))))
  })
})

describe("profile delete revokes the OAuth grant first", () => {
  it("no terminal without --yes: an error naming --yes, the profile and its grant untouched", async () => {
    await loginNoBrowser("keep")
    const refresh = JSON.parse(fs.readFileSync(credentialsFile("keep"), "utf8")).refresh
    const revokes = cf.counters.revoke
    const r = await box.run(["profile", "delete", "keep"])
    assert.strictEqual(r.code, 1, r.stderr)
    assert.include(r.stderr, "--yes")
    assert.property(readConfig(box.home).profiles, "keep")
    assert.isTrue(fs.existsSync(credentialsFile("keep")))
    assert.strictEqual(cf.counters.revoke, revokes)
    assert.strictEqual(cf.refreshTokenStatus(refresh), "active")
  })

  it("--yes: the refresh token is revoked at Cloudflare, then the profile is deleted", async () => {
    const refresh = JSON.parse(fs.readFileSync(credentialsFile("keep"), "utf8")).refresh
    const revokes = cf.counters.revoke
    const r = await box.run(["profile", "delete", "keep", "--yes"])
    assert.strictEqual(r.code, 0, r.stderr)
    assert.include(r.stderr, "Deleted profile keep")
    assert.isAbove(cf.counters.revoke, revokes)
    assert.strictEqual(cf.refreshTokenStatus(refresh), "revoked")
    assert.notProperty(readConfig(box.home).profiles, "keep")
    assert.isFalse(fs.existsSync(path.dirname(credentialsFile("keep"))))
    assert.notInclude(r.stdout + r.stderr, refresh.slice(4))
  })

  it("a failed revoke is a warning: the profile is deleted anyway", async () => {
    await loginNoBrowser("unreachable")
    const refresh = JSON.parse(fs.readFileSync(credentialsFile("unreachable"), "utf8")).refresh
    cf.failNext("/oauth2/revoke", 503, [{ code: 503, message: "temporarily_unavailable" }])
    const r = await box.run(["profile", "delete", "unreachable", "--yes"])
    assert.strictEqual(r.code, 0, r.stderr)
    assert.include(r.stderr, "Revoking the Cloudflare token failed")
    assert.include(r.stderr, "Deleted profile unreachable")
    assert.notProperty(readConfig(box.home).profiles, "unreachable")
    assert.isFalse(fs.existsSync(path.dirname(credentialsFile("unreachable"))))
    assert.strictEqual(cf.refreshTokenStatus(refresh), "active", "the provider could not be reached")
  })
})
