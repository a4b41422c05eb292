/**
 * Credentials a stage declares in the stack file (`stages.prod.credentials`), for machines with no profile of that
 * name (a CI runner has no ~/.alchemy): the names of the variables that hold the secrets, or AWS web identity.
 * They become the provider's usual environment credentials for this process only (CLOUDFLARE_API_TOKEN, AWS_*),
 * so nothing is written anywhere.
 */
import { SecretVariableNotSet } from "@alchemy/profile-core/Errors"
import * as SecretVariable from "@alchemy/profile-core/SecretVariable"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type { DeclaredCredentials } from "../Stack.js"
import { StackFileError } from "./Failure.js"

/** A declaration of one provider. */
export type Declaration = NonNullable<DeclaredCredentials[keyof DeclaredCredentials]>

const roleArn = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]{1,128}$/

/** The declaration's problems, as the stack file's error (`stages.prod.credentials.cloudflare: ...`). */
export const check = (file: string, stage: string, id: string, declaration: unknown): Effect.Effect<void, StackFileError> => {
  const bad = (detail: string) =>
    Effect.fail(new StackFileError({ file, detail: `stages.${stage}.credentials.${id}: ${detail}` }))
  if (typeof declaration !== "object" || declaration === null) return bad("must be an object with a method")
  const d = declaration as Record<string, unknown>
  const variables = (...keys: ReadonlyArray<string>) => {
    for (const key of keys) {
      const value = d[key]
      if (value === undefined && key.startsWith("sessionToken")) continue
      if (typeof value !== "string" || !SecretVariable.isName(value)) {
        return bad(`${key} must name an environment variable (letters, digits, _), not hold a value`)
      }
    }
    return Effect.void
  }
  const methods: Record<string, ReadonlyArray<string>> = {
    cloudflare: ["api-token", "api-key"],
    aws: ["access-keys", "web-identity"]
  }
  if (!(methods[id] ?? []).includes(String(d.method))) {
    return bad(`method must be one of ${(methods[id] ?? []).join(", ") || "(none: no declared credentials for this provider)"}`)
  }
  switch (d.method) {
    case "api-token":
      return variables("tokenVariable")
    case "api-key":
      return typeof d.email === "string" && d.email.includes("@") ? variables("keyVariable") : bad("email is needed")
    case "access-keys":
      return variables("accessKeyIdVariable", "secretAccessKeyVariable", "sessionTokenVariable")
    default:
      return typeof d.roleArn === "string" && roleArn.test(d.roleArn)
        ? Effect.void
        : bad("roleArn must be an IAM role ARN (arn:aws:iam::<12 digits>:role/<name>)")
  }
}

/** The variables a declaration reads, for the explanation (`$CF_PROD_TOKEN`). */
export const variablesOf = (declaration: Declaration): ReadonlyArray<string> => {
  switch (declaration.method) {
    case "api-token":
      return [declaration.tokenVariable]
    case "api-key":
      return [declaration.keyVariable]
    case "access-keys":
      return [declaration.accessKeyIdVariable, declaration.secretAccessKeyVariable, ...(declaration.sessionTokenVariable ? [declaration.sessionTokenVariable] : [])]
    case "web-identity":
      return []
  }
}

const read = (
  env: Readonly<Record<string, string | undefined>>,
  profile: string,
  provider: string,
  variable: string,
  what: string
): Effect.Effect<string, SecretVariableNotSet> => {
  const value = SecretVariable.read(env, variable)
  return value === undefined
    ? Effect.fail(new SecretVariableNotSet({ profile, provider, variable, what }))
    : Effect.succeed(Redacted.value(value))
}

/**
 * The provider's standard environment variables for this declaration (`CLOUDFLARE_API_TOKEN`, `AWS_*`), read from
 * the variables it names. `pinned` is the stage's pinned account (Cloudflare: the account to use when the
 * declaration names none).
 */
export const environment = (
  declaration: Declaration,
  context: { readonly profile: string; readonly pinned: string | undefined },
  env: Readonly<Record<string, string | undefined>> = process.env
): Effect.Effect<Record<string, string>, SecretVariableNotSet> =>
  Effect.gen(function*() {
    const { profile } = context
    switch (declaration.method) {
      case "api-token": {
        const account = declaration.accountId ?? context.pinned
        return {
          CLOUDFLARE_API_TOKEN: yield* read(env, profile, "cloudflare", declaration.tokenVariable, "API token"),
          ...(account !== undefined ? { CLOUDFLARE_ACCOUNT_ID: account } : {})
        }
      }
      case "api-key": {
        const account = declaration.accountId ?? context.pinned
        return {
          CLOUDFLARE_API_KEY: yield* read(env, profile, "cloudflare", declaration.keyVariable, "global API key"),
          CLOUDFLARE_EMAIL: declaration.email,
          ...(account !== undefined ? { CLOUDFLARE_ACCOUNT_ID: account } : {})
        }
      }
      case "access-keys": {
        const out: Record<string, string> = {
          AWS_ACCESS_KEY_ID: yield* read(env, profile, "aws", declaration.accessKeyIdVariable, "access key id"),
          AWS_SECRET_ACCESS_KEY: yield* read(env, profile, "aws", declaration.secretAccessKeyVariable, "secret access key")
        }
        if (declaration.sessionTokenVariable !== undefined) {
          out.AWS_SESSION_TOKEN = yield* read(env, profile, "aws", declaration.sessionTokenVariable, "session token")
        }
        if (declaration.region !== undefined) out.AWS_REGION = declaration.region
        return out
      }
      case "web-identity":
        return {}
    }
  })
