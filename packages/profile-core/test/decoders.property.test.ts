/**
 * Random JSON through every decoder: the only outcomes are a value or a typed error; never a throw, never an
 * echo of the input (which, in a credentials file, would be a secret).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"
import { decodeConfigText, decodeCredentialsText } from "../src/ConfigFile.js"
import { parseProfileName } from "../src/ProfileName.js"

const Oauth = Schema.Struct({
  type: Schema.Literal("oauth"),
  access: Schema.Redacted(Schema.String),
  refresh: Schema.Redacted(Schema.String),
  expires: Schema.Number
})

const MARK = "SECRETMARK"
// JSON values whose strings all carry a marker, so an echo in an error detail is detectable.
const markedJson = FastCheck.letrec<{ value: unknown }>((tie) => ({
  value: FastCheck.oneof(
    { depthSize: "small" },
    FastCheck.constant(null),
    FastCheck.boolean(),
    FastCheck.double({ noNaN: true, noDefaultInfinity: true }),
    FastCheck.integer(),
    FastCheck.string().map((s) => `${MARK}${s}`),
    FastCheck.array(tie("value"), { maxLength: 4 }),
    FastCheck.dictionary(FastCheck.string({ maxLength: 8 }), tie("value"), { maxKeys: 4 })
  )
})).value

// Values shaped like the real files, with random holes and wrong types in them.
const nearConfig = FastCheck.record({
  version: FastCheck.oneof(FastCheck.constant(1), FastCheck.constant(99), markedJson),
  profiles: FastCheck.oneof(
    FastCheck.dictionary(
      FastCheck.oneof(FastCheck.constantFrom("default", "prod", "../x", "", "a\u0000b"), FastCheck.string()),
      FastCheck.dictionary(
        FastCheck.constantFrom("cloudflare", "aws", "x"),
        FastCheck.oneof(FastCheck.record({ method: FastCheck.oneof(FastCheck.string(), markedJson) }), markedJson)
      ),
      { maxKeys: 3 }
    ),
    markedJson
  )
}, { requiredKeys: [] })

const nearOauth = FastCheck.record({
  type: FastCheck.oneof(FastCheck.constant("oauth"), markedJson),
  access: FastCheck.oneof(FastCheck.string().map((s) => `${MARK}${s}`), markedJson),
  refresh: FastCheck.oneof(FastCheck.string().map((s) => `${MARK}${s}`), markedJson),
  expires: FastCheck.oneof(FastCheck.integer(), markedJson),
  version: markedJson
}, { requiredKeys: [] })

const texts = FastCheck.oneof(
  markedJson.map((v) => JSON.stringify(v) ?? "null"),
  nearConfig.map((v) => JSON.stringify(v)),
  nearOauth.map((v) => JSON.stringify(v)),
  // truncated and corrupted JSON
  nearOauth.chain((v) => {
    const text = JSON.stringify(v)
    return FastCheck.nat(text.length).map((n) => text.slice(0, n))
  }),
  FastCheck.string().map((s) => `${MARK}${s}`)
)

describe("decoders on random input", () => {
  it("config.json: a value or a typed problem, never a throw or an echo", () => {
    FastCheck.assert(
      FastCheck.property(texts, (text) => {
        const result = decodeConfigText(text)
        if (Either.isLeft(result)) {
          assert.oneOf(result.left.reason, ["InvalidJson", "UnknownVersion", "SchemaMismatch"])
          assert.notInclude(result.left.detail, MARK)
        }
      }),
      { numRuns: 3000 }
    )
  })

  it("credentials files: a value or a typed problem, never a throw or an echo of a secret", () => {
    FastCheck.assert(
      FastCheck.property(texts, (text) => {
        const result = decodeCredentialsText(text, Oauth)
        if (Either.isLeft(result)) {
          assert.oneOf(result.left.reason, ["InvalidJson", "UnknownVersion", "SchemaMismatch"])
          assert.notInclude(result.left.detail, MARK)
        }
      }),
      { numRuns: 3000 }
    )
  })

  it("profile names: any string either validates or gives InvalidProfileName with a bounded message", () => {
    FastCheck.assert(
      FastCheck.property(FastCheck.string({ unit: "binary", maxLength: 300 }), (input) => {
        const result = parseProfileName(input)
        if (Either.isRight(result)) {
          assert.match(result.right, /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/)
        } else {
          assert.isBelow(result.left.message.length, 500)
          assert.notInclude(result.left.message, "\u0000")
        }
      }),
      { numRuns: 3000 }
    )
  })
})
