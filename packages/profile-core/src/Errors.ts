/**
 * The typed errors of profile-core. Every error is a `Schema.TaggedError` with a `message` that says what happened
 * and what to do next. No error ever carries a secret value: details are built from paths and kinds of problem,
 * never from file contents.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * What went wrong with a file.
 *
 * @since 0.1.0
 */
export const FileProblem = Schema.Literal(
  "Unreadable",
  "InvalidJson",
  "UnknownVersion",
  "SchemaMismatch",
  "ReadOnly",
  "WriteFailed",
  /** Owned by another user, or writable by others (the detail names which and the command that fixes it). */
  "Unsafe",
  /** The secret lives in the OS keychain, which cannot be used now (the detail names the cause and the fix). */
  "Keychain"
)
/** @since 0.1.0 */
export type FileProblem = typeof FileProblem.Type

const fixFor = (reason: FileProblem, path: string): string => {
  switch (reason) {
    case "Unreadable":
      return `Check that ${path} is a regular file you own (mode 0600), then retry.`
    case "InvalidJson":
    case "SchemaMismatch":
      return `The file was left unchanged. Fix it by hand, or move it away (mv ${path} ${path}.broken) and run \`alchemy configure\` again.`
    case "UnknownVersion":
      return `The file was written by a newer alchemy and was left unchanged. Upgrade alchemy, or move the file away (mv ${path} ${path}.broken).`
    case "ReadOnly":
      return `Make the directory writable by you, or set ALCHEMY_HOME to a writable directory.`
    case "WriteFailed":
      return `Nothing was changed. Check free disk space and permissions, then retry.`
    case "Unsafe":
      return `Nothing was read or written.`
    case "Keychain":
      return `Nothing was changed, and no secret was written to a file instead.`
  }
}

const problemText = (reason: FileProblem): string => {
  switch (reason) {
    case "Unreadable":
      return "cannot be read"
    case "InvalidJson":
      return "is not valid JSON"
    case "UnknownVersion":
      return "has a version this alchemy does not understand"
    case "SchemaMismatch":
      return "does not have the expected shape"
    case "ReadOnly":
      return "cannot be written (read-only)"
    case "WriteFailed":
      return "could not be written"
    case "Unsafe":
      return "is not safe to use"
    case "Keychain":
      return "cannot be reached"
  }
}

/**
 * A problem with `config.json` (or the legacy `profiles.json`).
 *
 * @since 0.1.0
 */
export class ConfigError extends Schema.TaggedError<ConfigError>("@alchemy/profile-core/ConfigError")("ConfigError", {
  reason: FileProblem,
  path: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    // The detail of `Unsafe` names what cannot be trusted (the home, a directory in it, this file) and the fix.
    if (this.reason === "Unsafe") return `Refusing to use the alchemy home: ${this.detail}. ${fixFor(this.reason, this.path)}`
    return `${this.path} ${problemText(this.reason)}: ${this.detail}. ${fixFor(this.reason, this.path)}`
  }
}

/**
 * A problem with one credentials file `credentials/<profile>/<provider>.json`.
 *
 * @since 0.1.0
 */
export class CredentialsError extends Schema.TaggedError<CredentialsError>("@alchemy/profile-core/CredentialsError")(
  "CredentialsError",
  {
    reason: FileProblem,
    path: Schema.String,
    profile: Schema.String,
    provider: Schema.String,
    detail: Schema.String
  }
) {
  override get message(): string {
    // `path` is another file when the problem is there (a legacy profiles.json that cannot be migrated): signing in
    // again would not replace that file, so the fix is the one for that file.
    const ownFile = this.path.endsWith(`/${this.profile}/${this.provider}.json`)
    const fix = ownFile &&
        (this.reason === "InvalidJson" || this.reason === "SchemaMismatch" || this.reason === "UnknownVersion")
      ? `The file was left unchanged. Run \`alchemy login --profile ${this.profile} --provider ${this.provider}\` to replace it, or fix it by hand.`
      : fixFor(this.reason, this.path)
    if (this.reason === "Unsafe") {
      return `Refusing to use the alchemy home for the ${this.provider} credentials of profile ${this.profile}: ${this.detail}. ${fix}`
    }
    return `${this.provider} credentials of profile ${this.profile} (${this.path}) ${problemText(this.reason)}: ${this.detail}. ${fix}`
  }
}

/**
 * Another process held a lock for longer than we were willing to wait.
 *
 * @since 0.1.0
 */
export class LockTimeout extends Schema.TaggedError<LockTimeout>("@alchemy/profile-core/LockTimeout")("LockTimeout", {
  path: Schema.String,
  waitedMs: Schema.Number
}) {
  override get message(): string {
    return `Timed out after ${Math.round(this.waitedMs)}ms waiting for the lock ${this.path}, held by another alchemy process. ` +
      `Wait for it to finish and retry; a lock left by a killed process is recovered automatically after 10 seconds.`
  }
}

/**
 * A profile name that cannot be used (it becomes a directory name).
 *
 * @since 0.1.0
 */
export class InvalidProfileName extends Schema.TaggedError<InvalidProfileName>(
  "@alchemy/profile-core/InvalidProfileName"
)("InvalidProfileName", {
  input: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `Invalid profile name ${JSON.stringify(this.input)}: ${this.detail}. ` +
      `Use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit (for example: prod, dev-eu).`
  }
}

/**
 * @since 0.1.0
 */
export class ProfileNotFound extends Schema.TaggedError<ProfileNotFound>("@alchemy/profile-core/ProfileNotFound")(
  "ProfileNotFound",
  {
    profile: Schema.String,
    available: Schema.Array(Schema.String)
  }
) {
  override get message(): string {
    const list = this.available.length === 0 ? "there are no profiles yet" : `available: ${this.available.join(", ")}`
    return `Profile ${this.profile} does not exist (${list}). Create it with \`alchemy configure --profile ${this.profile}\`.`
  }
}

/**
 * @since 0.1.0
 */
export class ProviderNotConfigured extends Schema.TaggedError<ProviderNotConfigured>(
  "@alchemy/profile-core/ProviderNotConfigured"
)("ProviderNotConfigured", {
  profile: Schema.String,
  provider: Schema.String
}) {
  override get message(): string {
    return `Profile ${this.profile} has no ${this.provider} configuration. ` +
      `Run \`alchemy configure --profile ${this.profile} --provider ${this.provider}\`.`
  }
}

/**
 * Credentials are missing, expired beyond refresh, or were revoked. The CLI maps this to exit code 3.
 *
 * @since 0.1.0
 */
export class NeedsLogin extends Schema.TaggedError<NeedsLogin>("@alchemy/profile-core/NeedsLogin")("NeedsLogin", {
  profile: Schema.String,
  provider: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.provider} credentials of profile ${this.profile}: ${this.detail}. Run \`alchemy login --profile ${this.profile}\`.`
  }
}

/**
 * A value is needed but nobody can be asked (no terminal, or CI is set).
 *
 * @since 0.1.0
 */
export class NonInteractive extends Schema.TaggedError<NonInteractive>("@alchemy/profile-core/NonInteractive")(
  "NonInteractive",
  {
    what: Schema.String,
    flag: Schema.String
  }
) {
  override get message(): string {
    return `${this.what} is needed; pass ${this.flag} (no prompt without a terminal or with CI set)`
  }
}

/**
 * A profile cannot be created or renamed to a name that is already taken.
 *
 * @since 0.1.0
 */
export class ProfileExists extends Schema.TaggedError<ProfileExists>("@alchemy/profile-core/ProfileExists")(
  "ProfileExists",
  { profile: Schema.String }
) {
  override get message(): string {
    return `Profile ${this.profile} already exists (in config.json or as a credentials directory). ` +
      `Pick another name, or delete it first with \`alchemy profile delete ${this.profile}\`.`
  }
}

/**
 * A profile keeps no secret of its own but names the environment variable it lives in (`alchemy configure
 * --api-token-variable CF_PROD_TOKEN`), and that variable is not set, or is empty, now. Never carries a value: only
 * the variable's name. The CLI maps it to exit code 1.
 *
 * @since 0.3.0
 */
export class SecretVariableNotSet extends Schema.TaggedError<SecretVariableNotSet>(
  "@alchemy/profile-core/SecretVariableNotSet"
)("SecretVariableNotSet", {
  profile: Schema.String,
  provider: Schema.String,
  /** The variable's name (never its value). */
  variable: Schema.String,
  /** What the variable should hold, for people: `API token`, `global API key`. */
  what: Schema.String
}) {
  override get message(): string {
    return `Profile ${this.profile} reads its ${this.provider} ${this.what} from the environment variable ` +
      `${this.variable}, which is not set or is empty. Set ${this.variable} (in CI: map the secret to this ` +
      `variable), or configure the profile with a stored secret: alchemy configure --profile ${this.profile} ` +
      `--provider ${this.provider}`
  }
}

/**
 * The credentials reach another account than the one a stage is pinned to (`stages.prod.accounts` in the stack
 * file): refused before anything runs. Names the pinned and the found account (ids, never a secret).
 *
 * @since 0.3.0
 */
export class AccountMismatch extends Schema.TaggedError<AccountMismatch>("@alchemy/profile-core/AccountMismatch")(
  "AccountMismatch",
  {
    provider: Schema.String,
    expected: Schema.String,
    found: Schema.String,
    /** What pinned the account, for the message: `stage prod of my-app`. */
    pinnedBy: Schema.String,
    /** Where the credentials came from: `profile prod`. */
    source: Schema.String
  }
) {
  override get message(): string {
    return `${this.pinnedBy} is pinned to ${this.provider} account ${this.expected}, but the credentials of ` +
      `${this.source} reach account ${this.found}. Nothing was run. Check which account ${this.source} uses ` +
      `(alchemy profile show), or the pin in the stack file.`
  }
}

/**
 * A provider's own failure as the port reports it (an API that refused the credentials, a browser login that timed
 * out, an input the method cannot use): the provider's message, which says what happened and what to do. `usage`
 * marks a mistake in what was asked (the CLI's exit code 2); otherwise exit code 1. The provider's own typed error
 * stays in `cause` for programs that want it; it is never printed (it could hold data a message must not).
 *
 * @since 0.4.0
 */
export class ProviderError extends Schema.TaggedError<ProviderError>("@alchemy/profile-core/ProviderError")(
  "ProviderError",
  {
    provider: Schema.String,
    message: Schema.String,
    usage: Schema.optionalWith(Schema.Boolean, { default: () => false }),
    cause: Schema.optional(Schema.Unknown)
  }
) {}
