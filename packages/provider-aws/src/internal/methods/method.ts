/**
 * One AWS authentication method as a module: the small interface every method implements (`Method`), and the kit
 * of shared helpers it is given (`Kit`: asking the person, reading the profile's entry and file, saving the pair),
 * built once per provider by `makeKit`, and the `ResolveKit` the resolver gives `resolve`. The dispatcher
 * (`table.ts`) picks the method; `AwsAuthProvider` runs the steps every method shares (choosing the method,
 * rejecting another method's inputs, saving, describing), `AwsResolver` those of every resolution (the entry memo,
 * the recursion guard, the region).
 *
 * @internal
 */
import type { ConfigureInput, DisplayLine } from "@alchemy/profile-core/AuthProvider"
import type { CredentialRefresher } from "@alchemy/profile-core/Credentials"
import { CredentialStore } from "@alchemy/profile-core/CredentialStore"
import type { ConfigError, NonInteractive } from "@alchemy/profile-core/Errors"
import { Interaction } from "@alchemy/profile-core/Interaction"
import type { ProfileName } from "@alchemy/profile-core/ProfileName"
import { ProfileStore } from "@alchemy/profile-core/ProfileStore"
import * as Clock from "effect/Clock"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import {
  AwsCredentialsFile,
  type AwsMethod,
  type AwsProviderEntry,
  AwsProviderEntry as AwsProviderEntrySchema,
  providerId,
  type SsoFile
} from "../../AwsConfig.js"
import { AwsError } from "../../AwsError.js"
import type { AwsResolved, AwsResolveError, AwsResolver, ResolveOptions } from "../../AwsResolver.js"
import * as AwsSso from "../../AwsSso.js"
import type { AwsProfileCredentials } from "../shared.js"
import type { AwsProfileRegion } from "../sharedConfig.js"

/** Every failure of a method's steps. @internal */
export type MethodError = AwsResolveError

/**
 * A credentials file to save with an entry. `schema.fields` names the keys this version knows (the others of a
 * previous file of the same type are kept).
 *
 * @internal
 */
export interface FileToSave {
  readonly schema: { readonly fields: Readonly<Record<string, unknown>> }
  readonly value: AwsCredentialsFile
}

/**
 * What `configure` collected and verified: the `config.json` entry and the credentials file to save as one pair
 * (`file` undefined removes it: a method that stores no secret), and notes shown as warnings (`not verified: ...`).
 *
 * @internal
 */
export interface Configured {
  readonly entry: AwsProviderEntry
  readonly file: FileToSave | undefined
  readonly notes?: ReadonlyArray<string>
}

/**
 * What `describe` adds for some methods: lines before the source line, `json` fields, and for a secret kept by
 * reference the lines that replace the redacted secret (`secretAccessKey: from $VAR (set)`).
 *
 * @internal
 */
export interface MethodDetails {
  readonly lines: ReadonlyArray<DisplayLine>
  readonly json: Readonly<Record<string, unknown>>
  readonly secretLines?: ReadonlyArray<DisplayLine>
  /** The access key id of the entry (a reference keeps it there), shown redacted when nothing resolved. */
  readonly accessKeyId?: string
}

/**
 * An input only one method reads: given with another method it is a mistake (`--web-identity-audience is for
 * --method web-identity, not sso`); given without `--method` it implies the method. `value`: a text option;
 * `reference`: a secret kept by reference (`--<name>-variable`).
 *
 * @internal
 */
export interface OwnInput {
  readonly kind: "value" | "reference"
  readonly name: string
}

/**
 * One resolution of a profile, as the resolver hands it to the profile's method.
 *
 * @internal
 */
export interface Resolution {
  readonly profile: ProfileName
  readonly entry: AwsProviderEntry
  /** What every result carries: the profile, the method, the region and its source, the stored account and ARN. */
  readonly base: Omit<AwsResolved, "accessKeyId" | "secretAccessKey">
  readonly options: ResolveOptions
  /** The profiles being resolved before this one (assume-role chains). */
  readonly chain: ReadonlyArray<string>
}

/**
 * What the resolver gives a method to resolve with (its services, and itself for source profiles).
 *
 * @internal
 */
export interface ResolveKit {
  readonly refresher: Context.Tag.Service<typeof CredentialRefresher>
  readonly store: Context.Tag.Service<typeof CredentialStore>
  readonly interaction: Interaction
  /** Resolve another profile (an assume-role's source profile). */
  readonly resolve: (profile: ProfileName, options?: ResolveOptions) => Effect.Effect<AwsResolved, AwsResolveError>
  /** An AWS CLI profile's credentials (the SDK's `fromIni`) and its `region`, memoized until they near expiry. */
  readonly resolveAwsProfile: (
    profile: ProfileName,
    name: string,
    chain: ReadonlyArray<string>
  ) => Effect.Effect<{ readonly credentials: AwsProfileCredentials; readonly region: AwsProfileRegion | undefined }, AwsError>
}

/** A setting the entry lacks. @internal */
export const missing = (profile: ProfileName, detail: string): AwsError =>
  new AwsError({ reason: "MissingSetting", profile, detail })

/**
 * One method. `previous` is the profile's entry before, of whatever method (each method decides what it keeps).
 *
 * @internal
 */
export interface Method {
  readonly id: AwsMethod
  /** Inputs only this method reads (see {@link OwnInput}). */
  readonly ownInputs?: ReadonlyArray<OwnInput>
  /** Collect what the method needs (asking for what is missing), verify it works, and say what to save. */
  readonly configure: (
    kit: Kit,
    input: ConfigureInput,
    previous: AwsProviderEntry | undefined
  ) => Effect.Effect<Configured, MethodError>
  /**
   * Sign in again or check the configured credentials still work (`entry` is of this method; `file` the profile's
   * credentials file, if any). `"configure"`: nothing to log in with, configure the method again.
   */
  readonly login: (
    kit: Kit,
    input: ConfigureInput,
    entry: AwsProviderEntry,
    file: AwsCredentialsFile | undefined
  ) => Effect.Effect<"configure" | undefined, MethodError>
  /** Valid credentials of a profile of this method, refreshed if needed (the resolver's part). */
  readonly resolve: (kit: ResolveKit, resolution: Resolution) => Effect.Effect<AwsResolved, AwsResolveError>
  /** What `profile show` adds for the method (undefined: nothing). */
  readonly details?: (kit: Kit, profile: ProfileName, entry: AwsProviderEntry, now: number) => Effect.Effect<MethodDetails | undefined>
  /** The detail of the `source` line (`Admin @ 111111111111`), if any. */
  readonly sourceDetail?: (entry: AwsProviderEntry) => string | undefined
}

/**
 * The shared helpers a method is given, bound to the provider's services (built once per provider).
 *
 * @internal
 */
export interface Kit {
  readonly profiles: Context.Tag.Service<typeof ProfileStore>
  readonly credentials: Context.Tag.Service<typeof CredentialStore>
  readonly interaction: Interaction
  readonly resolver: AwsResolver.Service
  /** A declared text option, or the person's answer (with `fallback` as the default). */
  readonly ask: (input: ConfigureInput, name: string, message: string, fallback?: string) => Effect.Effect<string, NonInteractive>
  /** A declared secret, or the person's answer. */
  readonly askSecret: (input: ConfigureInput, name: string, message: string) => Effect.Effect<Redacted.Redacted<string>, NonInteractive>
  /** `--region`, else the existing one, else asked (only when interactive; otherwise none). */
  readonly askRegion: (input: ConfigureInput, existing: string | undefined) => Effect.Effect<string | undefined, NonInteractive>
  readonly existingEntry: (profile: ProfileName) => Effect.Effect<AwsProviderEntry | undefined, ConfigError>
  /** The profile's credentials file; a broken one reads as none. */
  readonly readFile: (profile: ProfileName) => Effect.Effect<AwsCredentialsFile | undefined>
  /**
   * Save the entry and its credentials file as one pair (profile-core's `CredentialStore.replace`: the entry first,
   * both under the file's lock). `entry` undefined keeps the entry; `file` undefined removes the credentials file.
   * The SSO session the new credentials replace is ended once they are saved.
   */
  readonly savePair: (
    profile: ProfileName,
    entry: AwsProviderEntry | undefined,
    file: FileToSave | undefined
  ) => Effect.Effect<void, MethodError>
  /** End the IAM Identity Center session of an SSO file; best effort (a failure is a warning ending `consequence`). */
  readonly endSsoSession: (profile: ProfileName, region: string, file: SsoFile, consequence: string) => Effect.Effect<void>
}

/** A declared text option, `undefined` when absent or empty. @internal */
export const valueOf = (input: ConfigureInput, name: string): string | undefined => {
  const value = input.values[name]
  return value === undefined || value === "" ? undefined : value
}

/** A declared secret read now. @internal */
export const secretOf = (input: ConfigureInput, name: string): Redacted.Redacted<string> | undefined => input.secrets[name]

/** A declared secret kept by reference: the variable's name, `undefined` when absent or empty. @internal */
export const referenceOf = (input: ConfigureInput, name: string): string | undefined => {
  const value = input.references[name]
  return value === undefined || value === "" ? undefined : value
}

/** Is a declared switch on? @internal */
export const switchOf = (input: ConfigureInput, name: string): boolean => input.switches[name] === true

/** Is one of the method's own inputs given? @internal */
export const isGiven = (input: ConfigureInput, own: OwnInput): boolean =>
  (own.kind === "value" ? valueOf(input, own.name) : referenceOf(input, own.name)) !== undefined

/** The flag of an own input, as people type it. @internal */
export const flagOf = (own: OwnInput): string => own.kind === "value" ? own.name : `${own.name}-variable`

/** @internal */
export const invalid = (profile: ProfileName, detail: string): AwsError => new AwsError({ reason: "InvalidSetting", profile, detail })

/** The entry without the settings of any method (the method changes). @internal */
export const withoutMethodSettings = (entry: Partial<AwsProviderEntry> | undefined): Partial<AwsProviderEntry> => {
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

/** The new file, keeping the keys this version does not know from a previous file of the same type. */
const keepingUnknown = (
  previous: AwsCredentialsFile | undefined,
  fields: Readonly<Record<string, unknown>>,
  value: AwsCredentialsFile
): AwsCredentialsFile => {
  const unknown = previous !== undefined && previous.type === value.type
    ? Object.fromEntries(Object.entries(previous).filter(([key]) => !(key in fields)))
    : {}
  return { ...unknown, ...value } as AwsCredentialsFile
}

/**
 * The kit, from profile-core's services and the resolver.
 *
 * @internal
 */
export const makeKit = (resolver: AwsResolver.Service): Effect.Effect<Kit, never, ProfileStore | CredentialStore | Interaction> =>
  Effect.gen(function*() {
    const profiles = yield* ProfileStore
    const credentials = yield* CredentialStore
    const interaction = yield* Interaction

    const ask: Kit["ask"] = (input, name, message, fallback) =>
      Effect.suspend(() => {
        const given = valueOf(input, name)
        if (given !== undefined) return Effect.succeed(given)
        return interaction.text({
          message,
          flag: `--${name}`,
          ...(fallback !== undefined ? { default: fallback } : {})
        })
      })

    const askSecret: Kit["askSecret"] = (input, name, message) =>
      Effect.suspend(() => {
        const given = secretOf(input, name)
        return given !== undefined ? Effect.succeed(given) : interaction.secret({ message, flag: `--${name}` })
      })

    const askRegion: Kit["askRegion"] = (input, existing) =>
      Effect.gen(function*() {
        const given = valueOf(input, "region")
        if (given !== undefined) return given
        if (existing !== undefined) return existing
        if (!interaction.interactive) return undefined
        return yield* interaction.text({ message: "Default AWS region", default: "us-east-1", flag: "--region" })
      })

    const existingEntry: Kit["existingEntry"] = (profile) =>
      profiles.getProvider(profile, providerId, AwsProviderEntrySchema).pipe(Effect.map(Option.getOrUndefined))

    const readFile: Kit["readFile"] = (profile) =>
      credentials.read(profile, providerId, AwsCredentialsFile).pipe(
        Effect.map(Option.getOrUndefined),
        Effect.catchTag("CredentialsError", () => Effect.succeed(undefined))
      )

    const endSsoSession: Kit["endSsoSession"] = (profile, region, file, consequence) =>
      Effect.gen(function*() {
        if (file.expiresAt <= (yield* Clock.currentTimeMillis)) return
        yield* AwsSso.logout(profile, region, file.accessToken).pipe(
          Effect.catchAll((error) => interaction.warn(`IAM Identity Center logout failed (${error.detail}); ${consequence}`))
        )
      })

    const savePair: Kit["savePair"] = (profile, entry, file) =>
      Effect.gen(function*() {
        const before = yield* existingEntry(profile)
        const previous = yield* readFile(profile)
        yield* credentials.replace(profile, providerId, AwsCredentialsFile, {
          entry: entry === undefined ? Effect.void : profiles.putProvider(profile, providerId, AwsProviderEntrySchema, entry),
          credentials: file === undefined ? Option.none() : Option.some(keepingUnknown(previous, file.schema.fields, file.value))
        })
        yield* resolver.forget(profile)
        const next = file?.value
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

    return { profiles, credentials, interaction, resolver, ask, askSecret, askRegion, existingEntry, readFile, savePair, endSsoSession }
  })
