/**
 * A real headless Chromium for tests that need a person's browser: Debian's `/usr/bin/chromium` driven by
 * `playwright-core` (never a browser download).
 *
 * - `launchChromium()` for tests that drive pages themselves.
 * - `clickThrough(url, "Allow" | "Deny")` opens an authorization URL, answers the consent page and returns the
 *   callback page the browser landed on.
 * - `browserOpenerPath` is an executable to put in `$BROWSER`: the CLI runs `$BROWSER <url>` and the opener
 *   clicks the button named by `ALCHEMY_TEST_BROWSER_ACTION` ("Allow" default, "Deny", "none"), prints the
 *   callback page's text and exits (30 s limit). `browserEnv("Deny")` builds that environment.
 *
 * @since 0.1.0
 */
import { accessSync, constants } from "node:fs"
import { fileURLToPath } from "node:url"
import * as opener from "./browser-opener.mjs"

/**
 * The Chromium binary used (`$ALCHEMY_TEST_CHROMIUM`, default `/usr/bin/chromium`).
 *
 * @since 0.1.0
 */
export const chromiumExecutablePath: string = opener.chromiumExecutablePath

/**
 * The flags Chromium is started with (headless, no sandbox, no GPU, no QUIC, no background traffic).
 *
 * @since 0.1.0
 */
export const chromiumArgs: ReadonlyArray<string> = opener.chromiumArgs

/**
 * Launches headless Chromium with a fresh temporary profile. Close the returned browser when done.
 *
 * @since 0.1.0
 */
export const launchChromium: typeof opener.launchChromium = opener.launchChromium

/**
 * Opens `url` (an authorization URL), clicks the button named `action` ("Allow" by default, "Deny", or "none"
 * to click nothing), waits until the browser has loaded the request's `redirect_uri`, and returns the final
 * URL and page text. Launches and closes its own browser unless one is passed.
 *
 * @since 0.1.0
 */
export const clickThrough: typeof opener.clickThrough = opener.clickThrough

/**
 * Absolute path of the executable `$BROWSER` opener (`browser-opener.mjs`).
 *
 * @since 0.1.0
 */
export const browserOpenerPath: string = fileURLToPath(new URL("./browser-opener.mjs", import.meta.url))

/**
 * The consent-page answer the opener gives.
 *
 * @since 0.1.0
 */
export type BrowserAction = "Allow" | "Deny" | "none"

/**
 * Environment variables for a child process whose `$BROWSER` should answer the consent page with `action`.
 * `log` names a file where the opener appends one JSON line per URL it opened (never the code).
 *
 * @since 0.1.0
 */
export const browserEnv = (
  action: BrowserAction = "Allow",
  options: { readonly log?: string } = {}
): Record<string, string> => ({
  BROWSER: browserOpenerPath,
  ALCHEMY_TEST_BROWSER_ACTION: action,
  ...(options.log === undefined ? {} : { ALCHEMY_TEST_BROWSER_LOG: options.log })
})

/**
 * Whether the Chromium binary exists and is executable (for a clear failure message in tests).
 *
 * @since 0.1.0
 */
export const isChromiumInstalled = (): boolean => {
  try {
    accessSync(chromiumExecutablePath, constants.X_OK)
    return true
  } catch {
    return false
  }
}
