/**
 * Reports files and directories of the home that others can read or write (DESIGN §8: "a credentials file
 * readable by others is reported"). Core writes 0600/0700 itself; this catches files copied in by hand, restored
 * from a backup, or created by an older tool. It reports and never changes anything; the message says how to fix.
 *
 * @since 0.1.0
 */
import * as Path from "@effect/platform/Path"
import * as Effect from "effect/Effect"
import * as NFS from "node:fs"
import { AlchemyHome, paths as makePaths } from "./AlchemyHome.js"

/**
 * @since 0.1.0
 */
export interface Exposure {
  readonly path: string
  readonly kind: "file" | "directory"
  /** Permission bits, e.g. 0o644. */
  readonly mode: number
  /** `credentials/prod/cloudflare.json is readable by others (mode 644); run: chmod 600 '<path>'` */
  readonly message: string
}

/**
 * The checks are a handful of `stat`s and directory listings, made synchronously (as the stores' read path does):
 * through the thread pool each was a fiber suspension and a thread round trip, on every command that reads secrets.
 */
const scan = (profiles: ReadonlyArray<string> | "all") =>
  Effect.gen(function*() {
    const path = yield* Path.Path
    const { root } = yield* AlchemyHome
    const paths = makePaths(root)
    const found: Array<Exposure> = []

    const check = (target: string) =>
      Effect.try(() => NFS.statSync(target)).pipe(
        Effect.map((info) => {
          const mode = info.mode & 0o777
          if ((mode & 0o077) === 0) return info
          const kind = info.isDirectory() ? "directory" as const : "file" as const
          const wanted = kind === "directory" ? "700" : "600"
          const who = (mode & 0o044) !== 0 ? "readable" : (mode & 0o022) !== 0 ? "writable" : "accessible"
          found.push({
            path: target,
            kind,
            mode,
            message: `${target} is ${who} by others (mode ${mode.toString(8)}); run: chmod ${wanted} '${target}'`
          })
          return info
        }),
        Effect.option
      )
    const list = (dir: string) => Effect.try(() => NFS.readdirSync(dir)).pipe(Effect.orElseSucceed(() => [] as Array<string>))

    yield* check(root)
    yield* check(paths.config)
    for (const name of yield* list(root)) {
      if (name.startsWith("profiles.json")) yield* check(path.join(root, name))
    }
    yield* check(paths.credentialsDir)
    for (const profile of profiles === "all" ? yield* list(paths.credentialsDir) : profiles) {
      const dir = path.join(paths.credentialsDir, profile)
      yield* check(dir)
      for (const file of yield* list(dir)) yield* check(path.join(dir, file))
    }
    return found as ReadonlyArray<Exposure>
  })

/**
 * Every entry of the home (config.json, credentials, backups, and the directories holding them) whose mode gives
 * any permission to group or others. Missing paths are skipped; unreadable ones are ignored.
 *
 * @since 0.1.0
 */
export const audit: Effect.Effect<ReadonlyArray<Exposure>, never, AlchemyHome | Path.Path> =
  scan("all")

/**
 * The same for what one command touches: the home, config.json, legacy files and the credentials of the given
 * profiles only (a handful of `stat`s, whatever the number of profiles).
 *
 * @since 0.1.0
 */
export const auditProfiles = (
  profiles: ReadonlyArray<string>
): Effect.Effect<ReadonlyArray<Exposure>, never, AlchemyHome | Path.Path> => scan(profiles)
