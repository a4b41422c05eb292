import { decodeProfileName } from "@alchemy/profile-core/ProfileName"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type { AwsProviderEntry } from "../src/AwsConfig.js"
import { regionFor } from "../src/AwsResolver.js"

const sso = { startUrl: "https://x.awsapps.com/start", region: "us-east-1", accountId: "111111111111", roleName: "Admin" }

describe("region", () => {
  it.effect("AWS_REGION > AWS_DEFAULT_REGION > the profile's region > the SSO region, with where it came from", () =>
    Effect.gen(function*() {
      const profile = yield* decodeProfileName("p")
      const entry: AwsProviderEntry = { method: "sso", region: "eu-west-1", sso }
      assert.deepStrictEqual(regionFor(profile, entry, { AWS_REGION: "sa-east-1", AWS_DEFAULT_REGION: "ap-south-1" }), {
        region: "sa-east-1",
        source: { _tag: "Environment", variable: "AWS_REGION" }
      })
      assert.deepStrictEqual(regionFor(profile, entry, { AWS_REGION: "", AWS_DEFAULT_REGION: "ap-south-1" }), {
        region: "ap-south-1",
        source: { _tag: "Environment", variable: "AWS_DEFAULT_REGION" }
      })
      assert.deepStrictEqual(regionFor(profile, entry, {}), {
        region: "eu-west-1",
        source: { _tag: "Profile", profile, method: "sso" }
      })
      const { region: _r, ...withoutRegion } = entry
      assert.strictEqual(regionFor(profile, withoutRegion, {}).region, "us-east-1")
      assert.deepStrictEqual(regionFor(profile, { method: "access-keys" }, {}), {})
    }))
})
