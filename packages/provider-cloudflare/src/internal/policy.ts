/**
 * The refresh policy of a Cloudflare profile for core's `CredentialRefresher`: OAuth tokens are valid until five
 * minutes before expiry; refresh rotates the refresh token, keeps the old one when none is returned, and on
 * `invalid_grant` re-reads the file (another process may have rotated it) and retries once before `NeedsLogin`.
 * API tokens and keys never expire locally.
 *
 * @internal
 */
import type { RefreshPolicy } from "@alchemy/profile-core/Credentials"
import { CredentialStore } from "@alchemy/profile-core/CredentialStore"
import { type CredentialsError, NeedsLogin } from "@alchemy/profile-core/Errors"
import type { ProfileName } from "@alchemy/profile-core/ProfileName"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { CloudflareOAuthError } from "../CloudflareErrors.js"
import * as CloudflareOAuth from "../CloudflareOAuth.js"
import { type OAuthCredentials, providerId, StoredCredentials } from "../CloudflareProfile.js"

export const skew = Duration.minutes(5)

/** Not within the skew of expiry; API tokens and keys never expire locally. */
const isFresh = (credentials: StoredCredentials, nowMillis: number, skewMillis: number) =>
  credentials.type !== "oauth" || credentials.expires - skewMillis > nowMillis

const needsLogin = (profile: ProfileName, detail: string) => new NeedsLogin({ profile, provider: providerId, detail })

const attempt = (
  profile: ProfileName,
  credentials: OAuthCredentials
): Effect.Effect<OAuthCredentials | "invalid_grant", CloudflareOAuthError> =>
  CloudflareOAuth.refresh(credentials).pipe(
    Effect.catchAll((failure): Effect.Effect<"invalid_grant", CloudflareOAuthError> =>
      failure._tag === "InvalidGrant" ? Effect.succeed("invalid_grant" as const) : Effect.fail(failure.error)
    ),
    Effect.annotateLogs({ profile })
  )

const refreshOAuth = (
  profile: ProfileName,
  credentials: OAuthCredentials
): Effect.Effect<OAuthCredentials, NeedsLogin | CloudflareOAuthError | CredentialsError, CredentialStore> =>
  Effect.gen(function*() {
    const first = yield* attempt(profile, credentials)
    if (first !== "invalid_grant") return first
    // invalid_grant: another writer may have rotated the token between our read and our request.
    const store = yield* CredentialStore
    const reread = yield* store.read(profile, providerId, StoredCredentials)
    if (
      Option.isNone(reread) || reread.value.type !== "oauth" ||
      Redacted.value(reread.value.refresh) === Redacted.value(credentials.refresh)
    ) {
      return yield* needsLogin(profile, "the refresh token was revoked or has expired")
    }
    const fresh = reread.value
    if (isFresh(fresh, yield* Clock.currentTimeMillis, Duration.toMillis(skew))) return fresh
    const second = yield* attempt(profile, fresh)
    if (second !== "invalid_grant") return second
    return yield* needsLogin(profile, "the refresh token was revoked or has expired")
  })

/**
 * The lock `alchemy` 0.x takes around its Cloudflare refresh, relative to the home: `lock/` and
 * `encodeURIComponent("cloudflare-<profile>")` (our profile names encode to themselves).
 */
export const legacyRefreshLock = (profile: ProfileName): string =>
  `lock/${encodeURIComponent(`${providerId}-${profile}`)}`

/** The policy for one profile; every method shares one cache entry in the refresher. */
export const policy = (profile: ProfileName): RefreshPolicy<
  StoredCredentials,
  typeof StoredCredentials.Encoded,
  NeedsLogin | CloudflareOAuthError | CredentialsError,
  CredentialStore
> => ({
  profile,
  provider: providerId,
  schema: StoredCredentials,
  skew,
  // `alchemy` 0.x refreshes the same file under proper-lockfile at `~/.alchemy/lock/cloudflare-<profile>`.
  sharedLocks: [legacyRefreshLock(profile)],
  isValid: (credentials, now) => isFresh(credentials, now.nowMillis, now.skewMillis),
  refresh: (credentials) => credentials.type === "oauth" ? refreshOAuth(profile, credentials) : Effect.succeed(credentials)
})
