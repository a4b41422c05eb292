/**
 * A scripted `Interaction` for tests: answers come from a script, every message is recorded, and `openUrl` plays
 * the browser by running `$BROWSER <url>` (the test harness's headless-Chromium opener) as a child process.
 */
import { spawn } from "node:child_process"
import { NonInteractive } from "@alchemy/profile-core/Errors"
import { Interaction } from "@alchemy/profile-core/Interaction"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"

export interface Script {
  readonly interactive?: boolean
  /** Called for each select; returns the index of the choice to pick (default: the first). */
  readonly select?: (message: string, titles: ReadonlyArray<string>) => number
  readonly multiSelect?: (message: string, titles: ReadonlyArray<string>) => ReadonlyArray<number>
  readonly text?: (message: string) => string | Promise<string>
  readonly secret?: (message: string) => string
  /** What `openUrl` does: run `$BROWSER` with this action (Allow/Deny/none), or a custom function. */
  readonly browser?: { readonly action: string; readonly opener: string } | ((url: string) => void)
}

export interface Recording {
  readonly info: Array<string>
  readonly warn: Array<string>
  readonly prompts: Array<string>
  readonly opened: Array<string>
  /** Outputs of browser children (stdout + stderr), resolved when each exits. */
  readonly browsers: Array<Promise<{ readonly code: number | null; readonly output: string }>>
}

export const make = (script: Script = {}): { readonly layer: Layer.Layer<Interaction>; readonly recording: Recording } => {
  const recording: Recording = { info: [], warn: [], prompts: [], opened: [], browsers: [] }
  const interactive = script.interactive ?? false
  const refuse = (what: string, flag: string) => Effect.fail(new NonInteractive({ what, flag }))
  const service: Interaction = {
    interactive,
    select: (options) => {
      recording.prompts.push(options.message)
      if (!interactive) return refuse(options.message, options.flag)
      // Without a script, a person pressing Enter: the first choice.
      const index = script.select?.(options.message, options.choices.map((c) => c.title)) ?? 0
      return Effect.succeed(options.choices[index]!.value)
    },
    multiSelect: (options) => {
      recording.prompts.push(options.message)
      if (!interactive) return refuse(options.message, options.flag)
      const picked = script.multiSelect?.(options.message, options.choices.map((c) => c.title)) ??
        options.choices.flatMap((c, i) => (c.selected ? [i] : []))
      return Effect.succeed(picked.map((i) => options.choices[i]!.value))
    },
    text: (options) => {
      recording.prompts.push(options.message)
      if (!interactive || script.text === undefined) return refuse(options.message, options.flag)
      const answer = script.text
      return Effect.promise(async () => answer(options.message))
    },
    secret: (options) => {
      recording.prompts.push(options.message)
      if (!interactive || script.secret === undefined) return refuse(options.message, options.flag)
      return Effect.succeed(Redacted.make(script.secret(options.message)))
    },
    confirm: (options) => {
      recording.prompts.push(options.message)
      return interactive ? Effect.succeed(options.default) : refuse(options.message, options.flag)
    },
    openUrl: (url) =>
      Effect.sync(() => {
        recording.opened.push(url)
        const browser = script.browser
        if (browser === undefined) return
        if (typeof browser === "function") return browser(url)
        // What the CLI does with $BROWSER: run it with the URL.
        const child = spawn(browser.opener, [url], {
          env: { ...process.env, BROWSER: browser.opener, ALCHEMY_TEST_BROWSER_ACTION: browser.action },
          stdio: ["ignore", "pipe", "pipe"]
        })
        let output = ""
        child.stdout.on("data", (d) => (output += String(d)))
        child.stderr.on("data", (d) => (output += String(d)))
        recording.browsers.push(new Promise((resolve) => child.on("close", (code) => resolve({ code, output }))))
      }),
    info: (message) => Effect.sync(() => void recording.info.push(message)),
    warn: (message) => Effect.sync(() => void recording.warn.push(message))
  }
  return { layer: Layer.succeed(Interaction, service), recording }
}
