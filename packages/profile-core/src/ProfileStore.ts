/**
 * `config.json`: which profiles exist and, per provider, how they authenticate (never a secret).
 *
 * Reads never lock (writes are atomic renames, so a reader sees the old or the new file). Every change is a
 * read-modify-write under the cross-process config lock, re-reading the file inside the lock, so N processes
 * changing different profiles lose nothing. Unknown keys at every level survive a rewrite.
 *
 * @since 0.1.0
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Schema from "effect/Schema"
import type { AlchemyHome } from "./AlchemyHome.js"
import {
  type ConfigFile,
  decodeKeeping,
  encodeKeeping,
  profileOf,
  ProviderEntry,
  providerOf,
  unusableReason
} from "./ConfigFile.js"
import { type ConfigError, type LockTimeout, ProfileExists, ProfileNotFound } from "./Errors.js"
import type { FileLock } from "./FileLock.js"
import { describeParseError, restoreOrder } from "./internal/decode.js"
import * as Home from "./internal/home.js"
import * as Keychain from "./internal/keychain.js"
import * as Secrets from "./internal/secrets.js"
import { ensureMigratedAsConfigError } from "./Migration.js"
import { isProviderId, type ProfileName } from "./ProfileName.js"

/**
 * @since 0.1.0
 */
export declare namespace ProfileStore {
  /** @since 0.1.0 */
  export interface Service {
    readonly path: string
    /** The whole file; a missing file is an empty version 1 config. */
    readonly read: Effect.Effect<ConfigFile, ConfigError>
    readonly list: Effect.Effect<ReadonlyArray<ProfileName>, ConfigError>
    /** The provider's entry decoded with the provider's schema (unknown keys preserved). */
    readonly getProvider: <A, I>(
      profile: ProfileName,
      provider: string,
      schema: Schema.Schema<A, I>
    ) => Effect.Effect<Option.Option<A>, ConfigError>
    /** Replace the provider's entry (locked read-modify-write; the rest of the file is kept as is). */
    readonly putProvider: <A, I>(
      profile: ProfileName,
      provider: string,
      schema: Schema.Schema<A, I>,
      entry: A
    ) => Effect.Effect<void, ConfigError | LockTimeout>
    /** Change the provider's entry from its current value, atomically with respect to other processes. */
    readonly updateProvider: <A, I>(
      profile: ProfileName,
      provider: string,
      schema: Schema.Schema<A, I>,
      f: (current: Option.Option<A>) => A
    ) => Effect.Effect<A, ConfigError | LockTimeout>
    readonly deleteProvider: (profile: ProfileName, provider: string) => Effect.Effect<boolean, ConfigError | LockTimeout>
    /**
     * Removes the profile's credentials directory, then its entry in config.json (a profile that only has
     * credentials, left by a killed writer or another tool, is removed too), holding the credentials locks of its
     * configured providers.
     */
    readonly deleteProfile: (profile: ProfileName) => Effect.Effect<boolean, ConfigError | LockTimeout>
    /** Renames the profile and moves its credentials directory. */
    readonly renameProfile: (
      from: ProfileName,
      to: ProfileName
    ) => Effect.Effect<void, ConfigError | LockTimeout | ProfileNotFound | ProfileExists>
  }
}

/**
 * @since 0.1.0
 */
export class ProfileStore extends Context.Tag("@alchemy/profile-core/ProfileStore")<
  ProfileStore,
  ProfileStore.Service
>() {}

/**
 * @since 0.1.0
 */
export const make: Effect.Effect<
  ProfileStore.Service,
  never,
  AlchemyHome | FileLock | FileSystem.FileSystem | Path.Path
> = Effect.gen(function*() {
  const home = yield* Home.make
  const { paths, files } = home
  const migrated = ensureMigratedAsConfigError(home)

  const read = Effect.zipRight(migrated, home.readConfig)

  const decodeEntry = <A, I>(profile: string, provider: string, schema: Schema.Schema<A, I>, raw: unknown) =>
    Either.match(decodeKeeping(schema, raw), {
      onLeft: (issue) =>
        Effect.fail(
          home.configError("SchemaMismatch", `profiles.${profile}.${provider}: ${describeParseError(issue)}`)
        ),
      onRight: Effect.succeed
    })

  const encodeEntry = <A, I>(
    profile: string,
    provider: string,
    schema: Schema.Schema<A, I>,
    entry: A,
    like?: unknown
  ) =>
    Either.match(encodeKeeping(schema, entry), {
      onLeft: (issue) =>
        Effect.fail(
          home.configError(
            "SchemaMismatch",
            `the new entry profiles.${profile}.${provider} does not match its schema: ${describeParseError(issue)}`
          )
        ),
      onRight: (encoded) =>
        Either.match(decodeKeeping(ProviderEntry, encoded), {
          onLeft: (issue) =>
            Effect.fail(
              home.configError(
                "SchemaMismatch",
                `the new entry profiles.${profile}.${provider} is not a provider entry: ${describeParseError(issue)}`
              )
            ),
          onRight: () => Effect.succeed(restoreOrder(like ?? encoded, encoded) as ProviderEntry)
        })
    })

  /** Locked read-modify-write; `f` returns the result and the new config (or none to leave the file alone). */
  const modify = <A, E>(f: (config: ConfigFile) => Effect.Effect<readonly [A, Option.Option<ConfigFile>], E>) =>
    migrated.pipe(
      Effect.zipRight(home.withConfigLock(
        Effect.gen(function*() {
          const config = yield* home.readConfig
          const [result, next] = yield* f(config)
          if (Option.isSome(next)) yield* home.writeConfig(next.value)
          return result
        })
      ))
    )

  const withProvider = (
    config: ConfigFile,
    profile: ProfileName,
    provider: string,
    entry: ProviderEntry | undefined
  ): ConfigFile => {
    const current = { ...profileOf(config, profile) }
    if (entry === undefined) delete current[provider]
    else current[provider] = entry
    return { ...config, profiles: { ...config.profiles, [profile]: current } }
  }

  const getProvider = <A, I>(profile: ProfileName, provider: string, schema: Schema.Schema<A, I>) =>
    home.checkNames(profile, provider).pipe(
      Effect.zipRight(read),
      Effect.flatMap((config) => {
        const raw = providerOf(config, profile, provider)
        if (raw !== undefined) return Effect.map(decodeEntry(profile, provider, schema, raw), Option.some)
        const unusable = unusableReason(config, profile, provider)
        return unusable === undefined
          ? Effect.succeed(Option.none<A>())
          : Effect.fail(home.configError("SchemaMismatch", unusable))
      })
    )

  const putProvider = <A, I>(profile: ProfileName, provider: string, schema: Schema.Schema<A, I>, entry: A) =>
    home.checkNames(profile, provider).pipe(
      Effect.zipRight(encodeEntry(profile, provider, schema, entry)),
      Effect.flatMap((encoded) =>
        modify((config) => {
          // Where the secret lives is the credential store's to record: a provider writing its entry anew keeps it.
          const store = providerOf(config, profile, provider)?.store
          const entry = store !== undefined && encoded.store === undefined ? { ...encoded, store } : encoded
          return Effect.succeed([undefined, Option.some(withProvider(config, profile, provider, entry))] as const)
        })
      )
    )

  const updateProvider = <A, I>(
    profile: ProfileName,
    provider: string,
    schema: Schema.Schema<A, I>,
    f: (current: Option.Option<A>) => A
  ) =>
    home.checkNames(profile, provider).pipe(
      Effect.zipRight(modify((config) =>
        Effect.gen(function*() {
          const raw = providerOf(config, profile, provider)
          const current = raw === undefined
            ? Option.none<A>()
            : Option.some(yield* decodeEntry(profile, provider, schema, raw))
          const next = f(current)
          const encoded = yield* encodeEntry(profile, provider, schema, next, raw)
          return [next, Option.some(withProvider(config, profile, provider, encoded))] as const
        })
      ))
    )

  const deleteProvider = (profile: ProfileName, provider: string) =>
    home.checkNames(profile, provider).pipe(
      Effect.zipRight(modify((config) =>
        Effect.succeed(
          providerOf(config, profile, provider) === undefined
            ? [false, Option.none()] as const
            : [true, Option.some(withProvider(config, profile, provider, undefined))] as const
        )
      ))
    )

  /** A keychain request for the item of `profile`/`provider`; a keychain that cannot be used is a `ConfigError`. */
  const keychain = <A>(
    profile: string,
    provider: string,
    f: (item: Keychain.KeychainItem) => Effect.Effect<A, Keychain.KeychainFailure>
  ) => {
    const item = Keychain.itemOf(paths.root, profile, provider)
    return Secrets.mapKeychain(f(item), (detail) => home.configError("Keychain", detail, Secrets.itemPath(item)))
  }

  /** Hold the credentials locks of the profile's configured providers (those a `replace` could be writing). */
  const withProvidersLocked = <A, E>(profile: ProfileName, effect: Effect.Effect<A, E>) =>
    Effect.flatMap(read, (config) =>
      Object.keys(profileOf(config, profile) ?? {}).filter(isProviderId).sort().reduceRight(
        (inner: Effect.Effect<A, E | ConfigError | LockTimeout>, provider) =>
          home.withLock(
            paths.credentialsLock(profile, provider),
            (io) => home.configError(io.reason, io.detail, paths.credentialsLock(profile, provider)),
            inner
          ),
        effect
      ))

  const deleteProfile = (profile: ProfileName) =>
    home.checkNames(profile).pipe(
      Effect.zipRight(withProvidersLocked(
        profile,
        modify((config) =>
          Effect.gen(function*() {
            // The secrets first: a process killed in between leaves a listed profile without credentials
            // (NeedsLogin), never credentials under a name config.json no longer lists.
            for (const provider of Secrets.keychainProviders(config, profile)) {
              yield* keychain(profile, provider, Keychain.remove)
            }
            const removedDir = yield* files.remove(paths.profileCredentialsDir(profile), { recursive: true }).pipe(
              Effect.mapError((io) => home.configError(io.reason, io.detail, paths.profileCredentialsDir(profile)))
            )
            const inConfig = profileOf(config, profile) !== undefined
            if (inConfig) {
              const { [profile]: _removed, ...rest } = config.profiles
              yield* home.writeConfig({ ...config, profiles: rest })
            }
            return [inConfig || removedDir, Option.none()] as const
          })
        )
      ))
    )

  const renameProfile = (from: ProfileName, to: ProfileName) =>
    home.checkNames(from).pipe(
      Effect.zipRight(home.checkNames(to)),
      Effect.zipRight(modify((config) =>
        Effect.gen(function*() {
          if (profileOf(config, from) === undefined) {
            return yield* Effect.fail(new ProfileNotFound({ profile: from, available: Object.keys(config.profiles) }))
          }
          if (from === to) return [undefined, Option.none()] as const
          if (profileOf(config, to) !== undefined) return yield* Effect.fail(new ProfileExists({ profile: to }))
          const fromDir = paths.profileCredentialsDir(from)
          const toDir = paths.profileCredentialsDir(to)
          const hasCredentials = yield* files.exists(fromDir).pipe(
            Effect.mapError((io) => home.configError(io.reason, io.detail, fromDir))
          )
          if (hasCredentials) {
            // Leftover credentials of a profile that is not in config.json would be adopted silently: refuse.
            const occupied = yield* files.exists(toDir).pipe(
              Effect.mapError((io) => home.configError(io.reason, io.detail, toDir))
            )
            if (occupied) return yield* Effect.fail(new ProfileExists({ profile: to }))
            yield* files.rename(fromDir, toDir).pipe(
              Effect.mapError((io) => home.configError(io.reason, io.detail, fromDir))
            )
          }
          const undoDir = hasCredentials ? Effect.ignore(files.rename(toDir, fromDir)) : Effect.void
          // Keychain items are named after the profile: copied to the new name, the old ones removed once
          // config.json names the new profile (a failure before that removes the copies and leaves the old).
          const inKeychain = Secrets.keychainProviders(config, from)
          const undoItems = Effect.forEach(inKeychain, (provider) =>
            Effect.ignore(Keychain.remove(Keychain.itemOf(paths.root, to, provider))))
          yield* Effect.forEach(inKeychain, (provider) =>
            Effect.flatMap(keychain(from, provider, Keychain.get), (text) =>
              text === null
                ? Effect.void
                : keychain(to, provider, (item) => Keychain.set(item, text)))).pipe(
            Effect.tapError(() => Effect.zipRight(undoItems, undoDir))
          )
          const { [from]: moved, ...rest } = config.profiles
          const next: ConfigFile = { ...config, profiles: { ...rest, [to]: moved! } }
          yield* home.writeConfig(next).pipe(Effect.tapError(() => Effect.zipRight(undoItems, undoDir)))
          yield* Effect.forEach(inKeychain, (provider) => Effect.ignore(Keychain.remove(Keychain.itemOf(paths.root, from, provider))))
          return [undefined, Option.none()] as const
        })
      ))
    )

  return {
    path: paths.config,
    read,
    list: Effect.map(read, (config) => Object.keys(config.profiles).sort() as Array<ProfileName>),
    getProvider,
    putProvider,
    updateProvider,
    deleteProvider,
    deleteProfile,
    renameProfile
  } satisfies ProfileStore.Service
})

/**
 * @since 0.1.0
 */
export const layer: Layer.Layer<ProfileStore, never, AlchemyHome | FileLock | FileSystem.FileSystem | Path.Path> =
  Layer.effect(ProfileStore, make)
