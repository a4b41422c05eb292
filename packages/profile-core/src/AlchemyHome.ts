/**
 * Where alchemy keeps its files: `$ALCHEMY_HOME` if set, else `~/.alchemy`.
 *
 * `ALCHEMY_HOME` must be an absolute path; a leading `~` (`~` or `~/...`) means the user's home directory, as a
 * shell would expand it. Any other relative value (`x`, `./x`, `~other/x`) is refused rather than resolved: it would
 * put credentials in whatever directory a command happens to run from (a project, maybe committed), and each
 * directory would silently get its own set of profiles.
 *
 * @since 0.1.0
 */
import * as Path from "@effect/platform/Path"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as os from "node:os"
import { Environment } from "./Environment.js"

/**
 * @since 0.1.0
 */
export class AlchemyHome extends Context.Tag("@alchemy/profile-core/AlchemyHome")<
  AlchemyHome,
  {
    readonly root: string
    /**
     * Why this home cannot be used at all (a relative `ALCHEMY_HOME`); the stores then fail every read and write
     * with it (a `ConfigError` / `CredentialsError` of reason `Unsafe`) and touch nothing.
     */
    readonly problem?: string
  }
>() {}

/**
 * The files and directories of one home.
 *
 * @since 0.1.0
 */
export interface Paths {
  readonly root: string
  /** `<root>/config.json` */
  readonly config: string
  /** `<root>/credentials` */
  readonly credentialsDir: string
  /** `<root>/credentials/<profile>` */
  readonly profileCredentialsDir: (profile: string) => string
  /** `<root>/credentials/<profile>/<provider>.json` */
  readonly credentialsFile: (profile: string, provider: string) => string
  /** `<root>/profiles.json`, the legacy single-file layout. */
  readonly legacy: string
  /** `<root>/locks`, where the lock directories live. */
  readonly locks: string
  /** `<root>/locks/config.lock` */
  readonly configLock: string
  /** `<root>/locks/credentials.<profile>.<provider>.lock` (provider ids never contain a dot). */
  readonly credentialsLock: (profile: string, provider: string) => string
}

const join = (...parts: ReadonlyArray<string>): string => parts.join("/")

/**
 * Pure path computation. Callers validate profile names and provider ids before using these paths.
 *
 * @since 0.1.0
 */
export const paths = (root: string): Paths => {
  const base = root.length > 1 ? root.replace(/\/+$/, "") : root
  const credentialsDir = join(base, "credentials")
  const locks = join(base, "locks")
  return {
    root: base,
    config: join(base, "config.json"),
    credentialsDir,
    profileCredentialsDir: (profile) => join(credentialsDir, profile),
    credentialsFile: (profile, provider) => join(credentialsDir, profile, `${provider}.json`),
    legacy: join(base, "profiles.json"),
    locks,
    configLock: join(locks, "config.lock"),
    credentialsLock: (profile, provider) => join(locks, `credentials.${profile}.${provider}.lock`)
  }
}

/**
 * A home at an explicit directory (tests, `--home`).
 *
 * @since 0.1.0
 */
export const layerAt = (root: string): Layer.Layer<AlchemyHome, never, Path.Path> =>
  Layer.effect(
    AlchemyHome,
    Effect.map(Path.Path, (path) => ({ root: path.resolve(root) }))
  )

/**
 * `$ALCHEMY_HOME` (read through `Environment`, so a test or an embedding program can give its own) else
 * `~/.alchemy`. A leading `~` is the user's home directory; another relative value gives a home whose `problem`
 * says how to fix the variable. An empty or blank variable counts as unset. (`make` is the service itself, for a
 * program that builds its services without composing layers, as the CLI does.)
 *
 * @since 0.5.0
 */
export const make: Effect.Effect<AlchemyHome["Type"], never, Path.Path> = Effect.gen(function*() {
  const path = yield* Path.Path
  const fromEnv = Option.fromNullable((yield* Environment).ALCHEMY_HOME)
  return Option.match(Option.filter(fromEnv, (s) => s.trim().length > 0), {
    onNone: () => ({ root: path.join(os.homedir(), ".alchemy") }),
    onSome: (dir) => {
      if (dir === "~" || dir.startsWith("~/")) return { root: path.join(os.homedir(), dir.slice(1)) }
      if (path.isAbsolute(dir)) return { root: path.resolve(dir) }
      const suggestion = dir.startsWith("~") ? "an absolute path" : `"$HOME/${dir.replace(/^\.\//, "")}"`
      return {
        root: path.resolve(dir),
        problem: `ALCHEMY_HOME is the relative path ${JSON.stringify(dir)}, which would put your credentials in ` +
          `whatever directory alchemy runs from. Set it to an absolute path (for example ALCHEMY_HOME=${suggestion})`
      }
    }
  })
})

/**
 * `make` as a layer.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<AlchemyHome, never, Path.Path> = Layer.effect(AlchemyHome, make)
