/**
 * Spawning the bundled CLI (dist/alchemy.cjs) with a temporary ALCHEMY_HOME and the emulators' endpoints.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

export const appDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
export const cliPath = path.join(appDir, "dist", "alchemy.cjs")
export const examplePath = path.join(appDir, "examples", "alchemy.run.ts")
export const browserOpener = path.join(appDir, "..", "..", "packages", "testing", "src", "browser-opener.mjs")

/** A fresh temp directory (removed by `cleanup`). */
export const tempDir = (prefix: string): string => fs.mkdtempSync(path.join(os.tmpdir(), `alchemy-cli-${prefix}-`))

/** A script to preload into the CLI (`NODE_OPTIONS=--require <file>`), in a temp directory of its own. */
export const preload = (prefix: string, source: string): { readonly dir: string; readonly file: string } => {
  const dir = tempDir(prefix)
  const file = path.join(dir, "preload.cjs")
  fs.writeFileSync(file, source)
  return { dir, file }
}

/** Variables of the outer environment that would change what the CLI selects. */
const scrubbed = [
  "CI", "ALCHEMY_PROFILE", "CLOUDFLARE_PROFILE", "ALCHEMY_AWS_PROFILE", "CLOUDFLARE_API_TOKEN", "CLOUDFLARE_API_KEY",
  "CLOUDFLARE_EMAIL", "CLOUDFLARE_ACCOUNT_ID", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
  "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "NO_COLOR", "BROWSER", "STAGE"
]

export interface Result {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  /** The run was killed by the safety timer: it hung. */
  readonly killed: boolean
}

export interface Sandbox {
  readonly home: string
  readonly env: Record<string, string>
  run(args: ReadonlyArray<string>, options?: { env?: Record<string, string | undefined>; input?: string; cwd?: string; killAfterMs?: number; cli?: string }): Promise<Result>
  cleanup(): void
}

/** A sandbox: its own ALCHEMY_HOME and HOME, the given endpoints, nothing inherited that selects a profile. */
export const sandbox = (endpoints: Record<string, string> = {}): Sandbox => {
  const root = tempDir("sandbox")
  const home = path.join(root, "alchemy")
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !scrubbed.includes(k)) env[k] = v
  Object.assign(env, {
    ALCHEMY_HOME: home,
    HOME: path.join(root, "home"),
    XDG_CACHE_HOME: path.join(os.tmpdir(), "alchemy-cli-test-cache"),
    AWS_CONFIG_FILE: path.join(root, "home", ".aws", "config"),
    AWS_SHARED_CREDENTIALS_FILE: path.join(root, "home", ".aws", "credentials"),
    USER: "tester",
    ...endpoints
  })
  fs.mkdirSync(env.HOME!, { recursive: true })
  return {
    home,
    env,
    run: (args, options = {}) => run(args, { ...options, env: { ...env, ...options.env } }),
    cleanup: () => fs.rmSync(root, { recursive: true, force: true })
  }
}

/** Run the CLI with standard input a pipe (not a TTY). A run still alive after `killAfterMs` is killed and reported. */
export const run = (
  args: ReadonlyArray<string>,
  options: { env: Record<string, string | undefined>; input?: string; cwd?: string; killAfterMs?: number; cli?: string }
): Promise<Result> =>
  new Promise((resolve, reject) => {
    const env: Record<string, string> = {}
    for (const [k, v] of Object.entries(options.env)) if (v !== undefined) env[k] = v
    const child = spawn(process.execPath, [options.cli ?? cliPath, ...args], { env, cwd: options.cwd ?? appDir, stdio: ["pipe", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    let killed = false
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d))
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d))
    const timer = setTimeout(() => {
      killed = true
      child.kill("SIGKILL")
    }, options.killAfterMs ?? 30_000)
    child.once("error", reject)
    child.once("close", (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr, killed })
    })
    child.stdin.end(options.input ?? "")
  })

/** Read ALCHEMY_HOME/config.json. */
export const readConfig = (home: string): any => JSON.parse(fs.readFileSync(path.join(home, "config.json"), "utf8"))

/** Every file under a directory, with its bytes as text. */
export const filesUnder = (root: string): Record<string, string> => {
  const out: Record<string, string> = {}
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (entry.isFile()) out[path.relative(root, full)] = fs.readFileSync(full, "latin1")
    }
  }
  walk(root)
  return out
}
