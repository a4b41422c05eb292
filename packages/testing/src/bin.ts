/**
 * `pnpm emulator`: starts the local Cloudflare and AWS emulators on 127.0.0.1 for a person trying the CLI offline,
 * prints the environment variables that point the CLI at them, and runs until Ctrl-C.
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
process.stdout.write(
  [
    `Local Cloudflare: ${cloudflare.url}`,
    `Local AWS:        ${aws.url}`,
    "",
    "Point the alchemy CLI at them (sh):",
    ...Object.entries(env).map(([key, value]) => `  export ${key}=${value}`),
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
