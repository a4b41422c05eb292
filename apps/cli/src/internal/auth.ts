/**
 * `alchemy configure`, `alchemy login`, `alchemy logout`.
 */
import type { Description, ProviderPort } from "@alchemy/profile-core/AuthProvider"
import { NonInteractive } from "@alchemy/profile-core/Errors"
import { CredentialStore, type StoreKind, withStore } from "@alchemy/profile-core/CredentialStore"
import { Interaction } from "@alchemy/profile-core/Interaction"
import type { ProfileName } from "@alchemy/profile-core/ProfileName"
import { registerSecretsIn } from "@alchemy/profile-core/Redaction"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Display from "./Display.js"
import { UsageError } from "./Failure.js"
import * as Input from "./Input.js"
import { configureInput, type MethodFlags, secretsFromFlags } from "./Input.js"
import * as Output from "./Output.js"
import * as Providers from "./Providers.js"
import * as Session from "./Session.js"
import * as StackFile from "./StackFile.js"

/** `--method` when it is one of this provider's methods (with several providers, it may name another one's). */
const methodOf = (entry: Providers.Entry, flags: MethodFlags): string | undefined => {
  const method = Input.textOf(flags, "method")
  return method !== undefined && entry.methods.some((m) => m.id === method) ? method : undefined
}

/**
 * Which providers to configure: `--provider`; else the providers picked by `--method` and by flags only one
 * provider declares (they must agree); else ask. A method or flag several providers share picks none of them.
 */
const chooseProviders = (flags: MethodFlags, provider: Option.Option<string>) =>
  Effect.gen(function*() {
    if (Option.isSome(provider)) return [Providers.entry(provider.value)!]
    const picked = new Set<Providers.Entry>()
    for (const [name, owner] of Input.ownedFlags) if (Input.isGiven(flags, name)) picked.add(owner)
    const method = Input.textOf(flags, "method")
    if (method !== undefined) {
      const owners = Providers.entries.filter((e) => e.methods.some((m) => m.id === method))
      if (owners.length === 0) {
        return yield* new UsageError({
          message: `unknown --method ${JSON.stringify(method.slice(0, 40))}; one of: ${
            Providers.entries.map((e) => `${e.id} ${e.methods.map((m) => m.id).join("|")}`).join(", ")
          }`
        })
      }
      const agreeing = owners.filter((e) => picked.size === 0 || picked.has(e))
      if (agreeing.length === 1) return agreeing
      return yield* new UsageError({
        message: agreeing.length === 0
          ? `--method ${method} is a method of ${owners.map((e) => e.id).join(" and ")}, but the other flags are ${
            [...picked].map((e) => e.id).join(" and ")
          }'s; add --provider`
          : `--method ${method} is a method of ${owners.map((e) => e.id).join(" and ")}: add --provider ${
            owners.map((e) => e.id).join("|")
          }`
      })
    }
    if (picked.size === 1) return [...picked]
    if (picked.size > 1) {
      return yield* new UsageError({
        message: `the flags given belong to ${[...picked].map((e) => e.id).join(" and ")}: configure one provider at a time, with --provider`
      })
    }
    const interaction = yield* Interaction
    return yield* interaction.multiSelect({
      message: "Which providers do you want to configure?",
      choices: Providers.entries.map((e, i) => ({ title: e.title, value: e, selected: i === 0 })),
      flag: `--provider ${Providers.choice}`
    })
  })

const printProfile = (profile: ProfileName, descriptions: ReadonlyArray<Description>) =>
  Effect.gen(function*() {
    yield* Output.line(Display.profileBlock(profile, descriptions))
    for (const d of descriptions) for (const w of d.warnings) yield* Output.warning(w)
  })

const configureOne = (
  entry: Providers.Entry,
  profile: ProfileName,
  flags: MethodFlags,
  secrets: Record<string, any>,
  ask: boolean
) =>
  Effect.gen(function*() {
    const provider = yield* Providers.load(entry)
    const interaction = yield* Interaction
    const input = configureInput(entry, profile, flags, secrets, methodOf(entry, flags))
    if (ask && flags.yes !== true && (yield* provider.isConfigured(profile))) {
      // Replacing a configuration is confirmed like logout and profile delete: asked on a terminal, else --yes.
      if (!interaction.interactive) {
        return yield* new NonInteractive({
          what: `Confirmation to replace the ${entry.title} configuration of profile ${profile}`,
          flag: "--yes"
        })
      }
      const current = yield* provider.describe(profile).pipe(Effect.option)
      if (Option.isSome(current)) {
        yield* interaction.info(Display.descriptionLines(current.value).join("\n"))
      }
      const replace = yield* interaction.confirm({
        message: `${entry.title} is already configured in profile ${profile}. Replace it?`,
        default: false,
        flag: "--yes"
      })
      if (!replace) {
        yield* interaction.info(`${entry.title}: nothing changed.`)
        return Option.none<Description>()
      }
    }
    return Option.some(yield* provider.configure(input))
  })

/** The secrets of the flags, known to the error scrub from the moment they are read. */
const readSecrets = (flags: MethodFlags) => Effect.tap(secretsFromFlags(flags), (s) => Effect.sync(() => registerSecretsIn(s)))

/** `--store`: every secret the command saves goes there (and the choice is remembered in config.json). */
const inStore = (store: Option.Option<StoreKind>) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Option.isSome(store) ? withStore(store.value)(effect) : effect

/** The flags of configure and login besides the method flags. */
interface Common {
  readonly profile: Option.Option<string>
  readonly provider: Option.Option<string>
  readonly store: Option.Option<StoreKind>
  readonly inputs: MethodFlags
}

export const configure = (flags: Common) =>
  inStore(flags.store)(Effect.gen(function*() {
    const profile = yield* Session.profileFor(flags.profile)
    const secrets = yield* readSecrets(flags.inputs)
    const providers = yield* chooseProviders(flags.inputs, flags.provider)
    yield* Input.checkFlagsBelong(flags.inputs, providers)
    const done: Array<Description> = []
    for (const entry of providers) {
      const d = yield* configureOne(entry, profile, flags.inputs, secrets, true)
      if (Option.isSome(d)) done.push(d.value)
    }
    if (done.length > 0) yield* printProfile(profile, done)
  }))

export const login = (
  flags: Common & { readonly configure: boolean; readonly stackFile: Option.Option<string> }
) =>
  inStore(flags.store)(Effect.gen(function*() {
    const profile = yield* Session.profileFor(flags.profile)
    const secrets = yield* readSecrets(flags.inputs)
    const interaction = yield* Interaction
    let wanted: ReadonlyArray<Providers.Entry>
    if (Option.isSome(flags.provider)) {
      wanted = [Providers.entry(flags.provider.value)!]
    } else {
      const stack = yield* StackFile.find(flags.stackFile)
      if (Option.isSome(stack)) {
        const loaded = yield* StackFile.load(stack.value)
        wanted = Providers.entries.filter((e) => (loaded.providers as ReadonlyArray<string>).includes(e.id))
        yield* interaction.info(`${stack.value} uses ${wanted.map((e) => e.title).join(", ") || "no provider"}`)
      } else {
        const config = yield* Providers.readConfig
        const configured = Providers.entries.filter((e) => Providers.isConfigured(config, e, profile))
        wanted = configured.length > 0 ? configured : yield* chooseProviders(flags.inputs, Option.none())
      }
    }
    if (wanted.length > 0) yield* Input.checkFlagsBelong(flags.inputs, wanted)
    const done: Array<Description> = []
    for (const entry of wanted) {
      const provider = yield* Providers.load(entry)
      const configured = yield* provider.isConfigured(profile)
      if (flags.configure || !configured) {
        const d = yield* configureOne(entry, profile, flags.inputs, secrets, false)
        if (Option.isSome(d)) done.push(d.value)
      } else {
        done.push(yield* provider.login(configureInput(entry, profile, flags.inputs, secrets, methodOf(entry, flags.inputs))))
      }
    }
    yield* printProfile(profile, done)
    yield* Session.warnExposed([profile])
  }))

export const logout = (
  flags: { readonly profile: Option.Option<string>; readonly provider: Option.Option<string>; readonly yes: boolean }
) =>
  Effect.gen(function*() {
    const profile = yield* Session.profileFor(flags.profile)
    const interaction = yield* Interaction
    const config = yield* Providers.readConfig
    // Credentials config.json does not list (a writer killed before the pairing existed, another tool) are logged
    // out of too: no secret stays behind that no command removes.
    const stored = yield* Effect.flatMap(CredentialStore, (store) => store.providers(profile))
    const targets: Array<ProviderPort> = []
    for (const e of Option.isSome(flags.provider) ? [Providers.entry(flags.provider.value)!] : Providers.entries) {
      const p = yield* Providers.loadToRemove(config, e, profile, stored)
      if (Option.isSome(p)) targets.push(p.value)
    }
    if (targets.length === 0) {
      yield* Output.note(`Profile ${profile} has nothing to log out of.`)
      return
    }
    const names = targets.map((p) => p.descriptor.title).join(" and ")
    if (!flags.yes) {
      if (!interaction.interactive) {
        return yield* new NonInteractive({ what: `Confirmation to log out of ${names} (profile ${profile})`, flag: "--yes" })
      }
      const ok = yield* interaction.confirm({
        message: `Log out of ${names} for profile ${profile}?`,
        default: true,
        flag: "--yes"
      })
      if (!ok) return
    }
    for (const p of targets) {
      yield* p.logout(profile)
      yield* Output.note(`Logged out of ${p.descriptor.title} (profile ${profile}). Run \`alchemy login --profile ${profile}\` to log in again.`)
    }
  })
