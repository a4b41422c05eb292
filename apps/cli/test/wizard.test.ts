/**
 * The configure wizard through a real pseudo-terminal (tmux): arrow keys, typing, a masked secret, confirm;
 * then the same result reached with flags alone. Also the OAuth flow with the headless browser playing the person.
 */
import * as CloudflareEmulator from "@alchemy/testing/CloudflareEmulator"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import * as fs from "node:fs"
import * as path from "node:path"
import { browserOpener, examplePath, readConfig, type Sandbox, sandbox } from "./helpers.js"
import * as Tmux from "./tmux.js"

let cf: CloudflareEmulator.CloudflareEmulator
let box: Sandbox
let token: string
const ptys: Array<Tmux.Pty> = []

beforeAll(async () => {
  cf = await CloudflareEmulator.start()
  token = cf.addApiToken("wizardTOKENsecret0123456789abcdefXYZ")
  box = sandbox({ ...cf.env, BROWSER: browserOpener, TERM: "xterm-256color" })
})

afterAll(async () => {
  for (const p of ptys) p.close()
  box?.cleanup()
  await cf?.close()
})

const pty = (args: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const p = Tmux.start(args, { ...box.env, ...env })
  ptys.push(p)
  return p
}

describe("configure wizard on a terminal", () => {
  it("provider, method (arrow keys), masked API token; then replacing asks first", async () => {
    const p = pty(["configure", "--profile", "wiz"])
    await p.waitFor("Which providers do you want to configure?")
    p.keys("Enter")
    await p.waitFor("How do you want to authenticate to Cloudflare?")
    p.keys("Down")
    p.keys("Enter")
    await p.waitFor("? Cloudflare API token")
    p.type(token)
    await p.waitFor(/\? Cloudflare API token.*\*{8}/)
    const masked = p.screen()
    assert.notInclude(masked, token.slice(4), "the secret is masked while typed")
    p.keys("Enter")
    assert.strictEqual(await p.exitCode(), 0, p.screen())
    const screen = p.screen()
    assert.include(screen, "Profile: wiz")
    assert.include(screen, `${token.slice(0, 4)}****`)
    assert.notInclude(screen, token.slice(4))
    const wizard = readConfig(box.home).profiles.wiz

    const again = pty(["configure", "--profile", "wiz", "--provider", "cloudflare"])
    await again.waitFor("Replace it?")
    again.type("n")
    again.keys("Enter")
    assert.strictEqual(await again.exitCode(), 0, again.screen())
    assert.include(again.screen(), "nothing changed")

    // The same with flags alone (no terminal).
    const flags = await box.run(
      ["configure", "--profile", "flags", "--provider", "cloudflare", "--method", "api-token", "--api-token-stdin"],
      { input: token }
    )
    assert.strictEqual(flags.code, 0, flags.stderr)
    assert.deepStrictEqual(readConfig(box.home).profiles.flags, wizard)
  })

  it("OAuth: the browser ($BROWSER, a headless Chromium clicking Allow) completes the login", async () => {
    const p = pty(["configure", "--profile", "oauth", "--method", "oauth"])
    await p.waitFor("Which permissions should Alchemy ask for?")
    p.keys("Enter")
    assert.strictEqual(await p.exitCode(60_000), 0, p.screen())
    const screen = p.screen()
    assert.include(screen, "Profile: oauth")
    assert.include(screen, "expires: in ")
    assert.strictEqual(readConfig(box.home).profiles.oauth.cloudflare.method, "oauth")
    assert.strictEqual(cf.counters.consentAllow, 1)
    const stored = JSON.parse(fs.readFileSync(path.join(box.home, "credentials", "oauth", "cloudflare.json"), "utf8"))
    assert.include(screen, `${stored.access.slice(0, 4)}****`)
    assert.notInclude(screen, stored.access.slice(4))
    assert.notInclude(screen, stored.refresh.slice(4))
  })

  it("deploy on a terminal configures a missing provider first, then runs the stack", async () => {
    const p = pty(["deploy", examplePath, "--profile", "fresh", "--stage", "tty"])
    await p.waitFor("How do you want to authenticate to Cloudflare?", 30_000)
    p.keys("Down")
    p.keys("Enter")
    await p.waitFor("? Cloudflare API token")
    p.type(token)
    p.keys("Enter")
    assert.strictEqual(await p.exitCode(30_000), 0, p.screen())
    assert.include(p.screen(), `[deploy/tty] Cloudflare account "${cf.accounts[0]!.name}"`)
    assert.strictEqual(readConfig(box.home).profiles.fresh.cloudflare.method, "api-token")
  })

  it("Ctrl-C at a prompt: exit 130, nothing written", async () => {
    const p = pty(["configure", "--profile", "cancelled"])
    await p.waitFor("Which providers do you want to configure?")
    p.keys("C-c")
    assert.strictEqual(await p.exitCode(), 130, p.screen())
    const config = path.join(box.home, "config.json")
    if (fs.existsSync(config)) assert.notProperty(readConfig(box.home).profiles, "cancelled")
  })

  it("env on a terminal hides the values", async () => {
    const p = pty(["env", "--profile", "wiz"])
    assert.strictEqual(await p.exitCode(), 0, p.screen())
    assert.include(p.screen(), "export CLOUDFLARE_API_TOKEN='<hidden>'")
    assert.notInclude(p.screen(), token.slice(4))
  })

  it("colour on a terminal, none with NO_COLOR", async () => {
    const coloured = pty(["profile", "show", "--profile", "wiz"])
    assert.strictEqual(await coloured.exitCode(), 0, coloured.screen())
    assert.include(coloured.screenWithEscapes(), "\u001b[1m")
    const plain = pty(["profile", "show", "--profile", "wiz"], { NO_COLOR: "1" })
    assert.strictEqual(await plain.exitCode(), 0, plain.screen())
    assert.include(plain.screen(), "Profile: wiz")
    assert.notInclude(plain.screenWithEscapes(), "\u001b[1m")
  })

  it("CI=true on a terminal: no prompt, fails fast naming the flag", async () => {
    const p = pty(["configure", "--profile", "ci"], { CI: "true" })
    assert.strictEqual(await p.exitCode(), 1, p.screen())
    assert.include(p.screen(), "--provider")
  })
})
