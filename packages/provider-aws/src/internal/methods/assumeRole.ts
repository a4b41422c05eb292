/**
 * `assume-role`: an IAM role assumed from another alchemy profile (`source-profile`) or from stored keys, with an
 * optional MFA device (the code from `secrets["mfa-code"]` or asked). The session is cached in the credentials
 * file; `login` reuses a still-valid one (no MFA prompt).
 *
 * @internal
 */
import { decodeProfileName, type ProfileName } from "@alchemy/profile-core/ProfileName"
import * as Effect from "effect/Effect"
import { AssumeRoleFile, type AssumeRoleSettings } from "../../AwsConfig.js"
import { AwsError } from "../../AwsError.js"
import type { AwsResolveError } from "../../AwsResolver.js"
import { providerId } from "../../AwsConfig.js"
import type { PlainCredentials } from "../sdk.js"
import { assumeRole as assume, callerIdentity, validSession } from "../shared.js"
import { type Method, missing, type ResolveKit, secretOf, valueOf, withoutMethodSettings } from "./method.js"

/** The credentials the role is assumed with: the source profile's, else the stored keys. */
const sourceCredentials = (
  kit: ResolveKit,
  profile: ProfileName,
  settings: AssumeRoleSettings,
  file: AssumeRoleFile,
  chain: ReadonlyArray<string>
): Effect.Effect<PlainCredentials, AwsResolveError> =>
  Effect.gen(function*() {
    if (settings.sourceProfile !== undefined) {
      const source = yield* decodeProfileName(settings.sourceProfile)
      return yield* kit.resolve(source, { chain })
    }
    if (file.accessKeyId !== undefined && file.secretAccessKey !== undefined) {
      return { accessKeyId: file.accessKeyId, secretAccessKey: file.secretAccessKey, sessionToken: file.sessionToken }
    }
    return yield* new AwsError({
      reason: "MissingSetting",
      profile,
      detail: "the source of the role (a source profile or access keys)"
    })
  })

/** @internal */
export const assumeRole: Method = {
  id: "assume-role",
  configure: (kit, input, entryBefore) =>
    Effect.gen(function*() {
      const previous = entryBefore?.method === "assume-role" ? entryBefore : withoutMethodSettings(entryBefore)
      const profile = input.profile
      const old = previous?.assumeRole
      const roleArn = yield* kit.ask(input, "role-arn", "Role ARN to assume", old?.roleArn)
      const sourceProfile = valueOf(input, "source-profile") ?? old?.sourceProfile
      const externalId = valueOf(input, "external-id") ?? old?.externalId
      const sessionName = valueOf(input, "role-session-name") ?? old?.sessionName
      const durationText = valueOf(input, "duration-seconds")
      const durationSeconds = durationText !== undefined ? Number(durationText) : old?.durationSeconds
      if (durationSeconds !== undefined && (!Number.isInteger(durationSeconds) || durationSeconds < 900)) {
        return yield* new AwsError({
          reason: "MissingSetting",
          profile,
          detail: "--duration-seconds must be a whole number of seconds, at least 900"
        })
      }
      const mfaSerial = valueOf(input, "mfa-serial") ?? old?.mfaSerial
      const region = yield* kit.askRegion(input, previous?.region)
      const settings: AssumeRoleSettings = {
        roleArn,
        ...(sourceProfile !== undefined ? { sourceProfile } : {}),
        ...(externalId !== undefined ? { externalId } : {}),
        ...(sessionName !== undefined ? { sessionName } : {}),
        ...(durationSeconds !== undefined ? { durationSeconds } : {}),
        ...(mfaSerial !== undefined ? { mfaSerial } : {})
      }
      let file: AssumeRoleFile = { type: "assume-role" }
      let source: PlainCredentials
      if (sourceProfile !== undefined) {
        const name = yield* decodeProfileName(sourceProfile)
        source = yield* kit.resolver.resolve(name, { chain: [profile] })
      } else {
        const accessKeyId = yield* kit.ask(input, "aws-access-key-id", "Source access key id")
        const secretAccessKey = yield* kit.askSecret(input, "aws-secret-access-key", "Source secret access key")
        const sessionToken = secretOf(input, "aws-session-token")
        source = { accessKeyId, secretAccessKey, sessionToken }
        file = { ...file, accessKeyId, secretAccessKey, ...(sessionToken !== undefined ? { sessionToken } : {}) }
      }
      const code = mfaSerial === undefined
        ? undefined
        : yield* kit.askSecret(input, "mfa-code", `MFA code for ${mfaSerial}`)
      const session = yield* assume(profile, settings, source, region, code)
      const identity = yield* callerIdentity(profile, session, region)
      return {
        entry: {
          ...withoutMethodSettings(previous),
          method: "assume-role" as const,
          ...(region !== undefined ? { region } : {}),
          metadata: { id: identity.account, name: identity.arn },
          assumeRole: settings
        },
        file: { schema: AssumeRoleFile, value: { ...file, session } }
      }
    }),
  login: (kit, input, entry, file) =>
    Effect.gen(function*() {
      if (entry.assumeRole?.sourceProfile === undefined && file?.type !== "assume-role") return "configure" as const
      if (file === undefined) {
        yield* kit.credentials.write(input.profile, providerId, AssumeRoleFile, { type: "assume-role" })
      }
      yield* kit.resolver.resolve(input.profile, { mfaCode: secretOf(input, "mfa-code") })
      return undefined
    }),
  resolve: (kit, { base, chain, entry, options, profile }) =>
    Effect.gen(function*() {
      const settings = entry.assumeRole
      if (settings === undefined) return yield* missing(profile, "the role ARN")
      const file = yield* kit.refresher.getValid({
        profile,
        provider: providerId,
        schema: AssumeRoleFile,
        isValid: (current, now) =>
          current.type === "assume-role" && validSession(current.session, now.nowMillis, now.skewMillis),
        refresh: (current) =>
          Effect.gen(function*() {
            const source = yield* sourceCredentials(kit, profile, settings, current, [...chain, profile])
            const code = settings.mfaSerial === undefined
              ? undefined
              : options.mfaCode ??
                (yield* kit.interaction.secret({
                  message: `MFA code for ${settings.mfaSerial} (profile ${profile})`,
                  flag: "--mfa-code"
                }))
            const session = yield* assume(profile, settings, source, base.region, code)
            return { ...current, session } satisfies AssumeRoleFile
          })
      })
      return { ...base, ...file.session! }
    }),
  sourceDetail: (entry) => entry.assumeRole?.roleArn
}
