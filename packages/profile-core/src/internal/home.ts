/**
 * The shared machinery of the stores: paths, atomic files, locks and error mapping for one alchemy home.
 *
 * @internal
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { AlchemyHome, type Paths, paths as makePaths } from "../AlchemyHome.js"
import { type ConfigFile, decodeConfigText, empty, encodeConfigText } from "../ConfigFile.js"
import { ConfigError, CredentialsError, type LockTimeout } from "../Errors.js"
import { FileLock, LockIoError } from "../FileLock.js"
import { isProfileName, isProviderId } from "../ProfileName.js"
import * as Files from "./files.js"

/** @internal */
export interface Home {
  readonly paths: Paths
  readonly files: Files.Files
  readonly configError: (reason: ConfigError["reason"], detail: string, path?: string) => ConfigError
  /** The current config (missing file = empty). Broken file = `ConfigError`, file untouched. */
  readonly readConfig: Effect.Effect<ConfigFile, ConfigError>
  readonly writeConfig: (config: ConfigFile) => Effect.Effect<void, ConfigError>
  /** Validate the current file (so a broken one creates nothing), make the lock dir, then lock. */
  readonly withConfigLock: <A, E, R>(
    effect: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E | ConfigError | LockTimeout, R>
  /** Make the lock dir, then run `effect` holding the lock `lockPath`; file-system failures go to `onIoFailure`. */
  readonly withLock: <A, E, R, E2>(
    lockPath: string,
    onIoFailure: (io: Files.IoFailure) => E2,
    effect: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E | E2 | LockTimeout, R>
  readonly credentialsError: (
    profile: string,
    provider: string,
    reason: CredentialsError["reason"],
    detail: string,
    path?: string
  ) => CredentialsError
  readonly checkNames: (profile: string, provider?: string) => Effect.Effect<void>
}

/**
 * The config.json text decoded last in this process, and what it decoded to. One command reads the file several
 * times (the CLI, the provider, the credential store) and a program asks for credentials on every call: the file is
 * read each time, so every answer is fresh, but a text seen before is not parsed and decoded again. A decoded
 * config is never mutated (its type is readonly; writers build a new one).
 */
let lastDecoded: { readonly text: string; readonly config: ConfigFile } | undefined

/** @internal */
export const make: Effect.Effect<Home, never, AlchemyHome | FileLock | FileSystem.FileSystem | Path.Path> = Effect
  .gen(function*() {
    const { problem, root } = yield* AlchemyHome
    const lock = yield* FileLock
    const files = yield* Files.make(root, problem)
    const paths = makePaths(root)

    const configError = (reason: ConfigError["reason"], detail: string, path = paths.config) =>
      new ConfigError({ reason, path, detail })

    const readConfig = files.readIfExists(paths.config).pipe(
      Effect.mapError((io) => configError(io.reason, io.detail)),
      Effect.flatMap(Option.match({
        onNone: () => Effect.succeed(empty),
        onSome: (text) =>
          lastDecoded !== undefined && lastDecoded.text === text
            ? Effect.succeed(lastDecoded.config)
            : Either.match(decodeConfigText(text), {
              onLeft: (problem) => Effect.fail(configError(problem.reason, problem.detail)),
              onRight: (config) => {
                lastDecoded = { text, config }
                return Effect.succeed(config)
              }
            })
      }))
    )

    const writeConfig = (config: ConfigFile) =>
      files.ensureDirs([paths.root]).pipe(
        Effect.zipRight(files.writeAtomic(paths.config, encodeConfigText(config))),
        Effect.mapError((io) => configError(io.reason, io.detail))
      )

    const withLock = <A, E, R, E2>(
      lockPath: string,
      onIoFailure: (io: Files.IoFailure) => E2,
      effect: Effect.Effect<A, E, R>
    ) =>
      files.ensureDirs([paths.root, paths.locks]).pipe(
        Effect.mapError(onIoFailure),
        Effect.zipRight(lock.withLockOrIoError(lockPath, effect)),
        Effect.catchIf(
          (e): e is LockIoError => e instanceof LockIoError,
          (e) => Effect.fail(onIoFailure(lockIoFailure(e)))
        )
      ) as Effect.Effect<A, E | E2 | LockTimeout, R>

    const withConfigLock = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      Effect.zipRight(readConfig, withLock(paths.configLock, (io) => configError(io.reason, io.detail), effect))

    const credentialsError = (
      profile: string,
      provider: string,
      reason: CredentialsError["reason"],
      detail: string,
      path = paths.credentialsFile(profile, provider)
    ) => new CredentialsError({ reason, path, profile, provider, detail })

    const checkNames = (profile: string, provider?: string) =>
      isProfileName(profile) && (provider === undefined || isProviderId(provider))
        ? Effect.void
        : Effect.dieMessage(
          `profile-core: invalid profile name or provider id ${JSON.stringify(profile).slice(0, 80)}/${
            JSON.stringify(provider).slice(0, 40)
          } (validate with decodeProfileName first)`
        )

    return {
      paths,
      files,
      configError,
      readConfig,
      writeConfig,
      withConfigLock,
      withLock,
      credentialsError,
      checkNames
    }
  })

/** A lock that could not be created, for reasons other than another holder (read-only home, ...). */
const lockIoFailure = (e: LockIoError): Files.IoFailure => ({
  _tag: "IoFailure",
  reason: Files.isReadOnlyCode(e.code) ? "ReadOnly" : "WriteFailed",
  detail: `cannot create the lock ${e.path} (${e.code})`
})
