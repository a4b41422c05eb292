/**
 * The AWS provider as plain data (profile-core's `ProviderDescriptor`): its id, title, profile variable, environment
 * credentials, methods with the options and secrets each reads, the `credential-process` command, and a lazy `load`
 * of the implementation (`AwsPort`). Cheap to import: no AWS SDK, no services, nothing but this data.
 *
 * It is the one source of truth for the methods: `AwsAuthProvider.methods` and the method table reuse it.
 *
 * @since 0.4.0
 */
import { descriptor as make, type InputOption, type InputSecret, type MethodDescriptor } from "@alchemy/profile-core/AuthProvider"

/**
 * The plain options of the AWS methods (the CLI offers each as `--<name>`).
 *
 * @since 0.4.0
 */
export const options: ReadonlyArray<InputOption> = [
  { name: "aws-access-key-id", description: "AWS access key id (access-keys method)" },
  { name: "region", description: "AWS region of the profile" },
  { name: "sso-start-url", description: "IAM Identity Center start URL" },
  { name: "sso-region", description: "IAM Identity Center region" },
  { name: "sso-account-id", description: "AWS account id to use through SSO" },
  { name: "sso-role-name", description: "Permission set (role) name to use through SSO" },
  {
    name: "use-device-code",
    description: "SSO: use the device-code flow instead of the browser callback",
    kind: "switch"
  },
  { name: "role-arn", description: "assume-role, web-identity: ARN of the role to assume" },
  { name: "source-profile", description: "assume-role: alchemy profile holding the source credentials" },
  { name: "external-id", description: "assume-role: external id" },
  { name: "role-session-name", description: "assume-role, web-identity: session name" },
  { name: "duration-seconds", description: "assume-role, web-identity: session duration in seconds" },
  { name: "mfa-serial", description: "assume-role: MFA device serial or ARN" },
  { name: "aws-profile", description: "aws-profile: name of the profile in ~/.aws/config" },
  {
    name: "web-identity-token-file",
    description:
      "web-identity: file holding the OIDC token, read again for each new session (without it: AWS_WEB_IDENTITY_TOKEN_FILE, else GitHub Actions' ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN, at each run)"
  },
  {
    name: "web-identity-audience",
    description: "web-identity: audience asked of the GitHub Actions OIDC token endpoint (default sts.amazonaws.com)"
  },
  {
    name: "no-browser",
    description: "Print the login URL instead of opening a browser; paste the redirect URL back",
    kind: "switch"
  }
]

/**
 * The secrets of the AWS methods (never from argv: `--<name>-env`, `--<name>-stdin`, `--<name>-variable`).
 *
 * @since 0.4.0
 */
export const secrets: ReadonlyArray<InputSecret> = [
  { name: "aws-secret-access-key", title: "AWS secret access key", stdin: true, reference: true },
  { name: "aws-session-token", title: "AWS session token", stdin: false, reference: true },
  { name: "mfa-code", title: "MFA code", stdin: true, reference: false }
]

/**
 * The methods, in the order a picker shows them (`sso` is recommended), each with the options and secrets it reads.
 *
 * @since 0.4.0
 */
export const methods: ReadonlyArray<MethodDescriptor> = [
  {
    id: "sso",
    title: "IAM Identity Center (SSO)",
    description: "Sign in through your organization's AWS access portal",
    recommended: true,
    options: ["sso-start-url", "sso-region", "sso-account-id", "sso-role-name", "region", "use-device-code", "no-browser"],
    secrets: []
  },
  {
    id: "access-keys",
    title: "Access keys",
    description: "An access key id and secret (optionally a session token)",
    options: ["aws-access-key-id", "region"],
    secrets: ["aws-secret-access-key", "aws-session-token"]
  },
  {
    id: "assume-role",
    title: "Assume role",
    description: "Assume an IAM role from another profile or stored keys, with optional MFA",
    options: [
      "role-arn",
      "source-profile",
      "external-id",
      "role-session-name",
      "duration-seconds",
      "mfa-serial",
      "aws-access-key-id",
      "region"
    ],
    secrets: ["aws-secret-access-key", "aws-session-token", "mfa-code"]
  },
  {
    id: "aws-profile",
    title: "AWS CLI profile",
    description: "Use a profile of ~/.aws/config (SSO, process, roles, keys)",
    options: ["aws-profile", "region"],
    secrets: []
  },
  {
    id: "web-identity",
    title: "Web identity (OIDC, CI)",
    description: "Assume an IAM role with an OIDC token: GitHub Actions, AWS_WEB_IDENTITY_TOKEN_FILE or a token file",
    options: [
      "role-arn",
      "role-session-name",
      "duration-seconds",
      "region",
      "web-identity-token-file",
      "web-identity-audience"
    ],
    secrets: []
  }
]

/**
 * The AWS provider's descriptor: what the CLI lists in `ProviderList.ts`.
 *
 * @since 0.4.0
 */
export const descriptor = make({
  id: "aws",
  title: "AWS",
  profileVariable: "ALCHEMY_AWS_PROFILE",
  environmentCredentials: [["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]],
  secretVariables: ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"],
  methods,
  options,
  secrets,
  commands: [
    {
      name: "credential-process",
      description:
        "Print AWS credential_process JSON (Version 1) for the profile. In ~/.aws/config: credential_process = alchemy aws credential-process --profile prod"
    }
  ],
  account: { pattern: /^\d{12}$/, what: "an AWS account id (12 digits)" },
  declarations: [
    {
      method: "access-keys",
      variables: [
        { field: "accessKeyIdVariable", fills: "AWS_ACCESS_KEY_ID", what: "access key id" },
        { field: "secretAccessKeyVariable", fills: "AWS_SECRET_ACCESS_KEY", what: "secret access key" },
        { field: "sessionTokenVariable", fills: "AWS_SESSION_TOKEN", what: "session token", optional: true }
      ],
      values: [{ field: "region", fills: "AWS_REGION" }]
    },
    {
      // AssumeRoleWithWebIdentity; the port keeps the session in memory (ProviderPort.declared).
      method: "web-identity",
      variables: [],
      values: [{
        field: "roleArn",
        required: {
          pattern: /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]{1,128}$/,
          problem: "roleArn must be an IAM role ARN (arn:aws:iam::<12 digits>:role/<name>)"
        }
      }],
      kept: true
    }
  ],
  load: () => import("./AwsPort.js")
})
