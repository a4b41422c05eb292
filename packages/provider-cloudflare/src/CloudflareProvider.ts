/**
 * The Cloudflare provider on profile-core's `AuthProvider` port: configure (collect, verify, then save the entry
 * and the credentials as one locked pair, then revoke the OAuth grant they replace), login (refresh, or
 * re-authenticate), logout (revoke, then delete the credentials; the configuration stays), describe, environment
 * and isConfigured, for the methods `oauth`, `api-token` and `api-key`.
 *
 * @since 0.1.0
 */
import type { AuthMethod, AuthProvider, ConfigureInput, Description, DisplayLine } from "@alchemy/profile-core/AuthProvider"
import { CredentialRefresher } from "@alchemy/profile-core/Credentials"
import { CredentialStore } from "@alchemy/profile-core/CredentialStore"
import { NeedsLogin, NonInteractive, ProviderNotConfigured } from "@alchemy/profile-core/Errors"
import { Interaction } from "@alchemy/profile-core/Interaction"
import { printable } from "@alchemy/profile-core/Printable"
import type { ProfileName } from "@alchemy/profile-core/ProfileName"
import { ProfileStore } from "@alchemy/profile-core/ProfileStore"
import { formatExpiry, redactRedacted, registerSecret } from "@alchemy/profile-core/Redaction"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { isAccountId } from "./AccountId.js"
import * as CloudflareAccounts from "./CloudflareAccounts.js"
import { CloudflareApi } from "./CloudflareApi.js"
import * as CloudflareCredentials from "./CloudflareCredentials.js"
import * as CloudflareEndpoints from "./CloudflareEndpoints.js"
import { CloudflareApiError, CloudflareInputError } from "./CloudflareErrors.js"
import * as CloudflareOAuth from "./CloudflareOAuth.js"
import {
  Entry,
  type Method,
  type OAuthCredentials,
  providerId,
  type StoredCredentials,
  StoredCredentials as StoredSchema
} from "./CloudflareProfile.js"
import { credentialOf } from "./internal/credential.js"
import * as Policy from "./internal/policy.js"
import * as Variable from "./internal/variable.js"
import { emitWarnings } from "./internal/warnings.js"

/**
 * The services the provider's operations need (the CLI provides them at the edge).
 *
 * @since 0.1.0
 */
export type Requirements = ProfileStore | CredentialStore | CredentialRefresher | CloudflareApi | Interaction

/**
 * The methods, in the order the picker shows them.
 *
 * @since 0.1.0
 */
export const methods: ReadonlyArray<AuthMethod & { readonly id: Method }> = [
  {
    id: "oauth",
    title: "OAuth (browser login)",
    description: "Log in with your Cloudflare account in a browser; tokens refresh automatically.",
    recommended: true
  },
  {
    id: "api-token",
    title: "API token",
    description: "A scoped API token created in the Cloudflare dashboard."
  },
  {
    id: "api-key",
    title: "Global API key (legacy)",
    description: "The account-wide global API key plus your email address."
  }
]

/** Where a scripted run supplies each secret (the CLI reads it from stdin or a named variable, never argv). */
const apiTokenFlag = "--api-token-stdin, --api-token-env <VARIABLE> or --api-token-variable <VARIABLE>"
const apiKeyFlag = "--api-key-stdin, --api-key-env <VARIABLE> or --api-key-variable <VARIABLE>"

/**
 * Options of the provider.
 *
 * @since 0.1.0
 */
export interface Options {
  /** How long a browser login waits (default 5 minutes). */
  readonly loginTimeout?: Duration.DurationInput | undefined
}

const isMethod = (s: string): s is Method => methods.some((m) => m.id === s)

interface AccountView {
  readonly id: string
  readonly name: string | undefined
}

/**
 * What configure collected: the credentials in hand (verified), and for a secret kept by reference the variable it
 * is read from. `stored` is undefined only for a referenced variable that is not set now (nothing was verified).
 */
interface Collected {
  readonly stored: StoredCredentials | undefined
  readonly reference: Variable.Reference | undefined
}

const collectedWith = (stored: StoredCredentials | undefined, reference: Variable.Reference | undefined): Collected => ({
  stored,
  reference
})

/** A secret kept by reference, as `describe` shows it: the variable's name and whether it is set now (no value). */
interface ReferenceView {
  readonly reference: Variable.Reference
  readonly set: boolean
}

const describeWith = (
  profile: ProfileName,
  method: Method,
  stored: StoredCredentials | undefined,
  account: AccountView | undefined,
  warnings: ReadonlyArray<string>,
  now: number,
  referenced?: ReferenceView | undefined
): Description => {
  const lines: Array<DisplayLine> = []
  const json: Record<string, unknown> = { profile, method, loggedIn: stored !== undefined }
  if (referenced !== undefined) {
    // Never the value, not even its first characters: only where it is read from, and whether it is there now.
    const { reference, set } = referenced
    const from = `from $${reference.variable} (${set ? "set" : "not set"})`
    lines.push({ label: reference.kind === "api-token" ? "apiToken" : "apiKey", value: from })
    json.secretVariable = { name: reference.variable, set }
    if (reference.kind === "api-key" && reference.email !== undefined) {
      lines.push({ label: "email", value: printable(reference.email) })
      json.email = reference.email
    }
  } else if (stored === undefined) {
    lines.push({ label: "status", value: `not logged in (run \`alchemy login --profile ${profile}\`)` })
  } else if (stored.type === "oauth") {
    lines.push({ label: "accessToken", value: redactRedacted(stored.access), secret: true })
    lines.push({ label: "expires", value: formatExpiry(stored.expires, now) })
    lines.push({ label: "scopes", value: stored.scopes.join(" ") })
    json.expires = new Date(stored.expires).toISOString()
    json.scopes = [...stored.scopes]
  } else if (stored.type === "api-token") {
    lines.push({ label: "apiToken", value: redactRedacted(stored.apiToken), secret: true })
  } else {
    lines.push({ label: "apiKey", value: redactRedacted(stored.apiKey), secret: true })
    lines.push({ label: "email", value: printable(stored.email) })
    json.email = stored.email
  }
  if (account !== undefined) {
    lines.push({ label: "accountId", value: account.id })
    // The name is the account owner's text, from the API or config.json: printed on one line, escaped.
    if (account.name !== undefined) lines.push({ label: "account", value: printable(account.name) })
    json.accountId = account.id
    json.accountName = account.name ?? null
  }
  lines.push({ label: "source", value: method })
  json.source = method
  return { provider: providerId, title: "Cloudflare", method, lines, warnings: [...warnings], json }
}

/**
 * Build the provider.
 *
 * @since 0.1.0
 */
export const make = (options: Options = {}): AuthProvider<Requirements> => {
  const loadEntry = (profile: ProfileName) =>
    Effect.flatMap(ProfileStore, (profiles) => profiles.getProvider(profile, providerId, Entry))

  const requireEntry = (profile: ProfileName) =>
    Effect.flatMap(loadEntry(profile), Option.match({
      onNone: () => Effect.fail(new ProviderNotConfigured({ profile, provider: providerId })),
      onSome: Effect.succeed
    }))

  const chooseMethod = (input: ConfigureInput) =>
    Effect.gen(function*() {
      if (input.method !== undefined) {
        if (isMethod(input.method)) return input.method
        return yield* new CloudflareInputError({
          field: "--method",
          detail: `${JSON.stringify(input.method.slice(0, 40))} is not a Cloudflare method (oauth, api-token, api-key)`
        })
      }
      // A variable named for one method's secret says which method (both named: collect reports the mismatch).
      const named = (["api-token", "api-key"] as const).filter((kind) => input.values[Variable.flagOf(kind)] !== undefined)
      if (named.length > 0) return named[0]!
      const interaction = yield* Interaction
      return yield* interaction.select({
        message: "How do you want to authenticate to Cloudflare?",
        choices: methods.map((m) => ({
          title: m.recommended ? `${m.title} (recommended)` : m.title,
          value: m.id,
          description: m.description
        })),
        flag: "--method oauth|api-token|api-key"
      })
    })

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

  const verifyToken = (token: Redacted.Redacted<string>, accountId: string | undefined) =>
    Effect.gen(function*() {
      const api = yield* CloudflareApi
      // An account API token verifies only at its account's endpoint.
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

  /** Does Cloudflare accept these credentials? */
  const verifyStored = (stored: StoredCredentials, accountId: string | undefined) =>
    Effect.flatMap(CloudflareApi, (api) =>
      stored.type === "oauth"
        ? Effect.asVoid(api.accounts(credentialOf(stored)))
        : stored.type === "api-token"
        ? verifyToken(stored.apiToken, accountId)
        : Effect.asVoid(api.user(credentialOf(stored))))

  /**
   * The variable named by `--api-token-variable` / `--api-key-variable` for this method's secret, checked: a
   * variable name, and not given together with the secret itself.
   */
  const variableFlag = (input: ConfigureInput, kind: Variable.Kind) =>
    Effect.gen(function*() {
      const flag = Variable.flagOf(kind)
      const given = input.values[flag]
      if (given === undefined) return undefined
      if (!Variable.isVariableName(given)) {
        return yield* new CloudflareInputError({
          field: `--${flag}`,
          detail: `${JSON.stringify(given.slice(0, 40))} is not an environment variable name (a letter or _, then letters, digits or _)`
        })
      }
      if (input.secrets[kind] !== undefined) {
        return yield* new CloudflareInputError({
          field: `--${flag}`,
          detail: `give the ${Variable.what[kind]} or the variable to read it from, not both`
        })
      }
      return given
    })

  /** A variable flag for another method's secret is a mistake, not something to ignore. */
  const checkVariableFlags = (method: Method, input: ConfigureInput) =>
    Effect.forEach(["api-token", "api-key"] as const, (kind) =>
      kind !== method && input.values[Variable.flagOf(kind)] !== undefined
        ? Effect.fail(
          new CloudflareInputError({
            field: `--${Variable.flagOf(kind)}`,
            detail: `it names the variable of the ${kind} method's secret, not of ${method}'s`
          })
        )
        : Effect.void, { discard: true })

  /**
   * The secret of a referenced variable, read now. Not set: configuring goes on without verifying only when the
   * account is given (there is nothing to ask the API with); else the error names the variable.
   */
  const readReferenced = (input: ConfigureInput, kind: Variable.Kind, variable: string) =>
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

  /** Collect and verify; nothing is written here. */
  const collect = (
    method: Method,
    input: ConfigureInput,
    previousScopes: ReadonlyArray<string> | undefined,
    reuseScopes = false
  ) =>
    Effect.gen(function*() {
      const interaction = yield* Interaction
      const api = yield* CloudflareApi
      yield* checkVariableFlags(method, input)
      switch (method) {
        case "api-token": {
          const variable = yield* variableFlag(input, "api-token")
          if (variable !== undefined) {
            const reference: Variable.Reference = { kind: "api-token", variable, email: undefined }
            const token = yield* readReferenced(input, "api-token", variable)
            if (token === undefined) return collectedWith(undefined, reference)
            yield* verifyToken(token, input.values["account-id"])
            return collectedWith({ type: "api-token", apiToken: token }, reference)
          }
          const token = input.secrets["api-token"] ??
            (yield* interaction.secret({ message: "Cloudflare API token", flag: apiTokenFlag }))
          registerSecret(token)
          yield* verifyToken(token, input.values["account-id"])
          return collectedWith({ type: "api-token", apiToken: token }, undefined)
        }
        case "api-key": {
          const variable = yield* variableFlag(input, "api-key")
          const key = variable !== undefined
            ? yield* readReferenced(input, "api-key", variable)
            : input.secrets["api-key"] ??
              (yield* interaction.secret({ message: "Cloudflare global API key", flag: apiKeyFlag }))
          registerSecret(key)
          const email = (input.values.email ??
            (yield* interaction.text({
              message: "Email address of the Cloudflare account",
              flag: "--email",
              validate: (v) => (/^[^\s@]+@[^\s@]+$/.test(v.trim()) ? undefined : "enter an email address")
            }))).trim()
          const reference: Variable.Reference | undefined = variable === undefined
            ? undefined
            : { kind: "api-key", variable, email }
          if (key === undefined) return collectedWith(undefined, reference)
          yield* api.user({ _tag: "GlobalKey", key, email })
          return collectedWith({ type: "api-key", apiKey: key, email }, reference)
        }
        case "oauth": {
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
            noBrowser: input.noBrowser,
            timeout: options.loginTimeout
          })
          return { stored, reference: undefined }
        }
      }
    })

  const chooseAccount = (profile: ProfileName, input: ConfigureInput, collected: Collected, previous?: Entry) =>
    Effect.gen(function*() {
      const api = yield* CloudflareApi
      const env = yield* CloudflareEndpoints.Environment
      const { reference, stored } = collected
      if (stored === undefined) {
        // A referenced variable that is not set now (readReferenced let it through: --account-id is given): the
        // account is taken as given, nothing is verified, and the person is told so.
        const account = yield* CloudflareAccounts.resolve({
          option: input.values["account-id"],
          optionName: "--account-id",
          stored: previous?.metadata,
          profile,
          list: Effect.succeed([]),
          verify: false
        })
        const variable = reference?.variable ?? "?"
        return {
          ...account,
          warnings: [
            ...account.warnings,
            `not verified: $${variable} is not set now (account ${account.id} saved as given by --account-id; the ` +
            `${Variable.what[reference?.kind ?? "api-token"]} is read from $${variable} each time profile ${profile} is used)`
          ]
        }
      }
      return yield* CloudflareAccounts.resolve({
        option: input.values["account-id"],
        optionName: "--account-id",
        environment: env.CLOUDFLARE_ACCOUNT_ID,
        stored: previous?.metadata,
        profile,
        list: api.accounts(credentialOf(stored)),
        verify: true
      })
    })

  /** Revoke an OAuth grant (RFC 7009); a failure is a warning ending with `consequence`, never an error. */
  const revokeGrant = (oauth: OAuthCredentials, consequence: string) =>
    Effect.flatMap(Interaction, (interaction) =>
      CloudflareOAuth.revoke(oauth.refresh, "refresh_token").pipe(
        Effect.zipRight(CloudflareOAuth.revoke(oauth.access, "access_token")),
        Effect.catchAll((e) => interaction.warn(`${e.message} ${consequence}`))
      ))

  /**
   * Verified: the config.json entry and the credentials file as one pair under the file's lock (entry first, so
   * a kill in between never leaves an unlisted secret). The OAuth grant they replace (a new login, or another
   * method) is revoked once the new credentials are on disk. A secret kept by reference writes the entry (the
   * variable's name) and removes whatever secret the profile had stored, in the same pair.
   */
  const save = (profile: ProfileName, method: Method, collected: Collected, account: CloudflareAccounts.Resolved) =>
    Effect.gen(function*() {
      const store = yield* CredentialStore
      const profiles = yield* ProfileStore
      const { reference, stored } = collected
      const entry: Entry = {
        method,
        metadata: { id: account.id, name: account.name ?? account.id },
        ...(stored?.type === "oauth" ? { scopes: stored.scopes } : {}),
        ...(reference === undefined ? {} : {
          variables: reference.kind === "api-token"
            ? { "api-token": reference.variable }
            : { "api-key": reference.variable },
          ...(reference.email === undefined ? {} : { email: reference.email })
        })
      }
      const previous = yield* store.replace(profile, providerId, StoredSchema, {
        entry: profiles.putProvider(profile, providerId, Entry, entry),
        credentials: reference === undefined && stored !== undefined ? Option.some(stored) : Option.none()
      })
      if (
        Option.isSome(previous) && previous.value.type === "oauth" &&
        (stored?.type !== "oauth" || Redacted.value(stored.refresh) !== Redacted.value(previous.value.refresh))
      ) {
        yield* revokeGrant(
          previous.value,
          "The new credentials are saved; the previous Cloudflare login may still be active: remove Alchemy's access in the Cloudflare dashboard (your profile's authorized applications)."
        )
      }
      return describeWith(
        profile,
        method,
        stored,
        { id: account.id, name: account.name },
        account.warnings,
        Date.now(),
        reference === undefined ? undefined : { reference, set: stored !== undefined }
      )
    })

  const configure = (input: ConfigureInput) =>
    Effect.gen(function*() {
      const method = yield* chooseMethod(input)
      const previous = Option.getOrUndefined(yield* loadEntry(input.profile))
      const collected = yield* collect(method, input, previous?.method === "oauth" ? previous.scopes : undefined)
      const account = yield* chooseAccount(input.profile, input, collected, previous)
      return yield* save(input.profile, method, collected, account)
    })

  const login = (input: ConfigureInput) =>
    Effect.gen(function*() {
      const entry = Option.getOrUndefined(yield* loadEntry(input.profile))
      if (entry === undefined || (input.method !== undefined && input.method !== entry.method)) {
        return yield* configure(input)
      }
      // A variable named now (a new reference, or another one) is configuring anew, with the configured method.
      if (entry.method !== "oauth" && input.values[Variable.flagOf(entry.method)] !== undefined) {
        return yield* configure({ ...input, method: entry.method })
      }
      const reference = Variable.referenceOf(entry)
      if (reference !== undefined) {
        // No secret to store: signing in is checking that the variable is set and that Cloudflare accepts its value.
        const env = yield* CloudflareEndpoints.Environment
        const stored = yield* Variable.resolve(input.profile, reference, env)
        yield* verifyStored(stored, entry.metadata?.id)
        return describeWith(input.profile, entry.method, stored, entry.metadata, [], Date.now(), { reference, set: true })
      }
      const refresher = yield* CredentialRefresher
      const current = yield* refresher.getValid(Policy.policy(input.profile)).pipe(
        Effect.map(Option.some),
        Effect.catchTag("NeedsLogin", () => Effect.succeed(Option.none<StoredCredentials>()))
      )
      if (Option.isSome(current) && current.value.type === entry.method) {
        // Valid on disk is not valid at Cloudflare (revoked in the dashboard, say): ask the API before saying so.
        const verified = yield* verifyStored(current.value, entry.metadata?.id).pipe(
          Effect.as(true),
          Effect.catchIf((e) => e._tag === "CloudflareApiError" && e.reason === "Credentials", () => Effect.succeed(false))
        )
        if (verified) {
          return describeWith(
            input.profile,
            entry.method,
            current.value,
            entry.metadata,
            [],
            Date.now()
          )
        }
      }
      // Re-authenticate with the configured method, keeping the stored account as the preference.
      const collected = yield* collect(entry.method, { ...input, method: entry.method }, entry.scopes, true)
      const account = yield* chooseAccount(input.profile, input, collected, entry)
      return yield* save(input.profile, entry.method, collected, account)
    })

  const logout = (profile: ProfileName) =>
    Effect.gen(function*() {
      const store = yield* CredentialStore
      const stored = yield* store.read(profile, providerId, StoredSchema)
      if (Option.isSome(stored) && stored.value.type === "oauth") {
        yield* revokeGrant(
          stored.value,
          "The local credentials are deleted anyway; remove the app's access in the Cloudflare dashboard if needed."
        )
      }
      yield* store.delete(profile, providerId)
    })

  const describe = (profile: ProfileName) =>
    Effect.gen(function*() {
      const entry = yield* requireEntry(profile)
      const refresher = yield* CredentialRefresher
      const api = yield* CloudflareApi
      const env = yield* CloudflareEndpoints.Environment
      const warnings: Array<string> = []
      const reference = Variable.referenceOf(entry)
      const stored = reference !== undefined
        // Read now; not set is a warning naming the variable (describe itself succeeds).
        ? yield* Variable.resolve(profile, reference, env).pipe(
          Effect.map(Option.some),
          Effect.catchAll((e) => Effect.as(Effect.sync(() => warnings.push(e.message)), Option.none()))
        )
        : yield* refresher.getValid(Policy.policy(profile)).pipe(
          Effect.map(Option.some),
          Effect.catchTag("NeedsLogin", (e) => Effect.as(Effect.sync(() => warnings.push(e.message)), Option.none()))
        )
      const account = yield* CloudflareAccounts.resolve({
        environment: env.CLOUDFLARE_ACCOUNT_ID,
        stored: entry.metadata,
        profile,
        list: Option.isSome(stored)
          ? api.accounts(credentialOf(stored.value))
          : Effect.succeed([])
      }).pipe(
        Effect.map((a): AccountView | undefined => {
          warnings.push(...a.warnings)
          return { id: a.id, name: a.name }
        }),
        Effect.catchAll((e) => Effect.as(Effect.sync(() => warnings.push(e.message)), undefined))
      )
      return describeWith(
        profile,
        entry.method,
        Option.getOrUndefined(stored),
        account,
        warnings,
        Date.now(),
        reference === undefined ? undefined : { reference, set: Option.isSome(stored) }
      )
    })

  const environment = (profile: ProfileName) =>
    Effect.gen(function*() {
      const service = yield* CloudflareCredentials.makeFromProfile(profile)
      // env, exec and stacks hand these out: an account switched by CLOUDFLARE_ACCOUNT_ID is never silent.
      yield* emitWarnings(service.warnings)
      const resolved = yield* service.get
      const vars: Record<string, Redacted.Redacted<string>> = {}
      if (resolved.credential._tag === "Bearer") vars.CLOUDFLARE_API_TOKEN = resolved.credential.token
      else {
        vars.CLOUDFLARE_API_KEY = resolved.credential.key
        vars.CLOUDFLARE_EMAIL = Redacted.make(resolved.credential.email)
      }
      vars.CLOUDFLARE_ACCOUNT_ID = Redacted.make<string>(resolved.accountId)
      // wrangler reads the API base from CLOUDFLARE_API_BASE_URL: the child talks to the API we talked to.
      const env = yield* CloudflareEndpoints.Environment
      if (env.CLOUDFLARE_BASE_URL?.trim() && !env.CLOUDFLARE_API_BASE_URL?.trim()) {
        vars.CLOUDFLARE_API_BASE_URL = Redacted.make((yield* CloudflareEndpoints.current).apiBaseUrl)
      }
      return vars
    })

  const isConfigured = (profile: ProfileName) => Effect.map(loadEntry(profile), Option.isSome)

  return {
    id: providerId,
    title: "Cloudflare",
    methods,
    environmentCredentials: CloudflareCredentials.environmentCredentials,
    profileVariable: CloudflareCredentials.profileVariable,
    isConfigured,
    configure,
    login,
    logout,
    describe,
    environment
  }
}

/**
 * The provider with default options.
 *
 * @since 0.1.0
 */
export const provider: AuthProvider<Requirements> = make()

/**
 * `NeedsLogin` for this provider (re-exported for callers that match on it).
 *
 * @since 0.1.0
 */
export { NeedsLogin }
