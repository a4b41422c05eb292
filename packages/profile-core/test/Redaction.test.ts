import { assert, describe, it } from "@effect/vitest"
import * as Redacted from "effect/Redacted"
import { formatDuration, formatExpiry, redact, redactRedacted } from "../src/Redaction.js"

describe("redact", () => {
  it("first 4 characters then ****; 4 or fewer: ****", () => {
    assert.strictEqual(redact("ASIAXXXXEXAMPLE"), "ASIA****")
    assert.strictEqual(redact("abcde"), "abcd****")
    assert.strictEqual(redact("abcd"), "****")
    assert.strictEqual(redact("a"), "****")
    assert.strictEqual(redact(""), "****")
    assert.strictEqual(redactRedacted(Redacted.make("Xl06secret")), "Xl06****")
  })
  it("counts characters, not UTF-16 units", () => {
    assert.strictEqual(redact("🔑🔑🔑🔑🔑🔑"), "🔑🔑🔑🔑****")
  })
})

describe("formatExpiry", () => {
  const now = 1_700_000_000_000
  const s = 1000
  const m = 60 * s
  const h = 60 * m
  const d = 24 * h
  const table: ReadonlyArray<readonly [number, string]> = [
    [59 * m + 58 * s, "in 59m 58s"],
    [59 * m + 58 * s + 999, "in 59m 58s"],
    [2 * h + 5 * m, "in 2h 5m"],
    [3 * d + 4 * h, "in 3d 4h"],
    [2 * h, "in 2h"],
    [12 * s, "in 12s"],
    [-3 * m, "expired 3m ago"],
    [-(3 * m + 20 * s), "expired 3m 20s ago"],
    [-2 * d, "expired 2d ago"],
    [0, "expired just now"],
    [-500, "expired just now"]
  ]
  for (const [offset, expected] of table) {
    it(expected, () => assert.strictEqual(formatExpiry(now + offset, now), expected))
  }
  it("formatDuration never goes negative", () => assert.strictEqual(formatDuration(-5), "0s"))
})
