/**
 * `alchemy configure`, `alchemy login`, `alchemy logout`.
 */
import type { Description } from "@alchemy/profile-core/AuthProvider"
import { NonInteractive } from "@alchemy/profile-core/Errors"
import { CredentialStore, type StoreKind, withStore } from "@alchemy/profile-core/CredentialStore"
import { Interaction } from "@alchemy/profile-core/Interaction"
import type { ProfileName } from "@alchemy/profile-core/ProfileName"
import { registerSecretsIn } from "@alchemy/profile-core/Redaction"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Display from "./Display.js"
import { UsageError } from "./Failure.js"
import { configureInput, type MethodFlags, secretsFromFlags } from "./Input.js"
import * as Output from "./Output.js"
import * as Providers from "./Providers.js"
import * as Session from "./Session.js"
import * as StackFile from "./StackFile.js"

const awsOnly: ReadonlyArray<keyof MethodFlags> = [
  "awsAccessKeyId", "awsSecretAccessKeyEnv", "awsSecretAccessKeyStdin", "awsSessionTokenEnv", "ssoStartUrl",
  "ssoRegion", "ssoAccountId", "ssoRoleName", "roleArn", "sourceProfile", "externalId", "roleSessionName",
  "durationSeconds", "mfaSerial", "mfaCodeEnv", "mfaCodeStdin", "awsProfile", "region", "useDeviceCode",
  "awsSecretAccessKeyVariable", "awsSessionTokenVariable", "webIdentityTokenFile", "webIdentityAudience"
]
const cloudflareOnly: ReadonlyArray<keyof MethodFlags> = [
  "apiTokenEnv", "apiTokenStdin", "apiKeyEnv", "apiKeyStdin", "apiTokenVariable", "apiKeyVariable", "email", "scopes"
]

const given = (flags: MethodFlags, keys: ReadonlyArray<keyof MethodFlags>) =>
  keys.some((k) => {
    const v = flags[k]
    return v === true || (Option.isOption(v) && Option.isSome(v))
  })

/** `--method` when it is one of this provider's methods (with two providers, it names the other one's otherwise). */
const methodOf = (entry: Providers.Entry, flags: MethodFlags): string | undefined => {
  const method = Option.getOrUndefined(flags.method)
  return method !== undefined && entry.methods.includes(method) ? method : undefined
}

const providerChoice = Providers.entries.map((e) => e.id).join("|")

/** Which providers to configure: `--provider`, the provider owning `--method`, the flags used, or ask. */
const chooseProviders = (flags: MethodFlags & { readonly provider: Option.Option<string> }) =>
  Effect.gen(function*() {
    if (Option.isSome(flags.provider)) return [Providers.entry(flags.provider.value)!]
    if (Option.isSome(flags.method)) {
      const method = flags.method.value
      const owner = Providers.entries.find((e) => e.methods.includes(method))
      if (owner === undefined) {
        return yield* new UsageError({
          message: `unknown --method ${JSON.stringify(method.slice(0, 40))}; one of: ${
            Providers.entries.map((e) => `${e.id} ${e.methods.join("|")}`).join(", ")
          }`
        })
      }
      return [owner]
    }
    const aws = given(flags, awsOnly)
    const cloudflare = given(flags, cloudflareOnly)
    if (aws !== cloudflare) return [Providers.entry(aws ? "aws" : "cloudflare")!]
    const interaction = yield* Interaction
    return yield* interaction.multiSelect({
      message: "Which providers do you want to configure?",
      choices: Providers.entries.map((e, i) => ({ title: e.title, value: e, selected: i === 0 })),
      flag: `--provider ${providerChoice}`
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
    const input = configureInput(profile, flags, secrets, methodOf(entry, flags))
    if (ask && !flags.yes && (yield* provider.auth.isConfigured(profile))) {
      // Replacing a configuration is confirmed like logout and profile delete: asked on a terminal, else --yes.
      if (!interaction.interactive) {
        return yield* new NonInteractive({
          what: `Confirmation to replace the ${entry.title} configuration of profile ${profile}`,
          flag: "--yes"
        })
      }
      const current = yield* provider.auth.describe(profile).pipe(Effect.option)
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
    return Option.some(yield* provider.auth.configure(input))
  })

/** The secrets of the flags, known to the error scrub from the moment they are read. */
const readSecrets = (flags: MethodFlags) => Effect.tap(secretsFromFlags(flags), (s) => Effect.sync(() => registerSecretsIn(s)))

/** `--store`: every secret the command saves goes there (and the choice is remembered in config.json). */
const inStore = (store: Option.Option<StoreKind>) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Option.isSome(store) ? withStore(store.value)(effect) : effect

export const configure = (
  flags: MethodFlags & {
    readonly profile: Option.Option<string>
    readonly provider: Option.Option<string>
    readonly store: Option.Option<StoreKind>
  }
) =>
  inStore(flags.store)(Effect.gen(function*() {
    const profile = yield* Session.profileFor(flags.profile)
    const secrets = yield* readSecrets(flags)
    const providers = yield* chooseProviders(flags)
    const done: Array<Description> = []
    for (const entry of providers) {
      const d = yield* configureOne(entry, profile, flags, secrets, true)
      if (Option.isSome(d)) done.push(d.value)
    }
    if (done.length > 0) yield* printProfile(profile, done)
  }))

export const login = (
  flags: MethodFlags & {
    readonly profile: Option.Option<string>
    readonly provider: Option.Option<string>
    readonly configure: boolean
    readonly stackFile: Option.Option<string>
    readonly store: Option.Option<StoreKind>
  }
) =>
  inStore(flags.store)(Effect.gen(function*() {
    const profile = yield* Session.profileFor(flags.profile)
    const secrets = yield* readSecrets(flags)
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
        wanted = configured.length > 0 ? configured : yield* chooseProviders({ ...flags, provider: Option.none() })
      }
    }
    const done: Array<Description> = []
    for (const entry of wanted) {
      const provider = yield* Providers.load(entry)
      const configured = yield* provider.auth.isConfigured(profile)
      if (flags.configure || !configured) {
        const d = yield* configureOne(entry, profile, flags, secrets, false)
        if (Option.isSome(d)) done.push(d.value)
      } else {
        done.push(yield* provider.auth.login(configureInput(profile, flags, secrets, methodOf(entry, flags))))
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
    const targets: Array<Providers.Provider> = []
    for (const e of Option.isSome(flags.provider) ? [Providers.entry(flags.provider.value)!] : Providers.entries) {
      const p = yield* Providers.loadToRemove(config, e, profile, stored)
      if (Option.isSome(p)) targets.push(p.value)
    }
    if (targets.length === 0) {
      yield* Output.note(`Profile ${profile} has nothing to log out of.`)
      return
    }
    const names = targets.map((p) => p.title).join(" and ")
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
      yield* p.auth.logout(profile)
      yield* Output.note(`Logged out of ${p.title} (profile ${profile}). Run \`alchemy login --profile ${profile}\` to log in again.`)
    }
  })
