/**
 * The Cloudflare provider as plain data (profile-core's `ProviderDescriptor`): its id, title, profile variable,
 * environment credentials, the methods `oauth`, `api-token` and `api-key` with the options and secrets each reads,
 * and a lazy `load` of the implementation (`CloudflarePort`). Cheap to import: no SDK, no services, nothing but this
 * data (the only runtime import is profile-core's `AuthProvider`, itself types and two small functions).
 *
 * It is the one source of truth for the methods: `CloudflareProvider.methods` and the method table reuse it.
 *
 * @since 0.4.0
 */
import { descriptor as make, type InputOption, type InputSecret, type MethodDescriptor } from "@alchemy/profile-core/AuthProvider"
import type { Method } from "./CloudflareProfile.js"

/**
 * The plain options of the Cloudflare methods (the CLI offers each as `--<name>`).
 *
 * @since 0.4.0
 */
export const options: ReadonlyArray<InputOption> = [
  { name: "account-id", description: "Cloudflare account id" },
  { name: "email", description: "Cloudflare account email (api-key method)" },
  {
    name: "scopes",
    description: "Cloudflare OAuth scopes, comma separated (`default` = the recommended set; add to it with default,d1:write)"
  },
  {
    name: "no-browser",
    description: "Print the login URL instead of opening a browser; paste the redirect URL back",
    kind: "switch"
  }
]

/**
 * The secrets of the Cloudflare methods (never from argv: `--<name>-env`, `--<name>-stdin`, `--<name>-variable`).
 * Each can be kept by reference: the profile then stores the variable's name and reads it every time it is used.
 *
 * @since 0.4.0
 */
export const secrets: ReadonlyArray<InputSecret & { readonly name: "api-token" | "api-key" }> = [
  { name: "api-token", title: "Cloudflare API token", stdin: true, reference: true },
  { name: "api-key", title: "Cloudflare global API key", stdin: true, reference: true }
]

/**
 * The methods, in the order a picker shows them (`oauth` is recommended), each with the options and secrets it
 * reads.
 *
 * @since 0.4.0
 */
export const methods: ReadonlyArray<MethodDescriptor & { readonly id: Method }> = [
  {
    id: "oauth",
    title: "OAuth (browser login)",
    description: "Log in with your Cloudflare account in a browser; tokens refresh automatically.",
    recommended: true,
    options: ["scopes", "account-id", "no-browser"],
    secrets: []
  },
  {
    id: "api-token",
    title: "API token",
    description: "A scoped API token created in the Cloudflare dashboard.",
    options: ["account-id"],
    secrets: ["api-token"]
  },
  {
    id: "api-key",
    title: "Global API key (legacy)",
    description: "The account-wide global API key plus your email address.",
    options: ["email", "account-id"],
    secrets: ["api-key"]
  }
]

/**
 * The Cloudflare provider's descriptor: what the CLI lists in `ProviderList.ts`.
 *
 * @since 0.4.0
 */
export const descriptor = make({
  id: "cloudflare",
  title: "Cloudflare",
  profileVariable: "CLOUDFLARE_PROFILE",
  environmentCredentials: [["CLOUDFLARE_API_TOKEN"], ["CLOUDFLARE_API_KEY", "CLOUDFLARE_EMAIL"]],
  secretVariables: ["CLOUDFLARE_API_TOKEN", "CLOUDFLARE_API_KEY"],
  methods,
  options,
  secrets,
  commands: [],
  account: { pattern: /^[0-9a-f]{32}$/i, what: "a Cloudflare account id (32 hexadecimal characters)" },
  declarations: [
    {
      method: "api-token",
      variables: [{ field: "tokenVariable", fills: "CLOUDFLARE_API_TOKEN", what: "API token" }],
      values: [{ field: "accountId", fills: "CLOUDFLARE_ACCOUNT_ID", orPinnedAccount: true }]
    },
    {
      method: "api-key",
      variables: [{ field: "keyVariable", fills: "CLOUDFLARE_API_KEY", what: "global API key" }],
      values: [
        { field: "email", fills: "CLOUDFLARE_EMAIL", required: { pattern: /@/, problem: "email is needed" } },
        { field: "accountId", fills: "CLOUDFLARE_ACCOUNT_ID", orPinnedAccount: true }
      ]
    }
  ],
  load: () => import("./CloudflarePort.js")
})
