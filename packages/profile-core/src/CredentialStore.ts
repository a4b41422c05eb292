/**
 * `credentials/<profile>/<provider>.json`: the secrets of one provider of one profile, decoded with the provider's
 * schema (secret fields are `Schema.Redacted(Schema.String)`, so they are `Redacted` from the moment of decoding).
 * Files `0600`, directories `0700`, atomic writes under a per-file cross-process lock.
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
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Schema from "effect/Schema"
import type { AlchemyHome } from "./AlchemyHome.js"
import { decodeCredentialsText, encodeKeeping } from "./ConfigFile.js"
import type { CredentialsError, LockTimeout } from "./Errors.js"
import type { FileLock } from "./FileLock.js"
import { describeParseError } from "./internal/decode.js"
import * as Home from "./internal/home.js"
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

  const readFile = <A, I>(profile: string, provider: string, schema: Schema.Schema<A, I>) =>
    files.readIfExists(paths.credentialsFile(profile, provider)).pipe(
      Effect.mapError((io) => home.credentialsError(profile, provider, io.reason, io.detail)),
      Effect.flatMap(Option.match({
        onNone: () => Effect.succeed(Option.none<A>()),
        onSome: (text) =>
          Either.match(decodeCredentialsText(text, schema), {
            onLeft: (problem) => Effect.fail(home.credentialsError(profile, provider, problem.reason, problem.detail)),
            onRight: (value) => {
              registerSecretsIn(value)
              return Effect.succeed(Option.some(value))
            }
          })
      }))
    )

  const writeUnlocked = <A, I>(profile: string, provider: string, schema: Schema.Schema<A, I>, value: A) =>
    Either.match((registerSecretsIn(value), encodeKeeping(schema, value)), {
      onLeft: (issue) =>
        Effect.fail(
          home.credentialsError(profile, provider, "SchemaMismatch", `the new value: ${describeParseError(issue)}`)
        ),
      onRight: (encoded) =>
        files.ensureDirs([paths.root, paths.credentialsDir, paths.profileCredentialsDir(profile)]).pipe(
          Effect.zipRight(files.writeAtomic(paths.credentialsFile(profile, provider), `${JSON.stringify(encoded, null, 2)}\n`)),
          Effect.mapError((io) => home.credentialsError(profile, provider, io.reason, io.detail)),
          Effect.ensuring(Effect.sync(() => cache.delete(cacheKey(profile, provider))))
        )
    })

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

  const deleteUnlocked = (profile: string, provider: string) =>
    Effect.gen(function*() {
      const leftovers = (yield* namesIn(profile, provider).pipe(Effect.orElseSucceed(() => [])))
        .filter((name) => name.startsWith(".") && providerOfName(name) === provider)
      const removed = yield* files.remove(paths.credentialsFile(profile, provider))
      yield* Effect.forEach(leftovers, (name) => files.remove(`${paths.profileCredentialsDir(profile)}/${name}`))
      return removed
    }).pipe(
      Effect.mapError((io) => home.credentialsError(profile, provider, io.reason, io.detail)),
      Effect.ensuring(Effect.sync(() => cache.delete(cacheKey(profile, provider))))
    )

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
        // A previous file that does not decode is replaced all the same; there is nothing in it to hand back.
        const previous = yield* readFile(profile, provider, schema).pipe(Effect.orElseSucceed(() => Option.none<A>()))
        yield* options.entry
        if (Option.isSome(options.credentials)) {
          yield* writeUnlocked(profile, provider, schema, options.credentials.value)
        } else {
          yield* deleteUnlocked(profile, provider)
        }
        return previous
      })
    )

  const service: CredentialStore.Service = {
    read: (profile, provider, schema) =>
      home.checkNames(profile, provider).pipe(
        Effect.zipRight(migrated(profile, provider)),
        Effect.zipRight(readFile(profile, provider, schema))
      ),
    write: (profile, provider, schema, value) =>
      home.checkNames(profile, provider).pipe(
        Effect.zipRight(migrated(profile, provider)),
        Effect.zipRight(withFileLock(profile, provider, writeUnlocked(profile, provider, schema, value)))
      ),
    replace: (profile, provider, schema, options) =>
      home.checkNames(profile, provider).pipe(
        Effect.zipRight(migrated(profile, provider)),
        Effect.zipRight(replace(profile, provider, schema, options))
      ),
    delete: (profile, provider) =>
      home.checkNames(profile, provider).pipe(
        Effect.zipRight(migrated(profile, provider)),
        Effect.zipRight(withFileLock(profile, provider, deleteUnlocked(profile, provider)))
      ),
    providers: (profile) =>
      home.checkNames(profile).pipe(
        Effect.zipRight(namesIn(profile, "*")),
        Effect.map((names) => [...new Set(names.flatMap((name) => providerOfName(name) ?? []))].sort())
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

