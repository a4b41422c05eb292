/**
 * The STS and SSO calls of the methods, for the resolver and the method modules alike (kept apart from
 * `AwsResolver` so the method modules, which the resolver dispatches to, do not import it): `GetCallerIdentity`,
 * `AssumeRole`, `AssumeRoleWithWebIdentity` (with its failure messages) and the SSO refresh. `AwsResolver`
 * re-exports them.
 *
 * @internal
 */
import { Environment } from "@alchemy/profile-core/Environment"
import { NeedsLogin } from "@alchemy/profile-core/Errors"
import type { ProfileName } from "@alchemy/profile-core/ProfileName"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type { AwsResolved, RegionSource } from "../AwsResolver.js"
import type { AwsProfileRegion } from "./sharedConfig.js"
import {
  type AssumeRoleSettings,
  type AwsProviderEntry,
  providerId,
  type SessionCredentials,
  type SsoFile,
  type SsoSettings,
  type WebIdentitySettings
} from "../AwsConfig.js"
import { AwsError } from "../AwsError.js"
import * as AwsSso from "../AwsSso.js"
import { call, callRaw, describeError, errorName, loadSts, type PlainCredentials, unwrap } from "./sdk.js"
import * as WebIdentity from "./webIdentity.js"

/** The region the profile itself names: its `region`, else the SSO region. @internal */
export const storedRegion = (entry: AwsProviderEntry): string | undefined => entry.region ?? entry.sso?.region

/**
 * Region: `AWS_REGION` > `AWS_DEFAULT_REGION` > the profile's region > the SSO region > (an `aws-profile`) the
 * `region` of the AWS CLI profile, the order the AWS CLI itself follows for the last step. `env` is the caller's
 * `Environment` (this function is pure: it does not read the process's).
 *
 * @internal
 */
export const regionFor = (
  profile: ProfileName,
  entry: AwsProviderEntry,
  env: Readonly<Record<string, string | undefined>>,
  awsProfile?: AwsProfileRegion | undefined
): { readonly region?: string; readonly source?: RegionSource } => {
  for (const variable of ["AWS_REGION", "AWS_DEFAULT_REGION"]) {
    const value = env[variable]
    if (value !== undefined && value !== "") return { region: value, source: { _tag: "Environment", variable } }
  }
  const stored = storedRegion(entry)
  if (stored !== undefined) return { region: stored, source: { _tag: "Profile", profile, method: entry.method } }
  return awsProfile !== undefined
    ? { region: awsProfile.region, source: { _tag: "AwsProfile", awsProfile: awsProfile.awsProfile, file: awsProfile.file } }
    : {}
}

/** Is the session valid for `skew` more milliseconds? @internal */
export const validSession = (session: SessionCredentials | undefined, nowMillis: number, skew: number) =>
  session !== undefined && session.expiration - skew > nowMillis

/** What the SDK resolves for an AWS CLI profile. @internal */
export type AwsProfileCredentials = Pick<
  AwsResolved,
  "accessKeyId" | "secretAccessKey" | "sessionToken" | "expiration" | "accountId"
>

/** Refresh this long before expiry. @internal */
export const skewMillis = 5 * 60_000

const stsRegion = (region: string | undefined) => region ?? "us-east-1"

/** `GetCallerIdentity` with the given credentials. @since 0.1.0 */
export const callerIdentity = (
  profile: string,
  credentials: PlainCredentials,
  region?: string
): Effect.Effect<{ readonly account: string; readonly arn: string }, AwsError> =>
  Effect.gen(function*() {
    const sdk = yield* Effect.promise(() => loadSts())
    const client = new sdk.STSClient({ region: stsRegion(region), credentials: unwrap(credentials) })
    const out = yield* call(profile, "InvalidCredentials", () => client.send(new sdk.GetCallerIdentityCommand({})))
    return { account: out.Account ?? "", arn: out.Arn ?? "" }
  })

/** `AssumeRole` with the source credentials. @since 0.1.0 */
export const assumeRole = (
  profile: string,
  settings: AssumeRoleSettings,
  source: PlainCredentials,
  region: string | undefined,
  mfaCode: Redacted.Redacted<string> | undefined
): Effect.Effect<SessionCredentials, AwsError> =>
  Effect.gen(function*() {
    const sdk = yield* Effect.promise(() => loadSts())
    const client = new sdk.STSClient({ region: stsRegion(region), credentials: unwrap(source) })
    const out = yield* call(profile, "AssumeRoleFailed", () =>
      client.send(
        new sdk.AssumeRoleCommand({
          RoleArn: settings.roleArn,
          RoleSessionName: settings.sessionName ?? `alchemy-${profile}`,
          ...(settings.externalId !== undefined ? { ExternalId: settings.externalId } : {}),
          ...(settings.durationSeconds !== undefined ? { DurationSeconds: settings.durationSeconds } : {}),
          ...(settings.mfaSerial !== undefined && mfaCode !== undefined
            ? { SerialNumber: settings.mfaSerial, TokenCode: Redacted.value(mfaCode) }
            : {})
        })
      ))
    const c = out.Credentials
    if (
      c?.AccessKeyId === undefined || c.SecretAccessKey === undefined || c.SessionToken === undefined ||
      c.Expiration === undefined
    ) {
      return yield* new AwsError({ reason: "AssumeRoleFailed", profile, detail: "AssumeRole returned no credentials" })
    }
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: Redacted.make(c.SecretAccessKey),
      sessionToken: Redacted.make(c.SessionToken),
      expiration: c.Expiration.getTime()
    }
  })

/** The account of an IAM role ARN (`arn:aws:iam::123456789012:role/Name`). @since 0.3.0 */
export const roleAccount = (roleArn: string): string | undefined => /^arn:[^:]+:iam::(\d{12}):role\//.exec(roleArn)?.[1]

/**
 * Why STS refused (or could not take) a web identity token, as a message naming what to fix; never the token.
 */
const webIdentityFailure = (
  profile: string,
  settings: WebIdentitySettings,
  token: Redacted.Redacted<string>,
  source: WebIdentity.Source,
  error: unknown
): AwsError => {
  const from = WebIdentity.sourceText(source)
  const name = errorName(error)
  const aws = WebIdentity.withoutToken(describeError(error), token)
  const answered = typeof error === "object" && error !== null && "$metadata" in error &&
    typeof (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode === "number"
  const { aud, sub } = WebIdentity.claimsOf(token)
  const claims = [
    sub !== undefined ? `subject (sub) ${JSON.stringify(sub)}` : "subject (sub)",
    aud !== undefined ? `audience (aud) ${JSON.stringify(aud)}` : "audience (aud)"
  ].join(" or ")
  const role = settings.roleArn
  const detail = !answered
    ? `STS could not be reached (${aws}); check the network and AWS_ENDPOINT_URL_STS / the region, then retry`
    : name === "AccessDenied" || name === "AccessDeniedException"
    ? `AccessDenied: the trust policy of role ${role} does not accept this token's ${claims} from ${from} (or the ` +
      `role does not exist): allow that sub and aud in the role's trust policy (for GitHub Actions, the conditions on ` +
      `token.actions.githubusercontent.com:sub and :aud), or fix --role-arn` +
      (settings.tokenSource === "environment" ? " / --web-identity-audience" : "")
    : name === "ExpiredTokenException" || name === "ExpiredToken"
    ? `${aws}: the token from ${from} has expired; ` +
      (source._tag === "File"
        ? "write a fresh token to the file (it is read again each time a new session is needed)"
        : "a new one is requested each time a session is needed: retry")
    : name === "InvalidIdentityTokenException" || name === "InvalidIdentityToken"
    ? `${aws}: STS does not accept the token from ${from} for role ${role}: its issuer (iss) must be an IAM OpenID ` +
      "Connect identity provider of the role's account and its signature must verify against that issuer's keys; " +
      "check the token source"
    : name === "IDPRejectedClaimException"
    ? `${aws}: the identity provider rejected the token's claims; check the token source`
    : name === "IDPCommunicationErrorException"
    ? `${aws}: STS could not reach the token's identity provider to verify it; retry`
    : `${aws}; check --role-arn (${role}), --role-session-name and --duration-seconds`
  return new AwsError({ reason: "WebIdentityFailed", profile, detail })
}

/**
 * `AssumeRoleWithWebIdentity` with a token (unsigned: no credentials are needed or used).
 *
 * @since 0.3.0
 */
export const assumeRoleWithWebIdentity = (
  profile: string,
  settings: WebIdentitySettings,
  token: Redacted.Redacted<string>,
  source: WebIdentity.Source,
  region: string | undefined
): Effect.Effect<SessionCredentials & { readonly arn: string | undefined }, AwsError> =>
  Effect.gen(function*() {
    const sdk = yield* Effect.promise(() => loadSts())
    const client = new sdk.STSClient({ region: stsRegion(region) })
    const out = yield* callRaw(() =>
      client.send(
        new sdk.AssumeRoleWithWebIdentityCommand({
          RoleArn: settings.roleArn,
          RoleSessionName: settings.sessionName ?? `alchemy-${profile}`,
          WebIdentityToken: Redacted.value(token),
          ...(settings.durationSeconds !== undefined ? { DurationSeconds: settings.durationSeconds } : {})
        })
      )
    ).pipe(Effect.mapError((error) => webIdentityFailure(profile, settings, token, source, error)))
    const c = out.Credentials
    if (
      c?.AccessKeyId === undefined || c.SecretAccessKey === undefined || c.SessionToken === undefined ||
      c.Expiration === undefined
    ) {
      return yield* new AwsError({
        reason: "WebIdentityFailed",
        profile,
        detail: "AssumeRoleWithWebIdentity returned no credentials"
      })
    }
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: Redacted.make(c.SecretAccessKey),
      sessionToken: Redacted.make(c.SessionToken),
      expiration: c.Expiration.getTime(),
      arn: out.AssumedRoleUser?.Arn
    }
  })

/**
 * A new web identity session: a fresh token from this run's source, exchanged with STS. The token lives only in
 * this call. The source's variables are read from `env`, or from profile-core's `Environment` when none is given.
 *
 * @since 0.3.0
 */
export const newWebIdentitySession = (
  profile: string,
  settings: WebIdentitySettings,
  region: string | undefined,
  env?: Readonly<Record<string, string | undefined>> | undefined
): Effect.Effect<SessionCredentials & { readonly arn: string | undefined }, AwsError> =>
  Effect.gen(function*() {
    const source = yield* WebIdentity.sourceFor(profile, settings, env ?? (yield* Environment))
    const token = yield* WebIdentity.readToken(profile, source)
    return yield* assumeRoleWithWebIdentity(profile, settings, token, source, region)
  })

/**
 * Refresh an SSO credentials file: a new access token from the refresh token when the token is about to expire,
 * then `GetRoleCredentials`. Anything that needs a person becomes `NeedsLogin`.
 *
 * @since 0.1.0
 */
export const refreshSso = (
  profile: ProfileName,
  settings: SsoSettings,
  file: SsoFile
): Effect.Effect<SsoFile, AwsError | NeedsLogin> =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const needsLogin = (detail: string) => new NeedsLogin({ profile, provider: providerId, detail })
    let current = file
    if (file.expiresAt - skewMillis <= now) {
      if (file.refreshToken === undefined || file.registrationExpiresAt <= now) {
        return yield* needsLogin("the IAM Identity Center session expired")
      }
      const token = yield* AwsSso.refresh(profile, settings, file).pipe(
        Effect.catchTag("AwsError", () => needsLogin("the IAM Identity Center session expired and could not be refreshed"))
      )
      current = {
        ...file,
        accessToken: token.accessToken,
        expiresAt: token.expiresAt,
        ...(token.refreshToken !== undefined ? { refreshToken: token.refreshToken } : {})
      }
    }
    const roleCredentials = yield* AwsSso.getRoleCredentials(profile, settings, current.accessToken).pipe(
      Effect.catchIf(
        (error) => error.detail.startsWith("UnauthorizedException"),
        () => needsLogin("the IAM Identity Center token is invalid or was revoked")
      )
    )
    return { ...current, roleCredentials }
  })

