/**
 * Typed errors of the Cloudflare provider. Each carries a `reason` and a `message` that says what to do next.
 * None of them ever holds a secret value. What came from outside (a server's message, account names) is printed
 * with its control characters escaped, on one line.
 *
 * @since 0.1.0
 */
import { printable } from "@alchemy/profile-core/Printable"
import * as Schema from "effect/Schema"

/**
 * A Cloudflare API v4 call failed: the `{ success: false, errors }` envelope, an HTTP status, a transport
 * problem or a reply that does not parse. `code` is Cloudflare's first error code when there is one.
 *
 * @since 0.1.0
 */
export class CloudflareApiError extends Schema.TaggedError<CloudflareApiError>()("CloudflareApiError", {
  reason: Schema.Literal("Credentials", "AccountId", "RateLimited", "Server", "Request", "Transport", "InvalidReply"),
  operation: Schema.String,
  status: Schema.optional(Schema.Number),
  code: Schema.optional(Schema.Number),
  detail: Schema.String
}) {
  /** What the person can do about it. */
  get hint(): string {
    switch (this.reason) {
      case "Credentials":
        return "the credential is wrong, expired or lacks a scope; run `alchemy login` or `alchemy configure` with a token that has the needed permissions"
      case "AccountId":
        return "the account id is wrong or not reachable with these credentials; check --account-id / CLOUDFLARE_ACCOUNT_ID"
      case "RateLimited":
        return "Cloudflare is rate limiting these requests; wait a minute and try again"
      case "Server":
        return "Cloudflare answered with a server error; try again later"
      case "Transport":
        return "the Cloudflare API could not be reached; check the network and CLOUDFLARE_BASE_URL"
      case "InvalidReply":
        return "the reply was not a Cloudflare API envelope; check CLOUDFLARE_BASE_URL"
      case "Request":
        return "Cloudflare refused the request for the reason above; a 404 usually means a wrong account id or CLOUDFLARE_BASE_URL"
    }
  }

  override get message(): string {
    const code = this.code === undefined ? "" : ` (code ${this.code})`
    const status = this.status === undefined ? "" : ` [HTTP ${this.status}]`
    return `Cloudflare ${this.operation} failed${status}${code}: ${printable(this.detail)}. Hint: ${this.hint}`
  }
}

/**
 * The OAuth login, refresh or revocation failed.
 *
 * @since 0.1.0
 */
export class CloudflareOAuthError extends Schema.TaggedError<CloudflareOAuthError>()("CloudflareOAuthError", {
  reason: Schema.Literal(
    "AccessDenied",
    "Timeout",
    "InvalidCallback",
    "TokenExchange",
    "Refresh",
    "Revoke",
    "CallbackServer",
    "Configuration"
  ),
  detail: Schema.String
}) {
  override get message(): string {
    const detail = printable(this.detail)
    switch (this.reason) {
      case "AccessDenied":
        return `Cloudflare login was denied in the browser (${detail}). Run \`alchemy login\` again and choose Allow.`
      case "Timeout":
        return `Cloudflare login timed out: ${detail}. Run \`alchemy login\` again (use --no-browser to paste the redirect URL by hand).`
      case "InvalidCallback":
        return `The pasted or received redirect is not a valid Cloudflare login callback: ${detail}. Run \`alchemy login\` again.`
      case "TokenExchange":
        return `Cloudflare did not exchange the login code for tokens: ${detail}. Run \`alchemy login\` again.`
      case "Refresh":
        return `Refreshing the Cloudflare token failed: ${detail}. Try again, or run \`alchemy login\`.`
      case "Revoke":
        return `Revoking the Cloudflare token failed: ${detail}.`
      case "CallbackServer":
        return `The local login callback server could not start: ${detail}. Free the port or use --no-browser.`
      case "Configuration":
        return `The Cloudflare OAuth endpoints are misconfigured: ${detail}. Check ALCHEMY_CLOUDFLARE_OAUTH_URL.`
    }
  }
}

/**
 * The account could not be determined: a malformed id, an id these credentials cannot reach, or no account.
 *
 * @since 0.1.0
 */
export class CloudflareAccountError extends Schema.TaggedError<CloudflareAccountError>()("CloudflareAccountError", {
  reason: Schema.Literal("InvalidAccountId", "NotAccessible", "NoAccounts"),
  /** The id; for `InvalidAccountId` only its first characters and its length (it may be a misplaced secret). */
  accountId: Schema.optional(Schema.String),
  source: Schema.String,
  available: Schema.Array(Schema.String)
}) {
  override get message(): string {
    const listing = this.available.length === 0 ? "" : `; accounts available: ${this.available.map(printable).join(", ")}`
    const accountId = printable(this.accountId ?? "")
    switch (this.reason) {
      case "InvalidAccountId":
        return `Invalid Cloudflare account id ${accountId} from ${this.source}: an account id is 32 lowercase hexadecimal characters${listing}`
      case "NotAccessible":
        return `Cloudflare account ${accountId} (from ${this.source}) is not reachable with these credentials${listing}`
      case "NoAccounts":
        return `These Cloudflare credentials list no account; pass --account-id or set CLOUDFLARE_ACCOUNT_ID`
    }
  }
}

/**
 * Input given to `configure`/`login` is unusable (unknown method, missing email, malformed scopes, ...).
 *
 * @since 0.1.0
 */
export class CloudflareInputError extends Schema.TaggedError<CloudflareInputError>()("CloudflareInputError", {
  field: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `Invalid ${this.field}: ${printable(this.detail)}`
  }
}
