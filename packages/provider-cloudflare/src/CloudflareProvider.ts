/**
 * The Cloudflare provider's operations, with their precise types: configure (collect, verify, then save the entry
 * and the credentials as one locked pair, then revoke the OAuth grant they replace), login (refresh, or
 * re-authenticate), logout (revoke, then delete the credentials; the configuration stays), describe, environment
 * and isConfigured, for the methods `oauth`, `api-token` and `api-key`.
 *
 * Each method is one module under `internal/methods/` behind one dispatcher table (`internal/methods/table.ts`);
 * this module runs the steps every method shares. The CLI does not use it directly: it goes through the port
 * (`CloudflarePort`), which builds this once per command, provides its services and maps its errors.
 *
 * @since 0.1.0
 */
import type { ConfigureInput, Description, DisplayLine, MethodDescriptor } from "@alchemy/profile-core/AuthProvider"
import { CredentialRefresher } from "@alchemy/profile-core/Credentials"
import { CredentialStore } from "@alchemy/profile-core/CredentialStore"
import { NeedsLogin, ProviderNotConfigured } from "@alchemy/profile-core/Errors"
import { Interaction } from "@alchemy/profile-core/Interaction"
import { printable } from "@alchemy/profile-core/Printable"
import type { ProfileName } from "@alchemy/profile-core/ProfileName"
import { ProfileStore } from "@alchemy/profile-core/ProfileStore"
import * as Clock from "effect/Clock"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as CloudflareAccounts from "./CloudflareAccounts.js"
import { CloudflareApi } from "./CloudflareApi.js"
import * as CloudflareCredentials from "./CloudflareCredentials.js"
import * as CloudflareDescriptor from "./CloudflareDescriptor.js"
import * as CloudflareEndpoints from "./CloudflareEndpoints.js"
import { CloudflareInputError } from "./CloudflareErrors.js"
import { Entry, type Method, providerId, type StoredCredentials, StoredCredentials as StoredSchema } from "./CloudflareProfile.js"
import { credentialOf } from "./internal/credential.js"
import type { Collected } from "./internal/methods/method.js"
import * as Table from "./internal/methods/table.js"
import * as Policy from "./internal/policy.js"
import * as Variable from "./internal/variable.js"
import { emitWarnings } from "./internal/warnings.js"

/**
 * The services the provider's operations need (the port provides them, built once per command).
 *
 * @since 0.1.0
 */
export type Requirements = ProfileStore | CredentialStore | CredentialRefresher | CloudflareApi | Interaction

/**
 * Every failure of the provider's operations: core's errors and the Cloudflare ones (the port maps the latter to
 * profile-core's `ProviderError`).
 *
 * @since 0.4.0
 */
export type Failure = CloudflareCredentials.ResolveError

/**
 * The methods, in the order the picker shows them (the descriptor's list).
 *
 * @since 0.1.0
 */
export const methods: ReadonlyArray<MethodDescriptor & { readonly id: Method }> = CloudflareDescriptor.methods

/**
 * Options of the provider.
 *
 * @since 0.1.0
 */
export interface Options {
  /** How long a browser login waits (default 5 minutes). */
  readonly loginTimeout?: Duration.DurationInput | undefined
}

/**
 * The provider's operations, typed precisely (`Requirements`, `Failure`).
 *
 * @since 0.4.0
 */
export interface CloudflareProvider {
  readonly isConfigured: (profile: ProfileName) => Effect.Effect<boolean, Failure, Requirements>
  readonly configure: (input: ConfigureInput) => Effect.Effect<Description, Failure, Requirements>
  readonly login: (input: ConfigureInput) => Effect.Effect<Description, Failure, Requirements>
  readonly logout: (profile: ProfileName) => Effect.Effect<void, Failure, Requirements>
  readonly describe: (profile: ProfileName) => Effect.Effect<Description, Failure, Requirements>
  /** The profile's credentials as Cloudflare's variables (what `alchemy env` and `exec` hand out). */
  readonly environment: (
    profile: ProfileName
  ) => Effect.Effect<Readonly<Record<string, Redacted.Redacted<string>>>, Failure, Requirements>
}

const isMethod = (s: string): s is Method => methods.some((m) => m.id === s)

interface AccountView {
  readonly id: string
  readonly name: string | undefined
}

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
  } else {
    const view = Table.view(stored, now)
    lines.push(...view.lines)
    Object.assign(json, view.json)
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
  return { provider: providerId, title: CloudflareDescriptor.descriptor.title, method, lines, warnings: [...warnings], json }
}

/** The secrets that can be kept by reference, in the descriptor's order (`api-token`, `api-key`). */
const referenceKinds: ReadonlyArray<Variable.Kind> = CloudflareDescriptor.secrets.filter((s) => s.reference).map((s) =>
  s.name
)

/** Do the new credentials carry the grant of the previous ones (the same OAuth login)? */
const sameGrant = (previous: StoredCredentials, stored: StoredCredentials | undefined) =>
  previous.type === "oauth" && stored?.type === "oauth" &&
  Redacted.value(stored.refresh) === Redacted.value(previous.refresh)

/**
 * Build the provider.
 *
 * @since 0.1.0
 */
export const make = (options: Options = {}): CloudflareProvider => {
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
          detail: `${JSON.stringify(input.method.slice(0, 40))} is not a Cloudflare method (${
            methods.map((m) => m.id).join(", ")
          })`
        })
      }
      // A variable named for one method's secret says which method (both named: collect reports the mismatch).
      const named = methods.filter((m) => {
        const kind = Table.table[m.id].reference
        return kind !== undefined && input.references[kind] !== undefined
      })
      if (named.length > 0) return named[0]!.id
      const interaction = yield* Interaction
      return yield* interaction.select({
        message: "How do you want to authenticate to Cloudflare?",
        choices: methods.map((m) => ({
          title: m.recommended ? `${m.title} (recommended)` : m.title,
          value: m.id,
          description: m.description
        })),
        flag: `--method ${methods.map((m) => m.id).join("|")}`
      })
    })

  /** A variable named for another method's secret is a mistake, not something to ignore. */
  const checkReferences = (method: Method, input: ConfigureInput) =>
    Effect.forEach(referenceKinds, (kind) =>
      kind !== Table.table[method].reference && input.references[kind] !== undefined
        ? Effect.fail(
          new CloudflareInputError({
            field: `--${Variable.flagOf(kind)}`,
            detail: `it names the variable of the ${kind} method's secret, not of ${method}'s`
          })
        )
        : Effect.void, { discard: true })

  /** Collect and verify with the method's module; nothing is written here. */
  const collect = (
    method: Method,
    input: ConfigureInput,
    previousScopes: ReadonlyArray<string> | undefined,
    reuseScopes = false
  ) =>
    Effect.zipRight(
      checkReferences(method, input),
      Table.table[method].collect({ input, previousScopes, reuseScopes, loginTimeout: options.loginTimeout })
    )

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
        ...(stored === undefined ? {} : Table.entryOf(stored)),
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
      if (Option.isSome(previous) && !sameGrant(previous.value, stored)) {
        const revoking = Table.revoke(
          previous.value,
          "The new credentials are saved; the previous Cloudflare login may still be active: remove Alchemy's access in the Cloudflare dashboard (your profile's authorized applications)."
        )
        if (revoking !== undefined) yield* revoking
      }
      return describeWith(
        profile,
        method,
        stored,
        { id: account.id, name: account.name },
        account.warnings,
        yield* Clock.currentTimeMillis,
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
      const kind = Table.table[entry.method].reference
      if (kind !== undefined && input.references[kind] !== undefined) {
        return yield* configure({ ...input, method: entry.method })
      }
      const reference = Variable.referenceOf(entry)
      if (reference !== undefined) {
        // No secret to store: signing in is checking that the variable is set and that Cloudflare accepts its value.
        const env = yield* CloudflareEndpoints.Environment
        const stored = yield* Variable.resolve(input.profile, reference, env)
        yield* Table.verify(stored, entry.metadata?.id)
        return describeWith(input.profile, entry.method, stored, entry.metadata, [], yield* Clock.currentTimeMillis, {
          reference,
          set: true
        })
      }
      const refresher = yield* CredentialRefresher
      const current = yield* refresher.getValid(Policy.policy(input.profile)).pipe(
        Effect.map(Option.some),
        Effect.catchTag("NeedsLogin", () => Effect.succeed(Option.none<StoredCredentials>()))
      )
      if (Option.isSome(current) && current.value.type === entry.method) {
        // Valid on disk is not valid at Cloudflare (revoked in the dashboard, say): ask the API before saying so.
        const verified = yield* Table.verify(current.value, entry.metadata?.id).pipe(
          Effect.as(true),
          Effect.catchIf((e) => e._tag === "CloudflareApiError" && e.reason === "Credentials", () => Effect.succeed(false))
        )
        if (verified) {
          return describeWith(input.profile, entry.method, current.value, entry.metadata, [], yield* Clock.currentTimeMillis)
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
      if (Option.isSome(stored)) {
        const revoking = Table.revoke(
          stored.value,
          "The local credentials are deleted anyway; remove the app's access in the Cloudflare dashboard if needed."
        )
        if (revoking !== undefined) yield* revoking
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
        yield* Clock.currentTimeMillis,
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

  return { isConfigured, configure, login, logout, describe, environment }
}

/**
 * The provider with default options.
 *
 * @since 0.1.0
 */
export const provider: CloudflareProvider = make()

/**
 * `NeedsLogin` for this provider (re-exported for callers that match on it).
 *
 * @since 0.1.0
 */
export { NeedsLogin }
