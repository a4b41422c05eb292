/**
 * The provider port contract (test/port/contract.ts) run against every provider: the test-only Example Cloud (an
 * API key against ExampleServer), Cloudflare (an API token against the Cloudflare emulator) and AWS (access keys
 * against the AWS emulator's STS). In-process: no CLI bundle is needed.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { descriptor as example } from "@alchemy/example-provider/ExampleDescriptor"
import * as ExampleServer from "@alchemy/example-provider/ExampleServer"
import { descriptor as aws } from "@alchemy/provider-aws/AwsDescriptor"
import { descriptor as cloudflare } from "@alchemy/provider-cloudflare/CloudflareDescriptor"
import * as AwsEmulator from "@alchemy/testing/AwsEmulator"
import * as CloudflareEmulator from "@alchemy/testing/CloudflareEmulator"
import { portContract } from "./port/contract.js"

portContract({
  name: "Example Cloud (api-key)",
  descriptor: example,
  setup: async () => {
    const server = await ExampleServer.start()
    const key = server.addKey()
    const refused = "exk_refused0123456789abcdef0123456789"
    return {
      env: { ...server.env, EXAMPLE_ACCOUNT_ID: undefined },
      good: { method: "api-key", secrets: { "api-key": key } },
      bad: { method: "api-key", secrets: { "api-key": refused } },
      canaries: [key, refused],
      expectedVariables: ["EXAMPLE_API_KEY", "EXAMPLE_ACCOUNT_ID", "EXAMPLE_API_URL"],
      close: () => server.close()
    }
  }
})

portContract({
  name: "Cloudflare (api-token)",
  descriptor: cloudflare,
  setup: async () => {
    const emulator = await CloudflareEmulator.start()
    const token = emulator.addApiToken()
    const refused = "cf-refused-token-0123456789abcdef0123456789"
    return {
      env: { ...emulator.env, CLOUDFLARE_ACCOUNT_ID: undefined, CLOUDFLARE_API_BASE_URL: undefined },
      good: { method: "api-token", secrets: { "api-token": token } },
      bad: { method: "api-token", secrets: { "api-token": refused } },
      canaries: [token, refused],
      // CLOUDFLARE_API_BASE_URL: the API the provider talked to (the emulator), for wrangler in `alchemy exec`.
      expectedVariables: ["CLOUDFLARE_API_TOKEN", "CLOUDFLARE_ACCOUNT_ID", "CLOUDFLARE_API_BASE_URL"],
      close: () => emulator.close()
    }
  }
})

portContract({
  name: "AWS (access-keys)",
  descriptor: aws,
  setup: async () => {
    const emulator = await AwsEmulator.start()
    const key = emulator.addAccessKey({ account: "111111111111", arn: "arn:aws:iam::111111111111:user/contract" })
    const refused = "AwsRefusedSecret0123456789abcdefABCDEF0123"
    // No ~/.aws of the person running the tests: empty config and credentials files.
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "alchemy-port-aws-config-"))
    Fs.writeFileSync(Path.join(dir, "config"), "")
    Fs.writeFileSync(Path.join(dir, "credentials"), "")
    return {
      env: {
        ...emulator.env,
        AWS_CONFIG_FILE: Path.join(dir, "config"),
        AWS_SHARED_CREDENTIALS_FILE: Path.join(dir, "credentials"),
        AWS_PROFILE: undefined,
        AWS_DEFAULT_PROFILE: undefined,
        AWS_REGION: undefined,
        AWS_DEFAULT_REGION: undefined,
        AWS_SESSION_TOKEN: undefined,
        AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
        AWS_ROLE_ARN: undefined,
        ACTIONS_ID_TOKEN_REQUEST_URL: undefined,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: undefined
      },
      good: {
        method: "access-keys",
        values: { "aws-access-key-id": key.accessKeyId, region: "eu-west-1" },
        secrets: { "aws-secret-access-key": key.secretAccessKey }
      },
      bad: {
        method: "access-keys",
        values: { "aws-access-key-id": key.accessKeyId, region: "eu-west-1" },
        secrets: { "aws-secret-access-key": refused }
      },
      canaries: [key.secretAccessKey, refused],
      expectedVariables: ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_DEFAULT_REGION"],
      close: async () => {
        await emulator.close()
        Fs.rmSync(dir, { recursive: true, force: true })
      }
    }
  }
})
