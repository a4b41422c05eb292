/**
 * The one port through which a provider (Cloudflare, AWS, ...) plugs into profile-core and the CLI.
 *
 * A provider package exports an `AuthProvider` value; the CLI lists them and calls these operations.
 * Everything a provider needs from the person (choices, text, secrets, a browser) goes through the
 * `Interaction` service, so the same code runs in a terminal, in CI (where prompting fails fast) and in tests.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import type { ProfileName } from "./ProfileName.js"

/** One authentication method of a provider (`oauth`, `api-token`, `sso`, ...). */
export interface AuthMethod {
  readonly id: string
  readonly title: string
  readonly description: string
  readonly recommended?: boolean
}

/**
 * What the caller already knows when configuring or logging in: the method, plain values from flags
 * (`account-id`, `region`, `role-arn`, ...) keyed by flag name without dashes prefix, and secrets that the CLI
 * already read from stdin or from an environment variable named by a flag (never from argv).
 */
export interface ConfigureInput {
  readonly profile: ProfileName
  readonly method?: string | undefined
  readonly values: Readonly<Record<string, string | undefined>>
  readonly secrets: Readonly<Record<string, Redacted.Redacted<string> | undefined>>
  /** Print the URL and accept a pasted redirect URL instead of opening a browser. */
  readonly noBrowser?: boolean | undefined
  /** Use the device-code flow where the provider has one (AWS SSO). */
  readonly useDeviceCode?: boolean | undefined
}

/** Where a resolved value came from, for `profile show` and warnings. */
export type ValueSource =
  | { readonly _tag: "Profile"; readonly profile: ProfileName; readonly method: string }
  | { readonly _tag: "Environment"; readonly variable: string }
  | { readonly _tag: "Option"; readonly name: string }
  | { readonly _tag: "Api"; readonly detail: string }

/** One line of `profile show` for a provider. `secret: true` lines are redacted by the printer. */
export interface DisplayLine {
  readonly label: string
  readonly value: string
  readonly secret?: boolean
}

/** The outcome of describing one provider of one profile. */
export interface Description {
  readonly provider: string
  readonly title: string
  readonly method: string
  readonly lines: ReadonlyArray<DisplayLine>
  /** Human warnings (for example: a stored account differs from CLOUDFLARE_ACCOUNT_ID). */
  readonly warnings: ReadonlyArray<string>
  /** Stable machine-readable form for `--json`; holds no secret values. */
  readonly json: Readonly<Record<string, unknown>>
}

/**
 * The provider port. Errors are the provider's own `Schema.TaggedError`s (or core's); `NeedsLogin` maps to exit
 * code 3 in the CLI, `NonInteractive` to exit code 1 with its message.
 */
export interface AuthProvider<R = never> {
  /** Key in config.json and the credentials file name: `cloudflare`, `aws`. */
  readonly id: string
  readonly title: string
  readonly methods: ReadonlyArray<AuthMethod>
  /** Environment variables that carry raw credentials for this provider (DESIGN §4), as groups that must all be set. */
  readonly environmentCredentials: ReadonlyArray<ReadonlyArray<string>>
  /** The provider's own profile variable (`CLOUDFLARE_PROFILE`, `ALCHEMY_AWS_PROFILE`). */
  readonly profileVariable: string
  /** Is this provider configured in the profile? */
  readonly isConfigured: (profile: ProfileName) => Effect.Effect<boolean, unknown, R>
  /** Collect what the method needs, verify it works, then save config + credentials. */
  readonly configure: (input: ConfigureInput) => Effect.Effect<Description, unknown, R>
  /** Re-authenticate or refresh an already configured provider. */
  readonly login: (input: ConfigureInput) => Effect.Effect<Description, unknown, R>
  /** Revoke where possible and delete the credentials; the configuration stays. */
  readonly logout: (profile: ProfileName) => Effect.Effect<void, unknown, R>
  /** Describe for `profile show`: valid credentials are resolved (refreshing if needed) but never printed in clear. */
  readonly describe: (profile: ProfileName) => Effect.Effect<Description, unknown, R>
  /** Environment variables for `alchemy env` / `alchemy exec` (values are secrets: Redacted). */
  readonly environment: (profile: ProfileName) => Effect.Effect<Readonly<Record<string, Redacted.Redacted<string>>>, unknown, R>
}
