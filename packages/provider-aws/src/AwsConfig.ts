/**
 * The shapes AWS keeps in an alchemy profile: the non-secret entry in `config.json` (`profiles.<p>.aws`) and the
 * secret file `credentials/<p>/aws.json`, one variant per method. Secrets are `Redacted` from the moment of decoding.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/** The provider id: key in `config.json` and the credentials file name. @since 0.1.0 */
export const providerId = "aws"

/** @since 0.1.0 */
export const AwsMethod = Schema.Literal("sso", "access-keys", "assume-role", "aws-profile", "web-identity")
/** @since 0.1.0 */
export type AwsMethod = typeof AwsMethod.Type

/** IAM Identity Center settings of an `sso` profile. @since 0.1.0 */
export const SsoSettings = Schema.Struct({
  startUrl: Schema.String,
  region: Schema.String,
  accountId: Schema.String,
  roleName: Schema.String
})
/** @since 0.1.0 */
export type SsoSettings = typeof SsoSettings.Type

/** Settings of an `assume-role` profile. `sourceProfile` names another alchemy profile. @since 0.1.0 */
export const AssumeRoleSettings = Schema.Struct({
  roleArn: Schema.String,
  sourceProfile: Schema.optional(Schema.String),
  externalId: Schema.optional(Schema.String),
  sessionName: Schema.optional(Schema.String),
  durationSeconds: Schema.optional(Schema.Number),
  mfaSerial: Schema.optional(Schema.String)
})
/** @since 0.1.0 */
export type AssumeRoleSettings = typeof AssumeRoleSettings.Type

/**
 * Where a `web-identity` profile gets its OIDC token: `file` (the `tokenFile` given at configure, re-read for each
 * new session) or `environment` (decided at each run: `AWS_WEB_IDENTITY_TOKEN_FILE` if set, else GitHub Actions'
 * token endpoint from `ACTIONS_ID_TOKEN_REQUEST_URL` + `ACTIONS_ID_TOKEN_REQUEST_TOKEN`).
 *
 * @since 0.3.0
 */
export const WebIdentityTokenSource = Schema.Literal("file", "environment")
/** @since 0.3.0 */
export type WebIdentityTokenSource = typeof WebIdentityTokenSource.Type

/**
 * Settings of a `web-identity` profile (`AssumeRoleWithWebIdentity`). Never a token: only where to get one.
 * `audience` is what the GitHub Actions endpoint is asked for (default `sts.amazonaws.com`).
 *
 * @since 0.3.0
 */
export const WebIdentitySettings = Schema.Struct({
  roleArn: Schema.String,
  sessionName: Schema.optional(Schema.String),
  durationSeconds: Schema.optional(Schema.Number),
  tokenSource: WebIdentityTokenSource,
  tokenFile: Schema.optional(Schema.String),
  audience: Schema.optional(Schema.String)
}).annotations({ parseOptions: { onExcessProperty: "preserve" } })
/** @since 0.3.0 */
export type WebIdentitySettings = typeof WebIdentitySettings.Type

/**
 * The name of an environment variable: a letter or `_`, then letters, digits or `_`.
 *
 * @since 0.3.0
 */
export const variableNamePattern = /^[A-Za-z_][A-Za-z0-9_]*$/

/** An environment variable's name (never its value). @since 0.3.0 */
export const VariableName = Schema.String.pipe(
  Schema.pattern(variableNamePattern, {
    message: () => "an environment variable name is a letter or _ followed by letters, digits or _"
  })
)

/**
 * Secrets by reference of an `access-keys` profile: the environment variables the secret access key (and
 * optionally the session token) are read from each time the profile is used. The access key id stays in the entry.
 *
 * @since 0.3.0
 */
export const SecretVariables = Schema.Struct({
  "aws-secret-access-key": Schema.optional(VariableName),
  "aws-session-token": Schema.optional(VariableName)
}).annotations({ parseOptions: { onExcessProperty: "preserve" } })
/** @since 0.3.0 */
export type SecretVariables = typeof SecretVariables.Type

/**
 * `config.json` entry `profiles.<p>.aws`. Unknown keys are preserved on rewrite.
 *
 * @since 0.1.0
 */
export const AwsProviderEntry = Schema.Struct({
  method: AwsMethod,
  region: Schema.optional(Schema.String),
  metadata: Schema.optional(Schema.Struct({ id: Schema.String, name: Schema.String })),
  sso: Schema.optional(SsoSettings),
  assumeRole: Schema.optional(AssumeRoleSettings),
  awsProfile: Schema.optional(Schema.String),
  /** `web-identity` settings. @since 0.3.0 */
  webIdentity: Schema.optional(WebIdentitySettings),
  /** `access-keys` by reference: the access key id (its secret is in `variables`). @since 0.3.0 */
  accessKeyId: Schema.optional(Schema.String),
  /** `access-keys` by reference: the variables holding the secrets. @since 0.3.0 */
  variables: Schema.optional(SecretVariables)
}).annotations({ parseOptions: { onExcessProperty: "preserve" } })
/** @since 0.1.0 */
export type AwsProviderEntry = typeof AwsProviderEntry.Type

const Secret = Schema.Redacted(Schema.String)

/** Temporary credentials with their expiration (epoch milliseconds). @since 0.1.0 */
export const SessionCredentials = Schema.Struct({
  accessKeyId: Schema.String,
  secretAccessKey: Secret,
  sessionToken: Secret,
  expiration: Schema.Number
})
/** @since 0.1.0 */
export type SessionCredentials = typeof SessionCredentials.Type

/** `{"type":"access-keys", accessKeyId, secretAccessKey, sessionToken?}` @since 0.1.0 */
export const AccessKeysFile = Schema.Struct({
  type: Schema.Literal("access-keys"),
  accessKeyId: Schema.String,
  secretAccessKey: Secret,
  sessionToken: Schema.optional(Secret)
}).annotations({ parseOptions: { onExcessProperty: "preserve" } })
/** @since 0.1.0 */
export type AccessKeysFile = typeof AccessKeysFile.Type

/**
 * SSO token, its OIDC client registration (reused until it expires) and the cached role credentials.
 * Times are epoch milliseconds.
 *
 * @since 0.1.0
 */
export const SsoFile = Schema.Struct({
  type: Schema.Literal("sso"),
  accessToken: Secret,
  refreshToken: Schema.optional(Secret),
  expiresAt: Schema.Number,
  clientId: Schema.String,
  clientSecret: Secret,
  registrationExpiresAt: Schema.Number,
  /** Which grant the registration was made for: `device` or `authorization_code`. */
  registrationGrant: Schema.optional(Schema.Literal("device", "authorization_code")),
  roleCredentials: Schema.optional(SessionCredentials)
}).annotations({ parseOptions: { onExcessProperty: "preserve" } })
/** @since 0.1.0 */
export type SsoFile = typeof SsoFile.Type

/**
 * Assume-role: optional stored source keys (when the source is not another profile) and the cached assumed
 * session, reused by every process until it expires.
 *
 * @since 0.1.0
 */
export const AssumeRoleFile = Schema.Struct({
  type: Schema.Literal("assume-role"),
  accessKeyId: Schema.optional(Schema.String),
  secretAccessKey: Schema.optional(Secret),
  sessionToken: Schema.optional(Secret),
  session: Schema.optional(SessionCredentials)
}).annotations({ parseOptions: { onExcessProperty: "preserve" } })
/** @since 0.1.0 */
export type AssumeRoleFile = typeof AssumeRoleFile.Type

/**
 * Web identity: the cached session of `AssumeRoleWithWebIdentity`, reused by every process until it nears expiry.
 * The OIDC token itself is never stored.
 *
 * @since 0.3.0
 */
export const WebIdentityFile = Schema.Struct({
  type: Schema.Literal("web-identity"),
  session: Schema.optional(SessionCredentials)
}).annotations({ parseOptions: { onExcessProperty: "preserve" } })
/** @since 0.3.0 */
export type WebIdentityFile = typeof WebIdentityFile.Type

/** Any AWS credentials file. @since 0.1.0 */
export const AwsCredentialsFile = Schema.Union(AccessKeysFile, SsoFile, AssumeRoleFile, WebIdentityFile)
/** @since 0.1.0 */
export type AwsCredentialsFile = typeof AwsCredentialsFile.Type
