/**
 * The AWS provider on profile-core's `AuthProvider` port: configure, login, logout, describe and environment for
 * the `sso`, `access-keys`, `assume-role` and `aws-profile` methods.
 *
 * Values come from `ConfigureInput.values` (flag names: `region`, `sso-start-url`, `sso-region`,
 * `sso-account-id`, `sso-role-name`, `aws-access-key-id`, `role-arn`, `source-profile`, `external-id`,
 * `role-session-name`, `duration-seconds`, `mfa-serial`, `aws-profile`) and secrets from `ConfigureInput.secrets`
 * (`aws-secret-access-key`, `aws-session-token`, `mfa-code`); anything missing is asked through `Interaction`.
 *
 * @since 0.1.0
 */
import type { AuthMethod, AuthProvider, ConfigureInput, Description, DisplayLine } from "@alchemy/profile-core/AuthProvider"
import { CredentialStore } from "@alchemy/profile-core/CredentialStore"
import { Interaction } from "@alchemy/profile-core/Interaction"
import { decodeProfileName, type ProfileName } from "@alchemy/profile-core/ProfileName"
import { ProfileStore } from "@alchemy/profile-core/ProfileStore"
import { formatExpiry, redact } from "@alchemy/profile-core/Redaction"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Schema from "effect/Schema"
import {
  AccessKeysFile,
  AssumeRoleFile,
  type AssumeRoleSettings,
  AwsCredentialsFile,
  type AwsMethod,
  type AwsProviderEntry,
  AwsProviderEntry as AwsProviderEntrySchema,
  providerId,
  type SessionCredentials,
  SsoFile,
  type SsoSettings
} from "./AwsConfig.js"
import { environmentCredentials, profileVariable } from "./AwsCredentials.js"
import { AwsError } from "./AwsError.js"
import {
  assumeRole,
  type AwsResolved,
  AwsResolver,
  callerIdentity,
  type RegionSource,
  storedRegion
} from "./AwsResolver.js"
import * as AwsSso from "./AwsSso.js"
import * as Interop from "./CredentialProcess.js"
import type { PlainCredentials } from "./internal/sdk.js"
import { profileRegion } from "./internal/sharedConfig.js"

/** The methods, in the order a picker shows them. @since 0.1.0 */
export const methods: ReadonlyArray<AuthMethod & { readonly id: AwsMethod }> = [
  {
    id: "sso",
    title: "IAM Identity Center (SSO)",
    description: "Sign in through your organization's AWS access portal",
    recommended: true
  },
  { id: "access-keys", title: "Access keys", description: "An access key id and secret (optionally a session token)" },
  { id: "assume-role", title: "Assume role", description: "Assume an IAM role from another profile or stored keys, with optional MFA" },
  { id: "aws-profile", title: "AWS CLI profile", description: "Use a profile of ~/.aws/config (SSO, process, roles, keys)" }
]

/** @since 0.1.0 */
export class AwsAuthProvider extends Context.Tag("@alchemy/provider-aws/AwsAuthProvider")<
  AwsAuthProvider,
  AuthProvider
>() {}

const secretOf = (input: ConfigureInput, name: string) => input.secrets[name]
const valueOf = (input: ConfigureInput, name: string) => {
  const value = input.values[name]
  return value === undefined || value === "" ? undefined : value
}

/**
 * Build the provider from profile-core's services and the resolver.
 *
 * @since 0.1.0
 */
export const make: Effect.Effect<
  AuthProvider,
  never,
  ProfileStore | CredentialStore | Interaction | AwsResolver
> = Effect.gen(function*() {
  const profiles = yield* ProfileStore
  const credentials = yield* CredentialStore
  const interaction = yield* Interaction
  const resolver = yield* AwsResolver

  const ask = (input: ConfigureInput, name: string, message: string, fallback?: string) =>
    Effect.suspend(() => {
      const given = valueOf(input, name)
      if (given !== undefined) return Effect.succeed(given)
      return interaction.text({
        message,
        flag: `--${name}`,
        ...(fallback !== undefined ? { default: fallback } : {})
      })
    })

  const askSecret = (input: ConfigureInput, name: string, message: string) =>
    Effect.suspend(() => {
      const given = secretOf(input, name)
      return given !== undefined ? Effect.succeed(given) : interaction.secret({ message, flag: `--${name}` })
    })

  const askRegion = (input: ConfigureInput, existing: string | undefined) =>
    Effect.gen(function*() {
      const given = valueOf(input, "region")
      if (given !== undefined) return given
      if (existing !== undefined) return existing
      if (!interaction.interactive) return undefined
      return yield* interaction.text({ message: "Default AWS region", default: "us-east-1", flag: "--region" })
    })

  const existingEntry = (profile: ProfileName) =>
    profiles.getProvider(profile, providerId, AwsProviderEntrySchema).pipe(Effect.map(Option.getOrUndefined))

  const readFile = (profile: ProfileName) =>
    credentials.read(profile, providerId, AwsCredentialsFile).pipe(
      Effect.map(Option.getOrUndefined),
      Effect.catchTag("CredentialsError", () => Effect.succeed(undefined))
    )

  /** The new file, keeping the keys this version does not know from a previous file of the same type. */
  const keepingUnknown = <A extends { readonly type: string }>(
    previous: AwsCredentialsFile | undefined,
    fields: Readonly<Record<string, unknown>>,
    value: A
  ): A => {
    const unknown = previous !== undefined && previous.type === value.type
      ? Object.fromEntries(Object.entries(previous).filter(([key]) => !(key in fields)))
      : {}
    return { ...unknown, ...value }
  }

  /**
   * End the IAM Identity Center session of an SSO file (the portal's Logout; the emulator and AWS invalidate its
   * access and refresh tokens). Best effort: an expired token has nothing to end, a failure is a warning.
   */
  const endSsoSession = (profile: ProfileName, region: string, file: SsoFile, consequence: string) =>
    Effect.gen(function*() {
      if (file.expiresAt <= (yield* Clock.currentTimeMillis)) return
      yield* AwsSso.logout(profile, region, file.accessToken).pipe(
        Effect.catchAll((error) => interaction.warn(`IAM Identity Center logout failed (${error.detail}); ${consequence}`))
      )
    })

  /**
   * Save the entry and its credentials file as one pair (profile-core's `CredentialStore.replace`: the entry first,
   * both under the file's lock, so a kill in between never leaves an unlisted secret and two configures of the
   * profile cannot mix). `file` undefined removes the credentials file (a method that stores no secret). The SSO
   * session the new credentials replace (a new sign-in, or another method) is ended once they are saved.
   */
  const savePair = <A extends { readonly type: string }, I>(
    profile: ProfileName,
    entry: AwsProviderEntry | undefined,
    file: { readonly schema: Schema.Schema<A, I> & { readonly fields: Readonly<Record<string, unknown>> }; readonly value: A } | undefined
  ) =>
    Effect.gen(function*() {
      const before = yield* existingEntry(profile)
      const previous = yield* readFile(profile)
      yield* credentials.replace(profile, providerId, AwsCredentialsFile, {
        entry: entry === undefined ? Effect.void : profiles.putProvider(profile, providerId, AwsProviderEntrySchema, entry),
        credentials: file === undefined
          ? Option.none()
          : Option.some(keepingUnknown(previous, file.schema.fields, file.value) as unknown as AwsCredentialsFile)
      })
      yield* resolver.forget(profile)
      const next = file?.value as AwsCredentialsFile | undefined
      if (
        previous?.type === "sso" && before?.sso !== undefined &&
        (next?.type !== "sso" || Redacted.value(next.accessToken) !== Redacted.value(previous.accessToken))
      ) {
        yield* endSsoSession(
          profile,
          before.sso.region,
          previous,
          "the new credentials are saved; the previous sign-in may stay active until it expires."
        )
      }
    })

  // ---- sso -------------------------------------------------------------------------------------------------

  const ssoSignIn = (
    profile: ProfileName,
    input: ConfigureInput,
    settings: Omit<SsoSettings, "accountId" | "roleName"> & Partial<SsoSettings>
  ) =>
    Effect.gen(function*() {
      const previous = yield* readFile(profile)
      const grant = input.useDeviceCode === true ? "device" as const : "authorization_code" as const
      const existing = previous?.type === "sso" && previous.registrationGrant !== undefined
        ? Option.some<AwsSso.Registration>({
          clientId: previous.clientId,
          clientSecret: previous.clientSecret,
          expiresAt: previous.registrationExpiresAt,
          grant: previous.registrationGrant
        })
        : Option.none()
      const full = { accountId: "", roleName: "", ...settings }
      const registration = yield* AwsSso.register(profile, full, grant, existing)
      const token = grant === "device"
        ? yield* AwsSso.loginWithDeviceCode(profile, full, registration, { noBrowser: input.noBrowser })
        : yield* AwsSso.loginWithAuthorizationCode(profile, full, registration, { noBrowser: input.noBrowser })
      return { registration, token }
    }).pipe(Effect.provideService(Interaction, interaction))

  const configureSso = (input: ConfigureInput, previous: Partial<AwsProviderEntry> | undefined) =>
    Effect.gen(function*() {
      const profile = input.profile
      const startUrl = yield* ask(input, "sso-start-url", "IAM Identity Center start URL", previous?.sso?.startUrl)
      const ssoRegion = yield* ask(input, "sso-region", "IAM Identity Center region", previous?.sso?.region ?? "us-east-1")
      const region = yield* askRegion(input, previous?.region ?? ssoRegion)
      const { registration, token } = yield* ssoSignIn(profile, input, { startUrl, region: ssoRegion })
      const accountId = yield* pickAccount(input, profile, ssoRegion, token.accessToken)
      const roleName = yield* pickRole(input, profile, ssoRegion, token.accessToken, accountId)
      const settings: SsoSettings = { startUrl, region: ssoRegion, accountId, roleName }
      const roleCredentials = yield* AwsSso.getRoleCredentials(profile, settings, token.accessToken)
      const identity = yield* callerIdentity(profile, roleCredentials, region)
      yield* savePair(profile, {
        ...previous,
        method: "sso",
        ...(region !== undefined ? { region } : {}),
        metadata: { id: identity.account || accountId, name: identity.arn },
        sso: settings
      }, { schema: SsoFile, value: ssoFile(registration, token, roleCredentials) })
    })

  const pickAccount = (input: ConfigureInput, profile: ProfileName, region: string, token: Redacted.Redacted<string>) =>
    Effect.gen(function*() {
      const given = valueOf(input, "sso-account-id")
      const accounts = yield* AwsSso.listAccounts(profile, region, token)
      if (given !== undefined) {
        if (!accounts.some((a) => a.accountId === given)) {
          return yield* new AwsError({
            reason: "AccessDenied",
            profile,
            detail: `account ${given} is not available to this sign-in (available: ${
              accounts.map((a) => `${a.accountName}: ${a.accountId}`).join(", ") || "none"
            })`
          })
        }
        return given
      }
      if (accounts.length === 0) {
        return yield* new AwsError({ reason: "AccessDenied", profile, detail: "this sign-in has no AWS accounts" })
      }
      if (accounts.length === 1) return accounts[0]!.accountId
      return yield* interaction.select({
        message: "AWS account",
        flag: "--sso-account-id",
        choices: accounts.map((a) => ({
          title: `${a.accountName} (${a.accountId})`,
          value: a.accountId,
          ...(a.emailAddress !== undefined ? { description: a.emailAddress } : {})
        }))
      })
    })

  const pickRole = (
    input: ConfigureInput,
    profile: ProfileName,
    region: string,
    token: Redacted.Redacted<string>,
    accountId: string
  ) =>
    Effect.gen(function*() {
      const given = valueOf(input, "sso-role-name")
      const roles = yield* AwsSso.listAccountRoles(profile, region, token, accountId)
      if (given !== undefined) {
        if (!roles.includes(given)) {
          return yield* new AwsError({
            reason: "AccessDenied",
            profile,
            detail: `role ${given} is not available in account ${accountId} (available: ${roles.join(", ") || "none"})`
          })
        }
        return given
      }
      if (roles.length === 0) {
        return yield* new AwsError({ reason: "AccessDenied", profile, detail: `no roles in account ${accountId}` })
      }
      if (roles.length === 1) return roles[0]!
      return yield* interaction.select({
        message: `Role in account ${accountId}`,
        flag: "--sso-role-name",
        choices: roles.map((role) => ({ title: role, value: role }))
      })
    })

  const loginSso = (input: ConfigureInput, entry: AwsProviderEntry) =>
    Effect.gen(function*() {
      const settings = entry.sso
      if (settings === undefined) return yield* configureSso(input, entry)
      const profile = input.profile
      const { registration, token } = yield* ssoSignIn(profile, input, settings)
      const roleCredentials = yield* AwsSso.getRoleCredentials(profile, settings, token.accessToken)
      yield* savePair(profile, undefined, { schema: SsoFile, value: ssoFile(registration, token, roleCredentials) })
    })

  // ---- access keys -----------------------------------------------------------------------------------------

  const configureAccessKeys = (input: ConfigureInput, previous: AwsProviderEntry | undefined) =>
    Effect.gen(function*() {
      const profile = input.profile
      const accessKeyId = yield* ask(input, "aws-access-key-id", "AWS access key id")
      const secretAccessKey = yield* askSecret(input, "aws-secret-access-key", "AWS secret access key")
      const sessionToken = secretOf(input, "aws-session-token")
      const region = yield* askRegion(input, previous?.region)
      const identity = yield* callerIdentity(profile, { accessKeyId, secretAccessKey, sessionToken }, region)
      yield* savePair(profile, {
        ...withoutMethodSettings(previous),
        method: "access-keys",
        ...(region !== undefined ? { region } : {}),
        metadata: { id: identity.account, name: identity.arn }
      }, {
        schema: AccessKeysFile,
        value: {
          type: "access-keys",
          accessKeyId,
          secretAccessKey,
          ...(sessionToken !== undefined ? { sessionToken } : {})
        }
      })
    })

  // ---- assume role -----------------------------------------------------------------------------------------

  const configureAssumeRole = (input: ConfigureInput, previous: Partial<AwsProviderEntry> | undefined) =>
    Effect.gen(function*() {
      const profile = input.profile
      const old = previous?.assumeRole
      const roleArn = yield* ask(input, "role-arn", "Role ARN to assume", old?.roleArn)
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
      const region = yield* askRegion(input, previous?.region)
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
        source = yield* resolver.resolve(name, { chain: [profile] })
      } else {
        const accessKeyId = yield* ask(input, "aws-access-key-id", "Source access key id")
        const secretAccessKey = yield* askSecret(input, "aws-secret-access-key", "Source secret access key")
        const sessionToken = secretOf(input, "aws-session-token")
        source = { accessKeyId, secretAccessKey, sessionToken }
        file = { ...file, accessKeyId, secretAccessKey, ...(sessionToken !== undefined ? { sessionToken } : {}) }
      }
      const code = mfaSerial === undefined
        ? undefined
        : yield* askSecret(input, "mfa-code", `MFA code for ${mfaSerial}`)
      const session = yield* assumeRole(profile, settings, source, region, code)
      const identity = yield* callerIdentity(profile, session, region)
      yield* savePair(profile, {
        ...withoutMethodSettings(previous),
        method: "assume-role",
        ...(region !== undefined ? { region } : {}),
        metadata: { id: identity.account, name: identity.arn },
        assumeRole: settings
      }, { schema: AssumeRoleFile, value: { ...file, session } })
    })

  // ---- aws profile -----------------------------------------------------------------------------------------

  const configureAwsProfile = (input: ConfigureInput, previous: AwsProviderEntry | undefined) =>
    Effect.gen(function*() {
      const profile = input.profile
      const awsProfile = yield* ask(input, "aws-profile", "AWS CLI profile name (from ~/.aws/config)", previous?.awsProfile)
      // The AWS profile's own `region` applies unless this profile names one: ask only when neither does.
      const region = (yield* profileRegion(awsProfile)) === undefined
        ? yield* askRegion(input, previous?.region)
        : valueOf(input, "region") ?? previous?.region
      const entry: AwsProviderEntry = {
        ...withoutMethodSettings(previous),
        method: "aws-profile",
        ...(region !== undefined ? { region } : {}),
        awsProfile
      }
      // Verify before saving anything: the entry is written only once the AWS profile resolves.
      const resolved = yield* resolver.resolveEntry(profile, entry)
      const identity = yield* callerIdentity(profile, resolved, resolved.region)
      yield* savePair(profile, { ...entry, metadata: { id: identity.account, name: identity.arn } }, undefined)
    })

  // ---- port --------------------------------------------------------------------------------------------------

  const configure = (input: ConfigureInput) =>
    Effect.gen(function*() {
      const previous = yield* existingEntry(input.profile)
      const method = (input.method ?? (yield* interaction.select({
        message: "How should alchemy authenticate to AWS?",
        flag: "--method",
        choices: methods.map((m) => ({ title: m.title, value: m.id, description: m.description }))
      }))) as string
      switch (method) {
        case "sso":
          yield* configureSso(input, previous?.method === "sso" ? previous : withoutMethodSettings(previous))
          break
        case "access-keys":
          yield* configureAccessKeys(input, previous)
          break
        case "assume-role":
          yield* configureAssumeRole(input, previous?.method === "assume-role" ? previous : withoutMethodSettings(previous))
          break
        case "aws-profile":
          yield* configureAwsProfile(input, previous)
          break
        default:
          return yield* new AwsError({
            reason: "MissingSetting",
            profile: input.profile,
            detail: `unknown method ${JSON.stringify(method)}; use one of ${methods.map((m) => m.id).join(", ")}`
          })
      }
      return yield* describe(input.profile)
    })

  const login = (input: ConfigureInput) =>
    Effect.gen(function*() {
      const entry = yield* existingEntry(input.profile)
      if (entry === undefined || (input.method !== undefined && input.method !== entry.method)) {
        return yield* configure(input)
      }
      const file = yield* readFile(input.profile)
      switch (entry.method) {
        case "sso":
          yield* loginSso(input, entry)
          break
        case "access-keys":
          if (file?.type !== "access-keys") return yield* configure({ ...input, method: "access-keys" })
          {
            // Keys do not expire by themselves: login checks they still work.
            const resolved = yield* resolver.resolve(input.profile)
            yield* callerIdentity(input.profile, resolved, resolved.region)
          }
          break
        case "assume-role": {
          if (entry.assumeRole?.sourceProfile === undefined && file?.type !== "assume-role") {
            return yield* configure({ ...input, method: "assume-role" })
          }
          if (file === undefined) {
            yield* credentials.write(input.profile, providerId, AssumeRoleFile, { type: "assume-role" })
          }
          yield* resolver.resolve(input.profile, { mfaCode: secretOf(input, "mfa-code") })
          break
        }
        case "aws-profile":
          yield* resolver.resolve(input.profile)
          break
      }
      return yield* describe(input.profile)
    })

  const logout = (profile: ProfileName) =>
    Effect.gen(function*() {
      const entry = yield* existingEntry(profile)
      const file = yield* readFile(profile)
      if (file?.type === "sso" && entry?.sso !== undefined) {
        yield* endSsoSession(profile, entry.sso.region, file, "the local session is removed anyway.")
      }
      yield* credentials.delete(profile, providerId)
      yield* resolver.forget(profile)
    })

  const describe = (profile: ProfileName): Effect.Effect<Description, unknown> =>
    Effect.gen(function*() {
      const entry = yield* resolver.entry(profile)
      const resolved = yield* resolver.resolve(profile).pipe(
        Effect.catchTag("NeedsLogin", () => Effect.succeed(undefined))
      )
      if (resolved === undefined) return describeLoggedOut(profile, entry)
      const now = yield* Clock.currentTimeMillis
      return describeResolved(profile, entry, resolved, now)
    })

  const environment = (profile: ProfileName) => Interop.environmentFor(resolver, profile)

  const isConfigured = (profile: ProfileName) => existingEntry(profile).pipe(Effect.map((e) => e !== undefined))

  const provider: AuthProvider = {
    id: providerId,
    title: "AWS",
    methods,
    environmentCredentials,
    profileVariable,
    isConfigured,
    configure,
    login,
    logout,
    describe,
    environment
  }
  return provider
})

/** The SSO credentials file of a fresh sign-in. */
const ssoFile = (
  registration: AwsSso.Registration,
  token: AwsSso.SsoToken,
  roleCredentials: SessionCredentials
): SsoFile => ({
  type: "sso",
  accessToken: token.accessToken,
  ...(token.refreshToken !== undefined ? { refreshToken: token.refreshToken } : {}),
  expiresAt: token.expiresAt,
  clientId: registration.clientId,
  clientSecret: registration.clientSecret,
  registrationExpiresAt: registration.expiresAt,
  registrationGrant: registration.grant,
  roleCredentials
})

const withoutMethodSettings = (entry: Partial<AwsProviderEntry> | undefined): Partial<AwsProviderEntry> => {
  if (entry === undefined) return {}
  const { assumeRole: _a, awsProfile: _p, metadata: _m, sso: _s, ...rest } = entry
  return rest
}

const sourceLine = (profile: ProfileName, entry: AwsProviderEntry): DisplayLine => {
  const detail = entry.method === "sso" && entry.sso !== undefined
    ? `${entry.sso.roleName} @ ${entry.sso.accountId}`
    : entry.method === "assume-role" && entry.assumeRole !== undefined
    ? entry.assumeRole.roleArn
    : entry.method === "aws-profile"
    ? `AWS profile ${entry.awsProfile ?? "?"}`
    : undefined
  return { label: "source", value: `${entry.method} - ${profile}${detail !== undefined ? ` (${detail})` : ""}` }
}

const settingsJson = (entry: AwsProviderEntry) => ({
  ...(entry.sso !== undefined ? { sso: entry.sso } : {}),
  ...(entry.assumeRole !== undefined ? { assumeRole: entry.assumeRole } : {}),
  ...(entry.awsProfile !== undefined ? { awsProfile: entry.awsProfile } : {})
})

/** `profile show` for a configured profile whose credentials are gone or need a new login. @since 0.1.0 */
export const describeLoggedOut = (profile: ProfileName, entry: AwsProviderEntry): Description => {
  const region = storedRegion(entry)
  const lines: Array<DisplayLine> = [
    { label: "status", value: `not logged in (run \`alchemy login --profile ${profile}\`)` }
  ]
  if (region !== undefined) lines.push({ label: "region", value: region })
  if (entry.metadata !== undefined) lines.push({ label: "accountId", value: entry.metadata.id })
  lines.push(sourceLine(profile, entry))
  return {
    provider: providerId,
    title: "AWS",
    method: entry.method,
    lines,
    warnings: [],
    json: {
      method: entry.method,
      loggedIn: false,
      region: region ?? null,
      accountId: entry.metadata?.id ?? null,
      ...settingsJson(entry)
    }
  }
}

/** Where the region line's value came from, when not from the profile itself. */
const regionSourceNote = (source: RegionSource | undefined): string =>
  source?._tag === "Environment"
    ? ` (from ${source.variable})`
    : source?._tag === "AwsProfile"
    ? ` (from AWS profile ${source.awsProfile} in ${source.file})`
    : ""

/** The `profile show` description of resolved credentials (secrets only redacted). @since 0.1.0 */
export const describeResolved = (
  profile: ProfileName,
  entry: AwsProviderEntry,
  resolved: AwsResolved,
  nowMillis: number
): Description => {
  const lines: Array<DisplayLine> = [
    { label: "accessKeyId", value: redact(resolved.accessKeyId), secret: true },
    { label: "secretAccessKey", value: redact(Redacted.value(resolved.secretAccessKey)), secret: true }
  ]
  const source = resolved.regionSource
  if (resolved.region !== undefined) {
    lines.push({ label: "region", value: `${resolved.region}${regionSourceNote(source)}` })
  }
  if (resolved.accountId !== undefined) lines.push({ label: "accountId", value: resolved.accountId })
  if (resolved.arn !== undefined && resolved.arn !== "") lines.push({ label: "arn", value: resolved.arn })
  if (resolved.expiration !== undefined) {
    lines.push({ label: "expires", value: formatExpiry(resolved.expiration, nowMillis) })
  }
  lines.push(sourceLine(profile, entry))
  const warnings: Array<string> = []
  const stored = storedRegion(entry)
  if (source?._tag === "Environment" && stored !== undefined && stored !== resolved.region) {
    warnings.push(`${source.variable}=${resolved.region} overrides the profile's region ${stored}`)
  }
  return {
    provider: providerId,
    title: "AWS",
    method: entry.method,
    lines,
    warnings,
    json: {
      method: entry.method,
      loggedIn: true,
      region: resolved.region ?? null,
      regionSource: source === undefined
        ? null
        : source._tag === "Environment"
        ? source.variable
        : source._tag === "AwsProfile"
        ? "aws-profile"
        : "profile",
      ...(source?._tag === "AwsProfile" ? { regionFile: source.file } : {}),
      accountId: resolved.accountId ?? null,
      arn: resolved.arn ?? null,
      accessKeyId: redact(resolved.accessKeyId),
      expiresAt: resolved.expiration !== undefined ? new Date(resolved.expiration).toISOString() : null,
      ...settingsJson(entry)
    }
  }
}

/** @since 0.1.0 */
export const layer: Layer.Layer<
  AwsAuthProvider,
  never,
  ProfileStore | CredentialStore | Interaction | AwsResolver
> = Layer.effect(AwsAuthProvider, make)
