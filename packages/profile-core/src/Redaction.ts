/**
 * The one display policy for secrets and expiry times, used by every output of every package.
 *
 * @since 0.1.0
 */
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
