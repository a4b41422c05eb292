/**
 * The command surface in-process: `Cli.run([...])` with a captured output, a temporary home, a chosen environment
 * and nobody to ask. Help, usage errors and their exit codes, output formats, and the provider flags derived from
 * the descriptors. What needs a process (ttys, browsers, signals, concurrency) stays in the spawned-bundle suites.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Environment } from "@alchemy/profile-core/Environment"
import { Interaction } from "@alchemy/profile-core/Interaction"
import * as ProfileCore from "@alchemy/profile-core/ProfileCore"
import * as CloudflareEmulator from "@alchemy/testing/CloudflareEmulator"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Cli from "../src/Cli.js"
import { nonInteractive } from "../src/TerminalInteraction.js"

interface Ran {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

const homes: Array<string> = []
afterAll(() => {
  for (const h of homes) fs.rmSync(h, { recursive: true, force: true })
})

const newHome = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alchemy-inprocess-"))
  homes.push(dir)
  return path.join(dir, "alchemy")
}

/** `alchemy <args>` in this process, on `home`, with exactly `env` as its environment. */
const cli = (args: ReadonlyArray<string>, options: { home?: string; env?: Record<string, string> } = {}) =>
  Effect.gen(function*() {
    const home = options.home ?? newHome()
    const env = { ALCHEMY_HOME: home, ...options.env }
    const sink = Cli.capture()
    const layer = Layer.mergeAll(
      ProfileCore.layerAt(home),
      Layer.succeed(Interaction, nonInteractive),
      NodeTerminal.layer
    ).pipe(Layer.provideMerge(Layer.merge(NodeFileSystem.layer, NodePath.layer)))
    const code = yield* Cli.run(args).pipe(
      Cli.withOutput(sink),
      Effect.provide(layer),
      // One environment for every package (profile-core's Environment; the providers read it too).
      Effect.provideService(Environment, env)
    )
    return { code, stdout: sink.stdout.join("\n"), stderr: sink.stderr.join("\n") } satisfies Ran
  })

describe("help", () => {
  it.effect("configure --help lists every provider's method flags, derived from the descriptors", () =>
    Effect.gen(function*() {
      const r = yield* cli(["configure", "--help"])
      assert.strictEqual(r.code, 0, r.stderr)
      for (const flag of ["--provider", "--method", "--api-token-env", "--api-token-stdin", "--api-token-variable", "--aws-secret-access-key-stdin", "--sso-start-url", "--no-browser", "--store"]) {
        assert.include(r.stdout, flag)
      }
      assert.include(r.stdout, "cloudflare oauth|api-token|api-key")
      assert.include(r.stdout, "aws sso|access-keys|assume-role|aws-profile|web-identity")
    }))

  it.effect("the provider's own commands are listed under its id", () =>
    Effect.gen(function*() {
      const r = yield* cli(["--help"])
      assert.strictEqual(r.code, 0, r.stderr)
      assert.match(r.stdout, /aws credential-process/)
      assert.include(r.stdout, "Cloudflare and AWS")
    }))
})

describe("usage errors: exit code 2 and a message that says what to do", () => {
  it.effect("an unknown --method names every provider's methods", () =>
    Effect.gen(function*() {
      const r = yield* cli(["configure", "--method", "magic"])
      assert.strictEqual(r.code, 2)
      assert.include(r.stderr, "unknown --method \"magic\"; one of: cloudflare oauth|api-token|api-key, aws sso|")
    }))

  it.effect("a method of one provider with a flag of another is refused, not routed", () =>
    Effect.gen(function*() {
      const r = yield* cli(["configure", "--method", "api-token", "--aws-access-key-id", "AKIAEXAMPLE"], {
        env: { T: "x" }
      })
      assert.strictEqual(r.code, 2, r.stderr)
      assert.include(r.stderr, "--method api-token is a method of cloudflare, but the other flags are aws's")
    }))

  it.effect("flags of two providers at once: one provider at a time", () =>
    Effect.gen(function*() {
      const r = yield* cli(["configure", "--api-token-env", "T", "--region", "eu-west-1"], { env: { T: "x" } })
      assert.strictEqual(r.code, 2, r.stderr)
      assert.include(r.stderr, "configure one provider at a time")
    }))

  it.effect("a flag of another provider than the one named is refused, not silently ignored", () =>
    Effect.gen(function*() {
      const home = newHome()
      const r = yield* cli(["configure", "--provider", "aws", "--method", "access-keys", "--api-token-env", "T"], {
        home,
        env: { T: "x" }
      })
      assert.strictEqual(r.code, 2, r.stderr)
      assert.include(r.stderr, "--api-token-env is not an option of AWS (it is Cloudflare's)")
      assert.isFalse(fs.existsSync(path.join(home, "config.json")))
    }))

  it.effect("a flag left without its value", () =>
    Effect.gen(function*() {
      const r = yield* cli(["env", "--profile"])
      assert.strictEqual(r.code, 2)
      assert.include(r.stderr, "--profile needs a value: --profile <name>")
    }))

  it.effect("an unknown --provider is @effect/cli's validation error, exit 2", () =>
    Effect.gen(function*() {
      const r = yield* cli(["logout", "--provider", "gcp", "--yes"])
      assert.strictEqual(r.code, 2)
    }))

  it.effect("an invalid profile name", () =>
    Effect.gen(function*() {
      const r = yield* cli(["env", "--profile", "../etc"])
      assert.strictEqual(r.code, 2, r.stderr)
    }))
})

describe("what needs a person, without one: exit 1 naming the flag, nothing written", () => {
  it.effect("configure with no flags: the provider picker names --provider and every provider", () =>
    Effect.gen(function*() {
      const home = newHome()
      const r = yield* cli(["configure", "--profile", "dev"], { home })
      assert.strictEqual(r.code, 1)
      assert.include(r.stderr, "--provider cloudflare|aws")
      assert.isFalse(fs.existsSync(path.join(home, "config.json")))
    }))

  it.effect("profile delete without --yes", () =>
    Effect.gen(function*() {
      const home = newHome()
      fs.mkdirSync(home, { recursive: true, mode: 0o700 })
      fs.writeFileSync(
        path.join(home, "config.json"),
        JSON.stringify({ version: 1, profiles: { dev: { cloudflare: { method: "api-token" } } } }),
        { mode: 0o600 }
      )
      const before = fs.readFileSync(path.join(home, "config.json"), "utf8")
      const r = yield* cli(["profile", "delete", "dev"], { home })
      assert.strictEqual(r.code, 1)
      assert.include(r.stderr, "--yes")
      assert.strictEqual(fs.readFileSync(path.join(home, "config.json"), "utf8"), before)
    }))
})

describe("completions and version", () => {
  it.effect("completions for each shell name the commands and the provider flags", () =>
    Effect.gen(function*() {
      for (const shell of ["bash", "zsh", "fish"]) {
        const r = yield* cli(["completions", shell])
        assert.strictEqual(r.code, 0, r.stderr)
        assert.include(r.stdout, "credential-process")
        assert.include(r.stdout, "api-token-env")
      }
    }))

  it.effect("--version", () =>
    Effect.gen(function*() {
      const r = yield* cli(["--version"])
      assert.strictEqual(r.code, 0)
      assert.match(r.stdout, /^\d+\.\d+\.\d+/)
    }))
})

describe("output formats", () => {
  const token = "inprocess-canary-token-0123456789abcdef"

  it.effect("env prints the raw environment credentials in every format", () =>
    Effect.gen(function*() {
      const env = { CLOUDFLARE_API_TOKEN: token }
      const json = yield* cli(["env", "--format", "json"], { env })
      assert.strictEqual(json.code, 0, json.stderr)
      assert.deepStrictEqual(JSON.parse(json.stdout), { CLOUDFLARE_API_TOKEN: token })
      const sh = yield* cli(["env"], { env })
      assert.strictEqual(sh.stdout, `export CLOUDFLARE_API_TOKEN='${token}'`)
      const fish = yield* cli(["env", "--format", "fish"], { env })
      assert.strictEqual(fish.stdout, `set -gx CLOUDFLARE_API_TOKEN '${token}';`)
      const dotenv = yield* cli(["env", "--format", "dotenv"], { env })
      assert.strictEqual(dotenv.stdout, `CLOUDFLARE_API_TOKEN='${token}'`)
      for (const r of [json, sh, fish, dotenv]) assert.notInclude(r.stderr, token)
    }))

  it.effect("profile show --json: stable JSON, no secret", () =>
    Effect.gen(function*() {
      const r = yield* cli(["profile", "show", "--json"], { env: { CLOUDFLARE_API_TOKEN: token } })
      assert.strictEqual(r.code, 0, r.stderr)
      const shown = JSON.parse(r.stdout)
      assert.strictEqual(shown.providers.cloudflare.credentials, "environment")
      assert.notInclude(r.stdout, token)
    }))

  it.effect("profile list on an empty home, and --json", () =>
    Effect.gen(function*() {
      const home = newHome()
      const text = yield* cli(["profile", "list"], { home })
      assert.strictEqual(text.code, 0, text.stderr)
      const json = yield* cli(["profile", "list", "--json"], { home })
      assert.strictEqual(json.code, 0, json.stderr)
      assert.deepStrictEqual(JSON.parse(json.stdout).profiles, [])
    }))
})

describe("a Cloudflare profile end to end, in-process (the emulator on 127.0.0.1)", () => {
  let emu: CloudflareEmulator.CloudflareEmulator
  beforeAll(async () => {
    emu = await CloudflareEmulator.start()
  })
  afterAll(() => emu.close())

  it.effect("configure with --api-token-env, then env (exit 0), logout, then env needs a login (exit 3)", () =>
    Effect.gen(function*() {
      const home = newHome()
      const token = emu.addApiToken()
      const env = { ...emu.env, CF_TOKEN: token }
      const configured = yield* cli(["configure", "--profile", "prod", "--method", "api-token", "--api-token-env", "CF_TOKEN"], { home, env })
      assert.strictEqual(configured.code, 0, configured.stderr)
      assert.include(configured.stdout, "Profile: prod")
      assert.notInclude(configured.stdout + configured.stderr, token)
      const vars = yield* cli(["env", "--profile", "prod", "--format", "json"], { home, env: emu.env })
      assert.strictEqual(vars.code, 0, vars.stderr)
      assert.strictEqual(JSON.parse(vars.stdout).CLOUDFLARE_API_TOKEN, token)
      const out = yield* cli(["logout", "--profile", "prod", "--yes"], { home, env: emu.env })
      assert.strictEqual(out.code, 0, out.stderr)
      const after = yield* cli(["env", "--profile", "prod"], { home, env: emu.env })
      assert.strictEqual(after.code, 3, after.stderr)
      assert.include(after.stderr, "alchemy login --profile prod")
    }))
})
