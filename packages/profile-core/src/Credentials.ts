/**
 * Refresh coordination, provider-agnostic: "give me valid credentials for (profile, provider)".
 *
 * - hot path: valid credentials from an in-memory cache, re-checked against the clock on every call, no I/O;
 * - otherwise the file is read (no lock: writes are atomic); still valid -> cached and returned;
 * - otherwise, once per process per (profile, provider) (concurrent callers share one in-flight refresh) and
 *   under the file's cross-process lock: re-read, refresh only if still needed, write atomically.
 *
 * A provider supplies only `isValid` and `refresh`.
 *
 * @since 0.1.0
 */
import type * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Schema from "effect/Schema"
import { cacheKey, CredentialStore, internals } from "./CredentialStore.js"
import { type CredentialsError, type LockTimeout, NeedsLogin } from "./Errors.js"
import type { ProfileName } from "./ProfileName.js"

/**
 * @since 0.1.0
 */
export interface RefreshPolicy<A, I, E, R> {
  readonly profile: ProfileName
  /** `credentials/<profile>/<provider>.json` */
  readonly provider: string
  readonly schema: Schema.Schema<A, I>
  /** Valid for at least `skewMillis` more at `nowMillis`? Called on every `getValid`, keep it cheap. */
  readonly isValid: (credentials: A, now: { readonly nowMillis: number; readonly skewMillis: number }) => boolean
  readonly refresh: (credentials: A) => Effect.Effect<A, E, R>
  /** Default 5 minutes. */
  readonly skew?: Duration.DurationInput
  /**
   * Locks of other tools that refresh the same file, as paths relative to the home (for example `alchemy` 0.x's
   * `lock/cloudflare-<profile>`): taken, after this file's own lock and before the re-read, for every refresh, so
   * two tools spend a rotating refresh token once. Same lock library and staleness as theirs (proper-lockfile,
   * a directory with its mtime kept fresh, stale after 10 seconds).
   */
  readonly sharedLocks?: ReadonlyArray<string>
}

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * The refreshed value keeps what the file had that the provider does not know (keys written by another tool or a
 * newer version): known keys take the new values, unknown ones stay, in the file's order.
 */
const keepUnknownKeys = <A>(before: A, after: A): A =>
  isObject(before) && isObject(after) && before.type === after.type ? { ...before, ...after } : after

/**
 * @since 0.1.0
 */
export declare namespace CredentialRefresher {
  /** @since 0.1.0 */
  export interface Service {
    readonly getValid: <A, I, E, R>(
      policy: RefreshPolicy<A, I, E, R>
    ) => Effect.Effect<A, E | NeedsLogin | CredentialsError | LockTimeout, R>
    /** Forget the cached value (the next call reads the file). */
    readonly invalidate: (profile: ProfileName, provider: string) => Effect.Effect<void>
  }
}

/**
 * @since 0.1.0
 */
export class CredentialRefresher extends Context.Tag("@alchemy/profile-core/CredentialRefresher")<
  CredentialRefresher,
  CredentialRefresher.Service
>() {}

/** @since 0.1.0 */
export const defaultSkew: Duration.Duration = Duration.minutes(5)
const defaultSkewMillis = Duration.toMillis(defaultSkew)

const skewOf = (policy: { readonly skew?: Duration.DurationInput }): number =>
  policy.skew === undefined ? defaultSkewMillis : Duration.toMillis(Duration.decode(policy.skew))

/**
 * @since 0.1.0
 */
export const make: Effect.Effect<CredentialRefresher.Service, never, CredentialStore> = Effect.gen(function*() {
  const store = yield* CredentialStore
  const internal = internals.get(store)
  // A store without internals (a test double) gets a private cache and in-process coordination only.
  const cache = internal?.cache ?? new Map<string, unknown>()
  const inflight = new Map<string, Deferred.Deferred<unknown, unknown>>()

  const needsLogin = (policy: RefreshPolicy<any, any, any, any>) =>
    new NeedsLogin({
      profile: policy.profile,
      provider: policy.provider,
      detail: "no stored credentials"
    })

  const validAt = <A>(policy: RefreshPolicy<A, any, any, any>, value: A, clock: Clock.Clock) =>
    policy.isValid(value, { nowMillis: clock.unsafeCurrentTimeMillis(), skewMillis: skewOf(policy) })

  const isValidNow = <A>(policy: RefreshPolicy<A, any, any, any>, value: A) =>
    Effect.clockWith((clock) => Effect.sync(() => validAt(policy, value, clock)))

  const slow = <A, I, E, R>(policy: RefreshPolicy<A, I, E, R>, key: string) => {
    const read = internal
      ? internal.readFile(policy.profile, policy.provider, policy.schema)
      : store.read(policy.profile, policy.provider, policy.schema)
    const write = (value: A) =>
      internal
        ? internal.writeUnlocked(policy.profile, policy.provider, policy.schema, value)
        : store.write(policy.profile, policy.provider, policy.schema, value)
    const remember = (value: A) => Effect.sync(() => cache.set(key, value)).pipe(Effect.as(value))

    const refreshUnderLocks = Effect.gen(function*() {
      const again = yield* read
      if (Option.isNone(again)) return yield* Effect.fail(needsLogin(policy))
      if (yield* isValidNow(policy, again.value)) return yield* remember(again.value)
      const refreshed = keepUnknownKeys(again.value, yield* policy.refresh(again.value))
      yield* write(refreshed)
      return yield* remember(refreshed)
    })
    const underLock = internal === undefined ? refreshUnderLocks : (policy.sharedLocks ?? []).reduceRight(
      (effect: typeof refreshUnderLocks, relative) => {
        const { home } = internal
        const lockPath = `${home.paths.root}/${relative}`
        const onIo = (io: { readonly reason: CredentialsError["reason"]; readonly detail: string }) =>
          home.credentialsError(policy.profile, policy.provider, io.reason, io.detail, lockPath)
        return home.files.ensureDirs([home.paths.root, lockPath.slice(0, lockPath.lastIndexOf("/"))]).pipe(
          Effect.mapError(onIo),
          Effect.zipRight(home.withLock(lockPath, onIo, effect))
        )
      },
      refreshUnderLocks
    )

    return Effect.gen(function*() {
      // First store.read runs the one-time migration check; later reads go straight to the file.
      const current = yield* store.read(policy.profile, policy.provider, policy.schema)
      if (Option.isNone(current)) return yield* Effect.fail(needsLogin(policy))
      if (yield* isValidNow(policy, current.value)) return yield* remember(current.value)
      return yield* internal ? internal.withFileLock(policy.profile, policy.provider, underLock) : underLock
    })
  }

  const shared = <A, I, E, R>(policy: RefreshPolicy<A, I, E, R>, key: string) =>
    Effect.suspend(() => {
      const existing = inflight.get(key)
      if (existing !== undefined) return Deferred.await(existing)
      const deferred = Deferred.unsafeMake<unknown, unknown>(FiberId.none)
      inflight.set(key, deferred)
      const complete = (exit: Exit.Exit<unknown, unknown>) =>
        Effect.suspend(() => {
          inflight.delete(key)
          return Deferred.done(deferred, exit)
        })
      // The refresh runs in its own fiber: interrupting the caller that started it does not abort the others.
      return slow(policy, key).pipe(
        Effect.exit,
        Effect.flatMap(complete),
        Effect.forkDaemon,
        Effect.zipRight(Deferred.await(deferred))
      )
    }) as Effect.Effect<A, E | NeedsLogin | CredentialsError | LockTimeout, R>

  const getValid = <A, I, E, R>(
    policy: RefreshPolicy<A, I, E, R>
  ): Effect.Effect<A, E | NeedsLogin | CredentialsError | LockTimeout, R> =>
    Effect.clockWith((clock) => {
      const key = cacheKey(policy.profile, policy.provider)
      const cached = cache.get(key) as A | undefined
      return cached !== undefined && validAt(policy, cached, clock) ? Effect.succeed(cached) : shared(policy, key)
    })

  return {
    getValid,
    invalidate: (profile, provider) => Effect.sync(() => cache.delete(cacheKey(profile, provider)))
  }
})

/**
 * @since 0.1.0
 */
export const layer: Layer.Layer<CredentialRefresher, never, CredentialStore> = Layer.effect(CredentialRefresher, make)
