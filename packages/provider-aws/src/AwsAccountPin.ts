/**
 * Pinned accounts (a stack's `stages.<stage>.accounts.aws`): the account the credentials really reach, from STS
 * `GetCallerIdentity`, must be the pinned one before anything runs. Usable without the CLI:
 *
 * ```ts
 * const program = deploy.pipe(Effect.zipRight(...))
 * Effect.zipRight(AwsAccountPin.require("123456789012", { pinnedBy: "stage prod of my-app" }), program)
 * ```
 *
 * @since 0.3.0
 */
import { AccountMismatch } from "@alchemy/profile-core/Errors"
import * as Effect from "effect/Effect"
import { AwsCredentials } from "./AwsCredentials.js"
import type { AwsError } from "./AwsError.js"
import { type AwsResolveError, callerIdentity } from "./AwsResolver.js"

/** `GetCallerIdentity` answers per access key id, for this process (credentials do not change accounts). */
const accounts = new Map<string, string>()

/**
 * The account the current credentials reach (one `GetCallerIdentity` per access key id and process).
 *
 * @since 0.3.0
 */
export const reachedAccount: Effect.Effect<string, AwsResolveError | AwsError, AwsCredentials> = Effect.gen(function*() {
  const credentials = yield* AwsCredentials
  const resolved = yield* credentials.get
  const known = accounts.get(resolved.accessKeyId)
  if (known !== undefined) return known
  const identity = yield* callerIdentity(resolved.profile ?? "environment", resolved, resolved.region)
  accounts.set(resolved.accessKeyId, identity.account)
  return identity.account
})

/**
 * Fails with `AccountMismatch` unless the credentials reach `expected` (12 digits).
 *
 * @since 0.3.0
 */
export const require = (
  expected: string,
  context: { readonly pinnedBy: string }
): Effect.Effect<void, AccountMismatch | AwsResolveError | AwsError, AwsCredentials> =>
  Effect.gen(function*() {
    const credentials = yield* AwsCredentials
    const found = yield* reachedAccount
    if (found !== expected) {
      return yield* new AccountMismatch({
        provider: "AWS",
        expected,
        found,
        pinnedBy: context.pinnedBy,
        source: credentials.profile !== undefined ? `profile ${credentials.profile}` : "the environment (AWS_*)"
      })
    }
  })
