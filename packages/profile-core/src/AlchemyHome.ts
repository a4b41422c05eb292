/**
 * Where alchemy keeps its files: `$ALCHEMY_HOME` if set, else `~/.alchemy`.
 *
 * @since 0.1.0
 */
import * as Path from "@effect/platform/Path"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as os from "node:os"

/**
 * @since 0.1.0
 */
export class AlchemyHome extends Context.Tag("@alchemy/profile-core/AlchemyHome")<
  AlchemyHome,
  { readonly root: string }
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
 * `$ALCHEMY_HOME` (read through `Config`, so a test `ConfigProvider` works) else `~/.alchemy`.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<AlchemyHome, never, Path.Path> = Layer.effect(
  AlchemyHome,
  Effect.gen(function*() {
    const path = yield* Path.Path
    const fromEnv = yield* Config.option(Config.string("ALCHEMY_HOME")).pipe(Effect.orElseSucceed(() => Option.none()))
    const root = Option.match(Option.filter(fromEnv, (s) => s.trim().length > 0), {
      onNone: () => path.join(os.homedir(), ".alchemy"),
      onSome: (dir) => path.resolve(dir)
    })
    return { root }
  })
)
