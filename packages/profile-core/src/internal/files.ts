/**
 * Atomic, permission-safe file operations on top of the platform `FileSystem`.
 *
 * Two things the platform `FileSystem` cannot express are done with `node:fs` on a handle: opening without
 * blocking (`O_NONBLOCK`, so a FIFO in place of a file cannot hang the process) and `fstat`/`fchmod` on the opened
 * handle (so what we check and change is the file we opened, never whatever a path points to a moment later).
 *
 * Trust (DESIGN §8): the home and every directory inside it on the way to a file must be owned by us (or root)
 * and writable by nobody else, and so must the file; otherwise another user could have planted or swapped it.
 * Parents of the home are not checked (`/tmp` is world-writable, and the home is what we vouch for).
 *
 * @internal
 */
import type * as PlatformError from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as NFS from "node:fs"

/** @internal */
export const FILE_MODE = 0o600
/** @internal */
export const DIR_MODE = 0o700

/** A file-system failure, classified; mapped to `ConfigError` / `CredentialsError` by the stores. */
export interface IoFailure {
  readonly _tag: "IoFailure"
  readonly reason: "Unreadable" | "ReadOnly" | "WriteFailed" | "Unsafe"
  readonly detail: string
}

const codeOf = (error: PlatformError.PlatformError): string | undefined => {
  const cause = (error as { readonly cause?: unknown }).cause
  if (typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string") {
    return cause.code
  }
  return undefined
}

/** @internal */
export const describe = (error: PlatformError.PlatformError): string => {
  const code = codeOf(error)
  if (error._tag === "SystemError") {
    return `${code ?? error.reason}${error.syscall ? ` during ${error.syscall}` : ""}`
  }
  return error.description ?? "bad argument"
}

/** @internal */
export const isNotFound = (error: PlatformError.PlatformError): boolean =>
  error._tag === "SystemError" && error.reason === "NotFound"

const readOnlyCodes = new Set(["EROFS", "EACCES", "EPERM"])

/** `EROFS`, `EACCES`, `EPERM`: the home cannot be written by us, as opposed to a failed write. @internal */
export const isReadOnlyCode = (code: string | undefined): boolean => readOnlyCodes.has(code ?? "")

/** @internal */
export const writeFailure = (error: PlatformError.PlatformError): IoFailure => ({
  _tag: "IoFailure",
  reason: isReadOnlyCode(codeOf(error)) || (error._tag === "SystemError" && error.reason === "PermissionDenied")
    ? "ReadOnly"
    : "WriteFailed",
  detail: describe(error)
})

/** @internal */
export const readFailure = (error: PlatformError.PlatformError): IoFailure => ({
  _tag: "IoFailure",
  reason: "Unreadable",
  detail: describe(error)
})

const typeText: Record<FileSystem.File.Type, string> = {
  File: "a regular file",
  Directory: "a directory",
  SymbolicLink: "a symbolic link",
  BlockDevice: "a block device",
  CharacterDevice: "a character device",
  FIFO: "a FIFO (named pipe)",
  Socket: "a socket",
  Unknown: "not a regular file"
}

/**
 * A system call of the read path, made synchronously. Reading the home is a handful of `stat`s and one small file
 * per read: done through libuv's thread pool, each call was a fiber suspension and a thread round trip (~35 per
 * `alchemy env`, 6-10 ms of it, more than the calls themselves), and the async API also loaded node:fs/promises.
 * What is read is only ever a regular file checked on its open descriptor (opened with O_NONBLOCK, so a FIFO or a
 * device in its place is refused, never waited on), so nothing here waits on another process; a hung network file
 * system under the home would stall these calls as it stalls any reader. Writes stay asynchronous (@effect/platform's
 * FileSystem).
 */
const io = <A>(call: () => A): Effect.Effect<A, NodeJS.ErrnoException> =>
  Effect.try({ try: call, catch: (error) => error as NodeJS.ErrnoException })

/** The parts of a `stat` the checks use. */
interface Found {
  readonly type: FileSystem.File.Type
  readonly uid: number
  readonly mode: number
}

const typeOf = (stats: NFS.Stats): FileSystem.File.Type =>
  stats.isFile()
    ? "File"
    : stats.isDirectory()
    ? "Directory"
    : stats.isFIFO()
    ? "FIFO"
    : stats.isSocket()
    ? "Socket"
    : stats.isCharacterDevice()
    ? "CharacterDevice"
    : stats.isBlockDevice()
    ? "BlockDevice"
    : "Unknown"

/** `'it''s'` for a shell. */
const quote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`

/**
 * Why `target` cannot be trusted, with the command that fixes it: owned by a user other than us and root (the rule
 * of ssh and sudo), or writable by group or others (sticky bit or not). `undefined` when it can be trusted.
 *
 * @internal
 */
export const distrust = (
  target: string,
  kind: "directory" | "file",
  owner: { readonly uid: number | undefined; readonly mode: number }
): string | undefined => {
  const me = process.getuid?.()
  const wanted = kind === "directory" ? "700" : "600"
  if (me !== undefined && owner.uid !== undefined && owner.uid !== me && owner.uid !== 0) {
    return `${target} is owned by uid ${owner.uid}, not by you (uid ${me}), so another user could have put credentials ` +
      `there. If it is yours, run: ${me === 0 ? "" : "sudo "}chown ${me} ${quote(target)} && chmod ${wanted} ${
        quote(target)
      }; otherwise set ALCHEMY_HOME to a directory of your own`
  }
  const mode = owner.mode & 0o777
  if ((mode & 0o022) !== 0) {
    const who = (mode & 0o022) === 0o022 ? "its group and others" : (mode & 0o002) !== 0 ? "others" : "its group"
    return `${target} is writable by ${who} (mode ${mode.toString(8)}), so another user could have put credentials ` +
      `there. Check what it holds, then run: chmod ${wanted} ${quote(target)}`
  }
  return undefined
}

const unsafe = (detail: string): IoFailure => ({ _tag: "IoFailure", reason: "Unsafe", detail })
const unreadable = (detail: string): IoFailure => ({ _tag: "IoFailure", reason: "Unreadable", detail })
const isIoFailure = (u: unknown): u is IoFailure =>
  typeof u === "object" && u !== null && "_tag" in u && u._tag === "IoFailure"

const nodeCode = (error: unknown): string =>
  typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
    ? error.code
    : "unknown error"

const nodeFailure = (reason: IoFailure["reason"], syscall: string) => (error: unknown): IoFailure => {
  const code = nodeCode(error)
  return {
    _tag: "IoFailure",
    reason: reason === "WriteFailed" && isReadOnlyCode(code) ? "ReadOnly" : reason,
    detail: `${code} during ${syscall}`
  }
}

/** @internal */
export interface Files {
  /**
   * `None` when the file (or a directory on its way) does not exist. Checks that the home and the directories on
   * the way can be trusted, opens without blocking, and reads only a regular file that can be trusted (checked on
   * the opened handle): a FIFO, socket, device or directory in its place is an `Unreadable` failure naming it.
   */
  readonly readIfExists: (file: string) => Effect.Effect<Option.Option<string>, IoFailure>
  readonly exists: (file: string) => Effect.Effect<boolean, IoFailure>
  /**
   * Creates each missing directory (in order, parents first) with mode 0700, set explicitly; an existing one must
   * be trusted (else `Unsafe`) and loses any group/other permission it had.
   */
  readonly ensureDirs: (dirs: ReadonlyArray<string>) => Effect.Effect<void, IoFailure>
  /**
   * A new temp file in the same directory (`O_EXCL`, mode 0600, so never a file planted there), written, `fchmod`
   * 0600 and `fsync`ed on its handle, renamed over `file`, then the directory fsynced.
   */
  readonly writeAtomic: (file: string, content: string) => Effect.Effect<void, IoFailure>
  readonly remove: (file: string, options?: { readonly recursive?: boolean }) => Effect.Effect<boolean, IoFailure>
  readonly rename: (from: string, to: string) => Effect.Effect<void, IoFailure>
  readonly chmod: (file: string, mode: number) => Effect.Effect<void, IoFailure>
}

/**
 * The files of the home `root`. `problem`, when set, is why the home itself cannot be used (a relative
 * `ALCHEMY_HOME`): every read and write then fails with it, before touching anything.
 *
 * @internal
 */
export const make = (
  root: string,
  problem?: string
): Effect.Effect<Files, never, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const sweptDirs = new Set<string>()
    const usable = problem === undefined ? Effect.void : Effect.fail(unsafe(problem))

    /** The directories from the home down to `dir`, the home first (only `dir` itself when outside the home). */
    const chainTo = (dir: string): ReadonlyArray<string> => {
      const relative = path.relative(root, dir)
      if (relative === "") return [root]
      if (relative === ".." || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) return [dir]
      const chain = [root]
      for (const part of relative.split(path.sep)) chain.push(path.join(chain[chain.length - 1]!, part))
      return chain
    }

    /**
     * A home that is a symbolic link (`~/.alchemy` -> a dotfiles checkout) must be a link of ours too: another
     * user's link (planted in `/tmp`, say) could be pointed elsewhere between two operations.
     */
    const linkOfRoot = io(() => NFS.lstatSync(root)).pipe(
      Effect.option,
      Effect.flatMap((stats) => {
        const me = process.getuid?.()
        if (Option.isNone(stats) || !stats.value.isSymbolicLink() || me === undefined) return Effect.void
        const owner = stats.value.uid
        return owner === me || owner === 0 ? Effect.void : Effect.fail(unsafe(
          `${root} is a symbolic link owned by uid ${owner}, not by you (uid ${me}), so another user could point it ` +
            `elsewhere. Set ALCHEMY_HOME to a directory of your own`
        ))
      })
    )

    /** `None` when missing; what is there when it can be trusted; else a failure naming it and the fix. */
    const inspectDir = (dir: string): Effect.Effect<Option.Option<Found>, IoFailure> =>
      (dir === root ? linkOfRoot : Effect.void).pipe(
        Effect.zipRight(io(() => NFS.statSync(dir)).pipe(
          Effect.map((stats): Option.Option<Found> => Option.some({ type: typeOf(stats), uid: stats.uid, mode: stats.mode })),
          Effect.catchAll((error) =>
            nodeCode(error) === "ENOENT"
              ? Effect.succeed(Option.none<Found>())
              : Effect.fail(nodeFailure("Unreadable", `stat of ${dir}`)(error))
          )
        )),
        Effect.flatMap((found): Effect.Effect<Option.Option<Found>, IoFailure> => {
          if (Option.isNone(found)) return Effect.succeed(found)
          const why = distrust(dir, "directory", found.value)
          return why === undefined ? Effect.succeed(found) : Effect.fail(unsafe(why))
        })
      )

    /** `false` when a directory on the way to `dir` is missing. */
    const checkChain = (dir: string) =>
      usable.pipe(
        Effect.zipRight(Effect.forEach(chainTo(dir), (each) =>
          inspectDir(each).pipe(
            Effect.filterOrFail(
              (found) => Option.isNone(found) || found.value.type === "Directory",
              (found) => unreadable(`${each} is ${typeText[Option.getOrThrow(found).type]}, not a directory`)
            )
          ))),
        Effect.map((found) => found.every(Option.isSome))
      )

    const readRegular = (file: string): Effect.Effect<Option.Option<string>, IoFailure> =>
      Effect.acquireUseRelease(
        io(() => NFS.openSync(file, NFS.constants.O_RDONLY | NFS.constants.O_NONBLOCK | NFS.constants.O_NOCTTY)),
        (fd) =>
          io(() => NFS.fstatSync(fd)).pipe(
            Effect.mapError(nodeFailure("Unreadable", "fstat")),
            Effect.flatMap((stats) => {
              const type = typeOf(stats)
              if (type !== "File") {
                return Effect.fail(unreadable(`it is ${typeText[type]}, not a regular file`))
              }
              const why = distrust(file, "file", stats)
              return why !== undefined
                ? Effect.fail(unsafe(why))
                : io(() => NFS.readFileSync(fd, "utf8")).pipe(Effect.mapError(nodeFailure("Unreadable", "read")))
            })
          ),
        (fd) => Effect.ignore(io(() => NFS.closeSync(fd)))
      ).pipe(
        Effect.map(Option.some),
        Effect.catchAll((error) => {
          if (isIoFailure(error)) return Effect.fail(error)
          const code = nodeCode(error)
          if (code === "ENOENT") return Effect.succeed(Option.none<string>())
          // open(2) of a socket
          if (code === "ENXIO") return Effect.fail(unreadable("it is a socket (or a device), not a regular file"))
          return Effect.fail(nodeFailure("Unreadable", "open")(error))
        })
      )

    const readIfExists = (file: string) =>
      checkChain(path.dirname(file)).pipe(
        Effect.flatMap((present) => present ? readRegular(file) : Effect.succeedNone)
      )

    const exists = (file: string) => fs.exists(file).pipe(Effect.mapError(readFailure))

    /**
     * Drop group/other permissions of a directory we own (0755 -> 0700); best effort, `audit` reports the rest. A
     * file where a directory should be is left for the operation that follows to fail on, naming what it wanted.
     */
    const tighten = (dir: string, info: Found) =>
      info.type === "Directory" && (info.mode & 0o077) !== 0 && info.uid === process.getuid?.()
        ? fs.chmod(dir, info.mode & 0o700).pipe(Effect.ignore)
        : Effect.void

    const settle = (dir: string) =>
      inspectDir(dir).pipe(Effect.flatMap(Option.match({ onNone: () => Effect.void, onSome: (info) => tighten(dir, info) })))

    const ensureDirs = (dirs: ReadonlyArray<string>) =>
      usable.pipe(Effect.zipRight(Effect.forEach(dirs, (dir, index) =>
        inspectDir(dir).pipe(
          Effect.flatMap(Option.match({
            onSome: (info) => tighten(dir, info),
            onNone: () =>
              fs.makeDirectory(dir, { recursive: index === 0, mode: DIR_MODE }).pipe(
                Effect.matchEffect({
                  onSuccess: () => fs.chmod(dir, DIR_MODE).pipe(Effect.mapError(writeFailure)),
                  // created by someone else in between: it must be trusted all the same
                  onFailure: (e) =>
                    e._tag === "SystemError" && e.reason === "AlreadyExists" ? settle(dir) : Effect.fail(writeFailure(e))
                })
              )
          }))
        ), { discard: true })))

    const syncDir = (dir: string) =>
      Effect.scoped(Effect.flatMap(fs.open(dir, { flag: "r" }), (handle) => handle.sync)).pipe(Effect.ignore)

    /** Temp files of writers killed before their rename; only called while the file's lock is held. */
    const sweep = (dir: string, base: string) =>
      sweptDirs.has(`${dir}\u0000${base}`)
        ? Effect.void
        : fs.readDirectory(dir).pipe(
          Effect.flatMap((names) =>
            Effect.forEach(
              names.filter((name) => name.startsWith(`.${base}.`) && name.endsWith(".tmp")),
              (name) => fs.remove(path.join(dir, name)),
              { discard: true }
            )
          ),
          Effect.ignore,
          Effect.tap(() => sweptDirs.add(`${dir}\u0000${base}`))
        )

    const writeAtomic = (file: string, content: string) => {
      const dir = path.dirname(file)
      const base = path.basename(file)
      const tmp = path.join(dir, `.${base}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`)
      const flags = NFS.constants.O_WRONLY | NFS.constants.O_CREAT | NFS.constants.O_EXCL | NFS.constants.O_NOFOLLOW
      const writeTemp = Effect.acquireUseRelease(
        Effect.tryPromise({ try: () => NFS.promises.open(tmp, flags, FILE_MODE), catch: nodeFailure("WriteFailed", "open") }),
        (handle) =>
          Effect.tryPromise({
            try: async () => {
              await handle.writeFile(content, "utf8")
              await handle.chmod(FILE_MODE)
              await handle.sync()
            },
            catch: nodeFailure("WriteFailed", "write")
          }),
        (handle) => Effect.promise(() => handle.close().catch(() => undefined))
      )
      return checkChain(dir).pipe(
        Effect.zipRight(sweep(dir, base)),
        Effect.zipRight(
          writeTemp.pipe(
            Effect.zipRight(fs.rename(tmp, file).pipe(Effect.mapError(writeFailure))),
            Effect.onError(() => fs.remove(tmp).pipe(Effect.ignore))
          )
        ),
        Effect.zipRight(syncDir(dir))
      )
    }

    const remove = (file: string, options?: { readonly recursive?: boolean }) =>
      fs.remove(file, { recursive: options?.recursive ?? false }).pipe(
        Effect.as(true),
        Effect.catchAll((error) => isNotFound(error) ? Effect.succeed(false) : Effect.fail(writeFailure(error)))
      )

    const rename = (from: string, to: string) => fs.rename(from, to).pipe(Effect.mapError(writeFailure))
    const chmod = (file: string, mode: number) => fs.chmod(file, mode).pipe(Effect.mapError(writeFailure))

    return { readIfExists, exists, ensureDirs, writeAtomic, remove, rename, chmod } satisfies Files
  })
