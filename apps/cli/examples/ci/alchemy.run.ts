/**
 * A stack with stages for CI (see deploy.yml beside it): `alchemy deploy --stage prod` on a GitHub Actions runner,
 * with no ~/.alchemy, no `alchemy configure` step and no long-lived AWS keys:
 *
 * - Cloudflare: the API token is the repository secret CF_PROD_TOKEN, mapped to that variable by the workflow;
 * - AWS: the job's GitHub OIDC token is exchanged for a role session (AssumeRoleWithWebIdentity), kept in memory;
 * - both accounts are pinned: credentials reaching any other account stop the deploy before it starts.
 *
 * On a laptop, `alchemy deploy --stage prod` uses your own profile `prod` instead (when it configures the
 * provider), and still refuses it if it reaches another account.
 */
import { defineStack, StackContext } from "@alchemy/cli/Stack"
import { AwsCredentials } from "@alchemy/provider-aws/AwsCredentials"
import { CloudflareCredentials } from "@alchemy/provider-cloudflare/CloudflareCredentials"
import * as Effect from "effect/Effect"

export default defineStack({
  name: "my-app",
  providers: ["cloudflare", "aws"],
  stages: {
    prod: {
      profile: "prod",
      accounts: { cloudflare: "0123456789abcdef0123456789abcdef", aws: "123456789012" },
      credentials: {
        cloudflare: { method: "api-token", tokenVariable: "CF_PROD_TOKEN" },
        aws: { method: "web-identity", roleArn: "arn:aws:iam::123456789012:role/deploy-prod", region: "us-east-1" }
      }
    },
    staging: { profile: "staging" }
  },
  run: Effect.gen(function*() {
    const { phase, stage } = yield* StackContext
    const cloudflare = yield* (yield* CloudflareCredentials).get
    const aws = yield* (yield* AwsCredentials).get
    // A real stack creates resources here with these credentials.
    console.log(
      `[${phase}/${stage}] my-app: Cloudflare account ${cloudflare.accountId} (${cloudflare.method}), ` +
        `AWS ${aws.method} credentials ${aws.accessKeyId.slice(0, 4)}**** in ${aws.region ?? "us-east-1"}`
    )
  })
})
