/**
 * The AWS provider on profile-core's `AuthProvider` port: configure, login, logout, describe and environment for
 * the `sso`, `access-keys`, `assume-role`, `aws-profile` and `web-identity` methods.
 *
 * Values come from `ConfigureInput.values` (flag names: `region`, `sso-start-url`, `sso-region`,
 * `sso-account-id`, `sso-role-name`, `aws-access-key-id`, `role-arn`, `source-profile`, `external-id`,
 * `role-session-name`, `duration-seconds`, `mfa-serial`, `aws-profile`, `web-identity-token-file`,
 * `web-identity-audience`, and the secrets-by-reference `aws-secret-access-key-variable`,
 * `aws-session-token-variable`) and secrets from `ConfigureInput.secrets` (`aws-secret-access-key`,
 * `aws-session-token`, `mfa-code`); anything missing is asked through `Interaction`.
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
import * as Path from "node:path"
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
  type SsoSettings,
  WebIdentityFile,
  type WebIdentitySettings
} from "./AwsConfig.js"
import { environmentCredentials, profileVariable } from "./AwsCredentials.js"
import { AwsError } from "./AwsError.js"
import {
  assumeRole,
  type AwsResolved,
  AwsResolver,
  callerIdentity,
  newWebIdentitySession,
  type RegionSource,
  roleAccount,
  storedRegion
} from "./AwsResolver.js"
import * as AwsSso from "./AwsSso.js"
import * as Interop from "./CredentialProcess.js"
import type { PlainCredentials } from "./internal/sdk.js"
import { profileRegion } from "./internal/sharedConfig.js"
import * as SecretVariable from "./internal/variable.js"
import * as WebIdentity from "./internal/webIdentity.js"

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
  { id: "aws-profile", title: "AWS CLI profile", description: "Use a profile of ~/.aws/config (SSO, process, roles, keys)" },
  {
    id: "web-identity",
    title: "Web identity (OIDC, CI)",
    description: "Assume an IAM role with an OIDC token: GitHub Actions, AWS_WEB_IDENTITY_TOKEN_FILE or a token file"
  }
]

/** Flags only `web-identity` reads. */
const webIdentityFlags = ["web-identity-token-file", "web-identity-audience"] as const
/** Secrets that `access-keys` can keep by reference. */
const referenceKinds = ["aws-secret-access-key", "aws-session-token"] as const

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

  /**
   * `--aws-secret-access-key-variable` / `--aws-session-token-variable`: a variable name, and not given together
   * with the secret itself.
   */
  const variableFlag = (input: ConfigureInput, kind: SecretVariable.Kind) =>
    Effect.gen(function*() {
      const flag = SecretVariable.flagOf(kind)
      const given = valueOf(input, flag)
      if (given === undefined) return undefined
      if (!SecretVariable.isVariableName(given)) {
        return yield* new AwsError({
          reason: "InvalidSetting",
          profile: input.profile,
          detail: `--${flag} needs an environment variable name (a letter or _, then letters, digits or _), got ${
            JSON.stringify(given.slice(0, 40))
          }`
        })
      }
      if (secretOf(input, kind) !== undefined) {
        return yield* new AwsError({
          reason: "InvalidSetting",
          profile: input.profile,
          detail: `give the ${SecretVariable.what[kind]} or the variable to read it from (--${flag}), not both`
        })
      }
      return given
    })

  const configureAccessKeys = (input: ConfigureInput, previous: AwsProviderEntry | undefined) =>
    Effect.gen(function*() {
      const profile = input.profile
      const secretVariable = yield* variableFlag(input, "aws-secret-access-key")
      const tokenVariable = yield* variableFlag(input, "aws-session-token")
      if (tokenVariable !== undefined && secretVariable === undefined) {
        return yield* new AwsError({
          reason: "InvalidSetting",
          profile,
          detail: "--aws-session-token-variable goes with --aws-secret-access-key-variable (both secrets by reference)"
        })
      }
      const accessKeyId = yield* ask(input, "aws-access-key-id", "AWS access key id")
      if (secretVariable !== undefined) return yield* configureAccessKeysByReference(input, previous, accessKeyId, secretVariable, tokenVariable)
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
      return []
    })

  /**
   * Access keys by reference: the entry keeps the access key id and the variables' names; no credentials file (a
   * stored one is removed in the same step). Verified with `GetCallerIdentity` when the variables are set now;
   * otherwise saved with a note that it was not verified.
   */
  const configureAccessKeysByReference = (
    input: ConfigureInput,
    previous: AwsProviderEntry | undefined,
    accessKeyId: string,
    secretVariable: string,
    tokenVariable: string | undefined
  ) =>
    Effect.gen(function*() {
      const profile = input.profile
      const region = yield* askRegion(input, previous?.region)
      const entry: AwsProviderEntry = {
        ...withoutMethodSettings(previous),
        method: "access-keys",
        ...(region !== undefined ? { region } : {}),
        accessKeyId,
        variables: {
          "aws-secret-access-key": secretVariable,
          ...(tokenVariable !== undefined ? { "aws-session-token": tokenVariable } : {})
        }
      }
      const secretAccessKey = SecretVariable.read(process.env, secretVariable)
      const sessionToken = tokenVariable === undefined ? undefined : SecretVariable.read(process.env, tokenVariable)
      const unset = secretAccessKey === undefined
        ? { variable: secretVariable, kind: "aws-secret-access-key" as const }
        : tokenVariable !== undefined && sessionToken === undefined
        ? { variable: tokenVariable, kind: "aws-session-token" as const }
        : undefined
      if (unset !== undefined || secretAccessKey === undefined) {
        yield* savePair(profile, entry, undefined)
        const variable = unset?.variable ?? secretVariable
        return [
          `not verified: $${variable} is not set now (the ${
            SecretVariable.what[unset?.kind ?? "aws-secret-access-key"]
          } is read from $${variable} each time profile ${profile} is used)`
        ]
      }
      const identity = yield* callerIdentity(profile, { accessKeyId, secretAccessKey, sessionToken }, region)
      yield* savePair(profile, { ...entry, metadata: { id: identity.account, name: identity.arn } }, undefined)
      return []
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

  // ---- web identity ----------------------------------------------------------------------------------------

  const invalid = (profile: ProfileName, detail: string) => new AwsError({ reason: "InvalidSetting", profile, detail })

  /**
   * Settings from the flags (`--web-identity-token-file` gives a `file` source, stored as an absolute path; nothing
   * gives `environment`), then one `AssumeRoleWithWebIdentity` to verify, unless no token is available now (the
   * `environment` source outside CI): then the profile is saved with a note that it was not verified.
   */
  const configureWebIdentity = (input: ConfigureInput, previous: Partial<AwsProviderEntry> | undefined) =>
    Effect.gen(function*() {
      const profile = input.profile
      const old = previous?.webIdentity
      const roleArn = valueOf(input, "role-arn") === undefined && !interaction.interactive && old !== undefined
        ? old.roleArn
        : yield* ask(input, "role-arn", "Role ARN to assume with the web identity token", old?.roleArn)
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
      const region = yield* askRegion(input, previous?.region)
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
      const available = yield* Effect.either(WebIdentity.sourceFor(profile, settings, process.env))
      if (available._tag === "Left") {
        // Only the `environment` source can be unavailable here (a file source always names its file).
        yield* savePair(profile, entry, { schema: WebIdentityFile, value: { type: "web-identity" } })
        return [
          `not verified: no web identity token is available now, so role ${roleArn} was not assumed; it will be the ` +
          `first time profile ${profile} is used where ${WebIdentity.tokenFileVariable} or the GitHub Actions ` +
          "variables are set"
        ]
      }
      const { arn: _arn, ...session } = yield* newWebIdentitySession(profile, settings, region, process.env)
      const identity = yield* callerIdentity(profile, session, region)
      yield* savePair(profile, { ...entry, metadata: { id: identity.account, name: identity.arn } }, {
        schema: WebIdentityFile,
        value: { type: "web-identity", session }
      })
      return []
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
      return []
    })

  // ---- port --------------------------------------------------------------------------------------------------

  /** The method the flags imply when `--method` is not given (a flag only one method reads). */
  const impliedMethod = (input: ConfigureInput): AwsMethod | undefined =>
    webIdentityFlags.some((flag) => valueOf(input, flag) !== undefined)
      ? "web-identity"
      : referenceKinds.some((kind) => valueOf(input, SecretVariable.flagOf(kind)) !== undefined)
      ? "access-keys"
      : undefined

  /** A flag of another method is a mistake, not something to ignore. */
  const checkMethodFlags = (input: ConfigureInput, method: string) =>
    Effect.gen(function*() {
      const foreign = [
        ...(method === "web-identity" ? [] : webIdentityFlags.map((flag) => [flag, "web-identity"] as const)),
        ...(method === "access-keys"
          ? []
          : referenceKinds.map((kind) => [SecretVariable.flagOf(kind), "access-keys"] as const))
      ].find(([flag]) => valueOf(input, flag) !== undefined)
      if (foreign !== undefined) {
        return yield* invalid(input.profile, `--${foreign[0]} is for --method ${foreign[1]}, not ${method}`)
      }
    })

  const configure = (input: ConfigureInput) =>
    Effect.gen(function*() {
      const previous = yield* existingEntry(input.profile)
      const method = (input.method ?? impliedMethod(input) ?? (yield* interaction.select({
        message: "How should alchemy authenticate to AWS?",
        flag: "--method",
        choices: methods.map((m) => ({ title: m.title, value: m.id, description: m.description }))
      }))) as string
      yield* checkMethodFlags(input, method)
      let notes: ReadonlyArray<string>
      switch (method) {
        case "sso":
          yield* configureSso(input, previous?.method === "sso" ? previous : withoutMethodSettings(previous))
          notes = []
          break
        case "access-keys":
          notes = yield* configureAccessKeys(input, previous)
          break
        case "assume-role":
          yield* configureAssumeRole(input, previous?.method === "assume-role" ? previous : withoutMethodSettings(previous))
          notes = []
          break
        case "aws-profile":
          notes = yield* configureAwsProfile(input, previous)
          break
        case "web-identity":
          notes = yield* configureWebIdentity(
            input,
            previous?.method === "web-identity" ? previous : withoutMethodSettings(previous)
          )
          break
        default:
          return yield* new AwsError({
            reason: "MissingSetting",
            profile: input.profile,
            detail: `unknown method ${JSON.stringify(method)}; use one of ${methods.map((m) => m.id).join(", ")}`
          })
      }
      const description = yield* describe(input.profile)
      return notes.length === 0 ? description : { ...description, warnings: [...notes, ...description.warnings] }
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
          if (file?.type !== "access-keys" && SecretVariable.referenceOf(entry) === undefined) {
            return yield* configure({ ...input, method: "access-keys" })
          }
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
        case "web-identity":
          // A still-valid cached session is reused; otherwise a new token is obtained and the role assumed.
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
      const warnings: Array<string> = []
      // Not usable now, for a reason the profile itself states (its variable is not set, no web identity token
      // here): described, with the reason as a warning, rather than failed.
      const resolved = yield* resolver.resolve(profile).pipe(
        Effect.catchTag("NeedsLogin", () => Effect.succeed(undefined)),
        Effect.catchIf(
          (error) =>
            error._tag === "SecretVariableNotSet" ||
            (error._tag === "AwsError" && (error.reason === "WebIdentityToken" || error.reason === "WebIdentityFailed")),
          (error) => Effect.sync(() => (warnings.push(error.message), undefined))
        )
      )
      const now = yield* Clock.currentTimeMillis
      const details = yield* methodDetails(profile, entry, now)
      const description = resolved === undefined
        ? describeLoggedOut(profile, entry, details)
        : describeResolved(profile, entry, resolved, now, details)
      return warnings.length === 0 ? description : { ...description, warnings: [...description.warnings, ...warnings] }
    })

  /** What `profile show` adds for the method: the web identity session cache, the variables of a reference. */
  const methodDetails = (
    profile: ProfileName,
    entry: AwsProviderEntry,
    now: number
  ): Effect.Effect<MethodDetails | undefined> =>
    Effect.gen(function*() {
      if (entry.method === "web-identity" && entry.webIdentity !== undefined) {
        const settings = entry.webIdentity
        const source = WebIdentity.describeSource(settings, process.env)
        const location = yield* credentials.location(profile, providerId).pipe(Effect.option)
        const file = yield* credentials.read(profile, providerId, WebIdentityFile).pipe(
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
      }
      const reference = SecretVariable.referenceOf(entry)
      if (reference !== undefined) {
        const set = (name: string) => SecretVariable.read(process.env, name) !== undefined
        return {
          secretLines: [
            { label: "secretAccessKey", value: `from $${reference.secretAccessKey} (${set(reference.secretAccessKey) ? "set" : "not set"})` },
            ...(reference.sessionToken === undefined ? [] : [
              { label: "sessionToken", value: `from $${reference.sessionToken} (${set(reference.sessionToken) ? "set" : "not set"})` }
            ])
          ],
          accessKeyId: reference.accessKeyId,
          lines: [],
          json: {
            secretVariable: { name: reference.secretAccessKey, set: set(reference.secretAccessKey) },
            ...(reference.sessionToken === undefined ? {} : {
              sessionTokenVariable: { name: reference.sessionToken, set: set(reference.sessionToken) }
            })
          }
        }
      }
      return undefined
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

/** `expires in 55m` / `expired 3m ago`. */
const expiryText = (expiration: number, now: number) => {
  const text = formatExpiry(expiration, now)
  return text.startsWith("in ") ? `expires ${text}` : text
}

const withoutMethodSettings = (entry: Partial<AwsProviderEntry> | undefined): Partial<AwsProviderEntry> => {
  if (entry === undefined) return {}
  const {
    accessKeyId: _k,
    assumeRole: _a,
    awsProfile: _p,
    metadata: _m,
    sso: _s,
    variables: _v,
    webIdentity: _w,
    ...rest
  } = entry
  return rest
}

const sourceLine = (profile: ProfileName, entry: AwsProviderEntry): DisplayLine => {
  const detail = entry.method === "sso" && entry.sso !== undefined
    ? `${entry.sso.roleName} @ ${entry.sso.accountId}`
    : entry.method === "assume-role" && entry.assumeRole !== undefined
    ? entry.assumeRole.roleArn
    : entry.method === "aws-profile"
    ? `AWS profile ${entry.awsProfile ?? "?"}`
    : entry.method === "web-identity" && entry.webIdentity !== undefined
    ? `${entry.webIdentity.roleArn}, web identity`
    : entry.method === "access-keys" && entry.variables?.["aws-secret-access-key"] !== undefined
    ? `secret from $${entry.variables["aws-secret-access-key"]}`
    : undefined
  return { label: "source", value: `${entry.method} - ${profile}${detail !== undefined ? ` (${detail})` : ""}` }
}

const settingsJson = (entry: AwsProviderEntry) => ({
  ...(entry.sso !== undefined ? { sso: entry.sso } : {}),
  ...(entry.assumeRole !== undefined ? { assumeRole: entry.assumeRole } : {}),
  ...(entry.awsProfile !== undefined ? { awsProfile: entry.awsProfile } : {}),
  ...(entry.webIdentity !== undefined ? { webIdentity: entry.webIdentity } : {})
})

/**
 * What `describe` adds for some methods: lines before the source line, `json` fields, and for a secret kept by
 * reference the lines that replace the redacted secret (`secretAccessKey: from $VAR (set)`).
 *
 * @since 0.3.0
 */
export interface MethodDetails {
  readonly lines: ReadonlyArray<DisplayLine>
  readonly json: Readonly<Record<string, unknown>>
  readonly secretLines?: ReadonlyArray<DisplayLine>
  /** The access key id of the entry (a reference keeps it there), shown redacted when nothing resolved. */
  readonly accessKeyId?: string
}

/** `profile show` for a configured profile whose credentials are gone or need a new login. @since 0.1.0 */
export const describeLoggedOut = (profile: ProfileName, entry: AwsProviderEntry, details?: MethodDetails): Description => {
  const region = storedRegion(entry)
  const lines: Array<DisplayLine> = details?.secretLines !== undefined
    ? [
      ...(details.accessKeyId !== undefined
        ? [{ label: "accessKeyId", value: redact(details.accessKeyId), secret: true }]
        : []),
      ...details.secretLines
    ]
    : entry.method === "web-identity"
    ? [{ label: "status", value: "no session (a web identity token is needed to start one, see the warning)" }]
    : [{ label: "status", value: `not logged in (run \`alchemy login --profile ${profile}\`)` }]
  if (region !== undefined) lines.push({ label: "region", value: region })
  const accountId = entry.metadata?.id ?? (entry.webIdentity !== undefined ? roleAccount(entry.webIdentity.roleArn) : undefined)
  if (accountId !== undefined) lines.push({ label: "accountId", value: accountId })
  lines.push(...(details?.lines ?? []))
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
      accountId: accountId ?? null,
      ...settingsJson(entry),
      ...details?.json
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
  nowMillis: number,
  details?: MethodDetails
): Description => {
  const lines: Array<DisplayLine> = [
    { label: "accessKeyId", value: redact(resolved.accessKeyId), secret: true },
    ...(details?.secretLines ??
      [{ label: "secretAccessKey", value: redact(Redacted.value(resolved.secretAccessKey)), secret: true }])
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
  lines.push(...(details?.lines ?? []))
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
      ...settingsJson(entry),
      ...details?.json
    }
  }
}

/** @since 0.1.0 */
export const layer: Layer.Layer<
  AwsAuthProvider,
  never,
  ProfileStore | CredentialStore | Interaction | AwsResolver
> = Layer.effect(AwsAuthProvider, make)
