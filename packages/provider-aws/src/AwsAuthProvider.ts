/**
 * The AWS provider's management half: configure, login, logout, describe and environment for the `sso`,
 * `access-keys`, `assume-role`, `aws-profile` and `web-identity` methods. `AwsPort` puts it on profile-core's port.
 *
 * Each method is a module of `internal/methods/` behind one table; this module runs what every method shares:
 * choosing the method (asked, or implied by an input only one method reads), refusing another method's inputs,
 * saving the entry and credentials file as one pair, and describing the result.
 *
 * Inputs come keyed by the names `AwsDescriptor` declares: `values` (`region`, `sso-start-url`, `sso-region`,
 * `sso-account-id`, `sso-role-name`, `aws-access-key-id`, `role-arn`, `source-profile`, `external-id`,
 * `role-session-name`, `duration-seconds`, `mfa-serial`, `aws-profile`, `web-identity-token-file`,
 * `web-identity-audience`), `switches` (`use-device-code`, `no-browser`), `secrets` (`aws-secret-access-key`,
 * `aws-session-token`, `mfa-code`) and `references` (`aws-secret-access-key`, `aws-session-token`: the variables
 * `access-keys` reads them from); anything missing is asked through `Interaction`.
 *
 * @since 0.1.0
 */
import type { ConfigureInput, Description, DisplayLine, MethodDescriptor } from "@alchemy/profile-core/AuthProvider"
import { CredentialStore } from "@alchemy/profile-core/CredentialStore"
import type { ConfigError } from "@alchemy/profile-core/Errors"
import { Interaction } from "@alchemy/profile-core/Interaction"
import type { ProfileName } from "@alchemy/profile-core/ProfileName"
import { ProfileStore } from "@alchemy/profile-core/ProfileStore"
import { formatExpiry, redact } from "@alchemy/profile-core/Redaction"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { type AwsMethod, type AwsProviderEntry, providerId } from "./AwsConfig.js"
import { methods as described } from "./AwsDescriptor.js"
import { AwsError } from "./AwsError.js"
import { type AwsResolved, type AwsResolveError, AwsResolver, type RegionSource, roleAccount, storedRegion } from "./AwsResolver.js"
import * as Interop from "./CredentialProcess.js"
import { flagOf, isGiven, type MethodDetails as Details, makeKit } from "./internal/methods/method.js"
import { methodOf, table } from "./internal/methods/table.js"

/** The methods, in the order a picker shows them (from `AwsDescriptor`). @since 0.1.0 */
export const methods = described as ReadonlyArray<MethodDescriptor & { readonly id: AwsMethod }>

/**
 * What `describe` adds for some methods: lines before the source line, `json` fields, and for a secret kept by
 * reference the lines that replace the redacted secret (`secretAccessKey: from $VAR (set)`).
 *
 * @since 0.3.0
 */
export type MethodDetails = Details

/** @since 0.4.0 */
export declare namespace AwsAuthProvider {
  /**
   * The management half of the AWS provider; every failure is one of the resolver's (`AwsError` and core's).
   *
   * @since 0.4.0
   */
  export interface Service {
    readonly isConfigured: (profile: ProfileName) => Effect.Effect<boolean, ConfigError>
    /** Collect what the method needs, verify it works, then save config + credentials. */
    readonly configure: (input: ConfigureInput) => Effect.Effect<Description, AwsResolveError>
    /** Re-authenticate or refresh an already configured provider (configure when it is not). */
    readonly login: (input: ConfigureInput) => Effect.Effect<Description, AwsResolveError>
    /** End the SSO session where there is one and delete the credentials; the configuration stays. */
    readonly logout: (profile: ProfileName) => Effect.Effect<void, AwsResolveError>
    /** `profile show`: resolved credentials, redacted. */
    readonly describe: (profile: ProfileName) => Effect.Effect<Description, AwsResolveError>
    /** The `AWS_*` variables of the profile's credentials, values `Redacted`. */
    readonly environment: (profile: ProfileName) => Effect.Effect<Record<string, Redacted.Redacted<string>>, AwsResolveError>
  }
}

/** @since 0.1.0 */
export class AwsAuthProvider extends Context.Tag("@alchemy/provider-aws/AwsAuthProvider")<
  AwsAuthProvider,
  AwsAuthProvider.Service
>() {}

/** Own inputs of every method, in table order: `[input, method]`. */
const ownInputs = Object.values(table).flatMap((m) => (m.ownInputs ?? []).map((own) => [own, m.id] as const))

/** The method the inputs imply when `--method` is not given (an input only one method reads). */
const impliedMethod = (input: ConfigureInput): AwsMethod | undefined => ownInputs.find(([own]) => isGiven(input, own))?.[1]

/**
 * Build the provider from profile-core's services and the resolver.
 *
 * @since 0.1.0
 */
export const make: Effect.Effect<
  AwsAuthProvider.Service,
  never,
  ProfileStore | CredentialStore | Interaction | AwsResolver
> = Effect.gen(function*() {
  const kit = yield* makeKit(yield* AwsResolver)
  const { credentials, interaction, resolver } = kit

  /** An input of another method is a mistake, not something to ignore. */
  const checkMethodInputs = (input: ConfigureInput, method: string) =>
    Effect.gen(function*() {
      const foreign = ownInputs.find(([own, owner]) => owner !== method && isGiven(input, own))
      if (foreign !== undefined) {
        return yield* new AwsError({
          reason: "InvalidSetting",
          profile: input.profile,
          detail: `--${flagOf(foreign[0])} is for --method ${foreign[1]}, not ${method}`
        })
      }
    })

  const configure = (input: ConfigureInput): Effect.Effect<Description, AwsResolveError> =>
    Effect.gen(function*() {
      const previous = yield* kit.existingEntry(input.profile)
      const method = input.method ?? impliedMethod(input) ?? (yield* interaction.select({
        message: "How should alchemy authenticate to AWS?",
        flag: "--method",
        choices: methods.map((m) => ({ title: m.title, value: m.id as string, description: m.description }))
      }))
      yield* checkMethodInputs(input, method)
      const implementation = methodOf(method)
      if (implementation === undefined) {
        return yield* new AwsError({
          reason: "MissingSetting",
          profile: input.profile,
          detail: `unknown method ${JSON.stringify(method)}; use one of ${methods.map((m) => m.id).join(", ")}`
        })
      }
      const configured = yield* implementation.configure(kit, input, previous)
      yield* kit.savePair(input.profile, configured.entry, configured.file)
      const notes = configured.notes ?? []
      const description = yield* describe(input.profile)
      return notes.length === 0 ? description : { ...description, warnings: [...notes, ...description.warnings] }
    })

  const login = (input: ConfigureInput): Effect.Effect<Description, AwsResolveError> =>
    Effect.gen(function*() {
      const entry = yield* kit.existingEntry(input.profile)
      if (entry === undefined || (input.method !== undefined && input.method !== entry.method)) {
        return yield* configure(input)
      }
      const file = yield* kit.readFile(input.profile)
      const outcome = yield* table[entry.method].login(kit, input, entry, file)
      if (outcome === "configure") return yield* configure({ ...input, method: entry.method })
      return yield* describe(input.profile)
    })

  const logout = (profile: ProfileName) =>
    Effect.gen(function*() {
      const entry = yield* kit.existingEntry(profile)
      const file = yield* kit.readFile(profile)
      if (file?.type === "sso" && entry?.sso !== undefined) {
        yield* kit.endSsoSession(profile, entry.sso.region, file, "the local session is removed anyway.")
      }
      yield* credentials.delete(profile, providerId)
      yield* resolver.forget(profile)
    })

  const describe = (profile: ProfileName): Effect.Effect<Description, AwsResolveError> =>
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
      const details = yield* (table[entry.method].details?.(kit, profile, entry, now) ?? Effect.succeed(undefined))
      const description = resolved === undefined
        ? describeLoggedOut(profile, entry, details)
        : describeResolved(profile, entry, resolved, now, details)
      return warnings.length === 0 ? description : { ...description, warnings: [...description.warnings, ...warnings] }
    })

  const environment = (profile: ProfileName) => Interop.environmentFor(resolver, profile)

  const isConfigured = (profile: ProfileName) => kit.existingEntry(profile).pipe(Effect.map((e) => e !== undefined))

  return { isConfigured, configure, login, logout, describe, environment }
})

const sourceLine = (profile: ProfileName, entry: AwsProviderEntry): DisplayLine => {
  const detail = table[entry.method].sourceDetail?.(entry)
  return { label: "source", value: `${entry.method} - ${profile}${detail !== undefined ? ` (${detail})` : ""}` }
}

const settingsJson = (entry: AwsProviderEntry) => ({
  ...(entry.sso !== undefined ? { sso: entry.sso } : {}),
  ...(entry.assumeRole !== undefined ? { assumeRole: entry.assumeRole } : {}),
  ...(entry.awsProfile !== undefined ? { awsProfile: entry.awsProfile } : {}),
  ...(entry.webIdentity !== undefined ? { webIdentity: entry.webIdentity } : {})
})

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
