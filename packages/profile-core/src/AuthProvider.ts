/**
 * The one port through which a provider (Cloudflare, AWS, ...) plugs into profile-core and the CLI.
 *
 * A provider package exports two things:
 * - a {@link ProviderDescriptor}: plain data, cheap to import (no SDK, no services): its id, title, profile
 *   variable, environment credentials, methods with the options and secrets each takes, extra commands, and a lazy
 *   `load` of its implementation. The CLI derives all of its provider surface from the list of descriptors: the
 *   `--provider` choices, the method flags and their help, the wizard's picker, `profile show` / `env` sections, the
 *   completions and the `ProviderName` type stack files are checked against.
 * - a {@link ProviderModule} (what `load` resolves to): `make` builds the {@link ProviderPort} once per command from
 *   core's services ({@link PortServices}); every call of that command shares its memo (resolver caches, the refresh
 *   coordinator). Once built, no operation needs anything (`R = never`) and every failure is a {@link PortError}.
 *
 * Everything a provider needs from the person (choices, text, secrets, a browser) goes through the `Interaction`
 * service, so the same code runs in a terminal, in CI (where prompting fails fast) and in tests.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import type { CredentialRefresher } from "./Credentials.js"
import type { CredentialStore } from "./CredentialStore.js"
import type * as Errors from "./Errors.js"
import type { Interaction } from "./Interaction.js"
import type { ProfileName } from "./ProfileName.js"
import type { ProfileStore } from "./ProfileStore.js"
import type { Selection } from "./Selection.js"

// ---------------------------------------------------------------------------------------------------------------
// The descriptor: plain data
// ---------------------------------------------------------------------------------------------------------------

/**
 * A plain input a provider's methods take (`account-id`, `region`, `role-arn`). The CLI offers it as `--<name>`
 * (a `switch` as a boolean flag) and hands it back in {@link ConfigureInput.values} / `switches` under this name.
 * Two providers may declare the same name: the CLI has one flag for both, and the value reaches only the provider
 * being configured.
 *
 * @since 0.4.0
 */
export interface InputOption {
  readonly name: string
  readonly description: string
  /** `text` (the default) takes a value; `switch` is a boolean flag. */
  readonly kind?: "text" | "switch"
}

/**
 * A secret a provider's methods take (`api-token`, `aws-secret-access-key`). Secrets never come from argv: the CLI
 * offers `--<name>-env VAR` (read the variable now), `--<name>-stdin` where `stdin` is true, and
 * `--<name>-variable VAR` where `reference` is true (store the variable's name; read it each time it is used).
 *
 * @since 0.4.0
 */
export interface InputSecret {
  readonly name: string
  /** What it is, for help and messages: `Cloudflare API token`. */
  readonly title: string
  readonly stdin: boolean
  readonly reference: boolean
}

/**
 * One authentication method of a provider (`oauth`, `api-token`, `sso`, ...) and the inputs it takes.
 *
 * @since 0.1.0
 */
export interface AuthMethod {
  readonly id: string
  readonly title: string
  readonly description: string
  readonly recommended?: boolean
}

/** @since 0.4.0 */
export interface MethodDescriptor extends AuthMethod {
  /** Names of the provider's {@link InputOption}s this method reads. */
  readonly options: ReadonlyArray<string>
  /** Names of the provider's {@link InputSecret}s this method reads. */
  readonly secrets: ReadonlyArray<string>
}

/**
 * A command of its own under the provider's id (`alchemy aws credential-process`). It takes `--profile` and prints
 * what {@link ProviderPort.commands} returns.
 *
 * @since 0.4.0
 */
export interface CommandDescriptor {
  readonly name: string
  readonly description: string
}

/**
 * The form of the provider's account ids, for accounts a stack's stage pins (`stages.prod.accounts.<id>`).
 *
 * @since 0.4.0
 */
export interface AccountFormat {
  readonly pattern: RegExp
  /** What a valid one is, for the error: `a Cloudflare account id (32 hexadecimal characters)`. */
  readonly what: string
}

/**
 * Credentials a stage of a stack file may declare for the provider instead of a stored profile (a CI runner has no
 * ~/.alchemy). The stack file is committed, so it names where each secret is at run time (environment variables),
 * never a value. `variables` are fields naming a variable whose value fills one of the provider's own variables;
 * `values` are plain fields (checked against `pattern` when given) copied into one. A method whose credentials the
 * port keeps in memory (AWS web identity: `ProviderPort.declared`) has `kept: true`.
 *
 * @since 0.4.0
 */
export interface DeclarationDescriptor {
  readonly method: string
  readonly variables: ReadonlyArray<{
    readonly field: string
    /** The provider variable it fills: `CLOUDFLARE_API_TOKEN`. */
    readonly fills: string
    /** What the secret is, for people: `API token`. */
    readonly what: string
    readonly optional?: boolean
  }>
  readonly values: ReadonlyArray<{
    readonly field: string
    readonly fills?: string
    /** A required value: its form, and the problem to report when it is missing or of another form. */
    readonly required?: { readonly pattern: RegExp; readonly problem: string }
    /** Filled with the stage's pinned account when not given. */
    readonly orPinnedAccount?: boolean
  }>
  readonly kept?: boolean
}

/**
 * Everything the CLI knows about a provider before loading any of its code.
 *
 * @since 0.4.0
 */
export interface ProviderDescriptor<Id extends string = string> {
  /** Key in config.json and the credentials file name: `cloudflare`, `aws`. */
  readonly id: Id
  readonly title: string
  /** The provider's own profile variable (`CLOUDFLARE_PROFILE`, `ALCHEMY_AWS_PROFILE`). */
  readonly profileVariable: string
  /** Environment variables that carry raw credentials (DESIGN §4), as groups that must all be set. */
  readonly environmentCredentials: ReadonlyArray<ReadonlyArray<string>>
  /** Environment variables whose values are secrets (scrubbed from every message from the start). */
  readonly secretVariables: ReadonlyArray<string>
  /** In the order a picker shows them; the first `recommended` one is the default. */
  readonly methods: ReadonlyArray<MethodDescriptor>
  readonly options: ReadonlyArray<InputOption>
  readonly secrets: ReadonlyArray<InputSecret>
  readonly commands: ReadonlyArray<CommandDescriptor>
  /** The form of its account ids, when a stage may pin one (`accounts.<id>` of a stack's stage). */
  readonly account?: AccountFormat | undefined
  /** The credentials a stack's stage may declare for it (none: a stage cannot declare any). */
  readonly declarations?: ReadonlyArray<DeclarationDescriptor> | undefined
  /** The implementation, loaded on first use (a command that does not need the provider never loads it). */
  readonly load: () => Promise<ProviderModule>
}

// ---------------------------------------------------------------------------------------------------------------
// The implementation: built once per command
// ---------------------------------------------------------------------------------------------------------------

/**
 * What the caller already knows when configuring or logging in, keyed by the names the provider declared: the
 * method, plain values, switches, secrets already read (from stdin or a variable named by the person, never argv),
 * and secrets to keep by reference (the variable's name; the value is read where it is used).
 *
 * @since 0.1.0
 */
export interface ConfigureInput {
  readonly profile: ProfileName
  readonly method?: string | undefined
  /** Declared text options given: name -> value. */
  readonly values: Readonly<Record<string, string | undefined>>
  /** Declared switches given (absent = off). */
  readonly switches: Readonly<Record<string, boolean | undefined>>
  /** Declared secrets read now: name -> value. */
  readonly secrets: Readonly<Record<string, Redacted.Redacted<string> | undefined>>
  /** Declared secrets to keep by reference: name -> environment variable name. */
  readonly references: Readonly<Record<string, string | undefined>>
  /** The person already confirmed (`--yes`): replace without asking. */
  readonly confirmed?: boolean | undefined
}

/**
 * Where a resolved value came from, for `profile show` and warnings.
 *
 * @since 0.1.0
 */
export type ValueSource =
  | { readonly _tag: "Profile"; readonly profile: ProfileName; readonly method: string }
  | { readonly _tag: "Environment"; readonly variable: string }
  | { readonly _tag: "Option"; readonly name: string }
  | { readonly _tag: "Api"; readonly detail: string }

/**
 * One line of `profile show` for a provider. `secret: true` lines are redacted by the printer.
 *
 * @since 0.1.0
 */
export interface DisplayLine {
  readonly label: string
  readonly value: string
  readonly secret?: boolean
}

/**
 * The outcome of describing one provider of one profile.
 *
 * @since 0.1.0
 */
export interface Description {
  readonly provider: string
  readonly title: string
  readonly method: string
  readonly lines: ReadonlyArray<DisplayLine>
  /** Human warnings (for example: a stored account differs from CLOUDFLARE_ACCOUNT_ID). */
  readonly warnings: ReadonlyArray<string>
  /** Stable machine-readable form for `--json`; holds no secret values. */
  readonly json: Readonly<Record<string, unknown>>
}

/**
 * The environment a consumer gets from a profile (`alchemy env`, `alchemy exec`, Promise stacks): the provider's
 * own variables, values `Redacted`.
 *
 * @since 0.4.0
 */
export type Variables = Readonly<Record<string, Redacted.Redacted<string>>>

/**
 * Every failure the port can report: core's errors, and {@link Errors.ProviderError} for the provider's own (its
 * message says what happened and what to do). Closed, so the CLI maps exit codes from the type.
 *
 * @since 0.4.0
 */
export type PortError =
  | Errors.ConfigError
  | Errors.CredentialsError
  | Errors.LockTimeout
  | Errors.InvalidProfileName
  | Errors.ProfileNotFound
  | Errors.ProviderNotConfigured
  | Errors.NeedsLogin
  | Errors.NonInteractive
  | Errors.ProfileExists
  | Errors.SecretVariableNotSet
  | Errors.AccountMismatch
  | Errors.ProviderError

/**
 * Every tag of {@link PortError}, checked by the compiler both ways (a tag missing here, or one that is not a
 * PortError, is a type error): for code that must tell a port failure from anything else at run time.
 *
 * @since 0.4.0
 */
export const portErrorTags: { readonly [Tag in PortError["_tag"]]: true } = {
  ConfigError: true,
  CredentialsError: true,
  LockTimeout: true,
  InvalidProfileName: true,
  ProfileNotFound: true,
  ProviderNotConfigured: true,
  NeedsLogin: true,
  NonInteractive: true,
  ProfileExists: true,
  SecretVariableNotSet: true,
  AccountMismatch: true,
  ProviderError: true
}

/**
 * The services a provider is built from: the profile and credential stores, the refresh coordinator, and the person
 * (the CLI gives a terminal; programs and CI a non-interactive one).
 *
 * @since 0.4.0
 */
export type PortServices = ProfileStore | CredentialStore | CredentialRefresher | Interaction

/**
 * Credentials declared in code (a stage of a stack file) that are not environment variables, such as an AWS web
 * identity role: the provider keeps them in memory.
 *
 * @since 0.4.0
 */
export interface Declaration {
  readonly method: string
  readonly [key: string]: unknown
}

/**
 * A consumer layer: provides the provider's credentials service (`CloudflareCredentials`, `AwsCredentials`) and
 * the services its resources use. Typed `never` on the output side so layers of any provider combine.
 *
 * @since 0.4.0
 */
export type ConsumerLayer = Layer.Layer<never, PortError>

/**
 * The provider port, built. Configure / login / logout / describe (the management half) and resolve (the
 * credentials a consumer gets, as variables or as layers for a program).
 *
 * @since 0.1.0
 */
export interface ProviderPort {
  readonly descriptor: ProviderDescriptor
  /** Is this provider configured in the profile? */
  readonly isConfigured: (profile: ProfileName) => Effect.Effect<boolean, PortError>
  /** Collect what the method needs, verify it works, then save config + credentials. */
  readonly configure: (input: ConfigureInput) => Effect.Effect<Description, PortError>
  /** Re-authenticate or refresh an already configured provider. */
  readonly login: (input: ConfigureInput) => Effect.Effect<Description, PortError>
  /** Revoke where possible and delete the credentials; the configuration stays. */
  readonly logout: (profile: ProfileName) => Effect.Effect<void, PortError>
  /** Describe for `profile show`: valid credentials are resolved (refreshing if needed) but never printed in clear. */
  readonly describe: (profile: ProfileName) => Effect.Effect<Description, PortError>
  /** The profile's credentials as the provider's variables (refreshed if needed). */
  readonly resolve: (profile: ProfileName) => Effect.Effect<Variables, PortError>
  /**
   * The consumer layer for a stack program, resolved by DESIGN §4 from the app's `profile` and the command's
   * `--profile`, with the services the provider's resources use.
   */
  readonly credentials: (options: { readonly app?: string | undefined; readonly flag?: string | undefined }) => ConsumerLayer
  /** The consumer layer built from the provider's raw environment credentials (CLOUDFLARE_API_TOKEN, AWS_*). */
  readonly fromEnvironment: ConsumerLayer
  /**
   * Credentials declared in code that are not environment variables: the consumer layer and its variables;
   * `undefined` when the provider has no such method.
   */
  readonly declared: (declaration: Declaration, label: string) =>
    | { readonly layer: ConsumerLayer; readonly variables: Effect.Effect<Variables, PortError> }
    | undefined
  /**
   * Fails with `AccountMismatch` unless the credentials of `layer` reach `expected` (a stage's pinned account).
   */
  readonly requireAccount: (expected: string, pinnedBy: string, layer: ConsumerLayer) => Effect.Effect<void, PortError>
  /** The extra commands of the descriptor, by name: what each prints on stdout for the selected profile. */
  readonly commands: Readonly<Record<string, (selection: Selection) => Effect.Effect<string, PortError>>>
}

/**
 * What a descriptor's `load` resolves to.
 *
 * @since 0.4.0
 */
export interface ProviderModule {
  readonly make: Effect.Effect<ProviderPort, never, PortServices>
}

/**
 * A descriptor, checked (a literal `id` kept for the `ProviderName` type).
 *
 * @since 0.4.0
 */
export const descriptor = <const Id extends string>(d: ProviderDescriptor<Id>): ProviderDescriptor<Id> => d

/**
 * One flag the CLI offers for a provider's input (see {@link flagsOf}).
 *
 * @since 0.4.0
 */
export interface InputFlag {
  /** Without dashes: `account-id`, `api-token-env`. */
  readonly name: string
  readonly kind: "text" | "switch"
  readonly description: string
}

/**
 * The flags of a provider's inputs, by the one rule: an option `x` is `--x`; a secret `s` is `--s-env VAR`, plus
 * `--s-stdin` where it may come from standard input and `--s-variable VAR` where it may be kept by reference.
 *
 * @since 0.4.0
 */
export const flagsOf = (d: Pick<ProviderDescriptor, "options" | "secrets">): ReadonlyArray<InputFlag> => [
  ...d.options.map((o): InputFlag => ({ name: o.name, kind: o.kind ?? "text", description: o.description })),
  ...d.secrets.flatMap((s): Array<InputFlag> => [
    { name: `${s.name}-env`, kind: "text", description: `Read the ${s.title} from this environment variable` },
    ...(s.stdin
      ? [{ name: `${s.name}-stdin`, kind: "switch" as const, description: `Read the ${s.title} from standard input` }]
      : []),
    ...(s.reference
      ? [{
        name: `${s.name}-variable`,
        kind: "text" as const,
        description:
          `Keep no secret: read the ${s.title} from this environment variable every time it is used (stored as the variable's name)`
      }]
      : [])
  ])
]

/**
 * A `ConfigureInput` with nothing given but what `fields` says.
 *
 * @since 0.4.0
 */
export const input = (profile: ProfileName, fields: Partial<Omit<ConfigureInput, "profile">> = {}): ConfigureInput => ({
  profile,
  values: {},
  switches: {},
  secrets: {},
  references: {},
  ...fields
})

/**
 * The CLI flags of a secret, by the rule above (for a provider's own messages: "pass --api-token-stdin, ...").
 *
 * @since 0.4.0
 */
export const secretFlags = (secret: InputSecret): string =>
  [
    ...(secret.stdin ? [`--${secret.name}-stdin`] : []),
    `--${secret.name}-env <VARIABLE>`,
    ...(secret.reference ? [`--${secret.name}-variable <VARIABLE>`] : [])
  ].join(secret.reference && secret.stdin ? ", " : " or ").replace(/, (--[^,]*)$/, " or $1")
