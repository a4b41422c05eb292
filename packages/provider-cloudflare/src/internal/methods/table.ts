/**
 * The dispatcher: one row per Cloudflare method, keyed by its id (the type makes a missing row a compile error), and
 * the steps that dispatch on stored credentials (whose `type` is the method that wrote them).
 *
 * @internal
 */
import type { Interaction } from "@alchemy/profile-core/Interaction"
import type * as Effect from "effect/Effect"
import type { CloudflareApi } from "../../CloudflareApi.js"
import type { CloudflareApiError } from "../../CloudflareErrors.js"
import type { Entry, Method, StoredCredentials } from "../../CloudflareProfile.js"
import { apiKey } from "./apiKey.js"
import { apiToken } from "./apiToken.js"
import type { MethodModule, StoredView } from "./method.js"
import { oauth } from "./oauth.js"

/** @internal */
export const table: { readonly [M in Method]: MethodModule<M> } = {
  oauth,
  "api-token": apiToken,
  "api-key": apiKey
}

/**
 * The row of stored credentials. The table is keyed by the same literal as `stored.type`, so the row's steps take
 * exactly these credentials; TypeScript cannot correlate the two unions, hence the one widening here.
 */
const rowOf = (stored: StoredCredentials): MethodModule<Method> =>
  table[stored.type] as unknown as MethodModule<Method>

/** Does Cloudflare accept these credentials now? @internal */
export const verify = (
  stored: StoredCredentials,
  accountId: string | undefined
): Effect.Effect<void, CloudflareApiError, CloudflareApi> => rowOf(stored).verify(stored, accountId)

/** `describe`'s lines and JSON fields for stored credentials. @internal */
export const view = (stored: StoredCredentials, nowMillis: number): StoredView => rowOf(stored).view(stored, nowMillis)

/** What fresh credentials add to the `config.json` entry. @internal */
export const entryOf = (stored: StoredCredentials): Partial<Entry> => rowOf(stored).entry(stored)

/** Revoke the grant of stored credentials, if their method holds one; `undefined` when there is nothing to do. @internal */
export const revoke = (
  stored: StoredCredentials,
  consequence: string
): Effect.Effect<void, never, Interaction> | undefined => rowOf(stored).revoke?.(stored, consequence)
