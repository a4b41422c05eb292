/**
 * Credentials a stage declares in the stack file (`stages.prod.credentials`), for machines with no profile of that
 * name (a CI runner has no ~/.alchemy): the names of the variables that hold the secrets, or a method the provider
 * keeps in memory (AWS web identity). What each provider accepts is data of its descriptor (`declarations`); the
 * declared variables become the provider's usual environment credentials for this process only
 * (CLOUDFLARE_API_TOKEN, AWS_*), so nothing is written anywhere.
 */
import type { DeclarationDescriptor } from "@alchemy/profile-core/AuthProvider"
import { SecretVariableNotSet } from "@alchemy/profile-core/Errors"
import * as SecretVariable from "@alchemy/profile-core/SecretVariable"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type { DeclaredCredentials } from "../Stack.js"
import { StackFileError } from "./Failure.js"
import * as Providers from "./Providers.js"

/** A declaration of one provider. */
export type Declaration = NonNullable<DeclaredCredentials[keyof DeclaredCredentials]>

/** The provider's declaration of this method, if it has one. */
const descriptorOf = (provider: string, method: unknown): DeclarationDescriptor | undefined =>
  Providers.entry(provider)?.declarations?.find((d) => d.method === method)

const field = (declaration: object, name: string): unknown => (declaration as Record<string, unknown>)[name]

/** The declaration's problems, as the stack file's error (`stages.prod.credentials.cloudflare: ...`). */
export const check = (file: string, stage: string, id: string, declaration: unknown): Effect.Effect<void, StackFileError> => {
  const bad = (detail: string) =>
    Effect.fail(new StackFileError({ file, detail: `stages.${stage}.credentials.${id}: ${detail}` }))
  if (typeof declaration !== "object" || declaration === null) return bad("must be an object with a method")
  const method = field(declaration, "method")
  const described = descriptorOf(id, method)
  if (described === undefined) {
    const methods = (Providers.entry(id)?.declarations ?? []).map((d) => d.method)
    return bad(`method must be one of ${methods.join(", ") || "(none: no declared credentials for this provider)"}`)
  }
  for (const v of described.values) {
    const value = field(declaration, v.field)
    if (v.required !== undefined && (typeof value !== "string" || !v.required.pattern.test(value))) {
      return bad(v.required.problem)
    }
  }
  for (const v of described.variables) {
    const value = field(declaration, v.field)
    if (value === undefined && v.optional === true) continue
    if (typeof value !== "string" || !SecretVariable.isName(value)) {
      return bad(`${v.field} must name an environment variable (letters, digits, _), not hold a value`)
    }
  }
  return Effect.void
}

/** The variables a declaration reads, for the explanation (`$CF_PROD_TOKEN`). */
export const variablesOf = (provider: string, declaration: Declaration): ReadonlyArray<string> =>
  (descriptorOf(provider, declaration.method)?.variables ?? []).flatMap((v) => {
    const name = field(declaration, v.field)
    return typeof name === "string" ? [name] : []
  })

/**
 * The provider's standard environment variables for this declaration (`CLOUDFLARE_API_TOKEN`, `AWS_*`), read from
 * the variables it names. `pinned` is the stage's pinned account (the account to use when the declaration names
 * none, for a provider that says so).
 */
export const environment = (
  provider: string,
  declaration: Declaration,
  context: { readonly profile: string; readonly pinned: string | undefined },
  env: Readonly<Record<string, string | undefined>>
): Effect.Effect<Record<string, string>, SecretVariableNotSet> =>
  Effect.gen(function*() {
    const described = descriptorOf(provider, declaration.method)
    const out: Record<string, string> = {}
    if (described === undefined) return out
    for (const v of described.variables) {
      const variable = field(declaration, v.field)
      if (typeof variable !== "string") continue
      const value = SecretVariable.read(env, variable)
      if (value === undefined) {
        return yield* new SecretVariableNotSet({ profile: context.profile, provider, variable, what: v.what })
      }
      out[v.fills] = Redacted.value(value)
    }
    for (const v of described.values) {
      if (v.fills === undefined) continue
      const given = field(declaration, v.field)
      const value = typeof given === "string" ? given : v.orPinnedAccount === true ? context.pinned : undefined
      if (value !== undefined) out[v.fills] = value
    }
    return out
  })
