/**
 * Migration of the single-file layout (`<home>/profiles.json`, keyed by profile name, secrets inline under each
 * provider's `credentials`) into `config.json` + `credentials/<profile>/<provider>.json`.
 *
 * - runs on first use of the stores (once per process and home; the check is one failed `open` when there is
 *   nothing to migrate), under the config lock, so concurrent processes migrate once;
 * - never overwrites: an entry already in `config.json`, or a credentials file that already exists, wins;
 * - keeps every field it does not understand (in the entry it moves, or in the backup);
 * - the original is renamed to `profiles.json.bak-<timestamp>` (mode 0600: it holds secrets), which also makes
 *   a second run a no-op.
 *
 * @since 0.1.0
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { globalValue } from "effect/GlobalValue"
import * as Option from "effect/Option"
import type { AlchemyHome } from "./AlchemyHome.js"
import type { ConfigFile, ProviderEntry } from "./ConfigFile.js"
import { type ConfigError, LockTimeout } from "./Errors.js"
import type { FileLock } from "./FileLock.js"
import { isRecord, parseJson } from "./internal/decode.js"
import * as Home from "./internal/home.js"
import { isProfileName, isProviderId } from "./ProfileName.js"

/**
 * @since 0.1.0
 */
export interface MigrationResult {
  readonly migrated: boolean
  /** Path of the backup of `profiles.json`, when a migration happened. */
  readonly backup?: string
  readonly profiles: ReadonlyArray<string>
  /** `profile/provider` of each credentials file written. */
  readonly credentials: ReadonlyArray<string>
  /** What was left only in the backup, and why (no values). */
  readonly skipped: ReadonlyArray<string>
}

const nothing: MigrationResult = { migrated: false, profiles: [], credentials: [], skipped: [] }

const timestamp = (date: Date) => date.toISOString().replace(/[:.]/g, "-")

const printable = (s: string) => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}...` : s)

/** @internal */
export const migrateWith = (home: Home.Home): Effect.Effect<MigrationResult, ConfigError | LockTimeout> => {
  const { files, paths } = home
  const legacyError = (reason: ConfigError["reason"], detail: string) => home.configError(reason, detail, paths.legacy)
  const run = Effect.gen(function*() {
    const text = yield* files.readIfExists(paths.legacy).pipe(
      Effect.mapError((io) => legacyError(io.reason, io.detail))
    )
    if (Option.isNone(text)) return nothing
    const json = yield* Either.match(parseJson(text.value), {
      onLeft: (problem) => Effect.fail(legacyError(problem.reason, problem.detail)),
      onRight: Effect.succeed
    })
    if (!isRecord(json)) {
      return yield* Effect.fail(legacyError("SchemaMismatch", "expected a JSON object keyed by profile name"))
    }
    const legacyProfiles = "version" in json && isRecord(json.profiles) ? json.profiles : json

    const config = yield* home.readConfig
    const profiles: Record<string, Record<string, ProviderEntry>> = { ...config.profiles }
    const credentials: Array<{ profile: string; provider: string; value: Record<string, unknown> }> = []
    const skipped: Array<string> = []
    const migratedProfiles: Array<string> = []

    for (const [name, entries] of Object.entries(legacyProfiles)) {
      if (!isProfileName(name)) {
        skipped.push(`profile ${printable(name)}: not a valid profile name`)
        continue
      }
      if (!isRecord(entries)) {
        skipped.push(`profile ${name}: not an object`)
        continue
      }
      migratedProfiles.push(name)
      const target: Record<string, ProviderEntry> = { ...profiles[name] }
      for (const [provider, entry] of Object.entries(entries)) {
        if (!isRecord(entry)) {
          skipped.push(`${name}.${provider}: not an object`)
          continue
        }
        const { credentials: secret, ...rest } = entry
        if (secret !== undefined) {
          if (isRecord(secret) && isProviderId(provider)) credentials.push({ profile: name, provider, value: secret })
          else skipped.push(`${name}.${provider}.credentials: not an object under a valid provider id`)
        }
        const method = typeof rest.method === "string"
          ? rest.method
          : isRecord(secret) && typeof secret.type === "string"
          ? secret.type
          : undefined
        if (method === undefined) {
          skipped.push(`${name}.${provider}: no method`)
          continue
        }
        if (target[provider] !== undefined) {
          skipped.push(`${name}.${provider}: already in config.json (kept)`)
          continue
        }
        const candidate = { ...rest, method } as Record<string, unknown>
        if (candidate.metadata !== undefined && !isValidMetadata(candidate.metadata)) {
          skipped.push(`${name}.${provider}.metadata: unexpected shape, kept as legacyMetadata`)
          candidate.legacyMetadata = candidate.metadata
          delete candidate.metadata
        }
        target[provider] = candidate as unknown as ProviderEntry
      }
      profiles[name] = target
    }

    const written: Array<string> = []
    for (const { profile, provider, value } of credentials) {
      const file = paths.credentialsFile(profile, provider)
      const exists = yield* files.exists(file).pipe(Effect.mapError((io) => legacyError(io.reason, io.detail)))
      if (exists) {
        skipped.push(`${profile}.${provider}.credentials: ${file} already exists (kept)`)
        continue
      }
      yield* files.ensureDirs([paths.root, paths.credentialsDir, paths.profileCredentialsDir(profile)]).pipe(
        Effect.zipRight(files.writeAtomic(file, `${JSON.stringify(value, null, 2)}\n`)),
        Effect.mapError((io) => home.configError(io.reason, io.detail, file))
      )
      written.push(`${profile}/${provider}`)
    }
    const next: ConfigFile = { ...config, profiles }
    yield* home.writeConfig(next)
    const backup = `${paths.legacy}.bak-${timestamp(new Date())}`
    yield* files.rename(paths.legacy, backup).pipe(
      Effect.zipRight(files.chmod(backup, 0o600)),
      Effect.mapError((io) => legacyError(io.reason, io.detail))
    )
    return { migrated: true, backup, profiles: migratedProfiles, credentials: written, skipped }
  })
  // Check the legacy file before taking the lock, so a broken one fails without creating anything.
  const precheck = files.readIfExists(paths.legacy).pipe(
    Effect.mapError((io) => legacyError(io.reason, io.detail)),
    Effect.flatMap(Option.match({
      onNone: () => Effect.succeed(false),
      onSome: (text) =>
        Either.match(parseJson(text), {
          onLeft: (problem) => Effect.fail(legacyError(problem.reason, problem.detail)),
          onRight: (json) =>
            isRecord(json)
              ? Effect.succeed(true)
              : Effect.fail(legacyError("SchemaMismatch", "expected a JSON object keyed by profile name"))
        })
    }))
  )
  return Effect.flatMap(precheck, (present) => present ? home.withConfigLock(run) : Effect.succeed(nothing))
}

const isValidMetadata = (u: unknown) => isRecord(u) && typeof u.id === "string" && typeof u.name === "string"

const done = globalValue(Symbol.for("@alchemy/profile-core/Migration/done"), () => new Set<string>())

/**
 * Migrate once per process and home; later calls cost nothing.
 *
 * @internal
 */
export const ensureMigrated = (home: Home.Home): Effect.Effect<void, ConfigError | LockTimeout> =>
  Effect.suspend(() =>
    done.has(home.paths.root)
      ? Effect.void
      : Effect.tap(migrateWith(home), () => Effect.sync(() => done.add(home.paths.root)))
  ).pipe(Effect.asVoid)

/**
 * Migrate the home's `profiles.json` now (the stores also do it on first use).
 *
 * @since 0.1.0
 */
export const migrate: Effect.Effect<
  MigrationResult,
  ConfigError | LockTimeout,
  AlchemyHome | FileLock | FileSystem.FileSystem | Path.Path
> = Effect.flatMap(Home.make, migrateWith)

/** @internal */
export const ensureMigratedAsConfigError = (home: Home.Home): Effect.Effect<void, ConfigError> =>
  ensureMigrated(home).pipe(
    Effect.catchIf(
      (e): e is LockTimeout => e instanceof LockTimeout,
      (e) =>
        Effect.fail(
          home.configError("WriteFailed", `migrating profiles.json: ${e.message}`, home.paths.legacy)
        )
    )
  )
