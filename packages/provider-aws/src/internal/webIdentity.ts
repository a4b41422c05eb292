/**
 * The OIDC token of a `web-identity` profile, obtained each time a new session is needed and never stored:
 *
 * - `tokenSource: "file"`: the file given at configure (`--web-identity-token-file`), re-read every time;
 * - `tokenSource: "environment"`: decided now: `AWS_WEB_IDENTITY_TOKEN_FILE` (the SDK convention: EKS, other CI)
 *   if set, else GitHub Actions' token endpoint when `ACTIONS_ID_TOKEN_REQUEST_URL` and
 *   `ACTIONS_ID_TOKEN_REQUEST_TOKEN` are set (a `GET` with the request token as bearer and `audience`, default
 *   `sts.amazonaws.com`, answering `{"value":"<jwt>"}`), else an error naming what to provide.
 *
 * Errors name the file or the variable to fix, never a token (nor the Actions request token). Every token read is
 * registered with profile-core's scrub.
 *
 * @internal
 */
import { registerSecret } from "@alchemy/profile-core/Redaction"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Fs from "node:fs/promises"
import type { WebIdentitySettings } from "../AwsConfig.js"
import { AwsError } from "../AwsError.js"

/** The audience STS expects from GitHub Actions tokens (`aws-actions/configure-aws-credentials`'s default). @internal */
export const defaultAudience = "sts.amazonaws.com"
/** @internal */
export const tokenFileVariable = "AWS_WEB_IDENTITY_TOKEN_FILE"
/** @internal */
export const actionsUrlVariable = "ACTIONS_ID_TOKEN_REQUEST_URL"
/** @internal */
export const actionsTokenVariable = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"

/** How long the Actions endpoint may take. @internal */
export const actionsTimeoutMillis = 15_000

/** Where this run gets its token. @internal */
export type Source =
  | { readonly _tag: "File"; readonly path: string; readonly origin: "profile" | "environment" }
  | { readonly _tag: "Actions"; readonly url: string; readonly requestToken: Redacted.Redacted<string>; readonly audience: string }

type Env = Readonly<Record<string, string | undefined>>

/** A variable's value when set and not blank (own properties only). */
const variable = (env: Env, name: string): string | undefined => {
  if (!Object.prototype.hasOwnProperty.call(env, name)) return undefined
  const value = env[name]
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined
}

const configureHint = (profile: string) =>
  `alchemy configure --profile ${profile} --provider aws --method web-identity --web-identity-token-file PATH`

/**
 * The token source of this run, or the error saying what to provide.
 *
 * @internal
 */
export const sourceFor = (profile: string, settings: WebIdentitySettings, env: Env): Effect.Effect<Source, AwsError> =>
  Effect.suspend(() => {
    const fail = (detail: string) => Effect.fail(new AwsError({ reason: "WebIdentityToken", profile, detail }))
    if (settings.tokenSource === "file") {
      return settings.tokenFile === undefined || settings.tokenFile === ""
        ? fail(`the profile reads its token from a file but names none; run \`${configureHint(profile)}\``)
        : Effect.succeed<Source>({ _tag: "File", path: settings.tokenFile, origin: "profile" })
    }
    const file = variable(env, tokenFileVariable)
    if (file !== undefined) return Effect.succeed<Source>({ _tag: "File", path: file, origin: "environment" })
    const url = variable(env, actionsUrlVariable)
    const requestToken = variable(env, actionsTokenVariable)
    if (url !== undefined && requestToken !== undefined) {
      registerSecret(requestToken)
      return Effect.succeed<Source>({
        _tag: "Actions",
        url,
        requestToken: Redacted.make(requestToken),
        audience: settings.audience ?? defaultAudience
      })
    }
    if (url !== undefined || requestToken !== undefined) {
      const [set, unset] = url !== undefined
        ? [actionsUrlVariable, actionsTokenVariable]
        : [actionsTokenVariable, actionsUrlVariable]
      return fail(
        `${set} is set but ${unset} is not: in GitHub Actions the runner sets both when the job has ` +
          "`permissions: id-token: write`; outside Actions, unset them and set AWS_WEB_IDENTITY_TOKEN_FILE instead"
      )
    }
    return fail(
      `no token source: set ${tokenFileVariable} to the path of a file holding the token, run in GitHub Actions ` +
        `with \`permissions: id-token: write\` (the runner then sets ${actionsUrlVariable} and ${actionsTokenVariable}), ` +
        `or name a token file with \`${configureHint(profile)}\``
    )
  })

/**
 * What `profile show` says of the token source, read from the environment now (names and paths, never a token).
 *
 * @internal
 */
export const describeSource = (
  settings: WebIdentitySettings,
  env: Env
): { readonly text: string; readonly json: string | null } => {
  if (settings.tokenSource === "file") return { text: `file ${settings.tokenFile ?? "?"}`, json: "file" }
  const file = variable(env, tokenFileVariable)
  if (file !== undefined) return { text: `environment: ${tokenFileVariable} (${file})`, json: tokenFileVariable }
  if (variable(env, actionsUrlVariable) !== undefined && variable(env, actionsTokenVariable) !== undefined) {
    return {
      text: `environment: GitHub Actions OIDC token endpoint (audience ${settings.audience ?? defaultAudience})`,
      json: "github-actions"
    }
  }
  return {
    text: `environment: none available now (${tokenFileVariable}, or ${actionsUrlVariable} + ${actionsTokenVariable})`,
    json: null
  }
}

/** Where the token came from, for messages. @internal */
export const sourceText = (source: Source): string =>
  source._tag === "Actions"
    ? "the GitHub Actions OIDC token endpoint"
    : source.origin === "environment"
    ? `the file ${source.path} (${tokenFileVariable})`
    : `the file ${source.path}`

const errorCode = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
    ? error.code
    : undefined

const readFile = (profile: string, source: Extract<Source, { _tag: "File" }>): Effect.Effect<Redacted.Redacted<string>, AwsError> => {
  const fix = source.origin === "environment"
    ? `${tokenFileVariable} names it: point ${tokenFileVariable} at the file holding the token`
    : `write the token there before using the profile, or name another file with \`${configureHint(profile)}\``
  const fail = (what: string) =>
    new AwsError({ reason: "WebIdentityToken", profile, detail: `${what}; ${fix}` })
  return Effect.tryPromise({
    try: () => Fs.readFile(source.path, "utf8"),
    catch: (error) => {
      const code = errorCode(error)
      return fail(
        code === "ENOENT"
          ? `the token file ${source.path} does not exist`
          : code === "EACCES" || code === "EPERM"
          ? `the token file ${source.path} cannot be read (permission denied)`
          : code === "EISDIR"
          ? `${source.path} is a directory, not a token file`
          : `the token file ${source.path} cannot be read (${code ?? "error"})`
      )
    }
  }).pipe(
    Effect.flatMap((text) => {
      const token = text.trim()
      if (token === "") return Effect.fail(fail(`the token file ${source.path} is empty`))
      registerSecret(token)
      return Effect.succeed(Redacted.make(token))
    })
  )
}

const fetchActions = (
  profile: string,
  source: Extract<Source, { _tag: "Actions" }>
): Effect.Effect<Redacted.Redacted<string>, AwsError> =>
  Effect.gen(function*() {
    const fail = (detail: string) => new AwsError({ reason: "WebIdentityToken", profile, detail })
    const url = yield* Effect.try({
      try: () => new URL(source.url),
      catch: () => fail(`${actionsUrlVariable} is not a URL; it is set by the GitHub Actions runner, do not set it by hand`)
    })
    url.searchParams.set("audience", source.audience)
    const response = yield* Effect.tryPromise({
      try: (signal) =>
        fetch(url, {
          headers: { authorization: `Bearer ${Redacted.value(source.requestToken)}`, accept: "application/json" },
          signal: AbortSignal.any([signal, AbortSignal.timeout(actionsTimeoutMillis)])
        }),
      catch: (error) =>
        fail(
          `the GitHub Actions OIDC token endpoint (${actionsUrlVariable}, host ${url.host}) could not be reached (${
            error instanceof Error && error.name === "TimeoutError"
              ? `no answer within ${actionsTimeoutMillis / 1000} s`
              : error instanceof Error
              ? (errorCode(error.cause) ?? error.message).slice(0, 120)
              : "network error"
          }); retry the job, and check that ${actionsUrlVariable} is the one the runner set`
        )
    })
    if (response.status === 401 || response.status === 403) {
      yield* Effect.promise(() => response.body?.cancel() ?? Promise.resolve())
      return yield* fail(
        `the GitHub Actions OIDC token endpoint refused ${actionsTokenVariable} (HTTP ${response.status}): it is wrong ` +
          `or expired; use the value the runner sets in a job with \`permissions: id-token: write\``
      )
    }
    if (!response.ok) {
      yield* Effect.promise(() => response.body?.cancel() ?? Promise.resolve())
      return yield* fail(
        `the GitHub Actions OIDC token endpoint (${actionsUrlVariable}, host ${url.host}) is unavailable ` +
          `(HTTP ${response.status}); retry the job, and check that ${actionsUrlVariable} is the one the runner set`
      )
    }
    const body = yield* Effect.tryPromise({ try: () => response.json() as Promise<unknown>, catch: () => undefined }).pipe(
      Effect.orElseSucceed(() => undefined)
    )
    const value = typeof body === "object" && body !== null && "value" in body ? body.value : undefined
    if (typeof value !== "string" || value.trim() === "") {
      return yield* fail(`the GitHub Actions OIDC token endpoint (${actionsUrlVariable}) answered without a token`)
    }
    registerSecret(value)
    return Redacted.make(value.trim())
  })

/**
 * A fresh token from the source (a file is read again, the endpoint asked again).
 *
 * @internal
 */
export const readToken = (profile: string, source: Source): Effect.Effect<Redacted.Redacted<string>, AwsError> =>
  source._tag === "File" ? readFile(profile, source) : fetchActions(profile, source)

/**
 * `sub` and `aud` of a JWT, for error messages (they are claims the role's trust policy matches, not secrets);
 * nothing when it does not decode.
 *
 * @internal
 */
export const claimsOf = (token: Redacted.Redacted<string>): { readonly sub?: string; readonly aud?: string } => {
  try {
    const payload = Redacted.value(token).split(".")[1]
    if (payload === undefined) return {}
    const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"))
    if (typeof claims !== "object" || claims === null) return {}
    const record = claims as Record<string, unknown>
    const clip = (text: string) => text.length > 200 ? `${text.slice(0, 200)}…` : text
    const sub = typeof record.sub === "string" ? clip(record.sub) : undefined
    const aud = typeof record.aud === "string"
      ? clip(record.aud)
      : Array.isArray(record.aud)
      ? clip(record.aud.filter((a): a is string => typeof a === "string").join(", "))
      : undefined
    return { ...(sub !== undefined ? { sub } : {}), ...(aud !== undefined ? { aud } : {}) }
  } catch {
    return {}
  }
}

/** `text` without any occurrence of the token (belt and braces: AWS messages do not echo it). @internal */
export const withoutToken = (text: string, token: Redacted.Redacted<string>): string => {
  const value = Redacted.value(token)
  return value.length >= 8 ? text.split(value).join("<token>") : text
}
