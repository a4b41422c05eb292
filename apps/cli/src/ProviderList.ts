/**
 * The providers the CLI offers: one descriptor per provider package (plain data; the implementation loads on first
 * use). Everything provider-specific in the CLI (the `--provider` choices, the method flags and their help, the
 * wizard's picker, `profile show` and `env` sections, the completions, the `ProviderName` stack files are checked
 * against) is derived from this list. Adding a provider is one import and one entry here (see
 * packages/testing/example-provider/README.md).
 */
import { descriptor as aws } from "@alchemy/provider-aws/AwsDescriptor"
import { descriptor as cloudflare } from "@alchemy/provider-cloudflare/CloudflareDescriptor"

export const providers = [cloudflare, aws] as const
