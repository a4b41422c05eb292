/**
 * Turns an alchemy profile into AWS credentials, whatever its method, refreshing through profile-core's
 * `CredentialRefresher` (skew 5 minutes, one refresh across processes) and reporting where the region came from.
 *
 * @since 0.1.0
 */
import type { ValueSource } from "@alchemy/profile-core/AuthProvider"
import { CredentialRefresher } from "@alchemy/profile-core/Credentials"
import { CredentialStore } from "@alchemy/profile-core/CredentialStore"
import type {
  ConfigError,
  CredentialsError,
  InvalidProfileName,
  LockTimeout,
  NonInteractive
} from "@alchemy/profile-core/Errors"
import { NeedsLogin, ProviderNotConfigured, SecretVariableNotSet } from "@alchemy/profile-core/Errors"
import { Interaction } from "@alchemy/profile-core/Interaction"
import { decodeProfileName, type ProfileName } from "@alchemy/profile-core/ProfileName"
import { ProfileStore } from "@alchemy/profile-core/ProfileStore"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import {
  AccessKeysFile,
  AssumeRoleFile,
  type AssumeRoleSettings,
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
import { AwsError } from "./AwsError.js"
import * as AwsSso from "./AwsSso.js"
import * as Guard from "./internal/guard.js"
import { type AwsProfileRegion, profileRegion } from "./internal/sharedConfig.js"
import {
  call,
  callRaw,
  describeError,
  errorName,
  loadCredentialProviders,
  loadSts,
  type PlainCredentials,
  unwrap
} from "./internal/sdk.js"
import * as SecretVariable from "./internal/variable.js"
import * as WebIdentity from "./internal/webIdentity.js"

/**
 * Where a resolved region came from: an environment variable, the alchemy profile, or (for an `aws-profile`) the
 * `region` of the AWS CLI profile it names, in `file` (`$AWS_CONFIG_FILE` or `~/.aws/config`).
 *
 * @since 0.1.0
 */
export type RegionSource =
  | ValueSource
  | { readonly _tag: "AwsProfile"; readonly awsProfile: string; readonly file: string }

/** Refresh this long before expiry. @since 0.1.0 */
export const skewMillis = 5 * 60_000

/**
 * Resolved AWS credentials. Secrets stay `Redacted`; `expiration` is epoch milliseconds (absent for long-term keys).
 *
 * @since 0.1.0
 */
export interface AwsResolved {
  readonly profile: ProfileName | undefined
  readonly method: AwsMethod | "environment"
  readonly accessKeyId: string
  readonly secretAccessKey: Redacted.Redacted<string>
  readonly sessionToken?: Redacted.Redacted<string> | undefined
  readonly expiration?: number | undefined
  readonly region?: string | undefined
  readonly regionSource?: RegionSource | undefined
  readonly accountId?: string | undefined
  readonly arn?: string | undefined
}

/** Every way resolving a profile can fail. @since 0.1.0 */
export type AwsResolveError =
  | AwsError
  | NeedsLogin
  | ProviderNotConfigured
  | ConfigError
  | CredentialsError
  | LockTimeout
  | NonInteractive
  | InvalidProfileName
  | SecretVariableNotSet

/** Options of one resolution. @since 0.1.0 */
export interface ResolveOptions {
  /** MFA code already collected (from `--mfa-code` or stdin); otherwise `Interaction.secret` is asked. */
  readonly mfaCode?: Redacted.Redacted<string> | undefined
  /** Profiles already being resolved in this process (assume-role chains). */
  readonly chain?: ReadonlyArray<string> | undefined
}

/** @since 0.1.0 */
export declare namespace AwsResolver {
  /** @since 0.1.0 */
  export interface Service {
    /** The `config.json` entry of the profile (memoized per process; `forget` clears it). */
    readonly entry: (profile: ProfileName) => Effect.Effect<AwsProviderEntry, ProviderNotConfigured | ConfigError>
    /** Valid credentials for the profile, refreshed if needed. */
    readonly resolve: (profile: ProfileName, options?: ResolveOptions) => Effect.Effect<AwsResolved, AwsResolveError>
    /** Resolve with a candidate entry that is not saved yet (configure verifies before it writes). */
    readonly resolveEntry: (
      profile: ProfileName,
      entry: AwsProviderEntry,
      options?: ResolveOptions
    ) => Effect.Effect<AwsResolved, AwsResolveError>
    /**
     * Forget the memoized `config.json` entry of a profile (after configure / logout). Credentials an aws-profile
     * resolved stay memoized under the AWS profile name they came from, until they near expiry.
     */
    readonly forget: (profile: ProfileName) => Effect.Effect<void>
  }
}

/**
 * @since 0.1.0
 */
export class AwsResolver extends Context.Tag("@alchemy/provider-aws/AwsResolver")<
  AwsResolver,
  AwsResolver.Service
>() {}

/** The region the profile itself names: its `region`, else the SSO region. @since 0.1.0 */
export const storedRegion = (entry: AwsProviderEntry): string | undefined => entry.region ?? entry.sso?.region

/**
 * Region: `AWS_REGION` > `AWS_DEFAULT_REGION` > the profile's region > the SSO region > (an `aws-profile`) the
 * `region` of the AWS CLI profile, the order the AWS CLI itself follows for the last step.
 *
 * @since 0.1.0
 */
export const regionFor = (
  profile: ProfileName,
  entry: AwsProviderEntry,
  env: Readonly<Record<string, string | undefined>> = process.env,
  awsProfile?: AwsProfileRegion | undefined
): { readonly region?: string; readonly source?: RegionSource } => {
  for (const variable of ["AWS_REGION", "AWS_DEFAULT_REGION"]) {
    const value = env[variable]
    if (value !== undefined && value !== "") return { region: value, source: { _tag: "Environment", variable } }
  }
  const stored = storedRegion(entry)
  if (stored !== undefined) return { region: stored, source: { _tag: "Profile", profile, method: entry.method } }
  return awsProfile !== undefined
    ? { region: awsProfile.region, source: { _tag: "AwsProfile", awsProfile: awsProfile.awsProfile, file: awsProfile.file } }
    : {}
}

const stsRegion = (region: string | undefined) => region ?? "us-east-1"

/** `GetCallerIdentity` with the given credentials. @since 0.1.0 */
export const callerIdentity = (
  profile: string,
  credentials: PlainCredentials,
  region?: string
): Effect.Effect<{ readonly account: string; readonly arn: string }, AwsError> =>
  Effect.gen(function*() {
    const sdk = yield* Effect.promise(() => loadSts())
    const client = new sdk.STSClient({ region: stsRegion(region), credentials: unwrap(credentials) })
    const out = yield* call(profile, "InvalidCredentials", () => client.send(new sdk.GetCallerIdentityCommand({})))
    return { account: out.Account ?? "", arn: out.Arn ?? "" }
  })

/** `AssumeRole` with the source credentials. @since 0.1.0 */
export const assumeRole = (
  profile: string,
  settings: AssumeRoleSettings,
  source: PlainCredentials,
  region: string | undefined,
  mfaCode: Redacted.Redacted<string> | undefined
): Effect.Effect<SessionCredentials, AwsError> =>
  Effect.gen(function*() {
    const sdk = yield* Effect.promise(() => loadSts())
    const client = new sdk.STSClient({ region: stsRegion(region), credentials: unwrap(source) })
    const out = yield* call(profile, "AssumeRoleFailed", () =>
      client.send(
        new sdk.AssumeRoleCommand({
          RoleArn: settings.roleArn,
          RoleSessionName: settings.sessionName ?? `alchemy-${profile}`,
          ...(settings.externalId !== undefined ? { ExternalId: settings.externalId } : {}),
          ...(settings.durationSeconds !== undefined ? { DurationSeconds: settings.durationSeconds } : {}),
          ...(settings.mfaSerial !== undefined && mfaCode !== undefined
            ? { SerialNumber: settings.mfaSerial, TokenCode: Redacted.value(mfaCode) }
            : {})
        })
      ))
    const c = out.Credentials
    if (
      c?.AccessKeyId === undefined || c.SecretAccessKey === undefined || c.SessionToken === undefined ||
      c.Expiration === undefined
    ) {
      return yield* new AwsError({ reason: "AssumeRoleFailed", profile, detail: "AssumeRole returned no credentials" })
    }
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: Redacted.make(c.SecretAccessKey),
      sessionToken: Redacted.make(c.SessionToken),
      expiration: c.Expiration.getTime()
    }
  })

/** The account of an IAM role ARN (`arn:aws:iam::123456789012:role/Name`). @since 0.3.0 */
export const roleAccount = (roleArn: string): string | undefined => /^arn:[^:]+:iam::(\d{12}):role\//.exec(roleArn)?.[1]

/**
 * Why STS refused (or could not take) a web identity token, as a message naming what to fix; never the token.
 */
const webIdentityFailure = (
  profile: string,
  settings: WebIdentitySettings,
  token: Redacted.Redacted<string>,
  source: WebIdentity.Source,
  error: unknown
): AwsError => {
  const from = WebIdentity.sourceText(source)
  const name = errorName(error)
  const aws = WebIdentity.withoutToken(describeError(error), token)
  const answered = typeof error === "object" && error !== null && "$metadata" in error &&
    typeof (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode === "number"
  const { aud, sub } = WebIdentity.claimsOf(token)
  const claims = [
    sub !== undefined ? `subject (sub) ${JSON.stringify(sub)}` : "subject (sub)",
    aud !== undefined ? `audience (aud) ${JSON.stringify(aud)}` : "audience (aud)"
  ].join(" or ")
  const role = settings.roleArn
  const detail = !answered
    ? `STS could not be reached (${aws}); check the network and AWS_ENDPOINT_URL_STS / the region, then retry`
    : name === "AccessDenied" || name === "AccessDeniedException"
    ? `AccessDenied: the trust policy of role ${role} does not accept this token's ${claims} from ${from} (or the ` +
      `role does not exist): allow that sub and aud in the role's trust policy (for GitHub Actions, the conditions on ` +
      `token.actions.githubusercontent.com:sub and :aud), or fix --role-arn` +
      (settings.tokenSource === "environment" ? " / --web-identity-audience" : "")
    : name === "ExpiredTokenException" || name === "ExpiredToken"
    ? `${aws}: the token from ${from} has expired; ` +
      (source._tag === "File"
        ? "write a fresh token to the file (it is read again each time a new session is needed)"
        : "a new one is requested each time a session is needed: retry")
    : name === "InvalidIdentityTokenException" || name === "InvalidIdentityToken"
    ? `${aws}: STS does not accept the token from ${from} for role ${role}: its issuer (iss) must be an IAM OpenID ` +
      "Connect identity provider of the role's account and its signature must verify against that issuer's keys; " +
      "check the token source"
    : name === "IDPRejectedClaimException"
    ? `${aws}: the identity provider rejected the token's claims; check the token source`
    : name === "IDPCommunicationErrorException"
    ? `${aws}: STS could not reach the token's identity provider to verify it; retry`
    : `${aws}; check --role-arn (${role}), --role-session-name and --duration-seconds`
  return new AwsError({ reason: "WebIdentityFailed", profile, detail })
}

/**
 * `AssumeRoleWithWebIdentity` with a token (unsigned: no credentials are needed or used).
 *
 * @since 0.3.0
 */
export const assumeRoleWithWebIdentity = (
  profile: string,
  settings: WebIdentitySettings,
  token: Redacted.Redacted<string>,
  source: WebIdentity.Source,
  region: string | undefined
): Effect.Effect<SessionCredentials & { readonly arn: string | undefined }, AwsError> =>
  Effect.gen(function*() {
    const sdk = yield* Effect.promise(() => loadSts())
    const client = new sdk.STSClient({ region: stsRegion(region) })
    const out = yield* callRaw(() =>
      client.send(
        new sdk.AssumeRoleWithWebIdentityCommand({
          RoleArn: settings.roleArn,
          RoleSessionName: settings.sessionName ?? `alchemy-${profile}`,
          WebIdentityToken: Redacted.value(token),
          ...(settings.durationSeconds !== undefined ? { DurationSeconds: settings.durationSeconds } : {})
        })
      )
    ).pipe(Effect.mapError((error) => webIdentityFailure(profile, settings, token, source, error)))
    const c = out.Credentials
    if (
      c?.AccessKeyId === undefined || c.SecretAccessKey === undefined || c.SessionToken === undefined ||
      c.Expiration === undefined
    ) {
      return yield* new AwsError({
        reason: "WebIdentityFailed",
        profile,
        detail: "AssumeRoleWithWebIdentity returned no credentials"
      })
    }
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: Redacted.make(c.SecretAccessKey),
      sessionToken: Redacted.make(c.SessionToken),
      expiration: c.Expiration.getTime(),
      arn: out.AssumedRoleUser?.Arn
    }
  })

/**
 * A new web identity session: a fresh token from this run's source, exchanged with STS. The token lives only in
 * this call.
 *
 * @since 0.3.0
 */
export const newWebIdentitySession = (
  profile: string,
  settings: WebIdentitySettings,
  region: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env
): Effect.Effect<SessionCredentials & { readonly arn: string | undefined }, AwsError> =>
  Effect.gen(function*() {
    const source = yield* WebIdentity.sourceFor(profile, settings, env)
    const token = yield* WebIdentity.readToken(profile, source)
    return yield* assumeRoleWithWebIdentity(profile, settings, token, source, region)
  })

const validSession = (session: SessionCredentials | undefined, nowMillis: number, skew: number) =>
  session !== undefined && session.expiration - skew > nowMillis

/**
 * Refresh an SSO credentials file: a new access token from the refresh token when the token is about to expire,
 * then `GetRoleCredentials`. Anything that needs a person becomes `NeedsLogin`.
 *
 * @since 0.1.0
 */
export const refreshSso = (
  profile: ProfileName,
  settings: SsoSettings,
  file: SsoFile
): Effect.Effect<SsoFile, AwsError | NeedsLogin> =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const needsLogin = (detail: string) => new NeedsLogin({ profile, provider: providerId, detail })
    let current = file
    if (file.expiresAt - skewMillis <= now) {
      if (file.refreshToken === undefined || file.registrationExpiresAt <= now) {
        return yield* needsLogin("the IAM Identity Center session expired")
      }
      const token = yield* AwsSso.refresh(profile, settings, file).pipe(
        Effect.catchTag("AwsError", () => needsLogin("the IAM Identity Center session expired and could not be refreshed"))
      )
      current = {
        ...file,
        accessToken: token.accessToken,
        expiresAt: token.expiresAt,
        ...(token.refreshToken !== undefined ? { refreshToken: token.refreshToken } : {})
      }
    }
    const roleCredentials = yield* AwsSso.getRoleCredentials(profile, settings, current.accessToken).pipe(
      Effect.catchIf(
        (error) => error.detail.startsWith("UnauthorizedException"),
        () => needsLogin("the IAM Identity Center token is invalid or was revoked")
      )
    )
    return { ...current, roleCredentials }
  })

type AwsProfileCredentials = Pick<
  AwsResolved,
  "accessKeyId" | "secretAccessKey" | "sessionToken" | "expiration" | "accountId"
>

/** Credentials the SDK resolved, with the profile's own region and metadata (its stored account id wins). */
const withBase = (
  base: Omit<AwsResolved, "accessKeyId" | "secretAccessKey">,
  credentials: AwsProfileCredentials
): AwsResolved => ({ ...base, ...credentials, accountId: base.accountId ?? credentials.accountId })

/**
 * The resolver, built on profile-core's stores and refresher.
 *
 * @since 0.1.0
 */
export const make: Effect.Effect<
  AwsResolver.Service,
  never,
  ProfileStore | CredentialStore | CredentialRefresher | Interaction
> = Effect.gen(function*() {
  const profiles = yield* ProfileStore
  const store = yield* CredentialStore
  const refresher = yield* CredentialRefresher
  const interaction = yield* Interaction
  const entries = new Map<string, AwsProviderEntry>()
  // What the SDK resolved for an aws-profile, per alchemy profile, with the AWS profile name it came from (and that
  // profile's region, read with the credentials): an entry naming another AWS profile never reuses it, so `forget`
  // (a config change) need not drop it.
  const awsProfileCache = new Map<string, {
    readonly awsProfile: string
    readonly credentials: AwsProfileCredentials
    readonly region: AwsProfileRegion | undefined
  }>()

  const entry = (profile: ProfileName) =>
    Effect.suspend(() => {
      const cached = entries.get(profile)
      if (cached !== undefined) return Effect.succeed(cached)
      return profiles.getProvider(profile, providerId, AwsProviderEntrySchema).pipe(
        Effect.flatMap(Option.match({
          onNone: () => Effect.fail(new ProviderNotConfigured({ profile, provider: providerId })),
          onSome: (value) => Effect.sync(() => (entries.set(profile, value), value))
        }))
      )
    })

  const resolve = (profile: ProfileName, options: ResolveOptions = {}): Effect.Effect<AwsResolved, AwsResolveError> =>
    Effect.flatMap(entry(profile), (e) => resolveEntry(profile, e, options))

  const resolveEntry = (
    profile: ProfileName,
    e: AwsProviderEntry,
    options: ResolveOptions = {}
  ): Effect.Effect<AwsResolved, AwsResolveError> =>
    Effect.gen(function*() {
      const chain = options.chain ?? []
      // An ancestor process is resolving this profile and reached us through a credential_process: stop here,
      // before waiting on the lock that ancestor holds.
      yield* Guard.check(profile)
      if (chain.includes(profile)) {
        return yield* new AwsError({
          reason: "CredentialProcessLoop",
          profile,
          detail: `source profiles form a cycle: ${[...chain, profile].join(" -> ")}`
        })
      }
      const { region, source: regionSource } = regionFor(profile, e)
      const base = {
        profile,
        method: e.method,
        region,
        regionSource,
        accountId: e.metadata?.id,
        arn: e.metadata?.name
      }
      const missing = (detail: string) => new AwsError({ reason: "MissingSetting", profile, detail })
      switch (e.method) {
        case "access-keys": {
          const reference = SecretVariable.referenceOf(e)
          if (reference !== undefined) {
            // Kept by reference: read from the environment at every resolve, never stored nor cached.
            return { ...base, ...(yield* SecretVariable.resolve(profile, reference, process.env)) }
          }
          const file = yield* refresher.getValid({
            profile,
            provider: providerId,
            schema: AccessKeysFile,
            isValid: (current) => current.type === "access-keys",
            refresh: (current) => Effect.succeed(current)
          })
          return {
            ...base,
            accessKeyId: file.accessKeyId,
            secretAccessKey: file.secretAccessKey,
            sessionToken: file.sessionToken
          }
        }
        case "sso": {
          const settings = e.sso
          if (settings === undefined) return yield* missing("the sso settings (start URL, account, role)")
          const file = yield* refresher.getValid({
            profile,
            provider: providerId,
            schema: SsoFile,
            isValid: (current, now) =>
              current.type === "sso" && validSession(current.roleCredentials, now.nowMillis, now.skewMillis),
            refresh: (current) => refreshSso(profile, settings, current)
          })
          const c = file.roleCredentials!
          return { ...base, ...c }
        }
        case "assume-role": {
          const settings = e.assumeRole
          if (settings === undefined) return yield* missing("the role ARN")
          const file = yield* refresher.getValid({
            profile,
            provider: providerId,
            schema: AssumeRoleFile,
            isValid: (current, now) =>
              current.type === "assume-role" && validSession(current.session, now.nowMillis, now.skewMillis),
            refresh: (current) =>
              Effect.gen(function*() {
                const source = yield* sourceCredentials(profile, settings, current, [...chain, profile])
                const code = settings.mfaSerial === undefined
                  ? undefined
                  : options.mfaCode ??
                    (yield* interaction.secret({
                      message: `MFA code for ${settings.mfaSerial} (profile ${profile})`,
                      flag: "--mfa-code"
                    }))
                const session = yield* assumeRole(profile, settings, source, region, code)
                return { ...current, session } satisfies AssumeRoleFile
              })
          })
          return { ...base, ...file.session! }
        }
        case "web-identity": {
          const settings = e.webIdentity
          if (settings === undefined) return yield* missing("the web identity settings (role ARN, token source)")
          const file = yield* webIdentitySession(profile, settings, region)
          return {
            ...base,
            ...file.session!,
            accountId: base.accountId ?? roleAccount(settings.roleArn)
          }
        }
        case "aws-profile": {
          const name = e.awsProfile
          if (name === undefined) return yield* missing("the AWS CLI profile name")
          const fromSdk = yield* resolveAwsProfile(profile, name, options.chain ?? [])
          const { region: awsRegion, source: awsRegionSource } = regionFor(profile, e, process.env, fromSdk.region)
          return withBase({ ...base, region: awsRegion, regionSource: awsRegionSource }, fromSdk.credentials)
        }
      }
    })

  /**
   * The cached web identity session, or a new one (a fresh token each time) under the refresher's lock: concurrent
   * processes wait for the one that assumes the role and reuse its session. The cache file is created when missing:
   * a web identity profile needs no person to start a session.
   */
  const webIdentitySession = (profile: ProfileName, settings: WebIdentitySettings, region: string | undefined) => {
    const get = refresher.getValid({
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
          const existing = yield* store.read(profile, providerId, WebIdentityFile).pipe(
            Effect.catchTag("CredentialsError", () => Effect.succeed(Option.none()))
          )
          if (Option.isSome(existing)) return yield* error
          yield* store.write(profile, providerId, WebIdentityFile, { type: "web-identity" })
          return yield* get
        }))
    )
  }

  const sourceCredentials = (
    profile: ProfileName,
    settings: AssumeRoleSettings,
    file: AssumeRoleFile,
    chain: ReadonlyArray<string>
  ): Effect.Effect<PlainCredentials, AwsResolveError> =>
    Effect.gen(function*() {
      if (settings.sourceProfile !== undefined) {
        const source = yield* decodeProfileName(settings.sourceProfile)
        return yield* resolve(source, { chain })
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

  /** The AWS profile's credentials (the SDK's `fromIni`) and its `region`, memoized until they near expiry. */
  const resolveAwsProfile = (
    profile: ProfileName,
    name: string,
    chain: ReadonlyArray<string>
  ): Effect.Effect<
    { readonly credentials: AwsProfileCredentials; readonly region: AwsProfileRegion | undefined },
    AwsError
  > =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const cached = awsProfileCache.get(profile)
      if (
        cached !== undefined && cached.awsProfile === name &&
        (cached.credentials.expiration === undefined || cached.credentials.expiration - skewMillis > now)
      ) {
        return cached
      }
      const { fromIni } = yield* Effect.promise(() => loadCredentialProviders())
      const identity = yield* Guard.around([...chain, profile], () => fromIni({ profile: name, ignoreCache: true })({})).pipe(
        Effect.mapError((error) => {
          // A nested alchemy refused to loop: report its one clear line, not the whole command output.
          const loop = /Credential loop for profile [^:]+: ([^\n]*?\(ALCHEMY_CREDENTIAL_PROCESS_[A-Z]+\))/.exec(error)
          return loop !== null
            ? new AwsError({ reason: "CredentialProcessLoop", profile, detail: `AWS profile ${name}: ${loop[1]}` })
            : new AwsError({ reason: "AwsProfileFailed", profile, detail: `AWS profile ${name}: ${error}` })
        })
      )
      const credentials: AwsProfileCredentials = {
        accessKeyId: identity.accessKeyId,
        secretAccessKey: Redacted.make(identity.secretAccessKey),
        sessionToken: identity.sessionToken !== undefined ? Redacted.make(identity.sessionToken) : undefined,
        expiration: identity.expiration?.getTime(),
        accountId: identity.accountId
      }
      const region = yield* profileRegion(name)
      const resolved = { awsProfile: name, credentials, region }
      awsProfileCache.set(profile, resolved)
      return resolved
    })

  const forget = (profile: ProfileName) => Effect.sync(() => entries.delete(profile))

  return { entry, resolve, resolveEntry, forget }
})

/** @since 0.1.0 */
export const layer: Layer.Layer<
  AwsResolver,
  never,
  ProfileStore | CredentialStore | CredentialRefresher | Interaction
> = Layer.effect(AwsResolver, make)
