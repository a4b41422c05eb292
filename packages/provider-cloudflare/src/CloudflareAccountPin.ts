/**
 * Pinned accounts (a stack's `stages.<stage>.accounts.cloudflare`): the account the resolved credentials use must
 * be the pinned one before anything runs. Usable without the CLI:
 *
 * ```ts
 * Effect.zipRight(CloudflareAccountPin.require("<32 hex>", { pinnedBy: "stage prod of my-app" }), program)
 * ```
 *
 * @since 0.3.0
 */
import { AccountMismatch } from "@alchemy/profile-core/Errors"
import * as Effect from "effect/Effect"
import { CloudflareCredentials, type ResolveError } from "./CloudflareCredentials.js"

/**
 * Fails with `AccountMismatch` unless the resolved account id is `expected`.
 *
 * @since 0.3.0
 */
export const require = (
  expected: string,
  context: { readonly pinnedBy: string }
): Effect.Effect<void, AccountMismatch | ResolveError, CloudflareCredentials> =>
  Effect.gen(function*() {
    const credentials = yield* CloudflareCredentials
    const resolved = yield* credentials.get
    if (resolved.accountId.toLowerCase() !== expected.toLowerCase()) {
      return yield* new AccountMismatch({
        provider: "Cloudflare",
        expected,
        found: resolved.accountId,
        pinnedBy: context.pinnedBy,
        source: resolved.sources.profile !== undefined
          ? `profile ${resolved.sources.profile.profile}`
          : "the environment (CLOUDFLARE_*)"
      })
    }
  })
