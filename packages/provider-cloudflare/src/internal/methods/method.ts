/**
 * One Cloudflare authentication method as a module: the small interface every method implements (`MethodModule`:
 * collect and verify for configure, verify for login, its `describe` lines, what it adds to the `config.json`
 * entry, and revocation where it holds a grant), and the helpers the methods share (checking a `--<secret>-variable`
 * and reading it now, verifying an API token). The dispatcher (`table.ts`) picks the method; `CloudflareProvider`
 * runs the steps every method shares (choosing the method, rejecting another method's inputs, choosing the account,
 * saving, describing).
 *
 * @internal
 */
import type { ConfigureInput, DisplayLine, MethodDescriptor } from "@alchemy/profile-core/AuthProvider"
import type { NonInteractive } from "@alchemy/profile-core/Errors"
import type { Interaction } from "@alchemy/profile-core/Interaction"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import { isAccountId } from "../../AccountId.js"
import { CloudflareApi } from "../../CloudflareApi.js"
import { methods } from "../../CloudflareDescriptor.js"
import * as CloudflareEndpoints from "../../CloudflareEndpoints.js"
import { CloudflareApiError, CloudflareInputError, type CloudflareOAuthError } from "../../CloudflareErrors.js"
import type { Entry, Method, StoredCredentials } from "../../CloudflareProfile.js"
import * as Variable from "../variable.js"

/** The stored credentials of one method (`{ type: "oauth", ... }` for `oauth`). @internal */
export type StoredOf<M extends Method> = Extract<StoredCredentials, { readonly type: M }>

/** Every failure of a method's steps. @internal */
export type MethodError = CloudflareApiError | CloudflareInputError | CloudflareOAuthError | NonInteractive

/** What a method's steps use: the API client and the person (and the `Environment` reference). @internal */
export type MethodServices = CloudflareApi | Interaction

/**
 * What configure collected: the credentials in hand (verified), and for a secret kept by reference the variable it
 * is read from. `stored` is undefined only for a referenced variable that is not set now (nothing was verified).
 *
 * @internal
 */
export interface Collected {
  readonly stored: StoredCredentials | undefined
  readonly reference: Variable.Reference | undefined
}

/** @internal */
export const collected = (stored: StoredCredentials | undefined, reference: Variable.Reference | undefined): Collected => ({
  stored,
  reference
})

/**
 * What `collect` is given: the caller's input, and for a sign-in again (`login`) the profile's previous scopes and
 * whether to keep them.
 *
 * @internal
 */
export interface CollectContext {
  readonly input: ConfigureInput
  /** The scopes of the profile's previous OAuth entry (the picker's starting point). */
  readonly previousScopes: ReadonlyArray<string> | undefined
  /** Signing in again (login) keeps the profile's permissions; `configure` or `--scopes` changes them. */
  readonly reuseScopes: boolean
  /** How long a browser login waits (default 5 minutes). */
  readonly loginTimeout: Duration.DurationInput | undefined
}

/**
 * `describe`'s view of stored credentials of this method: lines shown before the account (secrets redacted), and
 * fields of the `--json` form.
 *
 * @internal
 */
export interface StoredView {
  readonly lines: ReadonlyArray<DisplayLine>
  readonly json: Readonly<Record<string, unknown>>
}

/**
 * One method. Adding a method is one module implementing this, its row in `table.ts`, and its entry in the
 * descriptor (plus its credentials schema in `CloudflareProfile`).
 *
 * @internal
 */
export interface MethodModule<M extends Method> {
  /** The descriptor's entry (title, description, the options and secrets it reads). */
  readonly descriptor: MethodDescriptor & { readonly id: M }
  /** The secret this method may keep by reference (`--<kind>-variable`), if any. */
  readonly reference: Variable.Kind | undefined
  /** Collect what the method needs (asking the person where allowed) and verify it; nothing is written. */
  readonly collect: (context: CollectContext) => Effect.Effect<Collected, MethodError, MethodServices>
  /** Does Cloudflare accept these credentials now? (`accountId`: the profile's, for account-scoped tokens.) */
  readonly verify: (stored: StoredOf<M>, accountId: string | undefined) => Effect.Effect<void, CloudflareApiError, CloudflareApi>
  /** `describe`'s lines and JSON fields for stored credentials of this method. */
  readonly view: (stored: StoredOf<M>, nowMillis: number) => StoredView
  /** What the method adds to the `config.json` entry from fresh credentials (oauth: the granted scopes). */
  readonly entry: (stored: StoredOf<M>) => Partial<Entry>
  /**
   * Revoke what the credentials grant (when logged out or replaced); a failure is a warning ending with
   * `consequence`, never an error. Undefined: nothing to revoke (the secret is the person's to delete).
   */
  readonly revoke: ((stored: StoredOf<M>, consequence: string) => Effect.Effect<void, never, Interaction>) | undefined
}

/** The descriptor's entry of a method. @internal */
export const descriptorOf = <M extends Method>(id: M): MethodDescriptor & { readonly id: M } =>
  methods.find((m) => m.id === id)! as MethodDescriptor & { readonly id: M }

/**
 * Verify an API token: `/user/tokens/verify`, falling back to the account's endpoint when an account is given (an
 * account API token verifies only there); a token that is not `active` is refused.
 *
 * @internal
 */
export const verifyToken = (
  token: Redacted.Redacted<string>,
  accountId: string | undefined
): Effect.Effect<void, CloudflareApiError, CloudflareApi> =>
  Effect.gen(function*() {
    const api = yield* CloudflareApi
    const account = isAccountId(accountId) ? accountId : undefined
    const status = yield* api.verifyToken(token).pipe(
      Effect.catchIf(
        (e) => e.reason === "Credentials" && account !== undefined,
        (e) => api.verifyToken(token, account).pipe(Effect.mapError(() => e))
      )
    )
    if (status.status !== "active") {
      return yield* new CloudflareApiError({
        reason: "Credentials",
        operation: "token verification",
        detail: `the token is ${status.status.slice(0, 40)}, not active`
      })
    }
  })

/**
 * The variable named by `--api-token-variable` / `--api-key-variable` for this method's secret
 * (`input.references[kind]`), checked: a variable name, and not given together with the secret itself.
 *
 * @internal
 */
export const referencedVariable = (
  input: ConfigureInput,
  kind: Variable.Kind
): Effect.Effect<string | undefined, CloudflareInputError> =>
  Effect.suspend(() => {
    const flag = Variable.flagOf(kind)
    const given = input.references[kind]
    if (given === undefined) return Effect.succeed(undefined)
    if (!Variable.isVariableName(given)) {
      return Effect.fail(
        new CloudflareInputError({
          field: `--${flag}`,
          detail:
            `${JSON.stringify(given.slice(0, 40))} is not an environment variable name (a letter or _, then letters, digits or _)`
        })
      )
    }
    if (input.secrets[kind] !== undefined) {
      return Effect.fail(
        new CloudflareInputError({
          field: `--${flag}`,
          detail: `give the ${Variable.what[kind]} or the variable to read it from, not both`
        })
      )
    }
    return Effect.succeed(given)
  })

/**
 * The secret of a referenced variable, read now. Not set: configuring goes on without verifying only when the
 * account is given (there is nothing to ask the API with); else the error names the variable.
 *
 * @internal
 */
export const readReferenced = (
  input: ConfigureInput,
  kind: Variable.Kind,
  variable: string
): Effect.Effect<Redacted.Redacted<string> | undefined, CloudflareInputError> =>
  Effect.gen(function*() {
    const env = yield* CloudflareEndpoints.Environment
    const value = Variable.read(env, variable)
    if (value === undefined && (input.values["account-id"] ?? "").trim() === "") {
      return yield* new CloudflareInputError({
        field: `--${Variable.flagOf(kind)}`,
        detail: `${variable} is not set (or is empty) now, so the ${Variable.what[kind]} cannot be verified nor its ` +
          `account found; set ${variable} for this run, or pass --account-id <id> to save the profile unverified`
      })
    }
    return value
  })
