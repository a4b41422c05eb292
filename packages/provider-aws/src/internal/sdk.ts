/**
 * Lazy access to the AWS SDK for JavaScript v3. Nothing here imports an SDK module at load time: each client
 * module is loaded by a dynamic `import()` on first use and memoized, so the CLI's start-up never pays for it.
 *
 * Clients are built with a region only; endpoints are left to the SDK, which honours `AWS_ENDPOINT_URL` and
 * `AWS_ENDPOINT_URL_<SERVICE>` on its own.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { AwsError, type AwsErrorReason } from "../AwsError.js"

type SsoOidcModule = typeof import("@aws-sdk/client-sso-oidc")
type SsoModule = typeof import("@aws-sdk/client-sso")
type StsModule = typeof import("@aws-sdk/client-sts")
type CredentialProvidersModule = typeof import("@aws-sdk/credential-providers")
type SharedConfigModule = typeof import("@smithy/core/config")

const memo = <A>(load: () => Promise<A>): () => Promise<A> => {
  let promise: Promise<A> | undefined
  return () => (promise ??= load())
}

/** @internal */
export const loadSsoOidc: () => Promise<SsoOidcModule> = memo(() => import("@aws-sdk/client-sso-oidc"))
/** @internal */
export const loadSso: () => Promise<SsoModule> = memo(() => import("@aws-sdk/client-sso"))
/** @internal */
export const loadSts: () => Promise<StsModule> = memo(() => import("@aws-sdk/client-sts"))
/** @internal */
export const loadCredentialProviders: () => Promise<CredentialProvidersModule> = memo(() =>
  import("@aws-sdk/credential-providers")
)

/** The SDK's reader of the shared config files (`~/.aws/config`, `~/.aws/credentials`). @internal */
export const loadSharedConfig: () => Promise<SharedConfigModule> = memo(() => import("@smithy/core/config"))

/** Plain (unwrapped) credentials for an SDK client; built only at the call site. @internal */
export interface PlainCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: Redacted.Redacted<string>
  readonly sessionToken?: Redacted.Redacted<string> | undefined
}

/** @internal */
export const unwrap = (credentials: PlainCredentials) => ({
  accessKeyId: credentials.accessKeyId,
  secretAccessKey: Redacted.value(credentials.secretAccessKey),
  ...(credentials.sessionToken !== undefined ? { sessionToken: Redacted.value(credentials.sessionToken) } : {})
})

/** The name of an SDK error (`AuthorizationPendingException`, `InvalidClientTokenId`, ...). @internal */
export const errorName = (error: unknown): string =>
  typeof error === "object" && error !== null && "name" in error && typeof error.name === "string"
    ? error.name
    : "Error"

/** A one-line description of an SDK error without anything secret: its name and AWS's own message. @internal */
export const describeError = (error: unknown): string => {
  const name = errorName(error)
  const message = typeof error === "object" && error !== null && "message" in error &&
      typeof error.message === "string"
    ? error.message.split("\n")[0]!.slice(0, 300)
    : String(error).slice(0, 300)
  const trimmed = message.replace(/[.\s]+$/, "")
  return trimmed === "" || trimmed === name ? name : `${name}: ${trimmed}`
}

/** Run an SDK call; a rejection becomes an `AwsError`, with the reason picked from the error name. @internal */
export const call = <A>(
  profile: string,
  reason: AwsErrorReason,
  run: () => Promise<A>
): Effect.Effect<A, AwsError> =>
  Effect.tryPromise({
    try: run,
    catch: (error) => new AwsError({ reason: classify(error, reason), profile, detail: describeError(error) })
  })

/** The raw SDK error kept next to the typed one, for callers that branch on the AWS error name. @internal */
export const callRaw = <A>(run: () => Promise<A>): Effect.Effect<A, unknown> =>
  Effect.tryPromise({ try: run, catch: (error) => error })

const invalidCredentialNames = new Set([
  "InvalidClientTokenId",
  "SignatureDoesNotMatch",
  "UnrecognizedClientException",
  "InvalidAccessKeyId",
  "ExpiredToken",
  "ExpiredTokenException"
])

const classify = (error: unknown, fallback: AwsErrorReason): AwsErrorReason => {
  const name = errorName(error)
  if (invalidCredentialNames.has(name)) return "InvalidCredentials"
  // AssumeRole reports a wrong MFA code or external id as AccessDenied: keep the message that names them.
  if ((name === "AccessDenied" || name === "AccessDeniedException") && fallback !== "AssumeRoleFailed") {
    return "AccessDenied"
  }
  return fallback
}
