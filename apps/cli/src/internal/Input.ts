/**
 * From parsed flags to profile-core's `ConfigureInput`. Secrets are read from standard input or from the
 * environment variable a flag names (never from argv) and are `Redacted` from the moment they are read. A
 * `--<secret>-variable VAR` flag reads nothing: the variable's name goes to the provider as a plain value, to be
 * stored in place of the secret.
 */
import type { ConfigureInput } from "@alchemy/profile-core/AuthProvider"
import type { ProfileName } from "@alchemy/profile-core/ProfileName"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { UsageError } from "./Failure.js"

/** The method flags as @effect/cli parses them (see commands/Flags.ts). */
export interface MethodFlags {
  readonly method: Option.Option<string>
  readonly accountId: Option.Option<string>
  readonly email: Option.Option<string>
  readonly scopes: Option.Option<string>
  readonly apiTokenEnv: Option.Option<string>
  readonly apiTokenStdin: boolean
  readonly apiKeyEnv: Option.Option<string>
  readonly apiKeyStdin: boolean
  readonly apiTokenVariable: Option.Option<string>
  readonly apiKeyVariable: Option.Option<string>
  readonly awsAccessKeyId: Option.Option<string>
  readonly awsSecretAccessKeyEnv: Option.Option<string>
  readonly awsSecretAccessKeyStdin: boolean
  readonly awsSessionTokenEnv: Option.Option<string>
  readonly awsSecretAccessKeyVariable: Option.Option<string>
  readonly awsSessionTokenVariable: Option.Option<string>
  readonly region: Option.Option<string>
  readonly ssoStartUrl: Option.Option<string>
  readonly ssoRegion: Option.Option<string>
  readonly ssoAccountId: Option.Option<string>
  readonly ssoRoleName: Option.Option<string>
  readonly useDeviceCode: boolean
  readonly roleArn: Option.Option<string>
  readonly sourceProfile: Option.Option<string>
  readonly externalId: Option.Option<string>
  readonly roleSessionName: Option.Option<string>
  readonly durationSeconds: Option.Option<string>
  readonly mfaSerial: Option.Option<string>
  readonly mfaCodeEnv: Option.Option<string>
  readonly mfaCodeStdin: boolean
  readonly awsProfile: Option.Option<string>
  readonly webIdentityTokenFile: Option.Option<string>
  readonly webIdentityAudience: Option.Option<string>
  readonly noBrowser: boolean
  readonly yes: boolean
}

/** Value flags: ConfigureInput.values key (the flag without dashes) -> field. */
const valueFlags = {
  "account-id": "accountId",
  email: "email",
  scopes: "scopes",
  "api-token-variable": "apiTokenVariable",
  "api-key-variable": "apiKeyVariable",
  "aws-access-key-id": "awsAccessKeyId",
  "aws-secret-access-key-variable": "awsSecretAccessKeyVariable",
  "aws-session-token-variable": "awsSessionTokenVariable",
  region: "region",
  "sso-start-url": "ssoStartUrl",
  "sso-region": "ssoRegion",
  "sso-account-id": "ssoAccountId",
  "sso-role-name": "ssoRoleName",
  "role-arn": "roleArn",
  "source-profile": "sourceProfile",
  "external-id": "externalId",
  "role-session-name": "roleSessionName",
  "duration-seconds": "durationSeconds",
  "mfa-serial": "mfaSerial",
  "aws-profile": "awsProfile",
  "web-identity-token-file": "webIdentityTokenFile",
  "web-identity-audience": "webIdentityAudience"
} as const satisfies Record<string, keyof MethodFlags>

/** Secrets: ConfigureInput.secrets key -> its `-env` and `-stdin` flags, and `-variable` where it can be a reference. */
const secretFlags = [
  { key: "api-token", env: "apiTokenEnv", stdin: "apiTokenStdin", variable: "apiTokenVariable" },
  { key: "api-key", env: "apiKeyEnv", stdin: "apiKeyStdin", variable: "apiKeyVariable" },
  {
    key: "aws-secret-access-key",
    env: "awsSecretAccessKeyEnv",
    stdin: "awsSecretAccessKeyStdin",
    variable: "awsSecretAccessKeyVariable"
  },
  { key: "aws-session-token", env: "awsSessionTokenEnv", stdin: undefined, variable: "awsSessionTokenVariable" },
  { key: "mfa-code", env: "mfaCodeEnv", stdin: "mfaCodeStdin", variable: undefined }
] as const

/** The name of an environment variable (what `--<secret>-variable` stores). */
export const variableName = /^[A-Za-z_][A-Za-z0-9_]*$/

/**
 * `--<secret>-variable VAR`: a variable name, and the only source of that secret (not with its `-env` or `-stdin`).
 * The variable itself is not read here: it may be unset on the machine that configures the profile.
 */
const checkVariableFlags = (flags: MethodFlags): Effect.Effect<void, UsageError> =>
  Effect.forEach(secretFlags, (s) => {
    if (s.variable === undefined) return Effect.void
    const variable = flags[s.variable]
    if (Option.isNone(variable)) return Effect.void
    const name = variable.value
    if (!variableName.test(name)) {
      return Effect.fail(
        new UsageError({
          message: `--${s.key}-variable needs an environment variable name (a letter or _, then letters, digits or _), got ${
            JSON.stringify(name.slice(0, 40))
          }`
        })
      )
    }
    const other = Option.isSome(flags[s.env]) ? `--${s.key}-env` : s.stdin !== undefined && flags[s.stdin] ? `--${s.key}-stdin` : undefined
    if (other !== undefined) {
      return Effect.fail(
        new UsageError({
          message: `--${s.key}-variable and ${other} cannot be used together: keep the secret by reference (the variable's name) or store it, not both`
        })
      )
    }
    return Effect.void
  }, { discard: true })

/** Read all of standard input (a piped secret), without the trailing newline. */
export const readStdin: Effect.Effect<Redacted.Redacted<string>, UsageError> = Effect.async((resume) => {
  if (process.stdin.isTTY) {
    resume(Effect.fail(new UsageError({ message: "--*-stdin expects the secret piped on standard input, not a terminal" })))
    return
  }
  const chunks: Array<Buffer> = []
  process.stdin.on("data", (chunk: Buffer) => chunks.push(chunk))
  process.stdin.once("end", () => {
    const text = Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "")
    chunks.length = 0
    resume(Effect.succeed(Redacted.make(text)))
  })
  process.stdin.once("error", () => resume(Effect.fail(new UsageError({ message: "could not read standard input" }))))
})

/** Which secrets were asked for on stdin (at most one can be). */
export const secretsFromFlags = (
  flags: MethodFlags,
  env: Readonly<Record<string, string | undefined>> = process.env
): Effect.Effect<Record<string, Redacted.Redacted<string> | undefined>, UsageError> =>
  Effect.gen(function*() {
    const secrets: Record<string, Redacted.Redacted<string> | undefined> = {}
    yield* checkVariableFlags(flags)
    const stdin = secretFlags.filter((s) => s.stdin !== undefined && flags[s.stdin] === true)
    if (stdin.length > 1) {
      return yield* new UsageError({
        message: `only one secret can come from standard input (got ${stdin.map((s) => `--${s.key}-stdin`).join(", ")}); use --<secret>-env VAR for the others`
      })
    }
    for (const s of secretFlags) {
      const variable = flags[s.env]
      if (Option.isSome(variable)) {
        if (s.stdin !== undefined && flags[s.stdin] === true) {
          return yield* new UsageError({ message: `--${s.key}-env and --${s.key}-stdin cannot be used together` })
        }
        const value = env[variable.value]
        if (value === undefined || value === "") {
          return yield* new UsageError({
            message: `--${s.key}-env names ${variable.value}, but that environment variable is not set`
          })
        }
        secrets[s.key] = Redacted.make(value)
      }
    }
    if (stdin.length === 1) {
      const value = yield* readStdin
      if (Redacted.value(value) === "") {
        return yield* new UsageError({ message: `--${stdin[0]!.key}-stdin: standard input was empty` })
      }
      secrets[stdin[0]!.key] = value
    }
    return secrets
  })

/** The `ConfigureInput` for one profile (the method applies to the provider it belongs to). */
export const configureInput = (
  profile: ProfileName,
  flags: MethodFlags,
  secrets: Readonly<Record<string, Redacted.Redacted<string> | undefined>>,
  method: string | undefined
): ConfigureInput => {
  const values: Record<string, string | undefined> = {}
  for (const [key, field] of Object.entries(valueFlags)) {
    const value = flags[field]
    if (Option.isSome(value)) values[key] = value.value
  }
  if (flags.yes) values.yes = "true"
  return {
    profile,
    method,
    values,
    secrets,
    noBrowser: flags.noBrowser,
    useDeviceCode: flags.useDeviceCode
  }
}
