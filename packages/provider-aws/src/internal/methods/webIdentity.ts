/**
 * `web-identity`: an IAM role assumed with an OpenID Connect token (GitHub Actions, `AWS_WEB_IDENTITY_TOKEN_FILE`,
 * or a token file), the session cached like assume-role's. `configure` verifies by assuming the role once, unless
 * no token is available now (the `environment` source outside CI): then it saves with a `not verified` note.
 * `login` reuses a still-valid session, else starts a new one.
 *
 * @internal
 */
import { Environment } from "@alchemy/profile-core/Environment"
import { formatExpiry } from "@alchemy/profile-core/Redaction"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Path from "node:path"
import { type AwsProviderEntry, providerId, WebIdentityFile, type WebIdentitySettings } from "../../AwsConfig.js"
import type { ProfileName } from "@alchemy/profile-core/ProfileName"
import { callerIdentity, newWebIdentitySession, roleAccount, validSession } from "../shared.js"
import * as WebIdentity from "../webIdentity.js"
import { invalid, type Method, missing, type ResolveKit, valueOf, withoutMethodSettings } from "./method.js"

/**
 * The cached web identity session, or a new one (a fresh token each time) under the refresher's lock: concurrent
 * processes wait for the one that assumes the role and reuse its session. The cache file is created when missing:
 * a web identity profile needs no person to start a session.
 */
const session = (kit: ResolveKit, profile: ProfileName, settings: WebIdentitySettings, region: string | undefined) => {
  const get = kit.refresher.getValid({
    profile,
    provider: providerId,
    schema: WebIdentityFile,
    isValid: (current, now) =>
      current.type === "web-identity" && validSession(current.session, now.nowMillis, now.skewMillis),
    refresh: (current) =>
      Effect.map(newWebIdentitySession(profile, settings, region), ({ arn: _arn, ...session }) => ({
        ...current,
        type: "web-identity" as const,
        session
      }))
  })
  return get.pipe(
    Effect.catchTag("NeedsLogin", (error) =>
      Effect.gen(function*() {
        const existing = yield* kit.store.read(profile, providerId, WebIdentityFile).pipe(
          Effect.catchTag("CredentialsError", () => Effect.succeed(Option.none()))
        )
        if (Option.isSome(existing)) return yield* error
        yield* kit.store.write(profile, providerId, WebIdentityFile, { type: "web-identity" })
        return yield* get
      }))
  )
}

/** `expires in 55m` / `expired 3m ago`. */
const expiryText = (expiration: number, now: number) => {
  const text = formatExpiry(expiration, now)
  return text.startsWith("in ") ? `expires ${text}` : text
}

/** @internal */
export const webIdentity: Method = {
  id: "web-identity",
  ownInputs: [
    { kind: "value", name: "web-identity-token-file" },
    { kind: "value", name: "web-identity-audience" }
  ],
  /**
   * Settings from the inputs (`web-identity-token-file` gives a `file` source, stored as an absolute path; nothing
   * gives `environment`), then one `AssumeRoleWithWebIdentity` to verify.
   */
  configure: (kit, input, entryBefore) =>
    Effect.gen(function*() {
      const previous = entryBefore?.method === "web-identity" ? entryBefore : withoutMethodSettings(entryBefore)
      const profile = input.profile
      const old = previous?.webIdentity
      const roleArn = valueOf(input, "role-arn") === undefined && !kit.interaction.interactive && old !== undefined
        ? old.roleArn
        : yield* kit.ask(input, "role-arn", "Role ARN to assume with the web identity token", old?.roleArn)
      if (roleAccount(roleArn) === undefined) {
        return yield* invalid(
          profile,
          `--role-arn must be an IAM role ARN (arn:aws:iam::123456789012:role/Name), got ${JSON.stringify(roleArn.slice(0, 80))}`
        )
      }
      const tokenFileGiven = valueOf(input, "web-identity-token-file")
      const audienceGiven = valueOf(input, "web-identity-audience")
      if (tokenFileGiven !== undefined && audienceGiven !== undefined) {
        return yield* invalid(
          profile,
          "--web-identity-audience is what alchemy asks the GitHub Actions token endpoint for; a token file's audience " +
            "is set by whoever writes the file: give one of --web-identity-audience and --web-identity-token-file"
        )
      }
      const sessionName = valueOf(input, "role-session-name") ?? old?.sessionName
      const durationText = valueOf(input, "duration-seconds")
      const durationSeconds = durationText !== undefined ? Number(durationText) : old?.durationSeconds
      if (durationSeconds !== undefined && (!Number.isInteger(durationSeconds) || durationSeconds < 900)) {
        return yield* invalid(profile, "--duration-seconds must be a whole number of seconds, at least 900")
      }
      const region = yield* kit.askRegion(input, previous?.region)
      const audience = tokenFileGiven !== undefined
        ? undefined
        : audienceGiven ?? (old?.tokenSource === "environment" ? old.audience : undefined)
      const settings: WebIdentitySettings = {
        roleArn,
        ...(sessionName !== undefined ? { sessionName } : {}),
        ...(durationSeconds !== undefined ? { durationSeconds } : {}),
        ...(tokenFileGiven !== undefined
          ? { tokenSource: "file" as const, tokenFile: Path.resolve(tokenFileGiven) }
          : { tokenSource: "environment" as const }),
        ...(audience !== undefined ? { audience } : {})
      }
      const entry: AwsProviderEntry = {
        ...withoutMethodSettings(previous),
        method: "web-identity",
        ...(region !== undefined ? { region } : {}),
        webIdentity: settings
      }
      const env = yield* Environment
      const available = yield* Effect.either(WebIdentity.sourceFor(profile, settings, env))
      if (available._tag === "Left") {
        // Only the `environment` source can be unavailable here (a file source always names its file).
        return {
          entry,
          file: { schema: WebIdentityFile, value: { type: "web-identity" as const } },
          notes: [
            `not verified: no web identity token is available now, so role ${roleArn} was not assumed; it will be the ` +
            `first time profile ${profile} is used where ${WebIdentity.tokenFileVariable} or the GitHub Actions ` +
            "variables are set"
          ]
        }
      }
      const { arn: _arn, ...session } = yield* newWebIdentitySession(profile, settings, region, env)
      const identity = yield* callerIdentity(profile, session, region)
      return {
        entry: { ...entry, metadata: { id: identity.account, name: identity.arn } },
        file: { schema: WebIdentityFile, value: { type: "web-identity" as const, session } }
      }
    }),
  // A still-valid cached session is reused; otherwise a new token is obtained and the role assumed.
  login: (kit, input) => Effect.as(kit.resolver.resolve(input.profile), undefined),
  resolve: (kit, { base, entry, profile }) =>
    Effect.gen(function*() {
      const settings = entry.webIdentity
      if (settings === undefined) return yield* missing(profile, "the web identity settings (role ARN, token source)")
      const file = yield* session(kit, profile, settings, base.region)
      return {
        ...base,
        ...file.session!,
        accountId: base.accountId ?? roleAccount(settings.roleArn)
      }
    }),
  details: (kit, profile, entry, now) =>
    Effect.gen(function*() {
      if (entry.webIdentity === undefined) return undefined
      const settings = entry.webIdentity
      const source = WebIdentity.describeSource(settings, yield* Environment)
      const location = yield* kit.credentials.location(profile, providerId).pipe(Effect.option)
      const file = yield* kit.credentials.read(profile, providerId, WebIdentityFile).pipe(
        Effect.map(Option.getOrUndefined),
        Effect.orElseSucceed(() => undefined)
      )
      const session = file?.type === "web-identity" ? file.session : undefined
      const where = Option.isNone(location)
        ? "the profile's credentials"
        : location.value.store === "file"
        ? `file ${location.value.path}`
        : `the OS keychain (service ${location.value.service}, account ${location.value.account})`
      return {
        lines: [
          { label: "roleArn", value: settings.roleArn },
          { label: "token", value: source.text },
          {
            label: "session",
            value: session === undefined
              ? `none cached (the next use assumes the role; cached in ${where})`
              : `${expiryText(session.expiration, now)}, cached in ${where}`
          }
        ],
        json: {
          tokenSource: source.json,
          sessionExpiresAt: session === undefined ? null : new Date(session.expiration).toISOString(),
          sessionCache: Option.getOrNull(location)
        }
      }
    }),
  sourceDetail: (entry) => entry.webIdentity !== undefined ? `${entry.webIdentity.roleArn}, web identity` : undefined
}
