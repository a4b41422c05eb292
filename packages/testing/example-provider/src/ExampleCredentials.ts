/**
 * What a consumer of Example Cloud uses: the `ExampleCredentials` service gives the API key, the account id and the
 * endpoint on every call. Layers: `fromProfile(name)` (the profile's `config.json` entry and stored key), `fromEnv`
 * (`EXAMPLE_API_KEY`, `EXAMPLE_ACCOUNT_ID`) and `layer({ app, flag })`, which picks between them by DESIGN §4
 * through core's `Selection` (`EXAMPLE_PROFILE`, then `ALCHEMY_PROFILE`).
 *
 * What a profile stores: `profiles.<name>.example = { method: "api-key", metadata: { id, name } }` in config.json
 * and `{ type: "api-key", apiKey }` in `credentials/<name>/example.json`.
 *
 * The environment is read through profile-core's `Environment` (the process environment unless one is provided).
 *
 * @since 0.1.0
 */
import type { PortError } from "@alchemy/profile-core/AuthProvider"
import { CredentialStore } from "@alchemy/profile-core/CredentialStore"
import { Environment } from "@alchemy/profile-core/Environment"
import { NeedsLogin, ProviderError, ProviderNotConfigured } from "@alchemy/profile-core/Errors"
import { decodeProfileName, type ProfileName } from "@alchemy/profile-core/ProfileName"
import { ProfileStore } from "@alchemy/profile-core/ProfileStore"
import { registerSecret } from "@alchemy/profile-core/Redaction"
import * as Selection from "@alchemy/profile-core/Selection"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { descriptor } from "./ExampleDescriptor.js"
import * as Api from "./internal/api.js"

/**
 * The key of this provider in `config.json` and the name of its credentials file.
 *
 * @since 0.1.0
 */
export const providerId = descriptor.id

/**
 * The `example` entry of a profile in `config.json` (no secret).
 *
 * @since 0.1.0
 */
export const Entry = Schema.Struct({
  method: Schema.Literal("api-key"),
  metadata: Schema.Struct({ id: Schema.String, name: Schema.String })
})

/** @since 0.1.0 */
export type Entry = typeof Entry.Type

/**
 * `credentials/<profile>/example.json`: the key, `Redacted` from the moment it is decoded.
 *
 * @since 0.1.0
 */
export const Stored = Schema.Struct({
  type: Schema.Literal("api-key"),
  apiKey: Schema.Redacted(Schema.String)
})

/** @since 0.1.0 */
export type Stored = typeof Stored.Type

/**
 * Credentials ready for one API call.
 *
 * @since 0.1.0
 */
export interface Resolved {
  readonly apiKey: Redacted.Redacted<string>
  readonly accountId: string
  /** The API base (`EXAMPLE_API_URL`, default `https://api.example.invalid`). */
  readonly endpoint: string
}

/**
 * @since 0.1.0
 */
export interface Service {
  /** The credentials now (a profile's key is read from the store on every call). */
  readonly get: Effect.Effect<Resolved, PortError>
  /** Where they come from, for messages: `profile prod`, `the environment (EXAMPLE_API_KEY)`. */
  readonly source: string
}

/**
 * @since 0.1.0
 */
export class ExampleCredentials extends Context.Tag("@alchemy/example-provider/ExampleCredentials")<
  ExampleCredentials,
  Service
>() {}

/** @since 0.1.0 */
export const defaultEndpoint = "https://api.example.invalid"

/** A variable of the `Environment`; unset, empty and blank are all `undefined` (core's `Selection.variableValue`). */
const variable = (name: string): Effect.Effect<string | undefined> =>
  Effect.map(Environment, (env) => Selection.variableValue(env, name))

/**
 * The API base: `EXAMPLE_API_URL`, else {@link defaultEndpoint}.
 *
 * @since 0.1.0
 */
export const endpoint: Effect.Effect<string> = Effect.map(
  variable("EXAMPLE_API_URL"),
  (url) => (url ?? defaultEndpoint).replace(/\/+$/, "")
)

const readKey = (profile: ProfileName): Effect.Effect<Redacted.Redacted<string>, PortError, CredentialStore> =>
  Effect.flatMap(CredentialStore, (store) => store.read(profile, providerId, Stored)).pipe(
    Effect.flatMap(Option.match({
      onNone: () =>
        Effect.fail(new NeedsLogin({ profile, provider: providerId, detail: "no API key is stored (logged out)" })),
      onSome: (stored) => Effect.sync(() => (registerSecret(stored.apiKey), stored.apiKey))
    }))
  )

/**
 * The service for a named profile (no environment credentials are considered). Fails `ProviderNotConfigured`
 * when the profile has no `example` entry; `get` fails `NeedsLogin` when no key is stored.
 *
 * @since 0.1.0
 */
export const makeFromProfile = (
  profile: string
): Effect.Effect<Service, PortError, ProfileStore | CredentialStore> =>
  Effect.gen(function*() {
    const name = yield* decodeProfileName(profile)
    const profiles = yield* ProfileStore
    const entry = yield* profiles.getProvider(name, providerId, Entry)
    if (Option.isNone(entry)) return yield* new ProviderNotConfigured({ profile: name, provider: providerId })
    const accountId = entry.value.metadata.id
    const context = yield* Effect.context<CredentialStore>()
    const get = Effect.gen(function*() {
      const apiKey = yield* readKey(name)
      return { apiKey, accountId, endpoint: yield* endpoint }
    }).pipe(Effect.provide(context))
    return { get, source: `profile ${name}` }
  })

/**
 * The service from `EXAMPLE_API_KEY` and `EXAMPLE_ACCOUNT_ID` (when unset, the key's own account, asked from the
 * API once).
 *
 * @since 0.1.0
 */
export const makeFromEnv: Effect.Effect<Service, PortError> = Effect.gen(function*() {
  const key = yield* variable("EXAMPLE_API_KEY")
  if (key === undefined) {
    return yield* new ProviderError({
      provider: providerId,
      message: "EXAMPLE_API_KEY is not set. Set it (and EXAMPLE_ACCOUNT_ID), or use a profile: alchemy configure --provider example",
      usage: true
    })
  }
  const apiKey = Redacted.make(key)
  registerSecret(apiKey)
  const url = yield* endpoint
  const given = yield* variable("EXAMPLE_ACCOUNT_ID")
  const accountId = given ?? (yield* Api.whoami(url, apiKey).pipe(
    Effect.flatMap(Option.match({
      onSome: (account) => Effect.succeed(account.id),
      onNone: () =>
        Effect.fail(
          new ProviderError({
            provider: providerId,
            message: "the Example Cloud API refused the key in EXAMPLE_API_KEY (401 invalid key). Set a valid key, or use a profile."
          })
        )
    }))
  ))
  return { get: Effect.succeed({ apiKey, accountId, endpoint: url }), source: "the environment (EXAMPLE_API_KEY)" }
})

/**
 * Build the service by DESIGN §4: the app's `profile`, then `--profile`, `EXAMPLE_PROFILE`, `ALCHEMY_PROFILE`; raw
 * `EXAMPLE_API_KEY` only when no profile was named; else the `default` profile.
 *
 * @since 0.1.0
 */
export const make = (
  options: { readonly app?: string | undefined; readonly flag?: string | undefined } = {}
): Effect.Effect<Service, PortError, ProfileStore | CredentialStore> =>
  Effect.gen(function*() {
    const env = yield* Environment
    const selection = yield* Either.match(
      Selection.selectProfile({
        provider: providerId,
        providerVariable: descriptor.profileVariable,
        environmentCredentials: descriptor.environmentCredentials,
        app: options.app,
        flag: options.flag,
        env
      }),
      { onLeft: Effect.fail, onRight: Effect.succeed }
    )
    return yield* selection.useEnvironmentCredentials ? makeFromEnv : makeFromProfile(selection.profile)
  })

/**
 * The service for a named profile.
 *
 * @since 0.1.0
 */
export const fromProfile = (profile: string): Layer.Layer<ExampleCredentials, PortError, ProfileStore | CredentialStore> =>
  Layer.effect(ExampleCredentials, makeFromProfile(profile))

/**
 * The service from `EXAMPLE_API_KEY` / `EXAMPLE_ACCOUNT_ID`.
 *
 * @since 0.1.0
 */
export const fromEnv: Layer.Layer<ExampleCredentials, PortError> = Layer.effect(ExampleCredentials, makeFromEnv)

/**
 * The automatic service (DESIGN §4).
 *
 * @since 0.1.0
 */
export const layer = (
  options: { readonly app?: string | undefined; readonly flag?: string | undefined } = {}
): Layer.Layer<ExampleCredentials, PortError, ProfileStore | CredentialStore> =>
  Layer.effect(ExampleCredentials, make(options))
