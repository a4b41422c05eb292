/**
 * Cross-process locks (proper-lockfile underneath): a lock is a directory created with `mkdir` (atomic on every
 * local file system), its mtime refreshed every 2 seconds while held. A lock whose mtime is older than 10 seconds
 * belongs to a process that died and is taken over, and so is one whose mtime is more than 2 seconds in the future
 * (a living holder on this machine never dates its lock ahead of the clock; a lock restored from a backup, copied
 * from another machine or touched by hand can be). Fibers of one process queue on an in-memory semaphore per
 * path, so only one of them polls the file system. Waiting for a lock can be interrupted (Ctrl-C, SIGTERM).
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { globalValue } from "effect/GlobalValue"
import * as Layer from "effect/Layer"
import * as NFS from "node:fs"
import type * as Lockfile from "proper-lockfile"
import { LockTimeout } from "./Errors.js"

/**
 * The lock could not be taken for a reason other than another holder (read-only directory, missing parent).
 *
 * @since 0.1.0
 */
export class LockIoError extends Data.TaggedError("LockIoError")<{
  readonly path: string
  readonly code: string
  readonly detail: string
}> {}

/**
 * @since 0.1.0
 */
export declare namespace FileLock {
  /** @since 0.1.0 */
  export interface Options {
    /** How long to wait for another holder; default 20 seconds. */
    readonly timeout?: Duration.DurationInput
  }
  /** @since 0.1.0 */
  export interface Service {
    /**
     * Run `effect` while holding the lock `path` (a directory that this call creates and removes; its parent
     * must exist). I/O failures other than contention are defects here; use `withLockOrIoError` to handle them.
     */
    readonly withLock: <A, E, R>(
      path: string,
      effect: Effect.Effect<A, E, R>,
      options?: Options
    ) => Effect.Effect<A, E | LockTimeout, R>
    /** Like `withLock`, reporting file-system failures (read-only home) as `LockIoError`. */
    readonly withLockOrIoError: <A, E, R>(
      path: string,
      effect: Effect.Effect<A, E, R>,
      options?: Options
    ) => Effect.Effect<A, E | LockTimeout | LockIoError, R>
  }
}

/**
 * @since 0.1.0
 */
export class FileLock extends Context.Tag("@alchemy/profile-core/FileLock")<FileLock, FileLock.Service>() {}

/** A lock older than this (not refreshed by a living holder) is stale and taken over. @since 0.1.0 */
export const staleMillis = 10_000
/** How often a holder refreshes its lock. @since 0.1.0 */
export const updateMillis = 2_000
/** @since 0.1.0 */
export const defaultTimeout: Duration.Duration = Duration.seconds(20)

const semaphores = globalValue(
  Symbol.for("@alchemy/profile-core/FileLock/semaphores"),
  () => new Map<string, Effect.Semaphore>()
)
const semaphoreFor = (path: string): Effect.Semaphore => {
  let semaphore = semaphores.get(path)
  if (semaphore === undefined) {
    semaphore = Effect.unsafeMakeSemaphore(1)
    semaphores.set(path, semaphore)
  }
  return semaphore
}

/**
 * A lock dated further ahead than this is stale. proper-lockfile rounds its mtime up to the next second on file
 * systems with second precision, so a living holder can be up to 1 second ahead; nothing legitimate is 2 seconds
 * ahead. @since 0.2.0
 */
export const futureToleranceMillis = 2_000

/**
 * proper-lockfile's file system, except that `stat` reports a lock dated in the future as dated at the epoch, so
 * proper-lockfile's own stale check (mtime older than `stale`) takes it over, by its usual remove-and-retry path.
 * `stat` is a synchronous callback of proper-lockfile, outside any Effect, and compares with file mtimes (wall
 * time), so it reads `Date.now()`, not `Clock`.
 */
const makeLockFs = () => ({
  ...NFS,
  stat: (file: string, callback: (error: NodeJS.ErrnoException | null, stats?: NFS.Stats) => void) =>
    NFS.stat(file, (error, stats) =>
      callback(
        error,
        error === null && stats.mtimeMs > Date.now() + futureToleranceMillis
          ? Object.create(stats, { mtime: { value: new Date(0) }, mtimeMs: { value: 0 } })
          : stats
      ))
})
// Made on the first lock: spreading node:fs reads every export, which loads its streams (~2 ms a start).
let lockFs: ReturnType<typeof makeLockFs> | undefined

const lockOptions = (path: string): Lockfile.LockOptions => ({
  realpath: false,
  fs: (lockFs ??= makeLockFs()),
  lockfilePath: path,
  stale: staleMillis,
  update: updateMillis,
  retries: 0,
  // A compromised lock (our mtime updates failed for longer than `stale`) must not crash the process.
  onCompromised: () => undefined
})

const codeOf = (error: unknown): string =>
  typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
    ? error.code
    : "UNKNOWN"

// proper-lockfile (with graceful-fs, which patches node:fs and loads its streams) is loaded on the first lock:
// most commands never take one, and evaluating it cost every start ~3 ms.
let lockfile: Promise<typeof Lockfile> | undefined
const loadLockfile = () => (lockfile ??= import("proper-lockfile"))

const tryOnce = (path: string) =>
  Effect.async<Either.Either<() => Promise<void>, unknown>>((resume) => {
    loadLockfile().then((lockfile) => lockfile.lock(path, lockOptions(path))).then(
      (release) => resume(Effect.succeed(Either.right(release))),
      (error: unknown) => resume(Effect.succeed(Either.left(error)))
    )
  })

const acquire = (path: string, timeout: Duration.Duration) =>
  Effect.gen(function*() {
    const started = yield* Clock.currentTimeMillis
    const timeoutMs = Duration.toMillis(timeout)
    let attempt = 0
    while (true) {
      const result = yield* tryOnce(path)
      if (Either.isRight(result)) return result.right
      const code = codeOf(result.left)
      if (code !== "ELOCKED") {
        const detail = result.left instanceof Error ? result.left.message : String(result.left)
        return yield* Effect.fail(new LockIoError({ path, code, detail }))
      }
      const waited = (yield* Clock.currentTimeMillis) - started
      if (waited >= timeoutMs) return yield* Effect.fail(new LockTimeout({ path, waitedMs: waited }))
      const backoff = Math.min(100, 2 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random())
      attempt++
      // `acquire` runs uninterruptibly (so a lock taken is always released); the wait between attempts must not,
      // or Ctrl-C and SIGTERM would go unanswered for as long as another process holds the lock.
      yield* Effect.interruptible(Effect.sleep(Duration.millis(Math.min(backoff, Math.max(1, timeoutMs - waited)))))
    }
  })

const release = (unlock: () => Promise<void>) =>
  Effect.async<void>((resume) => {
    unlock().then(() => resume(Effect.void), () => resume(Effect.void))
  })

/**
 * @since 0.1.0
 */
export const make: FileLock.Service = (() => {
  const withLockOrIoError = <A, E, R>(path: string, effect: Effect.Effect<A, E, R>, options?: FileLock.Options) =>
    semaphoreFor(path).withPermits(1)(
      Effect.acquireUseRelease(
        acquire(path, options?.timeout === undefined ? defaultTimeout : Duration.decode(options.timeout)),
        () => effect,
        release
      )
    )
  return {
    withLockOrIoError,
    withLock: (path, effect, options) =>
      withLockOrIoError(path, effect, options).pipe(
        Effect.catchIf((e): e is LockIoError => e instanceof LockIoError, (e) => Effect.die(e))
      ) as never
  }
})()

/**
 * @since 0.1.0
 */
export const layer: Layer.Layer<FileLock> = Layer.succeed(FileLock, make)
