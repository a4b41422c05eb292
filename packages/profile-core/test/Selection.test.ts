import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import { InvalidProfileName } from "../src/Errors.js"
import { type SelectionInput, type SelectionSource, selectProfile, variableValue } from "../src/Selection.js"

const cloudflare = (over: Partial<SelectionInput>): SelectionInput => ({
  provider: "cloudflare",
  providerVariable: "CLOUDFLARE_PROFILE",
  environmentCredentials: [["CLOUDFLARE_API_TOKEN"], ["CLOUDFLARE_API_KEY", "CLOUDFLARE_EMAIL"]],
  env: {},
  ...over
})

const select = (input: SelectionInput) => Either.getOrThrow(selectProfile(input))

describe("selectProfile: first match wins", () => {
  const allSet = {
    resource: "r",
    app: "a",
    flag: "f",
    env: { CLOUDFLARE_PROFILE: "pv", ALCHEMY_PROFILE: "av" }
  }
  const rows: ReadonlyArray<readonly [string, Partial<SelectionInput>, string, SelectionSource, string]> = [
    ["1. resource option", allSet, "r", "resource", "profile option of the resource (r)"],
    ["2. app option", { ...allSet, resource: undefined }, "a", "app", "profile option of the app (a)"],
    ["3. --profile flag", { ...allSet, resource: undefined, app: undefined }, "f", "flag", "--profile f"],
    ["4. provider variable", { env: allSet.env }, "pv", "provider-variable", "CLOUDFLARE_PROFILE=pv"],
    ["5. ALCHEMY_PROFILE", { env: { ALCHEMY_PROFILE: "av" } }, "av", "alchemy-variable", "ALCHEMY_PROFILE=av"],
    ["6. default", {}, "default", "default", "default profile (no profile named)"]
  ]
  for (const [name, input, profile, source, explanation] of rows) {
    it(name, () => {
      const selection = select(cloudflare(input))
      assert.strictEqual(selection.profile, profile)
      assert.strictEqual(selection.source, source)
      assert.strictEqual(selection.explicit, source !== "default")
      assert.strictEqual(selection.explanation, explanation)
      assert.isFalse(selection.useEnvironmentCredentials)
      if (source === "provider-variable") assert.strictEqual(selection.variable, "CLOUDFLARE_PROFILE")
      if (source === "alchemy-variable") assert.strictEqual(selection.variable, "ALCHEMY_PROFILE")
    })
  }

  it("a variable shadowed by a higher step is reported", () => {
    const selection = select(cloudflare({ flag: "prod", env: { CLOUDFLARE_PROFILE: "dev" } }))
    assert.deepStrictEqual(selection.warnings, ["--profile prod wins over CLOUDFLARE_PROFILE=dev"])
  })

  it("empty variables count as unset", () => {
    const selection = select(cloudflare({ env: { CLOUDFLARE_PROFILE: "", ALCHEMY_PROFILE: "  " } }))
    assert.strictEqual(selection.source, "default")
  })

  it("blank variables (spaces, tabs, newlines) count as unset, for every variable: one rule (variableValue)", () => {
    for (const blank of [" ", "\t", " \t\n "]) {
      const env = { CLOUDFLARE_PROFILE: blank, ALCHEMY_AWS_PROFILE: blank, ALCHEMY_PROFILE: blank, CLOUDFLARE_API_TOKEN: blank }
      for (const input of [cloudflare({ env }), { ...cloudflare({ env }), provider: "aws", providerVariable: "ALCHEMY_AWS_PROFILE" }]) {
        const selection = select(input)
        assert.strictEqual(selection.source, "default")
        assert.isFalse(selection.useEnvironmentCredentials)
      }
      for (const name of Object.keys(env)) assert.isUndefined(variableValue(env, name))
    }
    assert.strictEqual(variableValue({ ALCHEMY_PROFILE: " prod" }, "ALCHEMY_PROFILE"), " prod", "not blank: kept as is")
  })

  it("an invalid name from any source is an InvalidProfileName", () => {
    for (const input of [{ flag: "../x" }, { env: { CLOUDFLARE_PROFILE: "a/b" } }, { resource: "" }]) {
      const result = selectProfile(cloudflare(input))
      assert(Either.isLeft(result))
      assert.instanceOf(result.left, InvalidProfileName)
    }
  })
})

describe("selectProfile: environment credentials", () => {
  it("used when no profile is named", () => {
    const selection = select(cloudflare({ env: { CLOUDFLARE_API_TOKEN: "t" } }))
    assert.strictEqual(selection.profile, "default")
    assert.isTrue(selection.useEnvironmentCredentials)
    assert.deepStrictEqual(selection.environmentVariables, ["CLOUDFLARE_API_TOKEN"])
    assert.deepStrictEqual(selection.warnings, [])
  })

  it("a group counts only when complete; a partial group is a warning", () => {
    const partial = select(cloudflare({ env: { CLOUDFLARE_API_KEY: "k" } }))
    assert.isFalse(partial.useEnvironmentCredentials)
    assert.deepStrictEqual(partial.environmentVariables, [])
    assert.deepStrictEqual(partial.warnings, ["CLOUDFLARE_API_KEY is set without CLOUDFLARE_EMAIL; ignoring it"])
    const full = select(cloudflare({ env: { CLOUDFLARE_API_KEY: "k", CLOUDFLARE_EMAIL: "e" } }))
    assert.isTrue(full.useEnvironmentCredentials)
    assert.deepStrictEqual(full.environmentVariables, ["CLOUDFLARE_API_KEY", "CLOUDFLARE_EMAIL"])
  })

  it("a named profile wins over environment credentials, with a warning naming the ignored variables", () => {
    const aws = select({
      provider: "aws",
      providerVariable: "ALCHEMY_AWS_PROFILE",
      environmentCredentials: [["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]],
      env: { ALCHEMY_AWS_PROFILE: "prod", AWS_ACCESS_KEY_ID: "AKIA", AWS_SECRET_ACCESS_KEY: "s" }
    })
    assert.strictEqual(aws.profile, "prod")
    assert.isTrue(aws.explicit)
    assert.isFalse(aws.useEnvironmentCredentials)
    assert.deepStrictEqual(aws.environmentVariables, ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"])
    assert.deepStrictEqual(aws.warnings, [
      "profile prod (ALCHEMY_AWS_PROFILE=prod) wins; ignoring AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY"
    ])
  })

  it("no value of any variable appears in the selection (only names)", () => {
    const selection = select(cloudflare({ flag: "prod", env: { CLOUDFLARE_API_TOKEN: "secret-token-value" } }))
    assert.notInclude(JSON.stringify(selection), "secret-token-value")
  })
})
