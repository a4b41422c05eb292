/**
 * Driving the CLI through a real pseudo-terminal: a tmux session on a private socket.
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { cliPath, tempDir } from "./helpers.js"

export interface Pty {
  /** The visible screen (and scrollback). */
  screen(): string
  /** The screen with its colour escapes. */
  screenWithEscapes(): string
  /** Type literally. */
  type(text: string): void
  /** tmux key names: Enter, Down, Up, Space, C-c, ... */
  keys(...keys: ReadonlyArray<string>): void
  /** Wait until the screen matches (or fail with the screen after `timeoutMs`; a hang guard, not a timing test). */
  waitFor(pattern: RegExp | string, timeoutMs?: number): Promise<string>
  /** The CLI's exit code once it finished. */
  exitCode(timeoutMs?: number): Promise<number>
  close(): void
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export const start = (args: ReadonlyArray<string>, env: Record<string, string>, cli: string = cliPath): Pty => {
  const dir = tempDir("pty")
  const socket = `alchemy-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`
  const script = path.join(dir, "run.sh")
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`
  fs.writeFileSync(
    script,
    [
      "#!/bin/sh",
      // Exactly `env`: the tmux server passes on the environment of whoever started it (CI=true under CI).
      [
        "env -i",
        ...Object.entries(env).map(([k, v]) => quote(`${k}=${v}`)),
        quote(process.execPath),
        quote(cli),
        ...args.map(quote)
      ].join(" "),
      `echo "EXIT=$?"`,
      "sleep 600"
    ].join("\n"),
    { mode: 0o700 }
  )
  const tmux = (...a: ReadonlyArray<string>) => execFileSync("tmux", ["-L", socket, ...a], { encoding: "utf8" })
  tmux("new-session", "-d", "-x", "120", "-y", "40", "-s", "t", script)
  const screen = () => tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", "t")
  const waitFor = async (pattern: RegExp | string, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const text = screen()
      if (typeof pattern === "string" ? text.includes(pattern) : pattern.test(text)) return text
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; screen:\n${text}`)
      await sleep(100)
    }
  }
  return {
    screen,
    screenWithEscapes: () => tmux("capture-pane", "-p", "-e", "-J", "-S", "-200", "-t", "t"),
    type: (text) => {
      tmux("send-keys", "-t", "t", "-l", text)
    },
    keys: (...keys) => {
      tmux("send-keys", "-t", "t", ...keys)
    },
    waitFor,
    exitCode: async (timeoutMs = 30_000) => {
      const text = await waitFor(/EXIT=\d+/, timeoutMs)
      return Number(/EXIT=(\d+)/.exec(text)![1])
    },
    close: () => {
      try {
        tmux("kill-server")
      } catch {}
      // tmux leaves its socket file behind.
      const socketDir = path.join(process.env.TMUX_TMPDIR ?? "/tmp", `tmux-${process.getuid?.() ?? 0}`)
      fs.rmSync(path.join(socketDir, socket), { force: true })
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
}
