/**
 * The providers of the CLI (ProviderList.ts), and each one's port built once per command: the first operation that
 * needs a provider loads its package and builds its port from core's services; every later call of the command
 * (configure then describe, the pin check then the program) shares that port and its memo.
 */
import type { PortServices, ProviderDescriptor, ProviderPort } from "@alchemy/profile-core/AuthProvider"
import { type ConfigFile, providerOf, unusableReason } from "@alchemy/profile-core/ConfigFile"
import type { ConfigError } from "@alchemy/profile-core/Errors"
import type { ProfileName } from "@alchemy/profile-core/ProfileName"
import { ProfileStore } from "@alchemy/profile-core/ProfileStore"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { providers } from "../ProviderList.js"

/** A provider of the list (its descriptor: plain data, nothing loaded). */
export type Entry = ProviderDescriptor

/** Core's services, which every provider is built from (bin.ts provides them). */
export type Core = PortServices

export const entries: ReadonlyArray<Entry> = providers

export const entry = (id: string): Entry | undefined => entries.find((e) => e.id === id)

/** The ports built in this command, by provider id. */
export class Registry extends Context.Tag("@alchemy/cli/Providers/Registry")<
  Registry,
  Map<string, Effect.Effect<ProviderPort, never, Core>>
>() {}

/**
 * A fresh registry: one per command run (an in-process test running several commands gets one each). An effect,
 * not a layer: building a layer is ~140 Effect operations, this is one.
 */
export const makeRegistry: Effect.Effect<Registry["Type"]> = Effect.sync(() => new Map())

/** The provider's port, loaded and built on first use in this command, then shared. */
export const load = (e: Entry): Effect.Effect<ProviderPort, never, Core | Registry> =>
  Effect.flatMap(Registry, (registry) => {
    let port = registry.get(e.id)
    if (port === undefined) {
      port = Effect.runSync(Effect.cached(Effect.flatMap(Effect.promise(() => e.load()), (m) => m.make)))
      registry.set(e.id, port)
    }
    return port
  })

/** config.json, fully decoded (its errors name the file and the fix): read it once per command. */
export const readConfig: Effect.Effect<ConfigFile, ConfigError, ProfileStore> = Effect.flatMap(
  ProfileStore,
  (store) => store.read
)

/**
 * Is the provider configured in the profile? config.json alone says, so a provider the profile does not use is
 * never loaded (a Cloudflare-only `profile show` does not pay for the AWS package).
 */
export const isConfigured = (config: ConfigFile, e: Entry, profile: ProfileName): boolean =>
  providerOf(config, profile, e.id) !== undefined || unusableReason(config, profile, e.id) !== undefined

/** The provider, loaded, when the profile configures it. */
export const loadConfigured = (
  config: ConfigFile,
  e: Entry,
  profile: ProfileName
): Effect.Effect<Option.Option<ProviderPort>, never, Core | Registry> =>
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
): Effect.Effect<Option.Option<ProviderPort>, never, Core | Registry> =>
  stored.includes(e.id) ? Effect.map(load(e), Option.some) : loadConfigured(config, e, profile)

/** The profiles of config.json, sorted (for `ProfileNotFound`). */
export const profileNames = (config: ConfigFile): Array<string> => Object.keys(config.profiles).sort()

/** The ids, as `--provider` takes them: `cloudflare|aws`. */
export const choice: string = entries.map((e) => e.id).join("|")
