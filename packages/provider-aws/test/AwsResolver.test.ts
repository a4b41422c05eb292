import { decodeProfileName } from "@alchemy/profile-core/ProfileName"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type { AwsProviderEntry } from "../src/AwsConfig.js"
import { regionFor } from "../src/AwsResolver.js"

const sso = { startUrl: "https://x.awsapps.com/start", region: "us-east-1", accountId: "111111111111", roleName: "Admin" }

describe("region", () => {
  it.effect("AWS_REGION > AWS_DEFAULT_REGION > the profile's region > the SSO region > the AWS profile's, with where it came from", () =>
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

      // aws-profile: the AWS CLI profile's region comes last, after the environment and the alchemy profile's own
      const fromAwsConfig = { awsProfile: "dev", region: "eu-north-1", file: "~/.aws/config" }
      const awsProfile: AwsProviderEntry = { method: "aws-profile", awsProfile: "dev" }
      assert.deepStrictEqual(regionFor(profile, awsProfile, {}, fromAwsConfig), {
        region: "eu-north-1",
        source: { _tag: "AwsProfile", awsProfile: "dev", file: "~/.aws/config" }
      })
      assert.strictEqual(regionFor(profile, { ...awsProfile, region: "us-west-2" }, {}, fromAwsConfig).region, "us-west-2")
      assert.strictEqual(regionFor(profile, awsProfile, { AWS_DEFAULT_REGION: "ap-south-1" }, fromAwsConfig).region, "ap-south-1")
      assert.strictEqual(regionFor(profile, awsProfile, { AWS_REGION: "" }, fromAwsConfig).region, "eu-north-1")
    }))
})
