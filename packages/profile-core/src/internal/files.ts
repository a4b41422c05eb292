/**
 * Atomic, permission-safe file operations on top of the platform `FileSystem`.
 *
 * @internal
 */
import type * as PlatformError from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

/** @internal */
export const FILE_MODE = 0o600
/** @internal */
export const DIR_MODE = 0o700

/** A file-system failure, classified; mapped to `ConfigError` / `CredentialsError` by the stores. */
export interface IoFailure {
  readonly _tag: "IoFailure"
  readonly reason: "Unreadable" | "ReadOnly" | "WriteFailed"
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

/** @internal */
export interface Files {
  /** `None` when the file does not exist. */
  readonly readIfExists: (file: string) => Effect.Effect<Option.Option<string>, IoFailure>
  readonly exists: (file: string) => Effect.Effect<boolean, IoFailure>
  /** Creates each missing directory (in order, parents first) with mode 0700, set explicitly. */
  readonly ensureDirs: (dirs: ReadonlyArray<string>) => Effect.Effect<void, IoFailure>
  /** temp file in the same directory, write, fsync, chmod 0600, rename, fsync the directory. */
  readonly writeAtomic: (file: string, content: string) => Effect.Effect<void, IoFailure>
  readonly remove: (file: string, options?: { readonly recursive?: boolean }) => Effect.Effect<boolean, IoFailure>
  readonly rename: (from: string, to: string) => Effect.Effect<void, IoFailure>
  readonly chmod: (file: string, mode: number) => Effect.Effect<void, IoFailure>
}

const encoder = new TextEncoder()

/** @internal */
export const make: Effect.Effect<Files, never, FileSystem.FileSystem | Path.Path> = Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const sweptDirs = new Set<string>()

  const readIfExists = (file: string) =>
    fs.readFileString(file).pipe(
      Effect.map(Option.some),
      Effect.catchAll((error) => isNotFound(error) ? Effect.succeed(Option.none()) : Effect.fail(readFailure(error)))
    )

  const exists = (file: string) => fs.exists(file).pipe(Effect.mapError(readFailure))

  const ensureDirs = (dirs: ReadonlyArray<string>) =>
    Effect.forEach(dirs, (dir, index) =>
      fs.stat(dir).pipe(
        Effect.asVoid,
        Effect.catchAll((error) =>
          isNotFound(error)
            ? fs.makeDirectory(dir, { recursive: index === 0, mode: DIR_MODE }).pipe(
              Effect.catchIf((e) => e._tag === "SystemError" && e.reason === "AlreadyExists", () => Effect.void),
              Effect.zipRight(fs.chmod(dir, DIR_MODE)),
              Effect.mapError(writeFailure)
            )
            : Effect.fail(readFailure(error))
        )
      ), { discard: true })

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
    const writeTemp = Effect.scoped(
      Effect.gen(function*() {
        const handle = yield* fs.open(tmp, { flag: "wx", mode: FILE_MODE })
        yield* handle.writeAll(encoder.encode(content))
        yield* handle.sync
      })
    )
    return sweep(dir, base).pipe(
      Effect.zipRight(writeTemp),
      Effect.zipRight(fs.chmod(tmp, FILE_MODE)),
      Effect.zipRight(fs.rename(tmp, file)),
      Effect.onError(() => fs.remove(tmp).pipe(Effect.ignore)),
      Effect.mapError(writeFailure),
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
