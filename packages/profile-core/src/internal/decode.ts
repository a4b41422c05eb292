/**
 * JSON parsing and schema-error rendering that never echo file contents (they may hold secrets).
 *
 * @internal
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"

/** @internal */
export interface DecodeProblem {
  readonly reason: "InvalidJson" | "UnknownVersion" | "SchemaMismatch"
  readonly detail: string
}

/** @internal */
export const parseJson = (text: string): Either.Either<unknown, DecodeProblem> => {
  try {
    return Either.right(JSON.parse(text))
  } catch (error) {
    const message = error instanceof Error ? error.message : ""
    if (text.trim().length === 0) return Either.left({ reason: "InvalidJson", detail: "the file is empty" })
    if (/end of (JSON|data)|Unterminated/i.test(message)) {
      return Either.left({ reason: "InvalidJson", detail: "it ends unexpectedly (truncated?)" })
    }
    const position = /position (\d+)/.exec(message)
    return Either.left({
      reason: "InvalidJson",
      detail: position ? `syntax error at character ${position[1]}` : "syntax error"
    })
  }
}

const renderKey = (key: PropertyKey): string =>
  typeof key === "string" && /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key)
    ? `.${key}`
    : `[${JSON.stringify(String(key)).slice(0, 40)}]`

/**
 * `profiles.default.cloudflare.method: expected string` — paths and expectations only, never the actual values.
 *
 * @internal
 */
export const describeParseError = (error: ParseResult.ParseIssue | ParseResult.ParseError): string => {
  const issues = ParseResult.ArrayFormatter.formatIssueSync(ParseResult.isParseError(error) ? error.issue : error)
  const rendered = issues.slice(0, 3).map((issue) => {
    const where = issue.path.length === 0 ? "(top level)" : issue.path.map(renderKey).join("").replace(/^\./, "")
    const what = issue.message.replace(/,?\s*actual[\s\S]*$/, "").replace(/\s+/g, " ").trim()
    return `${where}: ${what.length > 160 ? `${what.slice(0, 160)}...` : what || issue._tag}`
  })
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : ""
  return rendered.join("; ") + more
}

/** @internal */
export const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * Checks the `version` field: absent is allowed only when `required` is false.
 *
 * @internal
 */
export const checkVersion = (
  json: unknown,
  options: { readonly required: boolean }
): Either.Either<Record<string, unknown>, DecodeProblem> => {
  if (!isRecord(json)) {
    return Either.left({ reason: "SchemaMismatch", detail: "expected a JSON object at the top level" })
  }
  if (!("version" in json)) {
    return options.required
      ? Either.left({ reason: "SchemaMismatch", detail: "version: is missing (expected 1)" })
      : Either.right(json)
  }
  if (json.version === 1) return Either.right(json)
  if (typeof json.version === "number") {
    return Either.left({ reason: "UnknownVersion", detail: `version ${json.version} (this alchemy reads version 1)` })
  }
  return Either.left({ reason: "SchemaMismatch", detail: "version: expected the number 1" })
}

const isPlainObject = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u) &&
  (Object.getPrototypeOf(u) === Object.prototype || Object.getPrototypeOf(u) === null)

/**
 * Decoding with `onExcessProperty: "preserve"` puts unknown keys first; put keys back in the order of `like`
 * (recursively, plain objects only) so a rewrite does not shuffle a hand-edited file.
 *
 * @internal
 */
export const restoreOrder = <A>(like: unknown, value: A): A => {
  if (!isPlainObject(like) || !isPlainObject(value)) return value
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(like)) {
    if (Object.prototype.hasOwnProperty.call(value, key)) out[key] = restoreOrder(like[key], value[key])
  }
  for (const key of Object.keys(value)) {
    if (!Object.prototype.hasOwnProperty.call(out, key)) out[key] = value[key]
  }
  return out as A
}
