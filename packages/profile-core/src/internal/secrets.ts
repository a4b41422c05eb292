/**
 * Where a provider's secret lives (DESIGN §3): the credentials file, or the OS keychain when the provider's
 * `config.json` entry says `"store": "keychain"`. Shared by the credential store (reads and writes) and the profile
 * store (deleting and renaming profiles).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import { type ConfigFile, profileOf, type ProviderEntry, providerOf } from "../ConfigFile.js"
import * as Keychain from "./keychain.js"

/** @internal */
export type StoreKind = "file" | "keychain"

/** The kinds, as written in `config.json` (`store` absent means the file). */
export const storeKinds: ReadonlyArray<StoreKind> = ["file", "keychain"]

/** What the entry records: its store, `undefined` without an entry, or the unknown value a newer alchemy wrote. */
export const recordedStore = (
  config: ConfigFile,
  profile: string,
  provider: string
): StoreKind | undefined | { readonly unknown: string } => {
  const entry = providerOf(config, profile, provider)
  if (entry === undefined) return undefined
  if (entry.store === undefined || entry.store === "file") return "file"
  if (entry.store === "keychain") return "keychain"
  return { unknown: entry.store }
}

const hasOwn = (o: object, key: string) => Object.prototype.hasOwnProperty.call(o, key)
const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * `recordedStore` from the text of config.json, without decoding the whole file: a file that never mentions
 * `"store"` keeps every secret in files. `undefined` for no entry, and for text that is not a version 1 config
 * (whose reader reports it).
 */
export const recordedStoreInText = (
  text: string,
  profile: string,
  provider: string
): StoreKind | undefined | { readonly unknown: string } => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return undefined
  }
  if (!isObject(json) || !isObject(json.profiles) || !hasOwn(json.profiles, profile)) return undefined
  const entries = json.profiles[profile]
  if (!isObject(entries) || !hasOwn(entries, provider)) return undefined
  const entry = entries[provider]
  if (!isObject(entry)) return undefined
  if (!text.includes('"store"') || entry.store === undefined || entry.store === "file") return "file"
  if (entry.store === "keychain") return "keychain"
  return { unknown: typeof entry.store === "string" ? entry.store : JSON.stringify(entry.store) }
}

/** The config with the provider's entry recording `kind` (the file store is recorded by leaving `store` out). */
export const withRecordedStore = (
  config: ConfigFile,
  profile: string,
  provider: string,
  kind: StoreKind
): ConfigFile => {
  const entries = { ...profileOf(config, profile) }
  const entry: Record<string, unknown> = { ...providerOf(config, profile, provider) }
  if (kind === "keychain") entry.store = "keychain"
  else delete entry.store
  entries[provider] = entry as ProviderEntry
  return { ...config, profiles: { ...config.profiles, [profile]: entries } }
}

/**
 * `config` with the provider's entry as it was in `earlier` (removed when it had none, and the profile with it
 * when that leaves a profile `earlier` did not have, empty).
 */
export const withEntryOf = (config: ConfigFile, earlier: ConfigFile, profile: string, provider: string): ConfigFile => {
  const entries: Record<string, ProviderEntry> = { ...profileOf(config, profile) }
  const was = providerOf(earlier, profile, provider)
  if (was === undefined) delete entries[provider]
  else entries[provider] = was
  if (Object.keys(entries).length === 0 && profileOf(earlier, profile) === undefined) {
    const { [profile]: _removed, ...rest } = config.profiles as Record<string, unknown>
    return { ...config, profiles: rest as ConfigFile["profiles"] }
  }
  return { ...config, profiles: { ...config.profiles, [profile]: entries } }
}

/** The providers of a profile whose entries keep their secret in the keychain. */
export const keychainProviders = (config: ConfigFile, profile: string): ReadonlyArray<string> =>
  Object.keys(profileOf(config, profile) ?? {}).filter((provider) =>
    recordedStore(config, profile, provider) === "keychain"
  )

/** How a keychain item is named in errors (the `path` of a `CredentialsError`). */
export const itemPath = (item: Keychain.KeychainItem): string => `OS keychain: ${Keychain.describeItem(item)}`

/** Fails with `onFailure`'s error when the keychain cannot be used. */
export const mapKeychain = <A, E>(
  effect: Effect.Effect<A, Keychain.KeychainFailure>,
  onFailure: (detail: string) => E
): Effect.Effect<A, E> => Effect.mapError(effect, (f) => onFailure(f.detail))
