/**
 * `credentials/<profile>/<provider>.json`: the secrets of one provider of one profile, decoded with the provider's
 * schema (secret fields are `Schema.Redacted(Schema.String)`, so they are `Redacted` from the moment of decoding).
 * Files `0600`, directories `0700`, atomic writes under a per-file cross-process lock.
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
import { decodeCredentialsText, encodeKeeping } from "./ConfigFile.js"
import type { CredentialsError, LockTimeout } from "./Errors.js"
import type { FileLock } from "./FileLock.js"
import { describeParseError } from "./internal/decode.js"
import * as Home from "./internal/home.js"
import { ensureMigratedAsConfigError } from "./Migration.js"
import type { ProfileName } from "./ProfileName.js"

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
    readonly delete: (profile: ProfileName, provider: string) => Effect.Effect<boolean, CredentialsError | LockTimeout>
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
            onRight: (value) => Effect.succeed(Option.some(value))
          })
      }))
    )

  const writeUnlocked = <A, I>(profile: string, provider: string, schema: Schema.Schema<A, I>, value: A) =>
    Either.match(encodeKeeping(schema, value), {
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
    delete: (profile, provider) =>
      home.checkNames(profile, provider).pipe(
        Effect.zipRight(migrated(profile, provider)),
        Effect.zipRight(withFileLock(
          profile,
          provider,
          files.remove(paths.credentialsFile(profile, provider)).pipe(
            Effect.mapError((io) => home.credentialsError(profile, provider, io.reason, io.detail)),
            Effect.ensuring(Effect.sync(() => cache.delete(cacheKey(profile, provider))))
          )
        ))
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

