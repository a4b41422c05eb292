/**
 * A real Secret Service for tests: a private D-Bus session bus (no service activation, so nothing else starts on
 * it) with `gnome-keyring-daemon` on it, its login keyring created and unlocked with a test password, all under a
 * temporary directory. Needs the Debian packages `dbus` and `gnome-keyring` (`.ci/run` installs them).
 *
 * Also the broken sessions a keychain user meets: a bus with no keyring on it, and a socket that accepts a D-Bus
 * connection and never answers (what a hung session looks like to a client).
 */
import { type ChildProcess, execFile, spawn } from "node:child_process"
import * as FS from "node:fs"
import { createRequire } from "node:module"
import * as Net from "node:net"
import * as OS from "node:os"
import * as Path from "node:path"
import { promisify } from "node:util"

const run = promisify(execFile)

/** @since 0.1.0 */
export interface Bus {
  /** `DBUS_SESSION_BUS_ADDRESS` for the processes that should use it. */
  readonly address: string
  readonly stop: () => Promise<void>
}

/** @since 0.1.0 */
export interface SecretService extends Bus {
  /** The test password of the login keyring. */
  readonly password: string
  /** Locks the login keyring (gnome-keyring then answers every request with a prompt no one can see). */
  readonly lock: () => Promise<void>
  /** The text of an item (`null` when there is none), read by a separate process through the binding. */
  readonly lookup: (service: string, account: string) => Promise<string | null>
  /** Writes an item as another program would (for broken or foreign values). */
  readonly plant: (service: string, account: string, text: string) => Promise<void>
}

/** The commands the harness needs, and the Debian packages that have them. */
export const requirements = { "dbus-daemon": "dbus", "dbus-send": "dbus", "gnome-keyring-daemon": "gnome-keyring" }

/** The missing commands, as an install line (`undefined` when everything is there). */
export const missing = (): string | undefined => {
  const path = (process.env.PATH ?? "").split(Path.delimiter)
  const absent = Object.entries(requirements).filter(([command]) =>
    !path.some((dir) => dir !== "" && FS.existsSync(Path.join(dir, command)))
  )
  if (absent.length === 0) return undefined
  return `missing ${absent.map(([c]) => c).join(", ")}: apt-get install -y --no-install-recommends ${
    [...new Set(absent.map(([, p]) => p))].join(" ")
  }`
}

const busConfig = (dir: string) =>
  `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=${dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

const firstLine = (child: ChildProcess, what: string, timeoutMs = 10_000): Promise<string> =>
  new Promise((resolve, reject) => {
    let out = ""
    const timer = setTimeout(() => reject(new Error(`${what} did not start within ${timeoutMs} ms`)), timeoutMs)
    child.stdout!.setEncoding("utf8")
    child.stdout!.on("data", (chunk: string) => {
      out += chunk
      const i = out.indexOf("\n")
      if (i >= 0) {
        clearTimeout(timer)
        resolve(out.slice(0, i).trim())
      }
    })
    child.on("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`${what} exited (${code}) before it started`))
    })
  })

const stopChild = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once("exit", () => resolve())
    child.kill("SIGTERM")
    setTimeout(() => child.kill("SIGKILL"), 2_000).unref()
  })

/** A private session bus with nothing on it. @since 0.1.0 */
export const startBus = async (): Promise<Bus & { readonly dir: string }> => {
  const problem = missing()
  if (problem !== undefined) throw new Error(`SecretService: ${problem}`)
  const dir = FS.mkdtempSync(Path.join(OS.tmpdir(), "alchemy-dbus-"))
  FS.writeFileSync(Path.join(dir, "bus.conf"), busConfig(dir))
  const daemon = spawn("dbus-daemon", ["--config-file", Path.join(dir, "bus.conf"), "--nofork", "--print-address=1"], {
    stdio: ["ignore", "pipe", "ignore"]
  })
  const address = await firstLine(daemon, "dbus-daemon")
  return {
    address,
    dir,
    stop: async () => {
      await stopChild(daemon)
      FS.rmSync(dir, { recursive: true, force: true })
    }
  }
}

const hasOwner = async (address: string): Promise<boolean> => {
  const { stdout } = await run("dbus-send", [
    `--bus=${address}`,
    "--print-reply",
    "--dest=org.freedesktop.DBus",
    "/org/freedesktop/DBus",
    "org.freedesktop.DBus.NameHasOwner",
    "string:org.freedesktop.secrets"
  ], { timeout: 5_000 })
  return /boolean true/.test(stdout)
}

/**
 * A session bus with an unlocked gnome-keyring on it. `keyringBinding` is the resolved path of
 * `@napi-rs/keyring` for `lookup` and `plant` (by default the one this package depends on).
 *
 * @since 0.1.0
 */
export const start = async (options: { readonly keyringBinding?: string } = {}): Promise<SecretService> => {
  const bus = await startBus()
  const home = Path.join(bus.dir, "home")
  FS.mkdirSync(Path.join(home, ".local", "share"), { recursive: true, mode: 0o700 })
  const password = "alchemy-test-password"
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    XDG_RUNTIME_DIR: bus.dir,
    XDG_DATA_HOME: Path.join(home, ".local", "share"),
    DBUS_SESSION_BUS_ADDRESS: bus.address
  }
  const keyring = spawn("gnome-keyring-daemon", ["--unlock", "--components=secrets", "--foreground"], {
    env,
    stdio: ["pipe", "ignore", "ignore"]
  })
  keyring.stdin!.end(password)
  const started = Date.now()
  while (!(await hasOwner(bus.address))) {
    if (keyring.exitCode !== null) throw new Error(`gnome-keyring-daemon exited (${keyring.exitCode})`)
    if (Date.now() - started > 10_000) throw new Error("gnome-keyring-daemon did not register within 10 s")
    await new Promise((r) => setTimeout(r, 50))
  }
  const binding = async (op: "get" | "set", service: string, account: string, text = "") => {
    const module = options.keyringBinding ?? createRequire(import.meta.url).resolve("@napi-rs/keyring")
    const { stdout } = await run(process.execPath, [
      "-e",
      `const { Entry } = require(${JSON.stringify(module)});` +
      `const e = new Entry(process.argv[1], process.argv[2], { linux: { store: "secret-service" } });` +
      `process.stdout.write(JSON.stringify(process.argv[3] === "get" ? e.getPassword() : (e.setPassword(process.argv[4]), null)))`,
      service,
      account,
      op,
      text
    ], { env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: bus.address }, timeout: 10_000 })
    return stdout === "" ? "null" : stdout
  }
  return {
    address: bus.address,
    password,
    lock: async () => {
      await run("dbus-send", [
        `--bus=${bus.address}`,
        "--print-reply",
        "--dest=org.freedesktop.secrets",
        "/org/freedesktop/secrets",
        "org.freedesktop.Secret.Service.Lock",
        "array:objpath:/org/freedesktop/secrets/collection/login"
      ], { timeout: 5_000 })
    },
    lookup: async (service, account) => JSON.parse(await binding("get", service, account)) as string | null,
    plant: async (service, account, text) => {
      await binding("set", service, account, text)
    },
    stop: async () => {
      await stopChild(keyring)
      await bus.stop()
    }
  }
}

/**
 * A unix socket that accepts connections and never answers: a D-Bus session that hangs.
 *
 * @since 0.1.0
 */
export const hangingBus = async (): Promise<Bus> => {
  const dir = FS.mkdtempSync(Path.join(OS.tmpdir(), "alchemy-hang-"))
  const socket = Path.join(dir, "bus")
  const held: Array<Net.Socket> = []
  const server = Net.createServer((s) => {
    held.push(s)
  })
  await new Promise<void>((resolve) => server.listen(socket, resolve))
  return {
    address: `unix:path=${socket}`,
    stop: async () => {
      for (const s of held) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      FS.rmSync(dir, { recursive: true, force: true })
    }
  }
}
