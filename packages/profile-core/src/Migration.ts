/**
 * Migration of a `<home>/profiles.json` into `config.json` + `credentials/<profile>/<provider>.json`. Three shapes
 * are read:
 *
 * - Alchemy v2 generation 2a (`"version": 0`, `profiles.<name>.<Provider>`) and 2b (`"version": 2`,
 *   `profiles.<name>.providers.<Provider>`), with their credentials files `credentials/<name>/cf-oauth.json`,
 *   `cf-stored.json`, `aws.json` (later `cloudflare-oauth.json`, `cloudflare-stored.json`, `aws-stored.json`);
 *   see `internal/alchemyV2.ts` for what each method becomes;
 * - the single-file layout (no `version`: keyed by profile name, secrets inline under each provider's
 *   `credentials`).
 *
 * Rules:
 * - runs on first use of the stores (once per process and home; the check is one failed `open` when there is
 *   nothing to migrate), under the config lock, so concurrent processes migrate once;
 * - never overwrites: an entry already in `config.json`, or a credentials file of ours that already exists, wins
 *   (for Alchemy v2 the provider is kept whole: neither its entry nor its file is written);
 * - keeps every field it does not understand (in the entry it moves, or in the backup);
 * - the original is renamed to `profiles.json.bak-<timestamp>` (mode 0600: it holds secrets), which also makes
 *   a second run a no-op. Alchemy v2 credentials files that were converted are first copied, byte for byte, to
 *   `profiles.json.bak-<timestamp>.credentials/<profile>/` (0700/0600), then removed (`aws.json`, their name and
 *   ours, is replaced atomically in place);
 * - what was migrated and what was left in the backup (`method: "env"`, unknown providers, invalid names,
 *   entries of an unexpected shape) is said in one line through `Console.error`, names only, never a value;
 * - an unknown `version` is a `ConfigError` naming `profiles.json`, and nothing changes.
 *
 * @since 0.1.0
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import * as Clock from "effect/Clock"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { globalValue } from "effect/GlobalValue"
import * as Option from "effect/Option"
import type { AlchemyHome } from "./AlchemyHome.js"
import type { ProviderEntry } from "./ConfigFile.js"
import { type ConfigError, LockTimeout } from "./Errors.js"
import type { FileLock } from "./FileLock.js"
import * as AlchemyV2 from "./internal/alchemyV2.js"
import { type DecodeProblem, isRecord, parseJson } from "./internal/decode.js"
import * as Home from "./internal/home.js"
import { isProfileName, isProviderId } from "./ProfileName.js"

/**
 * @since 0.1.0
 */
export interface MigrationResult {
  readonly migrated: boolean
  /** Path of the backup of `profiles.json`, when a migration happened. */
  readonly backup?: string
  /** Directory holding the originals of the Alchemy v2 credentials files that were converted, when there were any. */
  readonly credentialsBackup?: string
  readonly profiles: ReadonlyArray<string>
  /** `profile/provider` of each `config.json` entry written, with a note when the user has something to do. */
  readonly entries: ReadonlyArray<string>
  /** `profile/provider` of each credentials file written. */
  readonly credentials: ReadonlyArray<string>
  /** `profile/Provider (why)` of what was left only in the backup (no values). */
  readonly skipped: ReadonlyArray<string>
}

const nothing: MigrationResult = { migrated: false, profiles: [], entries: [], credentials: [], skipped: [] }

/** The backup's suffix for the time now (on `Clock`, like every time read). */
const timestamp: Effect.Effect<string> = Effect.map(
  Clock.currentTimeMillis,
  (millis) => new Date(millis).toISOString().replace(/[:.]/g, "-")
)

/** A name read from the file, as it is when it is plain, else quoted (control characters escaped) and bounded. */
const printable = (s: string) =>
  /^[A-Za-z0-9._-]{1,64}$/.test(s) ? s : JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}...` : s)

/**
 * The one line said after a migration: `migrated: default/cloudflare, ...; left in <backup>: default/Neon (unknown
 * provider), ...`. Names and reasons only.
 *
 * @since 0.1.0
 */
export const summary = (result: MigrationResult): string => {
  const parts = [`migrated: ${result.entries.length === 0 ? "nothing" : result.entries.join(", ")}`]
  if (result.skipped.length > 0) parts.push(`left in ${result.backup ?? "profiles.json"}: ${result.skipped.join(", ")}`)
  if (result.credentialsBackup !== undefined) {
    parts.push(`original credentials files copied to ${result.credentialsBackup}`)
  }
  return parts.join("; ")
}

type Layout =
  | { readonly _tag: "SingleFile"; readonly profiles: Record<string, unknown> }
  | { readonly _tag: "AlchemyV2"; readonly generation: AlchemyV2.Generation; readonly profiles: Record<string, unknown> }

/** Which shape the file has, from its `version`. */
const classify = (json: unknown): Either.Either<Layout, DecodeProblem> => {
  if (!isRecord(json)) {
    return Either.left({ reason: "SchemaMismatch", detail: "expected a JSON object at the top level" })
  }
  if (!("version" in json)) return Either.right({ _tag: "SingleFile", profiles: json })
  const version = json.version
  if (version === 0 || version === 2) {
    return isRecord(json.profiles)
      ? Either.right({ _tag: "AlchemyV2", generation: version === 0 ? "2a" : "2b", profiles: json.profiles })
      : Either.left({ reason: "SchemaMismatch", detail: "profiles: expected an object keyed by profile name" })
  }
  // A wrapped single-file layout (`{ version: 1, profiles }`) was accepted before Alchemy v2's files were read.
  if (version === 1 && isRecord(json.profiles)) return Either.right({ _tag: "SingleFile", profiles: json.profiles })
  if (typeof version === "number") {
    return Either.left({
      reason: "UnknownVersion",
      detail: `version ${version} (this alchemy migrates Alchemy v2's versions 0 and 2)`
    })
  }
  return Either.left({ reason: "SchemaMismatch", detail: "version: expected a number" })
}

/** Key-order-insensitive equality of JSON values. */
const sameJson = (a: unknown, b: unknown): boolean => {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]))
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a)
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && sameJson(a[k], b[k]))
  }
  return a === b
}

/** @internal */
export const migrateWith = (home: Home.Home): Effect.Effect<MigrationResult, ConfigError | LockTimeout> => {
  const { files, paths } = home
  const legacyError = (reason: ConfigError["reason"], detail: string) => home.configError(reason, detail, paths.legacy)
  const fileError = (file: string) => (io: { reason: ConfigError["reason"]; detail: string }) =>
    home.configError(io.reason, io.detail, file)

  /** `None` when there is no profiles.json; a typed error naming it when it cannot be migrated. */
  const readLayout = files.readIfExists(paths.legacy).pipe(
    Effect.mapError(fileError(paths.legacy)),
    Effect.flatMap(Option.match({
      onNone: () => Effect.succeed(Option.none<Layout>()),
      onSome: (text) =>
        Either.match(Either.flatMap(parseJson(text), classify), {
          onLeft: (problem) => Effect.fail(legacyError(problem.reason, problem.detail)),
          onRight: (layout) => Effect.succeed(Option.some(layout))
        })
    }))
  )

  const finish = (stamp: string) => {
    const backup = `${paths.legacy}.bak-${stamp}`
    return files.rename(paths.legacy, backup).pipe(
      Effect.zipRight(files.chmod(backup, 0o600)),
      Effect.mapError(fileError(paths.legacy)),
      Effect.as(backup)
    )
  }

  const singleFile = (legacyProfiles: Record<string, unknown>) =>
    Effect.gen(function*() {
      const config = yield* home.readConfig
      const profiles: Record<string, Record<string, ProviderEntry>> = { ...config.profiles }
      const credentials: Array<{ profile: string; provider: string; value: Record<string, unknown> }> = []
      const skipped: Array<string> = []
      const entries: Array<string> = []
      const migratedProfiles: Array<string> = []

      for (const [name, providers] of Object.entries(legacyProfiles)) {
        if (!isProfileName(name)) {
          skipped.push(`${printable(name)} (not a valid profile name)`)
          continue
        }
        if (!isRecord(providers)) {
          skipped.push(`${name} (not an object)`)
          continue
        }
        migratedProfiles.push(name)
        const target: Record<string, ProviderEntry> = { ...profiles[name] }
        for (const [provider, entry] of Object.entries(providers)) {
          const label = `${name}/${printable(provider)}`
          if (!isRecord(entry)) {
            skipped.push(`${label} (not an object)`)
            continue
          }
          const { credentials: secret, ...rest } = entry
          if (secret !== undefined) {
            if (isRecord(secret) && isProviderId(provider)) credentials.push({ profile: name, provider, value: secret })
            else skipped.push(`${label} (credentials not an object under a valid provider id)`)
          }
          const method = typeof rest.method === "string"
            ? rest.method
            : isRecord(secret) && typeof secret.type === "string"
            ? secret.type
            : undefined
          if (method === undefined) {
            skipped.push(`${label} (no method)`)
            continue
          }
          if (target[provider] !== undefined) {
            skipped.push(`${label} (kept the entry already in config.json)`)
            continue
          }
          const candidate = { ...rest, method } as Record<string, unknown>
          if (candidate.metadata !== undefined && !isValidMetadata(candidate.metadata)) {
            skipped.push(`${label} (metadata of an unexpected shape, kept as legacyMetadata)`)
            candidate.legacyMetadata = candidate.metadata
            delete candidate.metadata
          }
          target[provider] = candidate as unknown as ProviderEntry
          entries.push(`${name}/${provider}`)
        }
        profiles[name] = target
      }

      const written: Array<string> = []
      for (const { profile, provider, value } of credentials) {
        const file = paths.credentialsFile(profile, provider)
        const exists = yield* files.exists(file).pipe(Effect.mapError(fileError(file)))
        if (exists) {
          skipped.push(`${profile}/${provider} (kept the existing ${file})`)
          continue
        }
        yield* files.ensureDirs([paths.root, paths.credentialsDir, paths.profileCredentialsDir(profile)]).pipe(
          Effect.zipRight(files.writeAtomic(file, `${JSON.stringify(value, null, 2)}\n`)),
          Effect.mapError(fileError(file))
        )
        written.push(`${profile}/${provider}`)
      }
      yield* home.writeConfig({ ...config, profiles })
      const backup = yield* finish(yield* timestamp)
      return {
        migrated: true,
        backup,
        profiles: migratedProfiles,
        entries,
        credentials: written,
        skipped
      } satisfies MigrationResult
    })

  const alchemyV2 = (generation: AlchemyV2.Generation, theirProfiles: Record<string, unknown>) =>
    Effect.gen(function*() {
      const config = yield* home.readConfig
      const profiles: Record<string, Record<string, ProviderEntry>> = { ...config.profiles }
      const stamp = yield* timestamp
      const credentialsBackup = `${paths.legacy}.bak-${stamp}.credentials`
      const skipped: Array<string> = []
      const entries: Array<string> = []
      const migratedProfiles: Array<string> = []
      const copies: Array<{ readonly profile: string; readonly name: string; readonly text: string }> = []
      const writes: Array<{ readonly profile: string; readonly provider: string; readonly value: unknown }> = []
      const removals: Array<string> = []

      const readJson = (file: string) =>
        files.readIfExists(file).pipe(
          Effect.mapError(fileError(file)),
          Effect.map(Option.map((text) => ({ text, json: Either.getOrUndefined(parseJson(text)) })))
        )

      /** The first of their files for this entry that exists (an `aws.json` of ours is not theirs). */
      const sourceOf = (profile: string, provider: string, entry: unknown) =>
        Effect.gen(function*() {
          if (!isRecord(entry)) return undefined
          for (const name of AlchemyV2.sourceFilesFor(provider, entry)) {
            const file = `${paths.profileCredentialsDir(profile)}/${name}`
            const found = yield* readJson(file)
            if (Option.isNone(found)) continue
            if (name === "aws.json" && AlchemyV2.isOurs(found.value.json)) continue
            return { name, file, ...found.value }
          }
          return undefined
        })

      for (const [name, value] of Object.entries(theirProfiles)) {
        if (!isProfileName(name)) {
          skipped.push(`${printable(name)} (not a valid profile name)`)
          continue
        }
        const found = AlchemyV2.providersOf(generation, value)
        if ("problem" in found) {
          skipped.push(`${name} (${found.problem})`)
          continue
        }
        let any = false
        for (const [provider, entry] of Object.entries(found.providers)) {
          const label = `${name}/${printable(provider)}`
          const source = yield* sourceOf(name, provider, entry)
          const conversion = AlchemyV2.convert(name, provider, entry, source)
          if (conversion._tag === "Skip") {
            skipped.push(`${label} (${conversion.reason})`)
            continue
          }
          const ours = conversion.provider
          const target = paths.credentialsFile(name, ours)
          const existing = profiles[name]?.[ours]
          if (existing !== undefined && !sameJson(existing, conversion.entry)) {
            skipped.push(`${label} (kept the ${ours} entry already in config.json)`)
            continue
          }
          // Our file in the target slot (not theirs being converted in place) wins, unless it already holds exactly
          // this (a migration that stopped half-way and runs again).
          const present = target === source?.file ? Option.none() : yield* readJson(target)
          const same = Option.isSome(present) && conversion.credentials !== undefined &&
            sameJson(present.value.json, conversion.credentials)
          if (Option.isSome(present) && !same) {
            skipped.push(`${label} (kept the existing credentials/${name}/${ours}.json)`)
            continue
          }
          profiles[name] = { ...profiles[name], [ours]: conversion.entry as unknown as ProviderEntry }
          if (source !== undefined && conversion.credentials !== undefined) {
            copies.push({ profile: name, name: source.name, text: source.text })
            if (!same) writes.push({ profile: name, provider: ours, value: conversion.credentials })
            if (source.file !== target) removals.push(source.file)
          }
          entries.push(conversion.note === undefined ? `${name}/${ours}` : `${name}/${ours} (${conversion.note})`)
          any = true
        }
        if (any) migratedProfiles.push(name)
      }

      // 1. the originals, byte for byte, before anything of theirs is replaced or removed
      for (const { name, profile, text } of copies) {
        const dir = `${credentialsBackup}/${profile}`
        const file = `${dir}/${name}`
        yield* files.ensureDirs([paths.root, credentialsBackup, dir]).pipe(
          Effect.zipRight(files.writeAtomic(file, text)),
          Effect.mapError(fileError(file))
        )
      }
      // 2. our credentials files (`aws.json` replaces theirs atomically), 3. config.json. Their directories may be
      // open to others (their tool's mode): the ones that now hold our secrets get 0700, as ours do.
      const written: Array<string> = []
      for (const { profile, provider, value } of writes) {
        const file = paths.credentialsFile(profile, provider)
        const dirs = [paths.credentialsDir, paths.profileCredentialsDir(profile)]
        yield* files.ensureDirs([paths.root, ...dirs]).pipe(
          Effect.zipRight(Effect.forEach(dirs, (dir) => files.chmod(dir, 0o700), { discard: true })),
          Effect.zipRight(files.writeAtomic(file, `${JSON.stringify(value, null, 2)}\n`)),
          Effect.mapError(fileError(file))
        )
        written.push(`${profile}/${provider}`)
      }
      if (entries.length > 0) yield* home.writeConfig({ ...config, profiles })
      // 4. profiles.json -> backup (the migration is done), 5. their converted files (copies in the backup)
      const backup = yield* finish(stamp)
      // The migration is complete: a file that cannot be removed is reported, not a failure.
      for (const file of removals) {
        yield* files.remove(file).pipe(
          Effect.catchAll(() =>
            Effect.sync(() => skipped.push(`${file.slice(paths.root.length + 1)} (could not be removed; remove it by hand)`))
          )
        )
      }
      return {
        migrated: true,
        backup,
        ...(copies.length > 0 ? { credentialsBackup } : {}),
        profiles: migratedProfiles,
        entries,
        credentials: written,
        skipped
      } satisfies MigrationResult
    })

  const run = Effect.flatMap(readLayout, (layout): Effect.Effect<MigrationResult, ConfigError> => {
    if (Option.isNone(layout)) return Effect.succeed(nothing)
    return layout.value._tag === "SingleFile"
      ? singleFile(layout.value.profiles)
      : alchemyV2(layout.value.generation, layout.value.profiles)
  })
  // Check the file before taking the lock, so a broken one (or an unknown version) fails without creating anything.
  return Effect.flatMap(readLayout, (layout) =>
    Option.isNone(layout)
      ? Effect.succeed(nothing)
      : home.withConfigLock(run).pipe(
        Effect.tap((result) => result.migrated ? Console.error(summary(result)) : Effect.void)
      ))
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
