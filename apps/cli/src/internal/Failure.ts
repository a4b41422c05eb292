/**
 * Turning a failed command into a message on stderr and an exit code:
 * 0 ok, 1 failure, 2 usage error, 3 needs login (130 interrupted).
 */
import { type PortError, portErrorTags } from "@alchemy/profile-core/AuthProvider"
import { registerSecret, scrub } from "@alchemy/profile-core/Redaction"
import * as ValidationError from "@effect/cli/ValidationError"
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { absurd } from "effect/Function"
import { providers } from "../ProviderList.js"
import * as Output from "./Output.js"

const tagOf = (e: unknown): string | undefined =>
  typeof e === "object" && e !== null && "_tag" in e && typeof (e as any)._tag === "string" ? (e as any)._tag : undefined

/** Every failure a command can end with: the port's closed union and the CLI's own. */
export type Failure = PortError | UsageError | CliError | Reported | ChildExit | StackFileError

const failureTags: Readonly<Record<Failure["_tag"], true>> = {
  ...portErrorTags,
  UsageError: true,
  CliError: true,
  Reported: true,
  ChildExit: true,
  StackFileError: true
}

/** Is this one of the failures the CLI knows (anything else is reported as a failure of exit code 1)? */
export const isFailure = (e: unknown): e is Failure => {
  const tag = tagOf(e)
  return tag !== undefined && tag in failureTags
}

/** The exit code of a known failure: 2 for a usage mistake, 3 when a login is needed, else 1. */
export const exitCodeOf = (e: Failure): number => {
  switch (e._tag) {
    case "NeedsLogin":
      return 3
    case "UsageError":
    case "InvalidProfileName":
      return 2
    case "ProviderError":
      return e.usage ? 2 : 1
    case "ChildExit":
      return e.code
    case "ConfigError":
    case "CredentialsError":
    case "LockTimeout":
    case "ProfileNotFound":
    case "ProviderNotConfigured":
    case "NonInteractive":
    case "ProfileExists":
    case "SecretVariableNotSet":
    case "AccountMismatch":
    case "CliError":
    case "Reported":
    case "StackFileError":
      return 1
    default:
      return absurd(e)
  }
}

/** The exit code for a failure cause. */
export const exitCode = (cause: Cause.Cause<unknown>): number => {
  if (Cause.isInterruptedOnly(cause)) return 130
  const failure = Cause.failureOption(cause)
  if (Option.isNone(failure)) return 1
  const e = failure.value
  if (ValidationError.isValidationError(e)) return 2
  return isFailure(e) ? exitCodeOf(e) : 1
}

/** The variables whose values are secrets a provider may use: known to the scrub from the start. */
for (const name of providers.flatMap((p) => p.secretVariables)) registerSecret(process.env[name])

/**
 * The message of an error (its `_tag` when it has none); never the error's data, which could hold a secret, and
 * with every secret the process knows (profile-core's registry) replaced by its redacted form: a server message
 * that echoes the token being verified prints `abcd****`.
 */
export const messageOf = (e: unknown): string => {
  if (e instanceof Error && e.message) return scrub(e.message)
  if (typeof e === "object" && e !== null && typeof (e as any).message === "string" && (e as any).message) {
    return scrub((e as any).message)
  }
  const tag = tagOf(e)
  return tag ?? "unexpected failure"
}

/**
 * Print the failure on stderr. @effect/cli has already printed validation errors (with help); interruptions print
 * nothing. Defects print their message only (never the cause's data, which could hold a secret).
 */
export const report = (cause: Cause.Cause<unknown>): Effect.Effect<void> => {
  if (Cause.isInterruptedOnly(cause)) return Effect.void
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure)) {
    const tag = tagOf(failure.value)
    if (ValidationError.isValidationError(failure.value) || tag === "ChildExit" || tag === "Reported") return Effect.void
    return Output.note(`${Output.red("error:", Output.stderr)} ${messageOf(failure.value)}`)
  }
  const defect = Cause.dieOption(cause)
  return Output.note(
    `${Output.red("error:", Output.stderr)} ${
      Option.isSome(defect) ? `internal error: ${messageOf(defect.value)}` : "unexpected failure"
    }`
  )
}

/** A mistake in how the command was called (exit code 2). */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}

/** A failure of the CLI itself with a message for the person (exit code 1). */
export class CliError extends Data.TaggedError("CliError")<{ readonly message: string }> {}

/** A failure the command has already printed in its own output (exit code 1, no second message). */
export class Reported extends Data.TaggedError("Reported")<{}> {}

/** `alchemy exec`: the child's exit status, passed on without a message. */
export class ChildExit extends Data.TaggedError("ChildExit")<{ readonly code: number }> {}

/** A stack file that is missing, does not load, exports the wrong thing, or whose program failed. */
export class StackFileError extends Data.TaggedError("StackFileError")<{ readonly file: string; readonly detail: string }> {
  override get message(): string {
    return `${this.file}: ${this.detail}`
  }
}

let forced: number | undefined
/** `alchemy exec` passes the child's status on even when a signal interrupted the CLI's own fiber. */
export const forceExitCode = (code: number): void => {
  forced = code
}
export const forcedExitCode = (): number | undefined => forced
