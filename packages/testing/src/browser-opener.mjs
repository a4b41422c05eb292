#!/usr/bin/env node
// A `$BROWSER` for tests: `browser-opener.mjs <url>` opens the URL in headless Chromium (playwright-core,
// /usr/bin/chromium), clicks the consent button named by ALCHEMY_TEST_BROWSER_ACTION ("Allow" by default,
// "Deny", or "none" to only open the page), waits until the browser has landed on the redirect_uri of the
// authorization request (the loopback callback) or, when the URL has no redirect_uri (a device-code page),
// on whatever page the form submission loads; prints that page's text on stdout and exits 0.
// Any failure (no such button, no callback within the timeout) prints a reason on stderr and exits 1.
//
// Environment:
//   ALCHEMY_TEST_BROWSER_ACTION      Allow | Deny | none (default Allow)
//   ALCHEMY_TEST_BROWSER_TIMEOUT_MS  overall limit (default 30000)
//   ALCHEMY_TEST_BROWSER_LOG         a file to append one JSON line per run: { opened, landed, outcome }
//                                    (the authorization code is never written)
//   ALCHEMY_TEST_CHROMIUM            the Chromium binary (default /usr/bin/chromium)
//
// Also imported by Browser.ts for in-process use (launchChromium, clickThrough).
import { appendFileSync, realpathSync } from "node:fs"
import { pathToFileURL } from "node:url"
import { chromium } from "playwright-core"

export const chromiumExecutablePath = process.env.ALCHEMY_TEST_CHROMIUM || "/usr/bin/chromium"

export const chromiumArgs = Object.freeze([
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage"
])

/** Launches headless Chromium; playwright gives it a fresh temporary profile (--user-data-dir). */
export const launchChromium = (options = {}) =>
  chromium.launch({
    executablePath: options.executablePath ?? chromiumExecutablePath,
    headless: true,
    chromiumSandbox: false,
    args: [...chromiumArgs, ...(options.args ?? [])],
    timeout: options.timeoutMs ?? 30_000
  })

/**
 * Where the authorization request sends the browser back (its `redirect_uri`), as a predicate on URLs;
 * `undefined` when the URL names none (a device-code verification page, say).
 */
const callbackMatcher = (startUrl) => {
  const redirectUri = new URL(startUrl).searchParams.get("redirect_uri")
  if (redirectUri === null) return undefined
  const target = new URL(redirectUri)
  return (url) => url.origin === target.origin && url.pathname === target.pathname
}

const bodyText = async (page) => {
  try {
    return await page.locator("body").innerText({ timeout: 2_000 })
  } catch {
    return await page.content()
  }
}

/**
 * Opens `url`, clicks the button named `action` ("Allow", "Deny"; "none" clicks nothing) unless the browser is
 * already on the callback, waits for the callback page to load, and returns `{ url, text }` of the final page.
 */
export const clickThrough = async (url, action = "Allow", options = {}) => {
  const timeout = options.timeoutMs ?? 30_000
  const isCallback = callbackMatcher(url)
  const browser = options.browser ?? (await launchChromium({ timeoutMs: timeout }))
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    page.setDefaultTimeout(timeout)
    await page.goto(url, { waitUntil: "load", timeout })
    if (action !== "none" && !(isCallback?.(new URL(page.url())) ?? false)) {
      const button = page.getByRole("button", { name: action, exact: true })
      if ((await button.count()) === 0) {
        const text = (await bodyText(page)).replace(/\s+/g, " ").trim().slice(0, 300)
        throw new Error(`no "${action}" button on ${new URL(page.url()).pathname}: ${text}`)
      }
      if (isCallback !== undefined) {
        await Promise.all([page.waitForURL(isCallback, { waitUntil: "load", timeout }), button.click()])
      } else {
        // No redirect_uri: the answer is whatever page the form submission loads.
        const navigated = page.waitForEvent("framenavigated", {
          predicate: (frame) => frame === page.mainFrame(),
          timeout
        })
        await button.click()
        await navigated
        await page.waitForLoadState("load", { timeout })
      }
    }
    return { url: page.url(), text: await bodyText(page) }
  } finally {
    await context.close().catch(() => {})
    if (options.browser === undefined) await browser.close().catch(() => {})
  }
}

/** A URL without its query values that could be secrets (the code): origin, path and parameter names. */
const describeLanding = (raw) => {
  const url = new URL(raw)
  const error = url.searchParams.get("error")
  return {
    landed: `${url.origin}${url.pathname}`,
    outcome: error !== null ? `error=${error}` : url.searchParams.has("code") ? "code" : "none"
  }
}

const main = async () => {
  const url = process.argv[2]
  if (url === undefined || url === "") {
    process.stderr.write("usage: browser-opener.mjs <url>\n")
    return 2
  }
  const action = process.env.ALCHEMY_TEST_BROWSER_ACTION || "Allow"
  const timeoutMs = Number(process.env.ALCHEMY_TEST_BROWSER_TIMEOUT_MS || 30_000)
  const log = process.env.ALCHEMY_TEST_BROWSER_LOG
  const timer = setTimeout(() => {
    process.stderr.write(`browser-opener: gave up after ${timeoutMs} ms\n`)
    process.exit(1)
  }, timeoutMs)
  try {
    const result = await clickThrough(url, action, { timeoutMs: Math.max(1_000, timeoutMs - 2_000) })
    if (log) appendFileSync(log, `${JSON.stringify({ opened: url, action, ...describeLanding(result.url) })}\n`)
    process.stdout.write(`${result.text.trim()}\n`)
    return 0
  } catch (error) {
    if (log) appendFileSync(log, `${JSON.stringify({ opened: url, action, landed: null, outcome: "failed" })}\n`)
    process.stderr.write(`browser-opener: ${error instanceof Error ? error.message.split("\n")[0] : error}\n`)
    return 1
  } finally {
    clearTimeout(timer)
  }
}

const invokedDirectly = () => {
  try {
    return process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href
  } catch {
    return false
  }
}

if (invokedDirectly()) {
  main().then((code) => process.exit(code), () => process.exit(1))
}
