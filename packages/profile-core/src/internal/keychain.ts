/**
 * The OS keychain (Secret Service on Linux, Keychain on macOS, Credential Manager on Windows) through
 * `@napi-rs/keyring`, used from a helper child process.
 *
 * Why a child: on Linux the binding connects to D-Bus synchronously, and a session bus that accepts the connection
 * but never answers (or a keychain daemon stuck behind an unlock prompt) blocks the calling thread for good. An
 * `AbortSignal` does not reach that call, and a worker thread blocked in it can neither be terminated nor let the
 * process exit. A child can be killed: every request has a deadline, after which the child is killed and the
 * keychain is reported unusable for the rest of the process (no second wait).
 *
 * The child is started on the first request of a process that uses the keychain (never otherwise: no start-up
 * cost for profiles kept in files), is shared by every later request, and never keeps the parent alive. Secrets
 * travel over its stdin and stdout pipes, never in arguments or the environment.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process"
import { createRequire } from "node:module"
import * as OS from "node:os"
import * as NodePath from "node:path"

/** Why the keychain could not be used. */
export type KeychainProblem =
  | "NoSession"
  | "NoService"
  | "Locked"
  | "Timeout"
  | "NotInstalled"
  | "Failed"

/** A keychain request that failed; `detail` names the cause and the fix, never a secret. */
export interface KeychainFailure {
  readonly _tag: "KeychainFailure"
  readonly problem: KeychainProblem
  readonly detail: string
}

/** Where an item lives: the OS keychain's service and account names. */
export interface KeychainItem {
  readonly service: string
  readonly account: string
}

/** The request deadline: a keychain that does not answer within it is reported as such (gh waits 3 s). */
export const TIMEOUT_MS = 5_000

/**
 * The service of a home's items: `alchemy` for the default home (`~/.alchemy`), `alchemy:<absolute home>` for any
 * other, so two homes never share items. The account is `<profile>/<provider>`.
 */
export const itemOf = (root: string, profile: string, provider: string): KeychainItem => {
  const resolved = NodePath.resolve(root)
  const service = resolved === NodePath.join(OS.homedir(), ".alchemy") ? "alchemy" : `alchemy:${resolved}`
  return { service, account: `${profile}/${provider}` }
}

/** Where the item is, as printed (`alchemy` / `prod/cloudflare`). */
export const describeItem = (item: KeychainItem): string => `${item.service} / ${item.account}`

const keychainName = (): string =>
  process.platform === "darwin"
    ? "the macOS Keychain"
    : process.platform === "win32"
    ? "the Windows Credential Manager"
    : "the Secret Service (GNOME Keyring, KWallet or KeePassXC over D-Bus)"

const fixes: Record<KeychainProblem, string> = {
  NoSession: "There is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set or points nowhere). Run alchemy in " +
    "a desktop session, or start one with `dbus-run-session -- <shell>` and unlock a keyring in it",
  NoService: "Nothing on the D-Bus session bus provides the Secret Service. Start a keyring (for example " +
    "`gnome-keyring-daemon --start --components=secrets`), or keep this profile's secrets in files",
  Locked: "The keyring is locked and no unlock prompt could be shown. Unlock it (log in to the desktop session, " +
    "or `echo -n <password> | gnome-keyring-daemon --unlock --replace`), then retry",
  Timeout: `The keychain did not answer within ${TIMEOUT_MS / 1000} seconds (a hung D-Bus session, or an unlock ` +
    "prompt nobody answers). Check the keyring daemon, then retry",
  NotInstalled: "The keychain binding (@napi-rs/keyring) is not installed for this platform. Reinstall alchemy " +
    "with optional dependencies enabled",
  Failed: "Check the keychain, then retry"
}

const classify = (message: string): KeychainProblem => {
  if (/autolaunch|DBUS_SESSION_BUS_ADDRESS|Failed to connect|No such file|Connection refused|AccessDenied/i.test(message)) {
    return "NoSession"
  }
  if (/no result found|ServiceUnknown|not provided by any \.service/i.test(message)) return "NoService"
  if (/prompt was dismissed|is locked|locked collection/i.test(message)) return "Locked"
  return "Failed"
}

const failure = (problem: KeychainProblem, cause?: string): KeychainFailure => ({
  _tag: "KeychainFailure",
  problem,
  detail: `${keychainName()} cannot be used${cause ? ` (${cause.replace(/\s+/g, " ").slice(0, 200)})` : ""}. ${
    fixes[problem]
  }`
})

/** The helper's program: one JSON request per line on stdin, one JSON answer per line on stdout. */
const helperSource = (modulePath: string | undefined): string => `
"use strict"
let keyring, loadError
try { keyring = require(${JSON.stringify(modulePath ?? "")}) } catch (e) { loadError = String(e && e.message || e) }
const options = { linux: { store: "secret-service" } }
let buffer = ""
process.stdin.setEncoding("utf8")
process.stdin.on("data", (chunk) => {
  buffer += chunk
  let i
  while ((i = buffer.indexOf("\\n")) >= 0) {
    const line = buffer.slice(0, i); buffer = buffer.slice(i + 1)
    let request
    try { request = JSON.parse(line) } catch { continue }
    let answer
    if (!keyring) answer = { id: request.id, error: "notInstalled", message: loadError || "not found" }
    else {
      try {
        const entry = new keyring.Entry(request.service, request.account, options)
        if (request.op === "get") answer = { id: request.id, value: entry.getPassword() }
        else if (request.op === "set") { entry.setPassword(request.value); answer = { id: request.id, value: null } }
        else answer = { id: request.id, value: entry.deleteCredential() }
      } catch (e) { answer = { id: request.id, error: "failed", message: String(e && e.message || e) } }
    }
    process.stdout.write(JSON.stringify(answer) + "\\n")
  }
})
process.stdin.on("end", () => process.exit(0))
`

const resolveBinding = (): string | undefined => {
  try {
    return createRequire(import.meta.url).resolve("@napi-rs/keyring")
  } catch {
    return undefined
  }
}

interface Pending {
  readonly resolve: (value: string | boolean | null) => void
  readonly reject: (failure: KeychainFailure) => void
  readonly timer: NodeJS.Timeout
}

let child: ChildProcessWithoutNullStreams | undefined
let broken: KeychainFailure | undefined
let nextId = 0
const pending = new Map<number, Pending>()

const failAll = (f: KeychainFailure) => {
  broken = f
  for (const [id, p] of pending) {
    clearTimeout(p.timer)
    pending.delete(id)
    p.reject(f)
  }
  if (child !== undefined) {
    child.kill("SIGKILL")
    child = undefined
  }
}

const start = (): ChildProcessWithoutNullStreams => {
  const modulePath = resolveBinding()
  const proc = spawn(process.execPath, ["-e", helperSource(modulePath)], {
    stdio: ["pipe", "pipe", "pipe"],
    // The process's own environment, not profile-core's `Environment`, on purpose: the helper talks to the OS
    // keychain (Secret Service over D-Bus: DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR, ...), which lives in the real
    // process environment, and one helper is shared by the whole process whatever `Environment` a caller provided.
    env: process.env,
    windowsHide: true
  })
  let out = ""
  proc.stdout.setEncoding("utf8")
  proc.stdout.on("data", (chunk: string) => {
    out += chunk
    let i: number
    while ((i = out.indexOf("\n")) >= 0) {
      const line = out.slice(0, i)
      out = out.slice(i + 1)
      let answer: { id: number; value?: string | boolean | null; error?: string; message?: string }
      try {
        answer = JSON.parse(line)
      } catch {
        continue
      }
      const p = pending.get(answer.id)
      if (p === undefined) continue
      pending.delete(answer.id)
      clearTimeout(p.timer)
      if (answer.error === "notInstalled") p.reject(failure("NotInstalled", answer.message))
      else if (answer.error !== undefined) p.reject(failure(classify(answer.message ?? ""), answer.message))
      else p.resolve(answer.value ?? null)
    }
  })
  proc.stderr.resume()
  proc.on("error", (e) => failAll(failure("Failed", `cannot start the keychain helper: ${e.message}`)))
  proc.on("exit", (code, signal) => {
    if (child === proc) child = undefined
    if (pending.size > 0) failAll(failure("Failed", `the keychain helper stopped (${signal ?? code})`))
  })
  proc.stdin.on("error", () => {})
  // Idle, the helper never keeps this process alive; a request's deadline timer does while it waits.
  proc.unref()
  ;(proc.stdout as unknown as { unref?: () => void }).unref?.()
  ;(proc.stderr as unknown as { unref?: () => void }).unref?.()
  ;(proc.stdin as unknown as { unref?: () => void }).unref?.()
  return proc
}

const request = (op: "get" | "set" | "delete", item: KeychainItem, value?: string) =>
  Effect.async<string | boolean | null, KeychainFailure>((resume) => {
    if (broken !== undefined) return resume(Effect.fail(broken))
    if (child === undefined) child = start()
    const id = ++nextId
    const timer = setTimeout(() => failAll(failure("Timeout")), TIMEOUT_MS)
    pending.set(id, {
      resolve: (v) => resume(Effect.succeed(v)),
      reject: (f) => resume(Effect.fail(f)),
      timer
    })
    child.stdin.write(`${JSON.stringify({ id, op, service: item.service, account: item.account, value })}\n`)
  })

/** The item's text, `null` when there is none. */
export const get = (item: KeychainItem): Effect.Effect<string | null, KeychainFailure> =>
  Effect.map(request("get", item), (v) => (typeof v === "string" ? v : null))

export const set = (item: KeychainItem, value: string): Effect.Effect<void, KeychainFailure> =>
  Effect.asVoid(request("set", item, value))

/** `true` when an item was removed, `false` when there was none. */
export const remove = (item: KeychainItem): Effect.Effect<boolean, KeychainFailure> =>
  Effect.map(request("delete", item), (v) => v === true)

/** Forget the helper and any failure (tests switch D-Bus sessions within one process). */
export const reset = (): void => {
  if (child !== undefined) child.kill("SIGKILL")
  child = undefined
  broken = undefined
  for (const [id, p] of pending) {
    clearTimeout(p.timer)
    pending.delete(id)
  }
}
