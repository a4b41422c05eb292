/**
 * The one display policy for secrets and expiry times, used by every output of every package, and the
 * process-wide registry of the secrets this process knows, scrubbed from any text before it is printed.
 *
 * @since 0.1.0
 */
import { globalValue } from "effect/GlobalValue"
import * as Redacted from "effect/Redacted"

/**
 * First 4 characters then `****`; 4 characters or fewer: `****`.
 *
 * @since 0.1.0
 */
export const redact = (value: string): string => {
  const chars = Array.from(value)
  return chars.length <= 4 ? "****" : `${chars.slice(0, 4).join("")}****`
}

/** @since 0.1.0 */
export const redactRedacted = (value: Redacted.Redacted<string>): string => redact(Redacted.value(value))

/**
 * Values shorter than this are not registered: scrubbing them would mangle ordinary text (an MFA code of six
 * digits inside an account id) while hiding nothing worth hiding.
 *
 * @since 0.1.0
 */
export const minimumSecretLength = 8

const secrets = globalValue(Symbol.for("@alchemy/profile-core/Redaction/secrets"), () => new Set<string>())

/**
 * Remember a secret this process holds (read from input, decoded from a credentials file, issued by a server), so
 * that `scrub` removes it from every error and warning. `undefined` and short values are ignored.
 *
 * @since 0.1.0
 */
export const registerSecret = (value: Redacted.Redacted<string> | string | undefined): void => {
  const text = value === undefined ? undefined : Redacted.isRedacted(value) ? Redacted.value(value) : value
  if (typeof text === "string" && text.length >= minimumSecretLength) secrets.add(text)
}

/**
 * Register every `Redacted` string found in a value (a decoded credentials file, a secrets map), at any depth.
 *
 * @since 0.1.0
 */
export const registerSecretsIn = (value: unknown): void => {
  const seen = new Set<unknown>()
  const visit = (u: unknown): void => {
    if (typeof u !== "object" || u === null || seen.has(u)) return
    seen.add(u)
    if (Redacted.isRedacted(u)) {
      const inner = Redacted.value(u)
      if (typeof inner === "string") registerSecret(inner)
      return
    }
    for (const item of Array.isArray(u) ? u : Object.values(u)) visit(item)
  }
  visit(value)
}

/** Characters that can continue a token: a run of them after a secret's first characters is another value. */
const tokenCharacter = /[A-Za-z0-9_\-+/=~]/

/**
 * Replace every registered secret in `text` by its display form (`redact`). A secret cut short (a server message
 * truncated in the middle of an echoed token) is caught too: a run of at least `minimumSecretLength` characters
 * that starts like a registered secret and is not followed by a character that could continue a token.
 *
 * @since 0.1.0
 */
export const scrub = (text: string): string => {
  if (secrets.size === 0) return text
  const known = [...secrets].sort((a, b) => b.length - a.length)
  let out = text
  for (const secret of known) out = out.split(secret).join(redact(secret))
  for (const secret of known) {
    const head = secret.slice(0, minimumSecretLength)
    let from = out.indexOf(head)
    while (from !== -1) {
      let end = from + head.length
      while (end < out.length && end - from < secret.length && out[end] === secret[end - from]) end++
      if (end < out.length && tokenCharacter.test(out[end]!)) {
        from = out.indexOf(head, from + 1)
        continue
      }
      const shown = redact(secret)
      out = `${out.slice(0, from)}${shown}${out.slice(end)}`
      from = out.indexOf(head, from + shown.length)
    }
  }
  return out
}

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/**
 * A positive duration as its two largest units, dropping a trailing zero: `59m 58s`, `3m`, `2h 5m`, `3d 4h`, `12s`.
 *
 * @since 0.1.0
 */
export const formatDuration = (millis: number): string => {
  const ms = Math.max(0, Math.floor(millis))
  const pair = (a: number, ua: string, b: number, ub: string) => (b === 0 ? `${a}${ua}` : `${a}${ua} ${b}${ub}`)
  if (ms >= DAY) return pair(Math.floor(ms / DAY), "d", Math.floor((ms % DAY) / HOUR), "h")
  if (ms >= HOUR) return pair(Math.floor(ms / HOUR), "h", Math.floor((ms % HOUR) / MINUTE), "m")
  if (ms >= MINUTE) return pair(Math.floor(ms / MINUTE), "m", Math.floor((ms % MINUTE) / SECOND), "s")
  return `${Math.floor(ms / SECOND)}s`
}

/**
 * `in 59m 58s`, `in 2h 5m`, `in 3d 4h`, `expired 3m ago`, `expired just now`.
 *
 * @since 0.1.0
 */
export const formatExpiry = (expiresAtMillis: number, nowMillis: number): string => {
  const diff = expiresAtMillis - nowMillis
  if (diff > 0) return `in ${formatDuration(diff)}`
  if (-diff < SECOND) return "expired just now"
  return `expired ${formatDuration(-diff)} ago`
}
