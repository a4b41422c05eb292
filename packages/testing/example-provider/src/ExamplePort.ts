/**
 * Example Cloud on the provider port: the smallest complete implementation. One method, `api-key`: configure asks
 * for the key (or takes it from `--api-key-stdin` / `--api-key-env`), verifies it with `GET /v1/whoami`, then saves
 * the `config.json` entry and the credentials file as one locked pair; login checks the stored key again; logout
 * deletes it (the configuration stays); describe and resolve read what is stored.
 *
 * What `descriptor.load()` resolves to: `make` builds the port once per command from core's services.
 *
 * @since 0.1.0
 */
import {
  type ConfigureInput,
  type Description,
  type DisplayLine,
  type PortError,
  type PortServices,
  type ProviderPort,
  secretFlags
} from "@alchemy/profile-core/AuthProvider"
import { CredentialStore } from "@alchemy/profile-core/CredentialStore"
import { AccountMismatch, ProviderError, ProviderNotConfigured } from "@alchemy/profile-core/Errors"
import { Interaction } from "@alchemy/profile-core/Interaction"
import { printable } from "@alchemy/profile-core/Printable"
import type { ProfileName } from "@alchemy/profile-core/ProfileName"
import { ProfileStore } from "@alchemy/profile-core/ProfileStore"
import { redactRedacted, registerSecret } from "@alchemy/profile-core/Redaction"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as ExampleCredentials from "./ExampleCredentials.js"
import { descriptor } from "./ExampleDescriptor.js"
import * as Api from "./internal/api.js"

const { Entry, providerId, Stored } = ExampleCredentials
const apiKeySecret = descriptor.secrets[0]!

const describeWith = (
  profile: ProfileName,
  entry: ExampleCredentials.Entry,
  apiKey: Option.Option<Redacted.Redacted<string>>,
  endpoint: string,
  warnings: ReadonlyArray<string>
): Description => {
  const lines: Array<DisplayLine> = Option.match(apiKey, {
    onNone: () => [{ label: "status", value: `not logged in (run \`alchemy login --profile ${profile}\`)` }],
    onSome: (key) => [{ label: "apiKey", value: redactRedacted(key), secret: true }]
  })
  // The account's name is the owner's text, from the API: printed on one line, escaped.
  lines.push(
    { label: "accountId", value: printable(entry.metadata.id) },
    { label: "account", value: printable(entry.metadata.name) },
    { label: "endpoint", value: printable(endpoint) }
  )
  return {
    provider: providerId,
    title: descriptor.title,
    method: entry.method,
    lines,
    warnings,
    json: {
      profile,
      method: entry.method,
      loggedIn: Option.isSome(apiKey),
      accountId: entry.metadata.id,
      accountName: entry.metadata.name,
      endpoint
    }
  }
}

const refused = (profile: ProfileName) =>
  new ProviderError({
    provider: providerId,
    message: `the Example Cloud API refused the key (401 invalid key). Check that it is the whole key and still ` +
      `exists (or create a new one), then run \`alchemy configure --profile ${profile} --provider ${providerId}\`.`
  })

/**
 * Build the port (once per command).
 *
 * @since 0.1.0
 */
export const make: Effect.Effect<ProviderPort, never, PortServices> = Effect.gen(function*() {
  const profiles = yield* ProfileStore
  const store = yield* CredentialStore
  const interaction = yield* Interaction
  const stores = Layer.succeedContext(yield* Effect.context<ProfileStore | CredentialStore>())

  const loadEntry = (profile: ProfileName) => profiles.getProvider(profile, providerId, Entry)

  const requireEntry = (profile: ProfileName) =>
    Effect.flatMap(loadEntry(profile), Option.match({
      onNone: () => Effect.fail(new ProviderNotConfigured({ profile, provider: providerId })),
      onSome: Effect.succeed
    }))

  /** The key's account, verified with the API; a refused key fails with the next step. */
  const verify = (profile: ProfileName, apiKey: Redacted.Redacted<string>, endpoint: string) =>
    Effect.flatMap(Api.whoami(endpoint, apiKey), Option.match({
      onNone: () => Effect.fail(refused(profile)),
      onSome: Effect.succeed
    }))

  const configure = (input: ConfigureInput): Effect.Effect<Description, PortError> =>
    Effect.gen(function*() {
      const profile = input.profile
      if (input.method !== undefined && input.method !== "api-key") {
        return yield* new ProviderError({
          provider: providerId,
          message: `${JSON.stringify(input.method.slice(0, 40))} is not an Example Cloud method (api-key).`,
          usage: true
        })
      }
      const apiKey = input.secrets[apiKeySecret.name] ??
        (yield* interaction.secret({ message: apiKeySecret.title, flag: secretFlags(apiKeySecret) }))
      registerSecret(apiKey)
      const endpoint = yield* ExampleCredentials.endpoint
      const account = yield* verify(profile, apiKey, endpoint)
      const wanted = input.values["account-id"]?.trim()
      if (wanted !== undefined && wanted !== "" && wanted !== account.id) {
        return yield* new ProviderError({
          provider: providerId,
          message: `the key belongs to Example Cloud account ${printable(account.id)}, not ${printable(wanted)}. ` +
            `Use a key of account ${printable(wanted)}, or leave out --account-id.`
        })
      }
      const entry: ExampleCredentials.Entry = { method: "api-key", metadata: account }
      // The entry and the key as one pair, under the credentials file's lock (entry first).
      yield* store.replace(profile, providerId, Stored, {
        entry: profiles.putProvider(profile, providerId, Entry, entry),
        credentials: Option.some({ type: "api-key", apiKey })
      })
      return describeWith(profile, entry, Option.some(apiKey), endpoint, [])
    })

  const login = (input: ConfigureInput): Effect.Effect<Description, PortError> =>
    Effect.gen(function*() {
      const entry = yield* loadEntry(input.profile)
      // Not configured yet, or a new key given: that is configuring.
      if (Option.isNone(entry) || input.secrets[apiKeySecret.name] !== undefined) return yield* configure(input)
      const stored = yield* store.read(input.profile, providerId, Stored)
      if (Option.isSome(stored)) {
        registerSecret(stored.value.apiKey)
        const endpoint = yield* ExampleCredentials.endpoint
        const account = yield* Api.whoami(endpoint, stored.value.apiKey)
        if (Option.isSome(account)) return describeWith(input.profile, entry.value, Option.some(stored.value.apiKey), endpoint, [])
        // Refused: without a terminal, say why; with one, ask for a new key.
        if (!interaction.interactive) return yield* refused(input.profile)
        yield* interaction.warn("The stored Example Cloud API key was refused; enter a new one.")
      }
      return yield* configure(input)
    })

  const logout = (profile: ProfileName) => Effect.asVoid(store.delete(profile, providerId))

  const describe = (profile: ProfileName) =>
    Effect.gen(function*() {
      const entry = yield* requireEntry(profile)
      const stored = yield* store.read(profile, providerId, Stored)
      const apiKey = Option.map(stored, (s) => (registerSecret(s.apiKey), s.apiKey))
      const warnings = Option.isNone(apiKey)
        ? [`no Example Cloud API key is stored for profile ${profile}; run \`alchemy login --profile ${profile}\`.`]
        : []
      return describeWith(profile, entry, apiKey, yield* ExampleCredentials.endpoint, warnings)
    })

  const resolve = (profile: ProfileName) =>
    Effect.gen(function*() {
      const service = yield* ExampleCredentials.makeFromProfile(profile).pipe(Effect.provide(stores))
      const resolved = yield* service.get
      return {
        EXAMPLE_API_KEY: resolved.apiKey,
        EXAMPLE_ACCOUNT_ID: Redacted.make(resolved.accountId),
        EXAMPLE_API_URL: Redacted.make(resolved.endpoint)
      }
    })

  const requireAccount = (expected: string, pinnedBy: string, layer: Layer.Layer<never, PortError>) =>
    Effect.gen(function*() {
      const service = yield* Effect.serviceOption(ExampleCredentials.ExampleCredentials)
      if (Option.isNone(service)) return yield* Effect.dieMessage("requireAccount: the layer is not Example Cloud's")
      const resolved = yield* service.value.get
      if (resolved.accountId !== expected) {
        return yield* new AccountMismatch({
          provider: providerId,
          expected,
          found: resolved.accountId,
          pinnedBy,
          source: service.value.source
        })
      }
    }).pipe(Effect.provide(layer))

  return {
    descriptor,
    isConfigured: (profile) => Effect.map(loadEntry(profile), Option.isSome),
    configure,
    login,
    logout,
    describe,
    resolve,
    credentials: (options) => ExampleCredentials.layer(options).pipe(Layer.provide(stores)),
    fromEnvironment: ExampleCredentials.fromEnv,
    declared: () => undefined,
    requireAccount,
    commands: {}
  } satisfies ProviderPort
})
