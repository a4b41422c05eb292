/**
 * Pinned accounts (a stack's `stages.<stage>.accounts.aws`): the account the credentials really reach (STS
 * `GetCallerIdentity`, cached with the credentials) must be the pinned one before anything runs. Usable without the CLI:
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
 * Methods whose account is bound to what the profile stores, so the account recorded with the credentials (by
 * `GetCallerIdentity` at configure, or the role ARN) is the one they reach: the same key id, role or SSO account.
 * An `aws-profile` (whose ~/.aws/config can be edited to point elsewhere) and environment credentials are always
 * asked.
 */
const bound: ReadonlySet<string> = new Set(["access-keys", "assume-role", "web-identity", "sso"])

/**
 * The account the current credentials reach: the one cached with them where the method binds it, else
 * `GetCallerIdentity` (once per access key id and process).
 *
 * @since 0.3.0
 */
export const reachedAccount: Effect.Effect<string, AwsResolveError | AwsError, AwsCredentials> = Effect.gen(function*() {
  const credentials = yield* AwsCredentials
  const resolved = yield* credentials.get
  if (bound.has(resolved.method) && resolved.accountId !== undefined && /^\d{12}$/.test(resolved.accountId)) {
    return resolved.accountId
  }
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
