/**
 * `credentials/<profile>/<provider>.json`: the secrets of one provider of one profile, decoded with the provider's
 * schema (secret fields are `Schema.Redacted(Schema.String)`, so they are `Redacted` from the moment of decoding).
 * Files `0600`, directories `0700`, atomic writes under a per-file cross-process lock.
 *
 * The secret may live in the OS keychain instead (the entry's `store: "keychain"`, opt-in per profile and provider):
 * the same text, under the same lock, read and written through a helper process with a deadline (see
 * `internal/keychain.ts`); never a silent fallback to a file.
 *
 * A provider's configuration is a pair, its `config.json` entry and this file: `replace` writes both under the
 * file's lock, the entry first, so a secret is never on disk under a name `config.json` does not list.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberRef from "effect/FiberRef"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Schema from "effect/Schema"
import type { AlchemyHome } from "./AlchemyHome.js"
import { decodeCredentialsText, encodeKeeping } from "./ConfigFile.js"
import type { ConfigError, CredentialsError, LockTimeout } from "./Errors.js"
import type { FileLock } from "./FileLock.js"
import { describeParseError } from "./internal/decode.js"
import * as Home from "./internal/home.js"
import * as Keychain from "./internal/keychain.js"
import * as Secrets from "./internal/secrets.js"
import { ensureMigratedAsConfigError } from "./Migration.js"
import { isProviderId, type ProfileName } from "./ProfileName.js"
import { registerSecretsIn } from "./Redaction.js"

/**
 * @since 0.1.0
 */
export declare namespace CredentialStore {
  /** @since 0.1.0 */
  export interface Service {
    /** `None` when there is no file. A broken file is a `CredentialsError` and stays untouched. */
    readonly read: <A, I>(
      profile: ProfileName,
      provider: string,
      schema: Schema.Schema<A, I>
    ) => Effect.Effect<Option.Option<A>, CredentialsError>
    readonly write: <A, I>(
      profile: ProfileName,
      provider: string,
      schema: Schema.Schema<A, I>,
      value: A
    ) => Effect.Effect<void, CredentialsError | LockTimeout>
    /**
     * Save the provider's configuration as a pair: `entry` (the `config.json` change that goes with the new
     * credentials, `ProfileStore.putProvider`) runs first, then the file is written (`Some`) or removed (`None`),
     * all under this file's lock. Two processes configuring the same provider of a profile do not interleave, and
     * a process killed in between leaves an entry without its new secret (`NeedsLogin`), never a secret that
     * `config.json` does not list. Returns the credentials replaced (read under the lock), for the caller to revoke.
     */
    readonly replace: <A, I, E, R>(
      profile: ProfileName,
      provider: string,
      schema: Schema.Schema<A, I>,
      options: { readonly entry: Effect.Effect<void, E, R>; readonly credentials: Option.Option<A> }
    ) => Effect.Effect<Option.Option<A>, E | CredentialsError | LockTimeout, R>
    /** Removes the file and what a writer killed before its rename left next to it (temp files). */
    readonly delete: (profile: ProfileName, provider: string) => Effect.Effect<boolean, CredentialsError | LockTimeout>
    /**
     * Move the provider's secret to `to` (`alchemy profile move`): written there, the entry pointed at it, then
     * removed from where it was, under the provider's lock. There is no moment without a usable copy, and a failure
     * leaves the source as it was (`moved`; `recorded` when there was no secret, only the choice; `unchanged`).
     */
    readonly move: (
      profile: ProfileName,
      provider: string,
      to: StoreKind
    ) => Effect.Effect<"moved" | "recorded" | "unchanged", CredentialsError | LockTimeout>
    /** Where the provider's secret is (or would be written). */
    readonly location: (profile: ProfileName, provider: string) => Effect.Effect<Location, CredentialsError>
    /**
     * The providers that have a credentials file (or a killed writer's temp file) in the profile's directory,
     * whether or not `config.json` lists them: what `logout` and `profile delete` must remove.
     */
    readonly providers: (profile: ProfileName) => Effect.Effect<ReadonlyArray<string>, CredentialsError>
    /** The cross-process lock guarding this file (for read-modify-write sequences of a provider). */
    readonly lockPath: (profile: ProfileName, provider: string) => string
  }
}

/**
 * @since 0.1.0
 */
export class CredentialStore extends Context.Tag("@alchemy/profile-core/CredentialStore")<
  CredentialStore,
  CredentialStore.Service
>() {}

/**
 * What the `CredentialRefresher` needs beyond the public service: writes inside a lock it already holds, and the
 * in-memory cache that `write`/`delete` invalidate.
 *
 * @internal
 */
export interface Internals {
  readonly home: Home.Home
  readonly cache: Map<string, unknown>
  readonly readFile: <A, I>(
    profile: string,
    provider: string,
    schema: Schema.Schema<A, I>
  ) => Effect.Effect<Option.Option<A>, CredentialsError>
  readonly writeUnlocked: <A, I>(
    profile: string,
    provider: string,
    schema: Schema.Schema<A, I>,
    value: A
  ) => Effect.Effect<void, CredentialsError>
  readonly withFileLock: <A, E, R>(
    profile: string,
    provider: string,
    effect: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E | CredentialsError | LockTimeout, R>
}

/** @internal */
export const internals = new WeakMap<CredentialStore.Service, Internals>()

/** @internal */
export const cacheKey = (profile: string, provider: string): string => `${profile}\u0000${provider}`

/**
 * Where a provider's secret lives: `file` (`credentials/<profile>/<provider>.json`, the default) or `keychain`
 * (the OS keychain, service `alchemy`, account `<profile>/<provider>`). Recorded in the provider's `config.json`
 * entry as `store` (no secret there).
 *
 * @since 0.3.0
 */
export type StoreKind = Secrets.StoreKind

/** @since 0.3.0 */
export const storeKinds: ReadonlyArray<StoreKind> = Secrets.storeKinds

/**
 * Where a provider's secret is, as `profile show` reports it.
 *
 * @since 0.3.0
 */
export type Location =
  | { readonly store: "file"; readonly path: string }
  | { readonly store: "keychain"; readonly service: string; readonly account: string }

/**
 * The store a command asked for (`alchemy configure --store keychain`): where `replace` (and `write`, for a provider
 * that has no entry yet) put the secret. A provider whose entry already records a store keeps it for everything
 * else; `replace` with a requested store moves the secret there and records it.
 *
 * @since 0.3.0
 */
export const requestedStore: FiberRef.FiberRef<Option.Option<StoreKind>> = FiberRef.unsafeMake(Option.none())

/**
 * Run `effect` with `kind` as the requested store.
 *
 * @since 0.3.0
 */
export const withStore = (kind: StoreKind) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.locally(effect, requestedStore, Option.some(kind))

/**
 * @since 0.1.0
 */
export const make: Effect.Effect<
  CredentialStore.Service,
  never,
  AlchemyHome | FileLock | FileSystem.FileSystem | Path.Path
> = Effect.gen(function*() {
  const home = yield* Home.make
  const fs = yield* FileSystem.FileSystem
  const { paths, files } = home
  const cache = new Map<string, unknown>()

  const migrated = (profile: string, provider: string) =>
    ensureMigratedAsConfigError(home).pipe(
      Effect.mapError((e) => home.credentialsError(profile, provider, e.reason, e.detail, e.path))
    )

  const item = (profile: string, provider: string) => Keychain.itemOf(paths.root, profile, provider)
  const keychainError = (profile: string, provider: string) => (detail: string) =>
    home.credentialsError(profile, provider, "Keychain", detail, Secrets.itemPath(item(profile, provider)))
  const configAsCredentialsError = (profile: string, provider: string) => (e: ConfigError) =>
    home.credentialsError(profile, provider, e.reason, e.detail, e.path)

  /**
   * The store the entry records; without an entry, the requested one (the file by default). Read from the text of
   * config.json without decoding the whole file (a home with 1,000 profiles would pay ~30 ms per read). A
   * config.json that cannot be read points at the file: what is there (or not) is reported as before, and nothing
   * reaches the keychain on the word of a file we cannot read.
   */
  const storeOf = (profile: string, provider: string): Effect.Effect<StoreKind, CredentialsError> =>
    Effect.gen(function*() {
      const requested = yield* FiberRef.get(requestedStore)
      const text = yield* Effect.orElseSucceed(files.readIfExists(paths.config), () => Option.none<string>())
      if (Option.isNone(requested) && Option.isSome(text) && !text.value.includes(`"store"`)) return "file"
      const recorded = Option.isSome(text)
        ? Secrets.recordedStoreInText(text.value, profile, provider)
        : undefined
      if (recorded === undefined) return Option.getOrElse(requested, (): StoreKind => "file")
      if (typeof recorded === "object") {
        return yield* Effect.fail(home.credentialsError(
          profile,
          provider,
          "UnknownVersion",
          `config.json says the secret is kept in ${JSON.stringify(recorded.unknown).slice(0, 40)}, a store this ` +
            `alchemy does not know (written by a newer alchemy?)`,
          paths.config
        ))
      }
      return recorded
    })

  const readText = (kind: StoreKind, profile: string, provider: string) =>
    kind === "keychain"
      ? Secrets.mapKeychain(Keychain.get(item(profile, provider)), keychainError(profile, provider)).pipe(
        Effect.map(Option.fromNullable)
      )
      : files.readIfExists(paths.credentialsFile(profile, provider)).pipe(
        Effect.mapError((io) => home.credentialsError(profile, provider, io.reason, io.detail))
      )

  const decodeText = <A, I>(profile: string, provider: string, schema: Schema.Schema<A, I>) =>
    Option.match({
      onNone: () => Effect.succeed(Option.none<A>()),
      onSome: (text: string) =>
        Either.match(decodeCredentialsText(text, schema), {
          onLeft: (problem) => Effect.fail(home.credentialsError(profile, provider, problem.reason, problem.detail)),
          onRight: (value) => {
            registerSecretsIn(value)
            return Effect.succeed(Option.some(value))
          }
        })
    })

  const readFrom = <A, I>(kind: StoreKind, profile: string, provider: string, schema: Schema.Schema<A, I>) =>
    Effect.flatMap(readText(kind, profile, provider), decodeText(profile, provider, schema))

  const readFile = <A, I>(profile: string, provider: string, schema: Schema.Schema<A, I>) =>
    Effect.flatMap(storeOf(profile, provider), (kind) => readFrom(kind, profile, provider, schema))

  const writeText = (kind: StoreKind, profile: string, provider: string, text: string) =>
    kind === "keychain"
      ? Secrets.mapKeychain(Keychain.set(item(profile, provider), text), keychainError(profile, provider))
      : files.ensureDirs([paths.root, paths.credentialsDir, paths.profileCredentialsDir(profile)]).pipe(
        Effect.zipRight(files.writeAtomic(paths.credentialsFile(profile, provider), text)),
        Effect.mapError((io) => home.credentialsError(profile, provider, io.reason, io.detail))
      )

  const writeTo = <A, I>(kind: StoreKind, profile: string, provider: string, schema: Schema.Schema<A, I>, value: A) =>
    Either.match((registerSecretsIn(value), encodeKeeping(schema, value)), {
      onLeft: (issue) =>
        Effect.fail(
          home.credentialsError(profile, provider, "SchemaMismatch", `the new value: ${describeParseError(issue)}`)
        ),
      onRight: (encoded) =>
        writeText(kind, profile, provider, `${JSON.stringify(encoded, null, 2)}\n`).pipe(
          Effect.ensuring(Effect.sync(() => cache.delete(cacheKey(profile, provider))))
        )
    })

  const writeUnlocked = <A, I>(profile: string, provider: string, schema: Schema.Schema<A, I>, value: A) =>
    Effect.flatMap(storeOf(profile, provider), (kind) => writeTo(kind, profile, provider, schema, value))

  const withFileLock = <A, E, R>(profile: string, provider: string, effect: Effect.Effect<A, E, R>) =>
    home.withLock(
      paths.credentialsLock(profile, provider),
      (io) => home.credentialsError(profile, provider, io.reason, io.detail),
      effect
    )

  /** `<provider>.json` and the temp files `.<provider>.json.<pid>.<random>.tmp` of writers killed before their rename. */
  const providerOfName = (name: string): string | undefined => {
    const match = /^(?:\.([a-z][a-z0-9-]*)\.json\..*\.tmp|([a-z][a-z0-9-]*)\.json)$/.exec(name)
    const id = match?.[1] ?? match?.[2]
    return isProviderId(id) ? id : undefined
  }

  const namesIn = (profile: string, provider: string) =>
    fs.readDirectory(paths.profileCredentialsDir(profile)).pipe(
      Effect.catchIf((e) => e._tag === "SystemError" && e.reason === "NotFound", () => Effect.succeed([])),
      Effect.mapError((e) =>
        home.credentialsError(profile, provider, "Unreadable", e.message, paths.profileCredentialsDir(profile))
      )
    )

  /** Removes the secret from `kind`; the file's leftovers (temp files of killed writers) go in every case. */
  const deleteFrom = (kind: StoreKind, profile: string, provider: string) =>
    Effect.gen(function*() {
      const leftovers = (yield* namesIn(profile, provider).pipe(Effect.orElseSucceed(() => [])))
        .filter((name) => name.startsWith(".") && providerOfName(name) === provider)
      yield* Effect.forEach(leftovers, (name) =>
        files.remove(`${paths.profileCredentialsDir(profile)}/${name}`).pipe(
          Effect.mapError((io) => home.credentialsError(profile, provider, io.reason, io.detail))
        ))
      if (kind === "keychain") {
        return yield* Secrets.mapKeychain(Keychain.remove(item(profile, provider)), keychainError(profile, provider))
      }
      return yield* files.remove(paths.credentialsFile(profile, provider)).pipe(
        Effect.mapError((io) => home.credentialsError(profile, provider, io.reason, io.detail))
      )
    }).pipe(Effect.ensuring(Effect.sync(() => cache.delete(cacheKey(profile, provider)))))

  const deleteUnlocked = (profile: string, provider: string) =>
    Effect.flatMap(storeOf(profile, provider), (kind) => deleteFrom(kind, profile, provider))

  /** Record `kind` in the provider's entry (when it has one and records another store). */
  const record = (profile: string, provider: string, kind: StoreKind) =>
    home.withConfigLock(Effect.gen(function*() {
      const config = yield* home.readConfig
      const recorded = Secrets.recordedStore(config, profile, provider)
      if (recorded === undefined || recorded === kind) return
      yield* home.writeConfig(Secrets.withRecordedStore(config, profile, provider, kind))
    })).pipe(Effect.mapError((e) => e._tag === "ConfigError" ? configAsCredentialsError(profile, provider)(e) : e))

  const replace = <A, I, E, R>(
    profile: ProfileName,
    provider: string,
    schema: Schema.Schema<A, I>,
    options: { readonly entry: Effect.Effect<void, E, R>; readonly credentials: Option.Option<A> }
  ) =>
    withFileLock(
      profile,
      provider,
      Effect.gen(function*() {
        const before = yield* storeOf(profile, provider)
        const target = Option.getOrElse(yield* FiberRef.get(requestedStore), () => before)
        // A keychain that cannot be used fails here, before the entry is written: nothing changes. A previous secret
        // that does not decode is replaced all the same; there is nothing in it to hand back.
        const reachable = <X>(effect: Effect.Effect<X, CredentialsError>, orElse: X) =>
          Effect.catchIf(effect, (e) => e.reason !== "Keychain", () => Effect.succeed(orElse))
        const previous = yield* reachable(readFrom(before, profile, provider, schema), Option.none<A>())
        if (target === "keychain" && before !== "keychain") {
          yield* reachable(readText(target, profile, provider), Option.none())
        }
        // A keychain can still refuse the write (a locked keyring finds no item without unlocking, but cannot store
        // one): then the entry goes back to what it was, so a failed configure changes nothing.
        const snapshot = target === "keychain" ? yield* Effect.option(home.readConfig) : Option.none()
        const undoEntry = (e: CredentialsError) =>
          e.reason === "Keychain" && Option.isSome(snapshot)
            ? Effect.ignore(home.withConfigLock(
              Effect.flatMap(home.readConfig, (now) =>
                home.writeConfig(Secrets.withEntryOf(now, snapshot.value, profile, provider)))
            ))
            : Effect.void
        yield* options.entry
        if (Option.isSome(options.credentials)) {
          // The new secret first, then the entry points at it, then the old copy goes: there is no moment
          // without a usable secret, and a failure leaves the old copy where the entry says it is.
          yield* writeTo(target, profile, provider, schema, options.credentials.value).pipe(Effect.tapError(undoEntry))
          yield* record(profile, provider, target)
          if (target !== before) yield* deleteFrom(before, profile, provider)
        } else {
          yield* deleteFrom(before, profile, provider)
          if (target !== before) yield* deleteFrom(target, profile, provider)
        }
        return previous
      })
    )

  const move = (profile: ProfileName, provider: string, to: StoreKind) =>
    withFileLock(
      profile,
      provider,
      Effect.gen(function*() {
        const from = yield* storeOf(profile, provider)
        if (from === to) return "unchanged" as const
        const text = yield* readText(from, profile, provider)
        if (Option.isSome(text)) {
          yield* writeText(to, profile, provider, text.value)
          // The entry must point at the new copy before the old one goes; if it cannot, the new copy goes.
          yield* record(profile, provider, to).pipe(
            Effect.tapError(() => Effect.ignore(deleteFrom(to, profile, provider)))
          )
          yield* deleteFrom(from, profile, provider)
          return "moved" as const
        }
        yield* record(profile, provider, to)
        return "recorded" as const
      }).pipe(Effect.ensuring(Effect.sync(() => cache.delete(cacheKey(profile, provider)))))
    )

  const location = (profile: ProfileName, provider: string) =>
    Effect.map(storeOf(profile, provider), (kind): Location => {
      if (kind === "file") return { store: "file", path: paths.credentialsFile(profile, provider) }
      const { account, service } = item(profile, provider)
      return { store: "keychain", service, account }
    })

  const checked = (profile: string, provider?: string) =>
    home.checkNames(profile, provider).pipe(
      Effect.zipRight(provider === undefined ? Effect.void : migrated(profile, provider))
    )

  const service: CredentialStore.Service = {
    read: (profile, provider, schema) => checked(profile, provider).pipe(Effect.zipRight(readFile(profile, provider, schema))),
    write: (profile, provider, schema, value) =>
      checked(profile, provider).pipe(
        Effect.zipRight(withFileLock(profile, provider, writeUnlocked(profile, provider, schema, value)))
      ),
    replace: (profile, provider, schema, options) =>
      checked(profile, provider).pipe(Effect.zipRight(replace(profile, provider, schema, options))),
    delete: (profile, provider) =>
      checked(profile, provider).pipe(
        Effect.zipRight(withFileLock(profile, provider, deleteUnlocked(profile, provider)))
      ),
    move: (profile, provider, to) => checked(profile, provider).pipe(Effect.zipRight(move(profile, provider, to))),
    location: (profile, provider) => checked(profile, provider).pipe(Effect.zipRight(location(profile, provider))),
    providers: (profile) =>
      home.checkNames(profile).pipe(
        Effect.zipRight(namesIn(profile, "*")),
        Effect.flatMap((names) =>
          home.readConfig.pipe(
            Effect.mapError(configAsCredentialsError(profile, "*")),
            Effect.map((config) =>
              [
                ...new Set([
                  ...names.flatMap((name) => providerOfName(name) ?? []),
                  ...Secrets.keychainProviders(config, profile)
                ])
              ].sort()
            )
          )
        )
      ),
    lockPath: (profile, provider) => paths.credentialsLock(profile, provider)
  }
  internals.set(service, { home, cache, readFile, writeUnlocked, withFileLock })
  return service
})

/**
 * @since 0.1.0
 */
export const layer: Layer.Layer<CredentialStore, never, AlchemyHome | FileLock | FileSystem.FileSystem | Path.Path> =
  Layer.effect(CredentialStore, make)

