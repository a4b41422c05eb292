/**
 * `alchemy profile show|list|delete`.
 */
import type { Description } from "@alchemy/profile-core/AuthProvider"
import { CredentialStore, type Location, type StoreKind } from "@alchemy/profile-core/CredentialStore"
import { NonInteractive, ProfileNotFound, ProviderNotConfigured } from "@alchemy/profile-core/Errors"
import { Interaction } from "@alchemy/profile-core/Interaction"
import { AlchemyHome, paths } from "@alchemy/profile-core/AlchemyHome"
import * as ConfigFile from "@alchemy/profile-core/ConfigFile"
import { decodeProfileName, isProfileName, isProviderId } from "@alchemy/profile-core/ProfileName"
import { ProfileStore } from "@alchemy/profile-core/ProfileStore"
import { auditProfiles } from "@alchemy/profile-core/Permissions"
import { printable } from "@alchemy/profile-core/Printable"
import { redact } from "@alchemy/profile-core/Redaction"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as fs from "node:fs"
import * as Display from "./Display.js"
import { messageOf, Reported } from "./Failure.js"
import * as Output from "./Output.js"
import * as Providers from "./Providers.js"
import * as Session from "./Session.js"
import * as StackFile from "./StackFile.js"
import * as Stage from "./Stage.js"

/** One provider in `profile show --json` (the shape is documented in the README; it holds no secret). */
interface ProviderJson {
  readonly profile: string | null
  readonly selectedBy: string
  readonly explanation: string
  readonly credentials: "profile" | "environment"
  readonly environmentVariables: ReadonlyArray<string>
  readonly method: string | null
  readonly status: "ok" | "error"
  readonly error: string | null
  readonly details: Readonly<Record<string, unknown>> | null
  /** Where the provider's secret lives (`null` for environment credentials or when it cannot be said). */
  readonly secretStore: LocationJson | null
  readonly warnings: ReadonlyArray<string>
}

type LocationJson =
  | { readonly store: "file"; readonly path: string }
  | { readonly store: "keychain"; readonly service: string; readonly account: string }

/** Where a secret lives, for people: the file's path, or the keychain item as the OS keychain app shows it. */
export const describeLocation = (location: Location): string =>
  location.store === "file"
    ? `file ${location.path}`
    : `OS keychain (service ${location.service}, account ${location.account})`

export const show = (
  flags: { readonly profile: Option.Option<string>; readonly json: boolean; readonly stage: Option.Option<string>; readonly force: boolean }
) =>
  Effect.gen(function*() {
    // --stage: the profile of that stage of ./alchemy.run.ts, explained as such ("stage prod of my-app").
    const stagePlan = Option.isSome(flags.stage)
      ? yield* Effect.flatMap(StackFile.locate(Option.none()), (file) =>
        Effect.flatMap(StackFile.load(file), (stack) =>
          Stage.plan(file, stack, flags.stage.pipe(Option.getOrElse(() => "")), { profile: flags.profile, force: flags.force })))
      : undefined
    const sections: Array<{ title: string; lines: Array<string> }> = []
    const json: Record<string, ProviderJson> = {}
    const warnings: Array<string> = []
    const header = stagePlan?.appProfile !== undefined
      ? {
        profile: yield* decodeProfileName(stagePlan.appProfile),
        source: "app" as const,
        explanation: `${stagePlan.appExplanation ?? `profile option of ${stagePlan.label}`} (${stagePlan.appProfile})`
      }
      : yield* Session.commandProfile(flags.profile)
    // Read once, when a provider first needs it (environment credentials alone do not).
    const readConfig = yield* Effect.cached(Providers.readConfig)
    const shown = new Set<string>([header.profile])
    // A provider entry the file holds but that does not decode is shown with its error, and the command fails.
    let unusable = false
    for (const entry of Providers.entries) {
      const selection = yield* Session.select(entry, {
        flag: flags.profile,
        app: stagePlan?.appProfile,
        appExplanation: stagePlan?.appExplanation
      })
      warnings.push(...selection.warnings)
      const base = {
        selectedBy: selection.source,
        explanation: selection.explanation,
        environmentVariables: selection.environmentVariables
      }
      if (selection.useEnvironmentCredentials) {
        const env = yield* Session.env
        const lines = selection.environmentVariables.map((v: string) => ({
          label: v,
          value: redact(env[v] ?? ""),
          secret: true
        }))
        lines.push({ label: "source", value: `environment (${selection.environmentVariables.join(", ")})`, secret: false })
        sections.push({ title: entry.title, lines: Display.section(entry.title, lines) })
        json[entry.id] = {
          ...base,
          profile: null,
          credentials: "environment",
          method: null,
          status: "ok",
          error: null,
          details: null,
          secretStore: null,
          warnings: []
        }
        continue
      }
      shown.add(selection.profile)
      if (!Providers.isConfigured(yield* readConfig, entry, selection.profile)) {
        // A profile named for this provider alone (its variable, the app) that does not configure it is worth saying.
        if (selection.profile === header.profile) continue
        const error = `profile ${selection.profile} (${selection.explanation}) has no ${entry.title} configuration; run \`alchemy configure --profile ${selection.profile} --provider ${entry.id}\``
        sections.push({ title: entry.title, lines: Display.section(entry.title, [{ label: "error", value: error }]) })
        json[entry.id] = { ...base, profile: selection.profile, credentials: "profile", method: null, status: "error", error, details: null, secretStore: null, warnings: [] }
        continue
      }
      const provider = yield* Providers.load(entry)
      const described = yield* Effect.either(provider.describe(selection.profile))
      const d: Description | undefined = described._tag === "Right" ? described.right : undefined
      const error = described._tag === "Left" ? messageOf(described.left) : null
      if (described._tag === "Left" && (described.left as { _tag?: unknown })._tag === "ConfigError") unusable = true
      const extra: Array<{ label: string; value: string }> = []
      // A secret kept by reference (an environment variable) has no place of its own: the provider's lines say where.
      const byReference = d !== undefined && d.json.secretVariable !== undefined
      const location = byReference
        ? Option.none<Location>()
        : yield* Effect.flatMap(CredentialStore, (store) => store.location(selection.profile, entry.id)).pipe(Effect.option)
      if (Option.isSome(location)) extra.push({ label: "secrets in", value: describeLocation(location.value) })
      if (selection.profile !== header.profile) extra.push({ label: "profile", value: `${selection.profile} (${selection.explanation})` })
      if (selection.environmentVariables.length > 0) {
        extra.push({ label: "ignored", value: `${selection.environmentVariables.join(", ")} (a profile was named)` })
      }
      const lines = d !== undefined
        ? [...d.lines, ...extra]
        : [{ label: "error", value: error! }, ...extra]
      sections.push({ title: entry.title, lines: Display.section(entry.title, lines) })
      warnings.push(...(d?.warnings ?? []))
      json[entry.id] = {
        ...base,
        profile: selection.profile,
        credentials: "profile",
        method: d?.method ?? null,
        status: d !== undefined ? "ok" : "error",
        error,
        details: d?.json ?? null,
        secretStore: Option.getOrNull(location),
        warnings: d?.warnings ?? []
      }
    }
    // DESIGN §8: a credentials file readable by others is reported (and how to fix it), never silently used.
    for (const exposure of yield* auditProfiles([...shown])) warnings.push(exposure.message)
    if (sections.length === 0) {
      return yield* new ProfileNotFound({ profile: header.profile, available: Providers.profileNames(yield* readConfig) })
    }
    if (flags.json) {
      yield* Output.line(JSON.stringify(
        {
          version: 1,
          profile: header.profile,
          selectedBy: header.source,
          explanation: header.explanation,
          providers: json,
          warnings
        },
        null,
        2
      ))
      if (unusable) return yield* new Reported()
      return
    }
    const out = [
      `${Output.bold("Profile:")} ${header.profile}`,
      `${Output.dim("selected by:")} ${header.explanation}`,
      ...Display.byTitle(sections).flatMap((s) => s.lines)
    ]
    yield* Output.line(out.join("\n"))
    for (const w of new Set(warnings)) yield* Output.warning(w)
    if (unusable) return yield* new Reported()
  })

type Listing = Readonly<Record<string, Readonly<Record<string, { readonly method: string; readonly metadata?: { readonly id: string; readonly name: string } | undefined }>>>>

/**
 * The text of `file` when it is plainly ours: a regular file in the home `root`, both owned by us and writable by
 * nobody else; else `undefined`, and `ProfileStore.read` checks it properly and says what is wrong. Never blocks (a
 * FIFO in place of the file is opened with O_NONBLOCK and refused by fstat).
 */
const plainText = (file: string, root: string): string | undefined => {
  const ours = (stats: fs.Stats) => stats.uid === process.getuid?.() && (stats.mode & 0o022) === 0
  let fd: number | undefined
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK)
    const stats = fs.fstatSync(fd)
    return stats.isFile() && ours(stats) && ours(fs.statSync(root)) ? fs.readFileSync(fd, "utf8") : undefined
  } catch {
    return undefined
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}

/**
 * `profile list` reads only the names, methods and accounts. A well-formed config.json is checked here with plain
 * code (decoding 1,000 profiles through the full schema costs ~50 ms of start-up); anything unusual (no file yet,
 * a legacy layout to migrate, a file that does not look right) goes through `ProfileStore.read`, which decodes it
 * fully and reports problems precisely.
 */
const quickListing = (root: string): Listing | undefined => {
  let json: any
  try {
    const text = plainText(paths(root).config, root)
    if (text === undefined) return undefined
    json = JSON.parse(text)
  } catch {
    return undefined
  }
  if (json === null || typeof json !== "object" || json.version !== 1) return undefined
  const profiles = json.profiles
  if (profiles === null || typeof profiles !== "object" || Array.isArray(profiles)) return undefined
  for (const [name, providers] of Object.entries<any>(profiles)) {
    if (!isProfileName(name) || providers === null || typeof providers !== "object" || Array.isArray(providers)) return undefined
    // A key that is no provider id (`__proto__`, `Neon`) goes through ProfileStore.read, which keeps it as data
    // and lists it as unusable: read here, it would show as a provider.
    for (const [id, entry] of Object.entries<any>(providers)) {
      if (!isProviderId(id) || entry === null || typeof entry !== "object" || typeof entry.method !== "string") return undefined
      const m = entry.metadata
      if (m !== undefined && (m === null || typeof m !== "object" || typeof m.id !== "string" || typeof m.name !== "string")) {
        return undefined
      }
    }
  }
  return profiles
}

export const list = (flags: { readonly profile: Option.Option<string>; readonly json: boolean }) =>
  Effect.gen(function*() {
    const home = yield* AlchemyHome
    const config: { readonly profiles: Listing } = yield* Effect.suspend(() => {
      const quick = home.problem === undefined ? quickListing(home.root) : undefined
      return quick !== undefined
        ? Effect.succeed({ profiles: quick })
        : Effect.flatMap(ProfileStore, (store) => store.read)
    })
    // Entries kept from another tool or version (a name outside our rule, an entry that does not decode): listed
    // as unusable, with why; every other profile lists as usual.
    const kept = ConfigFile.keptEntries(config as ConfigFile.ConfigFile)
    const unusableKeys = (name: string) => kept.filter((k) => k.profile === name && k.key !== undefined)
    const names = Object.keys(config.profiles).sort()
    const selected = yield* Session.profileFor(flags.profile)
    const entriesOf = (name: string) =>
      Object.entries(ConfigFile.profileOf(config as ConfigFile.ConfigFile, name) ?? {})
    if (flags.json) {
      const profiles = names.map((name) => {
        const providers: Record<string, { method: string; accountId: string | null; accountName: string | null }> = {}
        for (const [id, entry] of entriesOf(name)) {
          providers[id] = { method: entry.method, accountId: entry.metadata?.id ?? null, accountName: entry.metadata?.name ?? null }
        }
        return { name, providers }
      })
      yield* Output.line(JSON.stringify(
        {
          version: 1,
          selected,
          profiles,
          unusable: kept.map((k) => ({ name: k.profile, provider: k.key ?? null, reason: k.reason }))
        },
        null,
        2
      ))
      return
    }
    if (names.length === 0 && kept.length === 0) {
      yield* Output.note("No profiles yet. Create one with `alchemy configure`.")
      return
    }
    const width = Math.max(7, ...names.map((n) => n.length))
    const rows = [Output.bold(`  ${"PROFILE".padEnd(width)}  PROVIDERS`)]
    for (const name of names) {
      const entries = [
        ...entriesOf(name).map(([id, e]) => `${id} (${printable(e.method)})`),
        ...unusableKeys(name).map((k) => `${printable(k.key!)} (unusable)`)
      ]
      rows.push(`${name === selected ? "* " : "  "}${name.padEnd(width)}  ${entries.join(", ") || "-"}`)
    }
    yield* Output.line(rows.join("\n"))
    for (const k of kept) {
      // Output.warning prints the line with every control character escaped.
      const what = k.key === undefined ? `profile ${JSON.stringify(k.profile)}` : `${JSON.stringify(k.key)} of profile ${k.profile}`
      yield* Output.warning(`${what} in config.json cannot be used: ${k.reason} (kept as is)`)
    }
  })

export const remove = (flags: { readonly name: string; readonly yes: boolean }) =>
  Effect.gen(function*() {
    const profile = yield* decodeProfileName(flags.name)
    const store = yield* ProfileStore
    const config = yield* store.read
    // Credentials that config.json does not list (a writer killed before the pairing existed, another tool) are a
    // profile to delete too: no secret stays behind that no command removes.
    const stored = yield* Effect.flatMap(CredentialStore, (credentials) => credentials.providers(profile))
    const listed = ConfigFile.profileOf(config, profile) !== undefined
    if (!listed && stored.length === 0) {
      return yield* new ProfileNotFound({ profile, available: Providers.profileNames(config) })
    }
    const what = listed ? `profile ${profile}` : `the stored credentials of profile ${profile} (not in config.json)`
    const interaction = yield* Interaction
    if (!flags.yes) {
      if (!interaction.interactive) {
        return yield* new NonInteractive({ what: `Confirmation to delete ${what}`, flag: "--yes" })
      }
      const ok = yield* interaction.confirm({
        message: `Delete ${what}, logging out of its providers, and its stored credentials?`,
        default: false,
        flag: "--yes"
      })
      if (!ok) return
    }
    // Log out first: a deleted profile must not leave a live grant at the provider (a Cloudflare OAuth refresh token).
    // The provider's logout revokes (a failed revoke is its warning) and deletes the credentials; anything else that
    // goes wrong is a warning too, since deleting the profile removes its credentials directory anyway.
    for (const e of Providers.entries) {
      const provider = yield* Providers.loadToRemove(config, e, profile, stored)
      if (Option.isNone(provider)) continue
      yield* provider.value.logout(profile).pipe(
        Effect.catchAll((error) =>
          Output.warning(`Logging out of ${provider.value.descriptor.title} (profile ${profile}) failed, deleting the profile anyway: ${messageOf(error)}`)
        )
      )
    }
    yield* store.deleteProfile(profile)
    yield* Output.note(listed ? `Deleted profile ${profile}.` : `Deleted ${what}.`)
  })

export const move = (
  flags: { readonly profile: Option.Option<string>; readonly provider: Option.Option<string>; readonly to: StoreKind }
) =>
  Effect.gen(function*() {
    const profile = yield* Session.profileFor(flags.profile)
    const config = yield* Providers.readConfig
    if (ConfigFile.profileOf(config, profile) === undefined) {
      return yield* new ProfileNotFound({ profile, available: Providers.profileNames(config) })
    }
    const wanted = Option.isSome(flags.provider) ? [Providers.entry(flags.provider.value)!] : Providers.entries
    const targets = wanted.filter((e) => Providers.isConfigured(config, e, profile))
    if (targets.length === 0) {
      return yield* new ProviderNotConfigured({ profile, provider: Option.getOrElse(flags.provider, () => "any") })
    }
    const store = yield* CredentialStore
    for (const e of targets) {
      const result = yield* store.move(profile, e.id, flags.to)
      const where = describeLocation(yield* store.location(profile, e.id))
      yield* Output.note(
        result === "moved"
          ? `${e.title} (profile ${profile}): secrets moved to the ${where}.`
          : result === "recorded"
          ? `${e.title} (profile ${profile}): no secret stored yet; new ones will be kept in the ${where}.`
          : `${e.title} (profile ${profile}): secrets already in the ${where}.`
      )
    }
  })
