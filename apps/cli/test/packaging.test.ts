/**
 * The packages as people install them: every workspace package is packed with pnpm (publishConfig applied), the
 * tarballs are installed with npm into a project outside the workspace (everything else from the registry), and
 * there, with plain `node` and no TypeScript tooling, programs use the libraries against the emulators, `tsc`
 * type-checks a consumer against the installed `.d.ts`, and the installed `alchemy` runs, locally and globally,
 * from install directories it must not write to.
 */
import * as AwsEmulator from "@alchemy/testing/AwsEmulator"
import * as CloudflareEmulator from "@alchemy/testing/CloudflareEmulator"
import * as SecretService from "@alchemy/testing/SecretService"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { execFileSync, spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { appDir, sandbox, type Sandbox } from "./helpers.js"

const root = path.join(appDir, "..", "..")
const libraries = ["profile-core", "provider-cloudflare", "provider-aws"]
const packageDirs = [...libraries.map((name) => path.join(root, "packages", name)), appDir]
const pnpm = ["-y", JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).packageManager.split("+")[0]]
const catalog = fs.readFileSync(path.join(root, "pnpm-workspace.yaml"), "utf8")
const pinned = (name: string) => new RegExp(`^  "?${name.replace("/", "\\/")}"?: (\\S+)$`, "m").exec(catalog)![1]!
const peerRange = (name: string) =>
  JSON.parse(fs.readFileSync(path.join(root, "packages", "provider-aws", "package.json"), "utf8")).peerDependencies[name]

/** What the README tells people to install next to the libraries (the Effect 3 family within the peer ranges). */
const userInstalls = [
  `effect@${peerRange("effect")}`,
  `@effect/platform@${peerRange("@effect/platform")}`,
  `@effect/platform-node@${peerRange("@effect/platform-node")}`,
  `@aws-sdk/client-sts@${pinned("@aws-sdk/client-sts")}`,
  `typescript@${pinned("typescript")}`,
  `@types/node@${pinned("@types/node")}`
]

let work: string
let project: string
let tarballs: Record<string, string>
let cf: CloudflareEmulator.CloudflareEmulator
let aws: AwsEmulator.AwsEmulator
let box: Sandbox
let cache: string

const npm = (args: ReadonlyArray<string>, cwd: string) =>
  execFileSync("npm", ["--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", ...args], {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"]
  })

/** Runs a file (or the installed bin) with the sandbox's environment; standard input a pipe. */
const exec = (
  command: string,
  args: ReadonlyArray<string>,
  options: { cwd: string; input?: string; env?: Record<string, string> } = { cwd: project }
) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: { ...box.env, XDG_CACHE_HOME: cache, ...options.env } })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d))
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(options.input ?? "")
  })

/** Every file under a directory, with size and mtime: what a run must leave unchanged. */
const snapshot = (dir: string): string =>
  fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const file = path.join(e.parentPath, e.name)
      const stat = fs.statSync(file)
      return `${path.relative(dir, file)} ${stat.size} ${stat.mtimeMs}`
    })
    .sort()
    .join("\n")

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "alchemy-packaging-"))
  assert.isFalse(work.startsWith(root), "the project must be outside the workspace")
  // The libraries' publish build (turbo runs it before the tests; tsc -b is a no-op when it is up to date).
  for (const name of ["provider-cloudflare", "provider-aws"]) {
    execFileSync(process.execPath, [path.join(root, "node_modules", "typescript", "bin", "tsc"), "-b", "tsconfig.build.json"], {
      cwd: path.join(root, "packages", name),
      stdio: "inherit"
    })
  }
  const packs = path.join(work, "packs")
  tarballs = {}
  for (const dir of packageDirs) {
    const name = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).name as string
    const before = new Set(fs.existsSync(packs) ? fs.readdirSync(packs) : [])
    execFileSync("npx", [...pnpm, "pack", "--pack-destination", packs], { cwd: dir, stdio: "ignore" })
    const made = fs.readdirSync(packs).filter((f) => !before.has(f))
    assert.lengthOf(made, 1)
    tarballs[name] = path.join(packs, made[0]!)
  }
  project = path.join(work, "project")
  fs.mkdirSync(project)
  fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }))
  npm(["install", ...Object.values(tarballs), ...userInstalls], project)

  cf = await CloudflareEmulator.start()
  aws = await AwsEmulator.start()
  box = sandbox({ ...cf.env, ...aws.env })
  cache = path.join(work, "cache")
}, 300_000)

afterAll(async () => {
  box?.cleanup()
  await cf?.close()
  await aws?.close()
  if (work !== undefined) {
    spawnSync("chmod", ["-R", "u+w", work])
    fs.rmSync(work, { recursive: true, force: true })
  }
})

describe("packages as installed from their tarballs", () => {
  it("each tarball holds the built package and nothing else; the packed manifest is the publish shape", () => {
    const versions = new Set<string>()
    for (const [name, tarball] of Object.entries(tarballs)) {
      const entries = execFileSync("tar", ["tzf", tarball], { encoding: "utf8" }).trim().split("\n").sort()
      const manifest = JSON.parse(execFileSync("tar", ["xzf", tarball, "-O", "package/package.json"], { encoding: "utf8" }))
      assert.strictEqual(manifest.private, undefined, name)
      versions.add(manifest.version)
      assert.isString(manifest.license, name)
      assert.isObject(manifest.repository, name)
      assert.isString(manifest.engines.node, name)
      for (const [dep, spec] of Object.entries({ ...manifest.dependencies, ...manifest.peerDependencies })) {
        assert.notMatch(String(spec), /^(workspace|catalog):/, `${name} ${dep}`)
      }
      if (name === "@alchemy/cli") {
        assert.deepStrictEqual(entries, [
          "package/README.md",
          "package/dist/alchemy.cjs",
          "package/dist/aws-sdk.cjs",
          "package/dist/help.json",
          "package/dist/main.cjs",
          "package/dist/tsx-bridge.cjs",
          "package/package.json"
        ])
        assert.deepStrictEqual(Object.keys(manifest.dependencies), ["@napi-rs/keyring", "tsx"])
        assert.deepStrictEqual(manifest.bin, { alchemy: "dist/alchemy.cjs" })
        continue
      }
      for (const entry of entries) {
        assert.match(entry, /^package\/(package\.json|README\.md|dist\/[A-Za-z0-9/]+\.(js|js\.map|d\.ts))$/, `${name}: ${entry}`)
      }
      assert.include(entries, "package/dist/index.js")
      assert.include(entries, "package/dist/index.d.ts")
      for (const [key, target] of Object.entries<any>(manifest.exports)) {
        assert.notInclude(key, "internal", name)
        if (key === "./package.json") continue
        assert.include(entries, `package/${target.default.slice(2)}`)
        assert.include(entries, `package/${target.types.slice(2)}`)
      }
      for (const peer of ["effect", "@effect/platform"]) assert.isString(manifest.peerDependencies[peer], `${name} ${peer}`)
    }
    // One version for the workspace: the packages release together.
    assert.strictEqual(versions.size, 1, [...versions].join(", "))
  })

  it("the installed CLI (node_modules/.bin/alchemy) runs --help, configure with the token on stdin, profile show, from a read-only install", async () => {
    const installed = path.join(project, "node_modules", "@alchemy", "cli")
    execFileSync("chmod", ["-R", "a-w", installed])
    const before = snapshot(installed)
    const bin = path.join(project, "node_modules", ".bin", "alchemy")

    const help = await exec(bin, ["--help"])
    assert.strictEqual(help.code, 0, help.stderr)
    for (const command of ["configure", "profile", "login", "deploy"]) assert.include(help.stdout, command)

    const configure = await exec(bin, ["configure", "--profile", "work", "--provider", "cloudflare", "--method", "api-token", "--api-token-stdin"], {
      cwd: project,
      input: cf.addApiToken() + "\n"
    })
    assert.strictEqual(configure.code, 0, configure.stderr)
    const key = aws.addAccessKey()
    const configureAws = await exec(bin, [
      "configure", "--profile", "work", "--provider", "aws", "--method", "access-keys",
      "--aws-access-key-id", key.accessKeyId, "--aws-secret-access-key-stdin", "--region", "eu-west-1"
    ], { cwd: project, input: key.secretAccessKey + "\n" })
    assert.strictEqual(configureAws.code, 0, configureAws.stderr)

    const show = await exec(bin, ["profile", "show", "--profile", "work"])
    assert.strictEqual(show.code, 0, show.stderr)
    assert.include(show.stdout, "api-token")
    assert.include(show.stdout, "access-keys")
    assert.notInclude(show.stdout + show.stderr, key.secretAccessKey)

    // The keychain binding resolves from the installed package (a real Secret Service on a private D-Bus).
    const keyring = await SecretService.start()
    try {
      const env = { DBUS_SESSION_BUS_ADDRESS: keyring.address }
      const token = cf.addApiToken()
      const kc = await exec(bin, [
        "configure", "--profile", "kc", "--provider", "cloudflare", "--method", "api-token", "--api-token-stdin",
        "--store", "keychain"
      ], { cwd: project, input: token + "\n", env })
      assert.strictEqual(kc.code, 0, kc.stderr)
      const printed = await exec(bin, ["env", "--profile", "kc", "--format", "json"], { cwd: project, env })
      assert.strictEqual(JSON.parse(printed.stdout).CLOUDFLARE_API_TOKEN, token, printed.stderr)
      assert.isFalse(fs.existsSync(path.join(box.home, "credentials", "kc")))
    } finally {
      await keyring.stop()
    }

    // The start-up cache went to the user's cache directory; the install directory is as it was.
    assert.isNotEmpty(fs.readdirSync(path.join(cache, "alchemy", "compile-cache")))
    assert.strictEqual(snapshot(installed), before)
  })

  it("a plain ESM program builds CloudflareCredentials.layer for the profile and calls the Cloudflare emulator", async () => {
    const program = path.join(project, "cloudflare.mjs")
    fs.writeFileSync(program, `
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as ProfileCore from "@alchemy/profile-core/ProfileCore"
import * as CloudflareApi from "@alchemy/provider-cloudflare/CloudflareApi"
import { CloudflareCredentials } from "@alchemy/provider-cloudflare"

const live = Layer.mergeAll(ProfileCore.layer, CloudflareApi.layerFetch()).pipe(Layer.provide(NodeContext.layer))
const program = Effect.gen(function* () {
  const credentials = yield* CloudflareCredentials.CloudflareCredentials
  const { headers, accountId, sources } = yield* credentials.get
  const response = yield* Effect.promise(() => fetch(process.env.CLOUDFLARE_BASE_URL + "/user/tokens/verify", { headers }))
  const body = yield* Effect.promise(() => response.json())
  console.log(JSON.stringify({ status: response.status, success: body.success, accountId, profile: sources.profile?.profile }))
})
await Effect.runPromise(program.pipe(Effect.provide(CloudflareCredentials.layer({ flag: "work" })), Effect.provide(live)))
`)
    const run = await exec(process.execPath, [program])
    assert.strictEqual(run.code, 0, run.stderr)
    const out = JSON.parse(run.stdout)
    assert.strictEqual(out.status, 200)
    assert.isTrue(out.success)
    assert.strictEqual(out.accountId, cf.accounts[0]!.id)
    assert.strictEqual(out.profile, "work")
  })

  it("a plain ESM program gets AWS credentials through provider-aws's SDK credential provider and calls STS", async () => {
    const program = path.join(project, "aws.mjs")
    fs.writeFileSync(program, `
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts"
import { awsCredentialProvider, dispose } from "@alchemy/provider-aws/AwsLive"

const sts = new STSClient({ region: "eu-west-1", credentials: awsCredentialProvider({ profile: "work" }) })
const identity = await sts.send(new GetCallerIdentityCommand({}))
console.log(JSON.stringify({ account: identity.Account, arn: identity.Arn }))
await dispose()
`)
    const run = await exec(process.execPath, [program])
    assert.strictEqual(run.code, 0, run.stderr)
    assert.match(JSON.parse(run.stdout).arn, /^arn:aws:/)
    assert.notInclude(run.stderr, "NodeVersionSupportWarning")
    // One @aws-sdk/core in the consumer's tree: the one the workspace pins (see .pnpmfile.cjs).
    const cores = fs.readdirSync(path.join(project, "node_modules"), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith(path.join("@aws-sdk", "core", "package.json")))
      .map((f) => JSON.parse(fs.readFileSync(path.join(project, "node_modules", f), "utf8")).version)
    assert.deepStrictEqual(cores, [/^overrides:[\s\S]*?"@aws-sdk\/core": (\S+)/m.exec(catalog)![1]])
    // Internal modules are sealed.
    const internal = await exec(process.execPath, ["--input-type=module", "-e", `await import("@alchemy/provider-aws/internal/sdk")`])
    assert.notStrictEqual(internal.code, 0)
    assert.include(internal.stderr, "ERR_PACKAGE_PATH_NOT_EXPORTED")
  })

  it("a TypeScript consumer type-checks against the installed .d.ts (tsc --noEmit)", () => {
    fs.writeFileSync(path.join(project, "tsconfig.json"), JSON.stringify({
      compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", strict: true, noEmit: true, skipLibCheck: true, types: ["node"] },
      files: ["consumer.ts"]
    }))
    fs.writeFileSync(path.join(project, "consumer.ts"), `
import * as Effect from "effect/Effect"
import { CloudflareCredentials } from "@alchemy/provider-cloudflare"
import * as ProfileName from "@alchemy/profile-core/ProfileName"
import { awsCredentialProvider } from "@alchemy/provider-aws/AwsLive"
import * as AwsCredentials from "@alchemy/provider-aws/AwsCredentials"

export const accountId: Effect.Effect<string, CloudflareCredentials.ResolveError, CloudflareCredentials.CloudflareCredentials> =
  Effect.flatMap(CloudflareCredentials.CloudflareCredentials, (credentials) => Effect.map(credentials.get, (resolved) => resolved.accountId))
// @ts-expect-error the account id is a string (the types are real, not any)
export const wrong: Effect.Effect<number, CloudflareCredentials.ResolveError, CloudflareCredentials.CloudflareCredentials> = accountId
export const layer = CloudflareCredentials.layer({ flag: "work" })
export const provider: AwsCredentials.AwsCredentialIdentityProvider = awsCredentialProvider({ profile: "work" })
export const name: unknown = ProfileName.ProfileName
// @ts-expect-error internal modules are not exported
export const sealed = import("@alchemy/provider-aws/internal/sdk")
`)
    const tsc = spawnSync(process.execPath, [path.join(project, "node_modules", "typescript", "bin", "tsc"), "--noEmit", "-p", "."], { cwd: project, encoding: "utf8" })
    assert.strictEqual(tsc.status, 0, tsc.stdout + tsc.stderr)
  })

  it("a global install (npm i -g <tarball>) runs from a read-only prefix", async () => {
    const prefix = path.join(work, "global")
    npm(["install", "--global", "--prefix", prefix, tarballs["@alchemy/cli"]!], work)
    const installed = path.join(prefix, "lib", "node_modules", "@alchemy", "cli")
    execFileSync("chmod", ["-R", "a-w", installed])
    const before = snapshot(installed)
    const bin = path.join(prefix, "bin", "alchemy")
    const help = await exec(bin, ["--help"], { cwd: work })
    assert.strictEqual(help.code, 0, help.stderr)
    assert.include(help.stdout, "configure")
    const show = await exec(bin, ["profile", "show", "--profile", "work"], { cwd: work })
    assert.strictEqual(show.code, 0, show.stderr)
    assert.include(show.stdout, "api-token")
    assert.strictEqual(snapshot(installed), before)
  })
})
