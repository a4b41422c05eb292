/**
 * `pnpm emulator`: starts the local Cloudflare and AWS emulators on 127.0.0.1 for a person trying the CLI offline,
 * prints the environment variables that point the CLI at them, registers test-only credentials (a Cloudflare API
 * token, a global API key with its email, an AWS access key pair) and prints them with the `alchemy configure`
 * commands that use them, and runs until Ctrl-C.
 *
 * The credentials are generated on every start and exist only in this process: they are not secrets and work
 * nowhere but against these emulators.
 */
import * as AwsEmulator from "./AwsEmulator.js"
import * as CloudflareEmulator from "./CloudflareEmulator.js"

const cloudflarePort = Number(process.env.CLOUDFLARE_EMULATOR_PORT ?? 0)
const awsPort = Number(process.env.AWS_EMULATOR_PORT ?? 0)

const cloudflare = await CloudflareEmulator.start({ port: cloudflarePort })
const aws = await AwsEmulator.start({ port: awsPort })

const env: Record<string, string> = {
  CLOUDFLARE_BASE_URL: cloudflare.apiBaseUrl,
  ALCHEMY_CLOUDFLARE_OAUTH_URL: cloudflare.oauthUrl,
  ...aws.env
}

const apiToken = cloudflare.addApiToken()
const email = cloudflare.user.email
const globalKey = cloudflare.addGlobalKey(email)
const awsKey = aws.addAccessKey()

const sh = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`

process.stdout.write(
  [
    `Local Cloudflare: ${cloudflare.url}`,
    `Local AWS:        ${aws.url}`,
    "",
    "Point the alchemy CLI at them (sh):",
    ...Object.entries(env).map(([key, value]) => `  export ${key}=${value}`),
    "",
    "TEST-ONLY credentials, registered with these emulators (not secrets: new on every start, valid nowhere else):",
    `  Cloudflare API token:       ${apiToken}`,
    `  Cloudflare global API key:  ${globalKey}`,
    `  Cloudflare email:           ${email}`,
    `  AWS access key id:          ${awsKey.accessKeyId}`,
    `  AWS secret access key:      ${awsKey.secretAccessKey}`,
    "",
    "Configure profiles with them (after the exports above):",
    `  printf '%s' ${sh(apiToken)} | alchemy configure --profile emu-token --method api-token --api-token-stdin`,
    `  printf '%s' ${sh(globalKey)} | alchemy configure --profile emu-key --method api-key --email ${sh(email)} --api-key-stdin`,
    `  printf '%s' ${sh(awsKey.secretAccessKey)} | alchemy configure --profile emu-aws --method access-keys --aws-access-key-id ${awsKey.accessKeyId} --aws-secret-access-key-stdin --region us-east-1`,
    "OAuth (`--method oauth`) and SSO (`--method sso --sso-start-url " + `${aws.url}/start --sso-region us-east-1\`) need nothing else.`,
    "",
    "Press Ctrl-C to stop."
  ].join("\n") + "\n"
)

const stop = async () => {
  await Promise.allSettled([cloudflare.close(), aws.close()])
  process.exit(0)
}
process.once("SIGINT", stop)
process.once("SIGTERM", stop)
