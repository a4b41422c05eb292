/**
 * What the CLI knows about Example Cloud before loading any of its code: plain data, cheap to import. The CLI
 * derives `--provider example`, the `--account-id`, `--api-key-stdin` and `--api-key-env` flags, the wizard's entry,
 * the `profile show` / `env` sections and the completions from it; `load` brings in the implementation on first use.
 *
 * `api-key` is deliberately Cloudflare's method and secret name too: two providers may share them.
 *
 * @since 0.1.0
 */
import { descriptor as providerDescriptor } from "@alchemy/profile-core/AuthProvider"

/**
 * @since 0.1.0
 */
export const descriptor = providerDescriptor({
  id: "example",
  title: "Example Cloud",
  profileVariable: "EXAMPLE_PROFILE",
  environmentCredentials: [["EXAMPLE_API_KEY"]],
  secretVariables: ["EXAMPLE_API_KEY"],
  methods: [
    {
      id: "api-key",
      title: "API key",
      description: "An Example Cloud API key, verified against the API and kept in the credentials file.",
      recommended: true,
      options: ["account-id"],
      secrets: ["api-key"]
    }
  ],
  options: [{ name: "account-id", description: "Example Cloud account id (default: the key's own account)" }],
  secrets: [{ name: "api-key", title: "Example Cloud API key", stdin: true, reference: false }],
  commands: [],
  load: () => import("./ExamplePort.js")
})
