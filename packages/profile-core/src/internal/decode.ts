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

/**
 * How deep objects and arrays may nest. Our files nest 5 levels; keys another tool added may nest more, but
 * nothing real nests this deep, and decoding, preserving and encoding unknown values all recurse.
 *
 * @internal
 */
export const MAX_DEPTH = 256

/** The deepest nesting of `[` and `{` in JSON text (strings skipped), without parsing it. */
const depthOf = (text: string): number => {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) {
      inString = true
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > deepest) deepest = depth
    } else if (c === 0x7d || c === 0x5d) {
      depth--
    }
  }
  return deepest
}

/** @internal */
export const parseJson = (text: string): Either.Either<unknown, DecodeProblem> => {
  const depth = depthOf(text)
  if (depth > MAX_DEPTH) {
    return Either.left({
      reason: "SchemaMismatch",
      detail: `values nest ${depth} levels deep; at most ${MAX_DEPTH} are read`
    })
  }
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
 * Sets an own, enumerable data property, whatever the key (`out["__proto__"] = v` would set the prototype instead
 * and the key would vanish from the file on the next write).
 *
 * @internal
 */
export const defineKey = (target: Record<string, unknown>, key: string, value: unknown): void => {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}

/** @internal */
export const hasOwn = (u: object, key: PropertyKey): boolean => Object.prototype.hasOwnProperty.call(u, key)

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
    if (hasOwn(value, key)) defineKey(out, key, restoreOrder(like[key], value[key]))
  }
  for (const key of Object.keys(value)) {
    if (!hasOwn(out, key)) defineKey(out, key, value[key])
  }
  for (const symbol of Object.getOwnPropertySymbols(value)) {
    Object.defineProperty(out, symbol, { value: value[symbol as never], enumerable: true })
  }
  return out as A
}

/**
 * Keys a schema decoder or encoder would not keep as data (`__proto__` becomes the prototype when copied by
 * assignment), set aside before and put back after, so they survive as data and are never acted upon.
 */
const hazardous = ["__proto__"] as const

/**
 * Decode or encode an object with `onExcessProperty: "preserve"`, keeping every key of the input as data (a
 * `__proto__` key included) and the input's key order.
 *
 * @internal
 */
export const transformKeeping = <A, E>(
  raw: unknown,
  transform: (input: unknown) => Either.Either<A, E>
): Either.Either<A, E> => {
  if (!isRecord(raw) || !hazardous.some((key) => hasOwn(raw, key))) {
    return Either.map(transform(raw), (value) => restoreOrder(raw, value))
  }
  const safe: Record<string, unknown> = {}
  for (const key of Object.keys(raw)) if (!(hazardous as ReadonlyArray<string>).includes(key)) safe[key] = raw[key]
  return Either.map(transform(safe), (value) => {
    if (!isRecord(value)) return value
    const withKeys = { ...value }
    for (const key of hazardous) if (hasOwn(raw, key)) defineKey(withKeys, key, raw[key])
    return restoreOrder(raw, withKeys as A)
  })
}
