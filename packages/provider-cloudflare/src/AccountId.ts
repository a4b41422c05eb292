/**
 * Cloudflare account ids: 32 lowercase hexadecimal characters.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * A Cloudflare account id, validated and branded.
 *
 * @since 0.1.0
 */
export const AccountId = Schema.String.pipe(
  Schema.pattern(/^[0-9a-f]{32}$/, {
    message: () => "a Cloudflare account id is 32 lowercase hexadecimal characters"
  }),
  Schema.brand("CloudflareAccountId")
)

/**
 * @since 0.1.0
 */
export type AccountId = typeof AccountId.Type

/**
 * Is the value a well-formed account id?
 *
 * @since 0.1.0
 */
export const isAccountId: (u: unknown) => u is AccountId = Schema.is(AccountId)

/**
 * An account the credentials can reach: `{ id, name }`, the shape stored as a profile's metadata.
 *
 * @since 0.1.0
 */
export const Account = Schema.Struct({ id: AccountId, name: Schema.String })

/**
 * @since 0.1.0
 */
export type Account = typeof Account.Type
