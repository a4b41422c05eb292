/**
 * An Alchemy v2 home (profile-core's fixture of generation 2b, as their tool writes it) migrated by profile-core on
 * first use: the AWS resolver reads the result. `stored` + `aws.json` -> `access-keys` (keys, session token, region,
 * account id); `sso` + `ssoProfile` -> `aws-profile` resolved by the SDK from the AWS config.
 */
import { unsafeMakeProfileName } from "@alchemy/profile-core/ProfileName"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterAll, beforeAll } from "vitest"
import { AwsResolver } from "../src/AwsResolver.js"
import { makeSandbox, packageDir, providerLayer, scripted } from "./fixtures/harness.js"

const generations = ["2a-old", "2a-new", "2b"] as const
const fixture = (generation: string) => Path.join(packageDir, "..", "profile-core", "test", "fixtures", "alchemy-v2", generation)

let sandbox: ReturnType<typeof makeSandbox>
beforeAll(() => {
  sandbox = makeSandbox()
  Fs.writeFileSync(sandbox.awsCredentials, "[dev]\naws_access_key_id = AKIADEVFROMINI\naws_secret_access_key = dev-secret-from-ini\n")
  Fs.writeFileSync(sandbox.awsConfig, "[profile dev]\nregion = ap-south-1\n")
})
afterAll(() => sandbox?.cleanup())

describe("an Alchemy v2 home, migrated, resolves with the AWS provider", () => {
  for (const generation of generations) {
    it.live(`generation ${generation}: access-keys from their stored keys, aws-profile from their ssoProfile`, () => {
      const home = Path.join(sandbox.root, `home-${generation}`)
      Fs.cpSync(fixture(generation), home, { recursive: true })
      const keysFile = Fs.readdirSync(Path.join(home, "credentials/work")).find((f) => f.startsWith("aws"))!
      const theirs = JSON.parse(Fs.readFileSync(Path.join(home, "credentials/work", keysFile), "utf8"))
      return Effect.gen(function*() {
        const resolver = yield* AwsResolver
        const work = yield* resolver.resolve(unsafeMakeProfileName("work"))
        assert.strictEqual(work.method, "access-keys")
        assert.strictEqual(work.accessKeyId, theirs.accessKeyId)
        assert.strictEqual(Redacted.value(work.secretAccessKey), theirs.secretAccessKey)
        assert.strictEqual(work.sessionToken && Redacted.value(work.sessionToken), theirs.sessionToken)
        assert.strictEqual(work.region, "eu-west-1")
        assert.strictEqual(work.accountId, "123456789012")

        const dev = yield* resolver.resolve(unsafeMakeProfileName("default"))
        assert.strictEqual(dev.method, "aws-profile")
        assert.strictEqual(dev.accessKeyId, "AKIADEVFROMINI")
        assert.strictEqual(Redacted.value(dev.secretAccessKey), "dev-secret-from-ini")
      }).pipe(Effect.provide(providerLayer(home, scripted().interaction)))
    })
  }
})
