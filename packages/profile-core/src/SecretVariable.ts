/**
 * Secrets by reference: a profile (or a stage of a stack file) names the environment variable its secret lives in
 * instead of holding it. The value is read when it is needed, registered with the scrub at once, and an unset or
 * blank variable counts as missing (`SecretVariableNotSet` in `Errors`).
 *
 * @since 0.3.0
 */
import * as Redacted from "effect/Redacted"
import { registerSecret } from "./Redaction.js"

/**
 * The name of an environment variable: a letter or `_`, then letters, digits or `_`.
 *
 * @since 0.3.0
 */
export const namePattern: RegExp = /^[A-Za-z_][A-Za-z0-9_]*$/

/** @since 0.3.0 */
export const isName = (name: string): boolean => namePattern.test(name)

/**
 * The variable's value now; `undefined` when it is not set or blank. Own properties only (`__proto__` never reaches
 * a prototype); the value is known to `Redaction.scrub` from here on.
 *
 * @since 0.3.0
 */
export const read = (
  env: Readonly<Record<string, string | undefined>>,
  variable: string
): Redacted.Redacted<string> | undefined => {
  if (!Object.prototype.hasOwnProperty.call(env, variable)) return undefined
  const value = env[variable]
  if (typeof value !== "string" || value.trim() === "") return undefined
  registerSecret(value)
  return Redacted.make(value)
}
