/**
 * Options shared by several commands: `--profile`, the provider/method flags of `configure` and `login`.
 * Secrets have no value flag: only `--<secret>-env VAR` (read the variable), `--<secret>-stdin`, or (Cloudflare)
 * `--<secret>-variable VAR` (keep no secret: store the variable's name and read it each time it is used).
 */
import * as Args from "@effect/cli/Args"
import * as Options from "@effect/cli/Options"

/** Flags that take a value, with what the value is (for the error when it is missing). */
const valued = new Map<string, string>()
const valueFlag = (name: string, placeholder = "<value>"): string => {
  valued.set(name, placeholder)
  return name
}

/**
 * A flag that takes a value left bare at the end of the command line (before `--`): `alchemy env --profile`.
 * @effect/cli would report it as an unknown argument, or take it as the stack file or the command to run.
 */
export const missingValue = (args: ReadonlyArray<string>): string | undefined => {
  const end = args.indexOf("--")
  const last = end === -1 ? args[args.length - 1] : args[end - 1]
  const placeholder = last?.startsWith("--") ? valued.get(last.slice(2)) : undefined
  return placeholder === undefined ? undefined : `${last} needs a value: ${last} ${placeholder}`
}

export const profile = Options.text(valueFlag("profile", "<name>")).pipe(
  Options.withDescription(
    "Profile to use (default: CLOUDFLARE_PROFILE / ALCHEMY_AWS_PROFILE, then ALCHEMY_PROFILE, then `default`)"
  ),
  Options.optional
)

/** `--profile` of the commands that work on one profile whatever the provider (configure, login, logout). */
export const targetProfile = Options.text("profile").pipe(
  Options.withDescription("Profile to work on (default: ALCHEMY_PROFILE, then `default`)"),
  Options.optional
)

export const json = Options.boolean("json").pipe(Options.withDescription("Print stable JSON (documented in the README; no secrets)"))

export const yes = Options.boolean("yes").pipe(
  Options.withAlias("y"),
  Options.withDescription("Do not ask for confirmation")
)

export const provider = Options.choice(valueFlag("provider", "cloudflare|aws"), ["cloudflare", "aws"]).pipe(
  Options.withDescription("Only this provider"),
  Options.optional
)

const text = (name: string, description: string) =>
  Options.text(valueFlag(name, name.endsWith("-env") || name.endsWith("-variable") ? "<VARIABLE>" : "<value>")).pipe(
    Options.withDescription(description),
    Options.optional
  )

const flag = (name: string, description: string) => Options.boolean(name).pipe(Options.withDescription(description))

/** The method flags; every prompt of the wizard has one of these as its scripted equivalent. */
export const method = {
  method: text(
    "method",
    "Authentication method: cloudflare oauth|api-token|api-key, aws sso|access-keys|assume-role|aws-profile|web-identity"
  ),
  accountId: text("account-id", "Cloudflare account id (or AWS account id for sso with --sso-account-id)"),
  email: text("email", "Cloudflare account email (api-key method)"),
  scopes: text("scopes", "Cloudflare OAuth scopes, comma separated (`default` = the recommended set; add to it with default,d1:write)"),
  apiTokenEnv: text("api-token-env", "Read the Cloudflare API token from this environment variable"),
  apiTokenStdin: flag("api-token-stdin", "Read the Cloudflare API token from standard input"),
  apiKeyEnv: text("api-key-env", "Read the Cloudflare global API key from this environment variable"),
  apiKeyStdin: flag("api-key-stdin", "Read the Cloudflare global API key from standard input"),
  apiTokenVariable: text(
    "api-token-variable",
    "Keep no secret: read the Cloudflare API token from this environment variable every time it is used (stored as the variable's name)"
  ),
  apiKeyVariable: text(
    "api-key-variable",
    "Keep no secret: read the Cloudflare global API key from this environment variable every time it is used (stored as the variable's name; --email is kept)"
  ),
  awsAccessKeyId: text("aws-access-key-id", "AWS access key id (access-keys method)"),
  awsSecretAccessKeyEnv: text("aws-secret-access-key-env", "Read the AWS secret access key from this environment variable"),
  awsSecretAccessKeyStdin: flag("aws-secret-access-key-stdin", "Read the AWS secret access key from standard input"),
  awsSessionTokenEnv: text("aws-session-token-env", "Read an AWS session token from this environment variable"),
  awsSecretAccessKeyVariable: text(
    "aws-secret-access-key-variable",
    "Keep no secret: read the AWS secret access key from this environment variable every time it is used (access-keys; stored as the variable's name, --aws-access-key-id is kept)"
  ),
  awsSessionTokenVariable: text(
    "aws-session-token-variable",
    "Keep no secret: read the AWS session token from this environment variable every time it is used (with --aws-secret-access-key-variable)"
  ),
  region: text("region", "AWS region of the profile"),
  ssoStartUrl: text("sso-start-url", "IAM Identity Center start URL"),
  ssoRegion: text("sso-region", "IAM Identity Center region"),
  ssoAccountId: text("sso-account-id", "AWS account id to use through SSO"),
  ssoRoleName: text("sso-role-name", "Permission set (role) name to use through SSO"),
  useDeviceCode: flag("use-device-code", "SSO: use the device-code flow instead of the browser callback"),
  roleArn: text("role-arn", "assume-role, web-identity: ARN of the role to assume"),
  sourceProfile: text("source-profile", "assume-role: alchemy profile holding the source credentials"),
  externalId: text("external-id", "assume-role: external id"),
  roleSessionName: text("role-session-name", "assume-role, web-identity: session name"),
  durationSeconds: text("duration-seconds", "assume-role, web-identity: session duration in seconds"),
  mfaSerial: text("mfa-serial", "assume-role: MFA device serial or ARN"),
  mfaCodeEnv: text("mfa-code-env", "assume-role: read the MFA code from this environment variable"),
  mfaCodeStdin: flag("mfa-code-stdin", "assume-role: read the MFA code from standard input"),
  awsProfile: text("aws-profile", "aws-profile: name of the profile in ~/.aws/config"),
  webIdentityTokenFile: text(
    "web-identity-token-file",
    "web-identity: file holding the OIDC token, read again for each new session (without it: AWS_WEB_IDENTITY_TOKEN_FILE, else GitHub Actions' ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN, at each run)"
  ),
  webIdentityAudience: text(
    "web-identity-audience",
    "web-identity: audience asked of the GitHub Actions OIDC token endpoint (default sts.amazonaws.com)"
  ),
  noBrowser: flag("no-browser", "Print the login URL instead of opening a browser; paste the redirect URL back"),
  yes
}

/** `--store`: where `configure` keeps the secrets it saves (DESIGN §3). */
export const store = Options.choice(valueFlag("store", "file|keychain"), ["file", "keychain"]).pipe(
  Options.withDescription(
    "Where to keep the secrets: file (credentials/<profile>/<provider>.json, mode 0600; the default) or keychain " +
      "(the OS keychain: Secret Service on Linux, Keychain on macOS, Credential Manager on Windows). Remembered per " +
      "profile and provider; change it later with `alchemy profile move`"
  ),
  Options.optional
)

export const format = Options.choice(valueFlag("format", "sh|fish|dotenv|json"), ["sh", "fish", "dotenv", "json"]).pipe(
  Options.withDefault("sh" as const),
  Options.withDescription("Output format")
)

export const stage = text("stage", "Stage to deploy (default: $STAGE, then $USER, then dev); what is deployed, while the profile says how to authenticate")

/** `--stage` of env and exec: no default (without it, no stack file is read). */
export const envStage = Options.text("stage").pipe(
  Options.withDescription(
    "Use the profile of this stage of ./alchemy.run.ts, and check its pinned accounts before printing or running anything"
  ),
  Options.optional
)

export const force = Options.boolean("force").pipe(
  Options.withDescription("Use --profile even though the stack file gives the stage another profile (pinned accounts are still checked)")
)

export const stackFile = Args.text({ name: "stack-file" }).pipe(
  Args.withDescription("The stack file (default ./alchemy.run.ts)"),
  Args.optional
)
