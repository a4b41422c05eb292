/**
 * The `oauth` method: a browser login (authorization code + PKCE, `CloudflareOAuth.login`) with the scopes chosen by
 * `--scopes`, the picker, or (signing in again) the profile's previous ones; only on a terminal, never in CI. The
 * tokens refresh through core's refresher (`internal/policy.ts`); logging out or replacing them revokes the grant
 * (RFC 7009).
 *
 * @internal
 */
import type { ConfigureInput } from "@alchemy/profile-core/AuthProvider"
import { NonInteractive } from "@alchemy/profile-core/Errors"
import { Interaction } from "@alchemy/profile-core/Interaction"
import { formatExpiry, redactRedacted } from "@alchemy/profile-core/Redaction"
import * as Effect from "effect/Effect"
import { CloudflareApi } from "../../CloudflareApi.js"
import { CloudflareInputError } from "../../CloudflareErrors.js"
import * as CloudflareOAuth from "../../CloudflareOAuth.js"
import { credentialOf } from "../credential.js"
import { collected, descriptorOf, type MethodModule } from "./method.js"

/** Only called on a terminal (a browser login needs one). */
const chooseScopes = (input: ConfigureInput, previous: ReadonlyArray<string> | undefined, reuse: boolean) =>
  Effect.gen(function*() {
    const given = input.values.scopes
    if (given !== undefined && given.trim() !== "") return yield* CloudflareOAuth.parseScopes(given)
    // Signing in again (login) keeps the profile's permissions; `configure` or `--scopes` changes them.
    if (reuse && previous !== undefined && previous.length > 0) return previous
    const interaction = yield* Interaction
    const choice = yield* interaction.select({
      message: "Which permissions should Alchemy ask for?",
      choices: [
        { title: "Recommended for deploying (default)", value: "default" as const },
        { title: "Customise", value: "custom" as const }
      ],
      flag: "--scopes"
    })
    if (choice === "default") return CloudflareOAuth.defaultScopes
    const initial = new Set(previous ?? CloudflareOAuth.defaultScopes)
    const picked = yield* interaction.multiSelect({
      message: "Choose the scopes",
      choices: CloudflareOAuth.scopeCatalogue.map((s) => ({ title: s, value: s, selected: initial.has(s) })),
      flag: "--scopes"
    })
    if (picked.length === 0) return yield* new CloudflareInputError({ field: "--scopes", detail: "no scope chosen" })
    return picked
  })

/** @internal */
export const oauth: MethodModule<"oauth"> = {
  descriptor: descriptorOf("oauth"),
  reference: undefined,
  collect: ({ input, loginTimeout, previousScopes, reuseScopes }) =>
    Effect.gen(function*() {
      const interaction = yield* Interaction
      if (!interaction.interactive) {
        // No terminal or CI: never open a browser, never wait for one.
        return yield* new NonInteractive({
          what: "A Cloudflare browser login",
          flag: "--method api-token with --api-token-stdin / --api-token-env <VARIABLE> (or set CLOUDFLARE_API_TOKEN), or run it in a terminal"
        })
      }
      const scopes = yield* chooseScopes(input, previousScopes, reuseScopes)
      const stored = yield* CloudflareOAuth.login({
        scopes,
        noBrowser: input.switches["no-browser"],
        timeout: loginTimeout
      })
      return collected(stored, undefined)
    }),
  verify: (stored) => Effect.flatMap(CloudflareApi, (api) => Effect.asVoid(api.accounts(credentialOf(stored)))),
  view: (stored, nowMillis) => ({
    lines: [
      { label: "accessToken", value: redactRedacted(stored.access), secret: true },
      { label: "expires", value: formatExpiry(stored.expires, nowMillis) },
      { label: "scopes", value: stored.scopes.join(" ") }
    ],
    json: { expires: new Date(stored.expires).toISOString(), scopes: [...stored.scopes] }
  }),
  entry: (stored) => ({ scopes: stored.scopes }),
  revoke: (stored, consequence) =>
    Effect.flatMap(Interaction, (interaction) =>
      CloudflareOAuth.revoke(stored.refresh, "refresh_token").pipe(
        Effect.zipRight(CloudflareOAuth.revoke(stored.access, "access_token")),
        Effect.catchAll((e) => interaction.warn(`${e.message} ${consequence}`))
      ))
}
