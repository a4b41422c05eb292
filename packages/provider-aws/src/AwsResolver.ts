/**
 * Turns an alchemy profile into AWS credentials, whatever its method, refreshing through profile-core's
 * `CredentialRefresher` (skew 5 minutes, one refresh across processes) and reporting where the region came from.
 * What is common to every method is here (the config entry memo, the recursion guard, the region); each method's
 * own resolution is its module's `resolve` (`internal/methods/`), and what the AWS CLI profiles resolved is memoized
 * here for the life of the resolver.
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
  NeedsLogin,
  NonInteractive,
  SecretVariableNotSet
} from "@alchemy/profile-core/Errors"
import { Environment } from "@alchemy/profile-core/Environment"
import { ProviderNotConfigured } from "@alchemy/profile-core/Errors"
import { Interaction } from "@alchemy/profile-core/Interaction"
import type { ProfileName } from "@alchemy/profile-core/ProfileName"
import { ProfileStore } from "@alchemy/profile-core/ProfileStore"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { type AwsMethod, type AwsProviderEntry, AwsProviderEntry as AwsProviderEntrySchema, providerId } from "./AwsConfig.js"
import { AwsError } from "./AwsError.js"
import * as Guard from "./internal/guard.js"
import type { ResolveKit } from "./internal/methods/method.js"
import { table } from "./internal/methods/table.js"
import { loadCredentialProviders } from "./internal/sdk.js"
import * as Shared from "./internal/shared.js"
import { type AwsProfileRegion, filesOf, profileRegion } from "./internal/sharedConfig.js"

/**
 * Where a resolved region came from: an environment variable, the alchemy profile, or (for an `aws-profile`) the
 * `region` of the AWS CLI profile it names, in `file` (`$AWS_CONFIG_FILE` or `~/.aws/config`).
 *
 * @since 0.1.0
 */
export type RegionSource =
  | ValueSource
  | { readonly _tag: "AwsProfile"; readonly awsProfile: string; readonly file: string }


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
export const storedRegion = Shared.storedRegion

/**
 * Region: `AWS_REGION` > `AWS_DEFAULT_REGION` > the profile's region > the SSO region > (an `aws-profile`) the
 * `region` of the AWS CLI profile, the order the AWS CLI itself follows for the last step.
 *
 * @since 0.1.0
 */
export const regionFor = Shared.regionFor

/** Refresh this long before expiry. @since 0.1.0 */
export const skewMillis = Shared.skewMillis

/** `GetCallerIdentity` with the given credentials. @since 0.1.0 */
export const callerIdentity = Shared.callerIdentity

/** `AssumeRole` with the source credentials. @since 0.1.0 */
export const assumeRole = Shared.assumeRole

/** The account of an IAM role ARN (`arn:aws:iam::123456789012:role/Name`). @since 0.3.0 */
export const roleAccount = Shared.roleAccount

/** `AssumeRoleWithWebIdentity` with a token (unsigned: no credentials are needed or used). @since 0.3.0 */
export const assumeRoleWithWebIdentity = Shared.assumeRoleWithWebIdentity

/**
 * A new web identity session: a fresh token from this run's source, exchanged with STS. The token lives only in
 * this call.
 *
 * @since 0.3.0
 */
export const newWebIdentitySession = Shared.newWebIdentitySession

/**
 * Refresh an SSO credentials file: a new access token from the refresh token when the token is about to expire,
 * then `GetRoleCredentials`. Anything that needs a person becomes `NeedsLogin`.
 *
 * @since 0.1.0
 */
export const refreshSso = Shared.refreshSso

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
    readonly credentials: Shared.AwsProfileCredentials
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
      const { region, source: regionSource } = regionFor(profile, e, yield* Environment)
      const base = {
        profile,
        method: e.method,
        region,
        regionSource,
        accountId: e.metadata?.id,
        arn: e.metadata?.name
      }
      return yield* table[e.method].resolve(kit, { profile, entry: e, base, options, chain })
    })

  /** The AWS profile's credentials (the SDK's `fromIni`) and its `region`, memoized until they near expiry. */
  const resolveAwsProfile = (
    profile: ProfileName,
    name: string,
    chain: ReadonlyArray<string>
  ): Effect.Effect<
    { readonly credentials: Shared.AwsProfileCredentials; readonly region: AwsProfileRegion | undefined },
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
      // The shared config files the `Environment` names (the SDK's defaults when it names none).
      const env = yield* Environment
      const identity = yield* Guard.around(
        [...chain, profile],
        () => fromIni({ profile: name, ...filesOf(env), ignoreCache: true })({})
      ).pipe(
        Effect.mapError((error) => {
          // A nested alchemy refused to loop: report its one clear line, not the whole command output.
          const loop = /Credential loop for profile [^:]+: ([^\n]*?\(ALCHEMY_CREDENTIAL_PROCESS_[A-Z]+\))/.exec(error)
          return loop !== null
            ? new AwsError({ reason: "CredentialProcessLoop", profile, detail: `AWS profile ${name}: ${loop[1]}` })
            : new AwsError({ reason: "AwsProfileFailed", profile, detail: `AWS profile ${name}: ${error}` })
        })
      )
      const credentials: Shared.AwsProfileCredentials = {
        accessKeyId: identity.accessKeyId,
        secretAccessKey: Redacted.make(identity.secretAccessKey),
        sessionToken: identity.sessionToken !== undefined ? Redacted.make(identity.sessionToken) : undefined,
        expiration: identity.expiration?.getTime(),
        accountId: identity.accountId
      }
      const region = yield* profileRegion(name, env)
      const resolved = { awsProfile: name, credentials, region }
      awsProfileCache.set(profile, resolved)
      return resolved
    })

  const forget = (profile: ProfileName) => Effect.sync(() => entries.delete(profile))

  /** What the methods resolve with (`resolve` for source profiles). */
  const kit: ResolveKit = { refresher, store, interaction, resolve, resolveAwsProfile }

  return { entry, resolve, resolveEntry, forget }
})

/** @since 0.1.0 */
export const layer: Layer.Layer<
  AwsResolver,
  never,
  ProfileStore | CredentialStore | CredentialRefresher | Interaction
> = Layer.effect(AwsResolver, make)
