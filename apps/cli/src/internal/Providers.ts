/**
 * The providers the CLI knows. Adding a provider is one entry here: its id, the profile variable, the method ids
 * (so `--method` can pick the provider without loading any code) and a lazy `load` of its package.
 */
import type { AuthProvider, ConfigureInput, Description } from "@alchemy/profile-core/AuthProvider"
import { type ConfigFile, providerOf, unusableReason } from "@alchemy/profile-core/ConfigFile"
import type { CredentialRefresher } from "@alchemy/profile-core/Credentials"
import type { CredentialStore } from "@alchemy/profile-core/CredentialStore"
import type { Interaction } from "@alchemy/profile-core/Interaction"
import type { ProfileName } from "@alchemy/profile-core/ProfileName"
import { ProfileStore } from "@alchemy/profile-core/ProfileStore"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"

/** The services the CLI provides to every provider (bin.ts). */
export type Core = ProfileStore | CredentialStore | CredentialRefresher | Interaction

/** A provider with its own services already provided: only core services remain. */
export interface Provider {
  readonly id: string
  readonly title: string
  readonly auth: AuthProvider<Core>
  /**
   * The consumer layer for a stack program (`CloudflareCredentials`, `AwsCredentials`), resolved by DESIGN §4
   * from the app's `profile` and the command's `--profile`.
   */
  readonly credentials: (options: { readonly app?: string | undefined; readonly flag?: string | undefined }) => Layer.Layer<any, unknown, Core>
  /**
   * What the provider's own layers need beyond core (its API client, its resolver), given to stack programs too, so
   * a resource can name its own profile: `Effect.provide(resource, CloudflareCredentials.fromProfile("prod"))`.
   */
  readonly services: Layer.Layer<any, never, Core>
  /**
   * Fails with `AccountMismatch` unless the credentials of `credentials(...)` reach `expected` (a stage's pinned
   * account): Cloudflare's resolved account id, AWS's `GetCallerIdentity` account.
   */
  readonly requireAccount: (expected: string, pinnedBy: string) => Effect.Effect<void, unknown, any>
  /** The consumer layer built from the provider's raw environment credentials (CLOUDFLARE_API_TOKEN, AWS_*). */
  readonly fromEnvironment: Layer.Layer<any, unknown, Core>
  /**
   * Credentials a stage declares that are not environment variables (AWS web identity, kept in memory): the consumer
   * layer, and the provider's variables from it (for `env`, `exec` and Promise stacks); `undefined` otherwise.
   */
  readonly declared?: (declaration: { readonly method: string }, label: string) =>
    | {
      readonly layer: Layer.Layer<any, unknown, Core>
      readonly environment: Effect.Effect<Readonly<Record<string, Redacted.Redacted<string>>>, unknown, Core>
    }
    | undefined
}

export interface Entry {
  readonly id: string
  readonly title: string
  readonly profileVariable: string
  readonly environmentCredentials: ReadonlyArray<ReadonlyArray<string>>
  readonly methods: ReadonlyArray<string>
  readonly load: () => Promise<Provider>
}

/** Provide a provider's own services to every operation of its port. */
export const adapt = <R>(auth: AuthProvider<R>, services: Layer.Layer<Exclude<R, Core>>): AuthProvider<Core> => {
  const provide = <A, E>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, Core> =>
    Effect.provide(effect, services) as Effect.Effect<A, E, Core>
  return {
    ...auth,
    isConfigured: (profile: ProfileName) => provide(auth.isConfigured(profile)),
    configure: (input: ConfigureInput) => provide<Description, unknown>(auth.configure(input)),
    login: (input: ConfigureInput) => provide<Description, unknown>(auth.login(input)),
    logout: (profile: ProfileName) => provide(auth.logout(profile)),
    describe: (profile: ProfileName) => provide<Description, unknown>(auth.describe(profile)),
    environment: (profile: ProfileName) =>
      provide<Readonly<Record<string, Redacted.Redacted<string>>>, unknown>(auth.environment(profile))
  }
}

export const entries: ReadonlyArray<Entry> = [
  {
    id: "cloudflare",
    title: "Cloudflare",
    profileVariable: "CLOUDFLARE_PROFILE",
    environmentCredentials: [["CLOUDFLARE_API_TOKEN"], ["CLOUDFLARE_API_KEY", "CLOUDFLARE_EMAIL"]],
    methods: ["oauth", "api-token", "api-key"],
    load: () => import("./providers/cloudflare.js").then((m) => m.provider)
  },
  {
    id: "aws",
    title: "AWS",
    profileVariable: "ALCHEMY_AWS_PROFILE",
    environmentCredentials: [["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]],
    methods: ["sso", "access-keys", "assume-role", "aws-profile", "web-identity"],
    load: () => import("./providers/aws.js").then((m) => m.provider)
  }
]

export const entry = (id: string): Entry | undefined => entries.find((e) => e.id === id)

const loaded = new Map<string, Promise<Provider>>()

/** Load a provider's code (once). */
export const load = (e: Entry): Effect.Effect<Provider> =>
  Effect.promise(() => {
    let p = loaded.get(e.id)
    if (p === undefined) {
      p = e.load()
      loaded.set(e.id, p)
    }
    return p
  })

/** config.json, fully decoded (its errors name the file and the fix): read it once per command. */
export const readConfig: Effect.Effect<ConfigFile, unknown, ProfileStore> = Effect.flatMap(ProfileStore, (store) => store.read)

/**
 * Is the provider configured in the profile? config.json alone says, so a provider the profile does not use is
 * never loaded (a Cloudflare-only `profile show` does not pay for the AWS package).
 */
export const isConfigured = (config: ConfigFile, e: Entry, profile: ProfileName): boolean =>
  providerOf(config, profile, e.id) !== undefined || unusableReason(config, profile, e.id) !== undefined

/** The provider, loaded, when the profile configures it. */
export const loadConfigured = (config: ConfigFile, e: Entry, profile: ProfileName): Effect.Effect<Option.Option<Provider>> =>
  isConfigured(config, e, profile) ? Effect.map(load(e), Option.some) : Effect.succeed(Option.none())

/**
 * The provider, loaded, when the profile configures it or holds credentials of it that config.json does not list
 * (`stored`: `CredentialStore.providers`): what `logout` and `profile delete` remove.
 */
export const loadToRemove = (
  config: ConfigFile,
  e: Entry,
  profile: ProfileName,
  stored: ReadonlyArray<string>
): Effect.Effect<Option.Option<Provider>> =>
  stored.includes(e.id) ? Effect.map(load(e), Option.some) : loadConfigured(config, e, profile)

/** The profiles of config.json, sorted (for `ProfileNotFound`). */
export const profileNames = (config: ConfigFile): Array<string> => Object.keys(config.profiles).sort()
