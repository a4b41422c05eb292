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
import { CloudflareApi } from "./CloudflareApi.js"
import type { CloudflareApiError } from "./CloudflareErrors.js"
import { CloudflareCredentials, type ResolveError } from "./CloudflareCredentials.js"

/**
 * Fails with `AccountMismatch` unless the resolved account id is `expected` and the credentials reach it: an id
 * that came from a setting (`CLOUDFLARE_ACCOUNT_ID`, a profile's entry) rather than from the API is checked against
 * the accounts the credentials can list (one API call).
 *
 * @since 0.3.0
 */
export const require = (
  expected: string,
  context: { readonly pinnedBy: string }
): Effect.Effect<void, AccountMismatch | ResolveError | CloudflareApiError, CloudflareCredentials | CloudflareApi> =>
  Effect.gen(function*() {
    const credentials = yield* CloudflareCredentials
    const resolved = yield* credentials.get
    const mismatch = (found: string) =>
      new AccountMismatch({
        provider: "Cloudflare",
        expected,
        found,
        pinnedBy: context.pinnedBy,
        source: resolved.sources.profile !== undefined
          ? `profile ${resolved.sources.profile.profile}`
          : "the environment (CLOUDFLARE_*)"
      })
    if (resolved.accountId.toLowerCase() !== expected.toLowerCase()) return yield* mismatch(resolved.accountId)
    if (resolved.sources.accountId._tag !== "Api") {
      const reachable = yield* (yield* CloudflareApi).accounts(resolved.credential)
      if (!reachable.some((account) => account.id.toLowerCase() === expected.toLowerCase())) {
        return yield* mismatch(reachable.length === 0 ? "none" : reachable.map((account) => account.id).join(", "))
      }
    }
  })
