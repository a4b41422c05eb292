/**
 * AWS credentials kept in memory only, for machines that must not write them anywhere (a CI runner deploying a
 * stage whose credentials the stack file declares): a web identity session (`AssumeRoleWithWebIdentity` with a
 * token from `AWS_WEB_IDENTITY_TOKEN_FILE` or GitHub Actions' OIDC endpoint), reused while valid and renewed
 * before it expires, by the calls of this process.
 *
 * ```ts
 * const credentials = AwsEphemeral.webIdentity({ roleArn: "arn:aws:iam::123456789012:role/deploy", region: "us-east-1" })
 * Effect.provide(program, credentials)   // program uses AwsCredentials
 * ```
 *
 * @since 0.3.0
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { WebIdentitySettings } from "./AwsConfig.js"
import { AwsCredentials } from "./AwsCredentials.js"
import { AwsError } from "./AwsError.js"
import { type AwsResolved, newWebIdentitySession } from "./AwsResolver.js"

/** @since 0.3.0 */
export interface WebIdentityOptions {
  readonly roleArn: string
  readonly region?: string | undefined
  readonly sessionName?: string | undefined
  readonly durationSeconds?: number | undefined
  /** Audience asked of GitHub Actions' endpoint; default `sts.amazonaws.com`. */
  readonly audience?: string | undefined
  /** Shown where the credentials came from (`stage prod of my-app`). */
  readonly label?: string | undefined
}

/** A session is renewed this long before it expires. */
const skewMillis = 5 * 60_000

/**
 * The `AwsCredentials` service of a web identity session held in memory (one `AssumeRoleWithWebIdentity` per
 * session; the token is fetched again for each new session and never kept). Every layer or call given this one
 * service shares its session.
 *
 * @since 0.3.0
 */
export const makeWebIdentity = (options: WebIdentityOptions): AwsCredentials.Service => {
  const label = options.label ?? `web identity ${options.roleArn}`
  // STS session names: 2-64 of [\w+=,.@-]; by default the label, so CloudTrail shows which stage assumed the role.
  const sessionName = options.sessionName ??
    `alchemy-${label.replace(/[^\w+=,.@-]+/g, "-")}`.slice(0, 64).replace(/-+$/, "")
  const settings: WebIdentitySettings = {
    roleArn: options.roleArn,
    tokenSource: "environment",
    sessionName,
    ...(options.durationSeconds !== undefined ? { durationSeconds: options.durationSeconds } : {}),
    ...(options.audience !== undefined ? { audience: options.audience } : {})
  }
  let current: AwsResolved | undefined
  const renew = Effect.map(newWebIdentitySession(label, settings, options.region), (session): AwsResolved => ({
    profile: undefined,
    method: "web-identity",
    accessKeyId: session.accessKeyId,
    secretAccessKey: session.secretAccessKey,
    sessionToken: session.sessionToken,
    expiration: session.expiration,
    region: options.region,
    arn: session.arn
  }))
  // One renewal at a time: concurrent calls wait for it instead of assuming the role twice.
  const lock = Effect.unsafeMakeSemaphore(1)
  const get: Effect.Effect<AwsResolved, AwsError> = Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const valid = (c: AwsResolved | undefined): c is AwsResolved =>
      c !== undefined && (c.expiration ?? Infinity) - skewMillis > now
    if (valid(current)) return current
    return yield* lock.withPermits(1)(Effect.suspend(() =>
      valid(current) ? Effect.succeed(current) : Effect.tap(renew, (fresh) => Effect.sync(() => {
        current = fresh
      }))
    ))
  })
  return { profile: undefined, explanation: label, get: Effect.mapError(get, declaredWording) }
}

/**
 * The resolver's web identity errors name the flags of `alchemy configure`; these credentials come from settings
 * given in code (a stage of a stack file), so the fix names those settings instead.
 */
const declaredWording = (error: AwsError): AwsError => {
  if (error.reason !== "WebIdentityToken" && error.reason !== "WebIdentityFailed") return error
  const detail = error.detail
    .replace(/, or name a token file with `alchemy configure[^`]*`/g, "")
    .replace(/`alchemy configure[^`]*`/g, "the settings of these credentials")
    .replace(/fix --role-arn( \/ --web-identity-audience)?/g, "fix roleArn (or audience) in the settings")
    .replace(/check --role-arn \(([^)]*)\), --role-session-name and --duration-seconds/g, "check roleArn ($1), sessionName and durationSeconds in the settings")
  return new AwsError({ reason: error.reason, profile: error.profile, detail })
}

/**
 * `AwsCredentials` from a web identity session held in memory (see `makeWebIdentity`).
 *
 * @since 0.3.0
 */
export const webIdentity = (options: WebIdentityOptions): Layer.Layer<AwsCredentials> =>
  Layer.sync(AwsCredentials, () => makeWebIdentity(options))
