/**
 * What consumers use: the `CloudflareCredentials` service gives, on every call, fresh headers, the account id and
 * where each came from. Layers: `fromProfile(name)`, `fromEnv`, and `layer(options)` which applies DESIGN.md §4
 * (resource option > app option > `--profile` > `CLOUDFLARE_PROFILE` > `ALCHEMY_PROFILE` > `default`; raw
 * credentials in the environment only when no profile was named; `CLOUDFLARE_ACCOUNT_ID` rules, with warnings).
 *
 * @since 0.1.0
 */
import type { ValueSource } from "@alchemy/profile-core/AuthProvider"
import { CredentialRefresher } from "@alchemy/profile-core/Credentials"
import type { CredentialStore } from "@alchemy/profile-core/CredentialStore"
import {
  type ConfigError,
  type CredentialsError,
  type InvalidProfileName,
  type LockTimeout,
  type NeedsLogin,
  type NonInteractive,
  ProviderNotConfigured,
  type SecretVariableNotSet
} from "@alchemy/profile-core/Errors"
import { decodeProfileName, type ProfileName } from "@alchemy/profile-core/ProfileName"
import { ProfileStore } from "@alchemy/profile-core/ProfileStore"
import * as Selection from "@alchemy/profile-core/Selection"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { AccountId } from "./AccountId.js"
import * as CloudflareAccounts from "./CloudflareAccounts.js"
import { CloudflareApi, type Credential, headersFor } from "./CloudflareApi.js"
import { descriptor } from "./CloudflareDescriptor.js"
import * as CloudflareEndpoints from "./CloudflareEndpoints.js"
import {
  type CloudflareAccountError,
  type CloudflareApiError,
  CloudflareInputError,
  type CloudflareOAuthError
} from "./CloudflareErrors.js"
import { Entry, type Method, providerId, type StoredCredentials } from "./CloudflareProfile.js"
import { credentialOf } from "./internal/credential.js"
import * as Policy from "./internal/policy.js"
import * as Variable from "./internal/variable.js"
import { emitWarnings } from "./internal/warnings.js"

/**
 * The raw-credential variables (DESIGN.md §4), as groups that must all be set.
 *
 * @since 0.1.0
 */
export const environmentCredentials: ReadonlyArray<ReadonlyArray<string>> = descriptor.environmentCredentials

/**
 * The provider's own profile variable (`CLOUDFLARE_PROFILE`).
 *
 * @since 0.1.0
 */
export const profileVariable: string = descriptor.profileVariable

/**
 * How the profile was chosen.
 *
 * @since 0.1.0
 */
export interface ProfileChoice {
  readonly profile: ProfileName
  readonly source: Selection.SelectionSource | "explicit"
  readonly explanation: string
}

/**
 * Credentials ready for one API call.
 *
 * @since 0.1.0
 */
export interface Resolved {
  /** `Authorization: Bearer ...` or `X-Auth-Key` + `X-Auth-Email`. Contains the secret: send, never print. */
  readonly headers: Readonly<Record<string, string>>
  readonly credential: Credential
  readonly method: Method
  readonly accountId: AccountId
  readonly accountName: string | undefined
  /** Epoch ms when an OAuth access token expires. */
  readonly expires: number | undefined
  readonly sources: {
    /** Absent when the credentials came from the environment. */
    readonly profile: ProfileChoice | undefined
    readonly credentials: ValueSource
    readonly accountId: ValueSource
  }
  readonly warnings: ReadonlyArray<string>
}

/**
 * Everything that can go wrong resolving credentials.
 *
 * @since 0.1.0
 */
export type ResolveError =
  | NeedsLogin
  | CredentialsError
  | ConfigError
  | LockTimeout
  | ProviderNotConfigured
  | InvalidProfileName
  | NonInteractive
  | SecretVariableNotSet
  | CloudflareOAuthError
  | CloudflareApiError
  | CloudflareAccountError
  | CloudflareInputError

/**
 * @since 0.1.0
 */
export interface Service {
  /** Fresh credentials for a call: an OAuth token is refreshed when it is within 5 minutes of expiry. */
  readonly get: Effect.Effect<Resolved, ResolveError>
  readonly accountId: AccountId
  readonly profile: ProfileChoice | undefined
  readonly warnings: ReadonlyArray<string>
}

/**
 * @since 0.1.0
 */
export class CloudflareCredentials extends Context.Tag("@alchemy/provider-cloudflare/CloudflareCredentials")<
  CloudflareCredentials,
  Service
>() {}

/**
 * Options of the automatic resolution. `resource` and `app` are the `profile` options of a resource and of the
 * app; `flag` is the command's `--profile`; `accountId` is the `accountId` option.
 *
 * @since 0.1.0
 */
export interface Options {
  readonly resource?: string | undefined
  readonly app?: string | undefined
  readonly flag?: string | undefined
  readonly accountId?: string | undefined
}

/** What building the service from a profile needs. */
export type ProfileRequirements = ProfileStore | CredentialStore | CredentialRefresher | CloudflareApi

const fromProfileChoice = (
  choice: ProfileChoice,
  options: { readonly accountId?: string | undefined; readonly warnings?: ReadonlyArray<string> | undefined }
): Effect.Effect<Service, ResolveError, ProfileRequirements> =>
  Effect.gen(function*() {
    const profiles = yield* ProfileStore
    const refresher = yield* CredentialRefresher
    const api = yield* CloudflareApi
    const env = yield* CloudflareEndpoints.Environment
    const context = yield* Effect.context<CredentialStore>()
    const profile = choice.profile
    const entry = yield* profiles.getProvider(profile, providerId, Entry)
    if (Option.isNone(entry)) return yield* new ProviderNotConfigured({ profile, provider: providerId })
    const policy = Policy.policy(profile)
    const reference = Variable.referenceOf(entry.value)
    // Suspended: each call asks the refresher again (memory hit while valid, refresh when near expiry); a secret
    // kept by reference is read from its variable on every call (never stored, never cached).
    const valid: Effect.Effect<StoredCredentials, ResolveError> = reference === undefined
      ? Effect.suspend(() => refresher.getValid(policy)).pipe(Effect.provide(context))
      : Variable.resolve(profile, reference, env)
    const account = yield* CloudflareAccounts.resolve({
      option: options.accountId,
      environment: env.CLOUDFLARE_ACCOUNT_ID,
      stored: entry.value.metadata,
      profile,
      list: Effect.flatMap(valid, (stored) => api.accounts(credentialOf(stored)))
    })
    const warnings = [...(options.warnings ?? []), ...account.warnings]
    const credentialsSource: ValueSource = reference === undefined
      ? { _tag: "Profile", profile, method: entry.value.method }
      : { _tag: "Environment", variable: reference.variable }
    const get: Effect.Effect<Resolved, ResolveError> = Effect.map(valid, (stored) => {
      const credential = credentialOf(stored)
      return {
        headers: headersFor(credential),
        credential,
        method: stored.type,
        accountId: account.id,
        accountName: account.name,
        expires: stored.type === "oauth" ? stored.expires : undefined,
        sources: { profile: choice, credentials: credentialsSource, accountId: account.source },
        warnings
      }
    })
    return { get, accountId: account.id, profile: choice, warnings }
  })

/**
 * Raw credentials from the environment: `CLOUDFLARE_API_TOKEN`, else `CLOUDFLARE_API_KEY` + `CLOUDFLARE_EMAIL`.
 *
 * @since 0.1.0
 */
export const environmentCredential = (
  env: Readonly<Record<string, string | undefined>>
): Option.Option<{ readonly credential: Credential; readonly variables: ReadonlyArray<string> }> => {
  const token = env.CLOUDFLARE_API_TOKEN
  if (token !== undefined && token !== "") {
    return Option.some({ credential: { _tag: "Bearer", token: Redacted.make(token) }, variables: ["CLOUDFLARE_API_TOKEN"] })
  }
  const key = env.CLOUDFLARE_API_KEY
  const email = env.CLOUDFLARE_EMAIL
  if (key !== undefined && key !== "" && email !== undefined && email !== "") {
    return Option.some({
      credential: { _tag: "GlobalKey", key: Redacted.make(key), email },
      variables: ["CLOUDFLARE_API_KEY", "CLOUDFLARE_EMAIL"]
    })
  }
  return Option.none()
}

const fromEnvironment = (
  options: { readonly accountId?: string | undefined; readonly warnings?: ReadonlyArray<string> | undefined }
): Effect.Effect<Service, ResolveError, CloudflareApi> =>
  Effect.gen(function*() {
    const env = yield* CloudflareEndpoints.Environment
    const api = yield* CloudflareApi
    const found = environmentCredential(env)
    if (Option.isNone(found)) {
      return yield* new CloudflareInputError({
        field: "environment",
        detail: "set CLOUDFLARE_API_TOKEN, or CLOUDFLARE_API_KEY and CLOUDFLARE_EMAIL, or use a profile"
      })
    }
    const { credential, variables } = found.value
    const account = yield* CloudflareAccounts.resolve({
      option: options.accountId,
      environment: env.CLOUDFLARE_ACCOUNT_ID,
      list: api.accounts(credential)
    })
    const warnings = [...(options.warnings ?? []), ...account.warnings]
    const resolved: Resolved = {
      headers: headersFor(credential),
      credential,
      method: credential._tag === "Bearer" ? "api-token" : "api-key",
      accountId: account.id,
      accountName: account.name,
      expires: undefined,
      sources: {
        profile: undefined,
        credentials: { _tag: "Environment", variable: variables.join("+") },
        accountId: account.source
      },
      warnings
    }
    return { get: Effect.succeed(resolved), accountId: account.id, profile: undefined, warnings }
  })

/**
 * Build the service for a named profile (no environment credentials are considered).
 *
 * @since 0.1.0
 */
export const makeFromProfile = (
  profile: string,
  options: { readonly accountId?: string | undefined } = {}
): Effect.Effect<Service, ResolveError, ProfileRequirements> =>
  Effect.flatMap(decodeProfileName(profile), (name) =>
    fromProfileChoice({ profile: name, source: "explicit", explanation: `profile ${name}` }, options))

/**
 * Build the service from raw credentials in the environment.
 *
 * @since 0.1.0
 */
export const makeFromEnv = (
  options: { readonly accountId?: string | undefined } = {}
): Effect.Effect<Service, ResolveError, CloudflareApi> => fromEnvironment(options)

/**
 * Build the service by the rules of DESIGN.md §4.
 *
 * @since 0.1.0
 */
export const make = (options: Options = {}): Effect.Effect<Service, ResolveError, ProfileRequirements> =>
  Effect.gen(function*() {
    const env = yield* CloudflareEndpoints.Environment
    const selection = yield* Selection.selectProfile({
      provider: providerId,
      providerVariable: profileVariable,
      environmentCredentials,
      resource: options.resource,
      app: options.app,
      flag: options.flag,
      env
    })
    if (selection.useEnvironmentCredentials && Option.isSome(environmentCredential(env))) {
      return yield* fromEnvironment({ accountId: options.accountId, warnings: selection.warnings })
    }
    return yield* fromProfileChoice(
      { profile: selection.profile, source: selection.source, explanation: selection.explanation },
      { accountId: options.accountId, warnings: selection.warnings }
    )
  })

const withWarnings = <E, R>(effect: Effect.Effect<Service, E, R>) =>
  Effect.tap(effect, (service) => emitWarnings(service.warnings))

/**
 * The service for a named profile.
 *
 * @since 0.1.0
 */
export const fromProfile = (
  profile: string,
  options: { readonly accountId?: string | undefined } = {}
): Layer.Layer<CloudflareCredentials, ResolveError, ProfileRequirements> =>
  Layer.effect(CloudflareCredentials, withWarnings(makeFromProfile(profile, options)))

/**
 * The service from `CLOUDFLARE_API_TOKEN` (or `CLOUDFLARE_API_KEY` + `CLOUDFLARE_EMAIL`) and `CLOUDFLARE_ACCOUNT_ID`.
 *
 * @since 0.1.0
 */
export const fromEnv: Layer.Layer<CloudflareCredentials, ResolveError, CloudflareApi> = Layer.effect(
  CloudflareCredentials,
  withWarnings(makeFromEnv())
)

/**
 * The automatic service (DESIGN.md §4); warnings go to `Interaction.warn` when present, else
 * to stderr (never stdout).
 *
 * @since 0.1.0
 */
export const layer = (options: Options = {}): Layer.Layer<CloudflareCredentials, ResolveError, ProfileRequirements> =>
  Layer.effect(CloudflareCredentials, withWarnings(make(options)))

/**
 * Options for the official `cloudflare` SDK client (`new Cloudflare(options)`), without depending on it.
 *
 * @since 0.1.0
 */
export const sdkOptions = (
  resolved: Pick<Resolved, "credential">,
  baseURL?: string
): { readonly apiToken: string; readonly baseURL?: string } | {
  readonly apiKey: string
  readonly apiEmail: string
  readonly baseURL?: string
} => {
  const base = baseURL === undefined ? {} : { baseURL }
  return resolved.credential._tag === "Bearer"
    ? { apiToken: Redacted.value(resolved.credential.token), ...base }
    : { apiKey: Redacted.value(resolved.credential.key), apiEmail: resolved.credential.email, ...base }
}
