/**
 * An example stack: `alchemy deploy examples/alchemy.run.ts [--profile p] [--stage s]`.
 *
 * It gets Cloudflare credentials for the selected profile (OAuth, API token or global key, refreshed when needed)
 * and calls the Cloudflare API with them: it verifies access to the account and prints its name.
 */
import { defineStack, StackContext } from "@alchemy/cli/Stack"
import { CloudflareCredentials } from "@alchemy/provider-cloudflare/CloudflareCredentials"
import * as Effect from "effect/Effect"

const apiBase = process.env.CLOUDFLARE_BASE_URL ?? "https://api.cloudflare.com/client/v4"

export default defineStack({
  name: "example",
  providers: ["cloudflare"],
  run: Effect.gen(function*() {
    const { phase, stage } = yield* StackContext
    const credentials = yield* CloudflareCredentials
    const resolved = yield* credentials.get
    const body = yield* Effect.tryPromise({
      try: async () => {
        const response = await fetch(`${apiBase}/accounts/${resolved.accountId}`, { headers: resolved.headers })
        if (!response.ok) throw new Error(`GET /accounts/${resolved.accountId} answered ${response.status}`)
        return (await response.json()) as { result: { id: string; name: string } }
      },
      catch: (cause) => new Error(`Cloudflare API call failed: ${cause instanceof Error ? cause.message : String(cause)}`)
    })
    console.log(`[${phase}/${stage}] Cloudflare account "${body.result.name}" (${body.result.id}), authenticated with ${resolved.method}`)
  })
})
