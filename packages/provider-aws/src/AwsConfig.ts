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
export const AwsMethod = Schema.Literal("sso", "access-keys", "assume-role", "aws-profile")
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
  awsProfile: Schema.optional(Schema.String)
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

/** Any AWS credentials file. @since 0.1.0 */
export const AwsCredentialsFile = Schema.Union(AccessKeysFile, SsoFile, AssumeRoleFile)
/** @since 0.1.0 */
export type AwsCredentialsFile = typeof AwsCredentialsFile.Type
