/**
 * Shared test set-up: a real emulator on a free port, a temp ALCHEMY_HOME, the live layers pointed at both, and a
 * scripted Interaction. Also a secret scanner.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { browserOpenerPath } from "@alchemy/testing/Browser"
import * as CloudflareEmulator from "@alchemy/testing/CloudflareEmulator"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Layer from "effect/Layer"
import * as Duration from "effect/Duration"
import { Environment } from "../src/CloudflareEndpoints.js"
import * as Live from "../src/internal/live.js"
import * as TestInteraction from "./TestInteraction.js"

/** The harness's `$BROWSER`: headless Chromium clicking Allow/Deny (ALCHEMY_TEST_BROWSER_ACTION). */
export const browserOpener = browserOpenerPath

export const emulator = (options: CloudflareEmulator.StartOptions = {}) =>
  Effect.acquireRelease(
    Effect.promise(() => CloudflareEmulator.start(options)),
    (emu) => Effect.promise(() => emu.close())
  )

export const tempHome = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "alchemy-cf-test-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

export type Env = Record<string, string | undefined>

/** The environment a test runs with: the emulator's endpoints plus extras, nothing from the real process. */
export const envFor = (emu: CloudflareEmulator.CloudflareEmulator, home: string, extra: Env = {}): Env => ({
  ALCHEMY_HOME: home,
  ...emu.env,
  ...extra
})

export const layer = (home: string, env: Env, script: TestInteraction.Script = {}) => {
  const interaction = TestInteraction.make(script)
  const services = Live.layerAt(home, { retryBase: Duration.millis(5) })
  return {
    layer: Layer.mergeAll(services, interaction.layer).pipe(Layer.provideMerge(Layer.succeed(Environment, env))),
    recording: interaction.recording
  }
}

/** Every file under the home, with its content. */
export const filesUnder = (root: string): Record<string, string> => {
  const out: Record<string, string> = {}
  const walk = (dir: string) => {
    if (!Fs.existsSync(dir)) return
    for (const entry of Fs.readdirSync(dir, { withFileTypes: true })) {
      const full = Path.join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      else out[Path.relative(root, full)] = Fs.readFileSync(full, "utf8")
    }
  }
  walk(root)
  return out
}

export const readJson = (file: string): any => JSON.parse(Fs.readFileSync(file, "utf8"))

export const credentialsFile = (home: string, profile: string) => Path.join(home, "credentials", profile, "cloudflare.json")
export const configFile = (home: string) => Path.join(home, "config.json")

/** Throws when any of the texts contains any of the secrets (or a long prefix of one). */
export const assertNoSecrets = (texts: ReadonlyArray<unknown>, secrets: ReadonlyArray<string>) => {
  const haystack = texts.map((t) => (typeof t === "string" ? t : safeStringify(t))).join("\n")
  for (const secret of secrets) {
    if (secret.length < 8) continue
    if (haystack.includes(secret) || haystack.includes(secret.slice(0, 12))) {
      throw new Error(`a secret (starting ${secret.slice(0, 4)}) appears in the output`)
    }
  }
}

const safeStringify = (u: unknown): string => {
  try {
    if (u instanceof Error) return `${u.name}: ${u.message}\n${u.stack ?? ""}\n${JSON.stringify(u)}\n${String(u)}`
    return `${JSON.stringify(u)}\n${String(u)}`
  } catch {
    return String(u)
  }
}

/** The typed failure of an exit (fails the test on success or on a defect). */
export const failureOf = <A, E>(exit: Exit.Exit<A, E>): any => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const failure = Cause.failureOption(exit.cause)
  if (Option.isNone(failure)) throw new Error(`expected a typed failure, got ${Cause.pretty(exit.cause)}`)
  return failure.value
}
