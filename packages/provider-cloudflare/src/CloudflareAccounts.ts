/**
 * Which Cloudflare account: `accountId` option > `CLOUDFLARE_ACCOUNT_ID` > the profile's stored account > the only
 * account > a picker (terminal) or a `NonInteractive` error listing `name: id` for every account (DESIGN.md §4).
 *
 * @since 0.1.0
 */
import type { ValueSource } from "@alchemy/profile-core/AuthProvider"
import { NonInteractive } from "@alchemy/profile-core/Errors"
import { Interaction } from "@alchemy/profile-core/Interaction"
import { printable } from "@alchemy/profile-core/Printable"
import type { ProfileName } from "@alchemy/profile-core/ProfileName"
import { redact } from "@alchemy/profile-core/Redaction"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { type Account, type AccountId, isAccountId } from "./AccountId.js"
import { CloudflareAccountError, type CloudflareApiError } from "./CloudflareErrors.js"

/**
 * The flags/variables that name an account without a prompt.
 *
 * @since 0.1.0
 */
export const accountFlag = "--account-id or CLOUDFLARE_ACCOUNT_ID"

/**
 * What account resolution starts from.
 *
 * @since 0.1.0
 */
export interface Input<E = CloudflareApiError> {
  /** The `accountId` option (or `--account-id`) and how to name it in messages. */
  readonly option?: string | undefined
  readonly optionName?: string | undefined
  /** `CLOUDFLARE_ACCOUNT_ID` as found in the environment. */
  readonly environment?: string | undefined
  /** The account stored in the profile's metadata, and the profile's name. */
  readonly stored?: Account | undefined
  readonly profile?: ProfileName | undefined
  /** Lists the accounts the credentials reach; only called when needed. */
  readonly list: Effect.Effect<ReadonlyArray<Account>, E>
  /** Check that an id given by option or environment is among the listed accounts (configure does). */
  readonly verify?: boolean | undefined
}

/**
 * The account chosen, where it came from, and warnings for the person.
 *
 * @since 0.1.0
 */
export interface Resolved {
  readonly id: AccountId
  readonly name: string | undefined
  readonly source: ValueSource
  readonly warnings: ReadonlyArray<string>
}

/**
 * `name: id` lines for messages (names are not secrets).
 *
 * @since 0.1.0
 */
export const listing = (accounts: ReadonlyArray<Account>): ReadonlyArray<string> =>
  accounts.map((a) => `${printable(a.name)}: ${a.id}`)

/**
 * An invalid value is shown redacted, with its length: a token pasted into `CLOUDFLARE_ACCOUNT_ID` by mistake must
 * not reach a terminal or a CI log through this error.
 */
const validate = (value: string, source: string) =>
  isAccountId(value.trim())
    ? Effect.succeed(value.trim() as AccountId)
    : Effect.fail(
      new CloudflareAccountError({
        reason: "InvalidAccountId",
        accountId: `${redact(value.trim())} (${value.trim().length} characters)`,
        source,
        available: []
      })
    )

/**
 * Choose the account.
 *
 * @since 0.1.0
 */
export const resolve = <E = CloudflareApiError>(
  input: Input<E>
): Effect.Effect<Resolved, CloudflareAccountError | E | NonInteractive> =>
  Effect.gen(function*() {
    const warnings: Array<string> = []
    const env = input.environment !== undefined && input.environment.trim() !== "" ? input.environment : undefined
    const envId = env === undefined ? undefined : yield* validate(env, "CLOUDFLARE_ACCOUNT_ID")
    if (envId !== undefined && input.stored !== undefined && input.stored.id !== envId) {
      warnings.push(
        `CLOUDFLARE_ACCOUNT_ID=${envId} differs from the account stored in profile ${input.profile ?? "?"} ` +
          `(${printable(input.stored.name)}: ${input.stored.id})` +
          `; using ${input.option === undefined || input.option.trim() === "" ? "CLOUDFLARE_ACCOUNT_ID" : `${input.optionName ?? "the accountId option"} (${input.option.trim()})`}`
      )
    }
    const known = (id: AccountId, source: string) =>
      input.verify
        ? Effect.flatMap(input.list, (accounts) => {
          const found = accounts.find((a) => a.id === id)
          return found !== undefined || accounts.length === 0
            ? Effect.succeed(found?.name)
            : Effect.fail(
              new CloudflareAccountError({ reason: "NotAccessible", accountId: id, source, available: listing(accounts) })
            )
        })
        : Effect.succeed(input.stored?.id === id ? input.stored.name : undefined)

    if (input.option !== undefined && input.option.trim() !== "") {
      const name = input.optionName ?? "accountId option"
      const id = yield* validate(input.option, name)
      return { id, name: yield* known(id, name), source: { _tag: "Option", name }, warnings }
    }
    if (envId !== undefined) {
      return {
        id: envId,
        name: yield* known(envId, "CLOUDFLARE_ACCOUNT_ID"),
        source: { _tag: "Environment", variable: "CLOUDFLARE_ACCOUNT_ID" },
        warnings
      }
    }
    if (input.stored !== undefined && input.profile !== undefined && !input.verify) {
      return {
        id: input.stored.id,
        name: input.stored.name,
        source: { _tag: "Profile", profile: input.profile, method: "metadata" },
        warnings
      }
    }
    const accounts = yield* input.list
    if (input.stored !== undefined && input.profile !== undefined && accounts.some((a) => a.id === input.stored!.id)) {
      return {
        id: input.stored.id,
        name: accounts.find((a) => a.id === input.stored!.id)?.name ?? input.stored.name,
        source: { _tag: "Profile", profile: input.profile, method: "metadata" },
        warnings
      }
    }
    if (accounts.length === 0) {
      return yield* new CloudflareAccountError({ reason: "NoAccounts", source: "the Cloudflare API", available: [] })
    }
    if (accounts.length === 1) {
      const only = accounts[0]!
      return { id: only.id, name: only.name, source: { _tag: "Api", detail: "the only account" }, warnings }
    }
    const interaction = yield* Effect.serviceOption(Interaction)
    if (Option.isNone(interaction) || !interaction.value.interactive) {
      return yield* new NonInteractive({
        what: `A Cloudflare account (these credentials reach ${accounts.length}: ${listing(accounts).join(", ")})`,
        flag: accountFlag
      })
    }
    const chosen = yield* interaction.value.select({
      message: "Which Cloudflare account?",
      choices: accounts.map((a) => ({ title: `${printable(a.name)} (${a.id})`, value: a })),
      flag: accountFlag
    })
    return { id: chosen.id, name: chosen.name, source: { _tag: "Api", detail: "chosen from the account list" }, warnings }
  })
