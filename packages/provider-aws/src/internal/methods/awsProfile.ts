/**
 * `aws-profile`: a profile of `~/.aws/config` (or `AWS_CONFIG_FILE`), resolved by the SDK's `fromIni` each process
 * (SSO, `credential_process`, role chains, keys) and verified before the entry is kept. Stores no secret. The
 * region is the AWS profile's own unless `region` names one (asked only when neither does).
 *
 * @internal
 */
import { Environment } from "@alchemy/profile-core/Environment"
import * as Effect from "effect/Effect"
import type { AwsProviderEntry } from "../../AwsConfig.js"
import type { AwsResolved } from "../../AwsResolver.js"
import { type AwsProfileCredentials, callerIdentity, regionFor } from "../shared.js"
import { profileRegion } from "../sharedConfig.js"
import { type Method, missing, valueOf, withoutMethodSettings } from "./method.js"

/** Credentials the SDK resolved, with the profile's own region and metadata (its stored account id wins). */
const withBase = (
  base: Omit<AwsResolved, "accessKeyId" | "secretAccessKey">,
  credentials: AwsProfileCredentials
): AwsResolved => ({ ...base, ...credentials, accountId: base.accountId ?? credentials.accountId })

/** @internal */
export const awsProfile: Method = {
  id: "aws-profile",
  configure: (kit, input, previous) =>
    Effect.gen(function*() {
      const profile = input.profile
      const name = yield* kit.ask(input, "aws-profile", "AWS CLI profile name (from ~/.aws/config)", previous?.awsProfile)
      // The AWS profile's own `region` applies unless this profile names one: ask only when neither does.
      const region = (yield* profileRegion(name)) === undefined
        ? yield* kit.askRegion(input, previous?.region)
        : valueOf(input, "region") ?? previous?.region
      const entry: AwsProviderEntry = {
        ...withoutMethodSettings(previous),
        method: "aws-profile",
        ...(region !== undefined ? { region } : {}),
        awsProfile: name
      }
      // Verify before saving anything: the entry is written only once the AWS profile resolves.
      const resolved = yield* kit.resolver.resolveEntry(profile, entry)
      const identity = yield* callerIdentity(profile, resolved, resolved.region)
      return { entry: { ...entry, metadata: { id: identity.account, name: identity.arn } }, file: undefined }
    }),
  login: (kit, input) => Effect.as(kit.resolver.resolve(input.profile), undefined),
  resolve: (kit, { base, chain, entry, profile }) =>
    Effect.gen(function*() {
      const name = entry.awsProfile
      if (name === undefined) return yield* missing(profile, "the AWS CLI profile name")
      const fromSdk = yield* kit.resolveAwsProfile(profile, name, chain)
      const { region: awsRegion, source: awsRegionSource } = regionFor(profile, entry, yield* Environment, fromSdk.region)
      return withBase({ ...base, region: awsRegion, regionSource: awsRegionSource }, fromSdk.credentials)
    }),
  sourceDetail: (entry) => `AWS profile ${entry.awsProfile ?? "?"}`
}
