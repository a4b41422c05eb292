/**
 * `access-keys`: an access key id and secret (optionally a session token), verified with `GetCallerIdentity`
 * before anything is saved; or kept by reference (`references["aws-secret-access-key"]`, optionally
 * `references["aws-session-token"]`): the entry records the variables' names, no credentials file exists, and
 * every resolve reads them. `login` checks the keys still work.
 *
 * @internal
 */
import type { ConfigureInput } from "@alchemy/profile-core/AuthProvider"
import { Environment } from "@alchemy/profile-core/Environment"
import * as Effect from "effect/Effect"
import { AccessKeysFile, type AwsProviderEntry, providerId } from "../../AwsConfig.js"
import { AwsError } from "../../AwsError.js"
import { callerIdentity } from "../shared.js"
import * as SecretVariable from "../variable.js"
import { type Configured, type Kit, type Method, referenceOf, secretOf, withoutMethodSettings } from "./method.js"

/**
 * `--aws-secret-access-key-variable` / `--aws-session-token-variable`: a variable name, and not given together
 * with the secret itself.
 */
const variableFlag = (input: ConfigureInput, kind: SecretVariable.Kind) =>
  Effect.gen(function*() {
    const flag = SecretVariable.flagOf(kind)
    const given = referenceOf(input, kind)
    if (given === undefined) return undefined
    if (!SecretVariable.isVariableName(given)) {
      return yield* new AwsError({
        reason: "InvalidSetting",
        profile: input.profile,
        detail: `--${flag} needs an environment variable name (a letter or _, then letters, digits or _), got ${
          JSON.stringify(given.slice(0, 40))
        }`
      })
    }
    if (secretOf(input, kind) !== undefined) {
      return yield* new AwsError({
        reason: "InvalidSetting",
        profile: input.profile,
        detail: `give the ${SecretVariable.what[kind]} or the variable to read it from (--${flag}), not both`
      })
    }
    return given
  })

/**
 * Access keys by reference: the entry keeps the access key id and the variables' names; no credentials file (a
 * stored one is removed in the same step). Verified with `GetCallerIdentity` when the variables are set now;
 * otherwise saved with a note that it was not verified.
 */
const configureByReference = (
  kit: Kit,
  input: ConfigureInput,
  previous: AwsProviderEntry | undefined,
  accessKeyId: string,
  secretVariable: string,
  tokenVariable: string | undefined
) =>
  Effect.gen(function*() {
    const profile = input.profile
    const region = yield* kit.askRegion(input, previous?.region)
    const entry: AwsProviderEntry = {
      ...withoutMethodSettings(previous),
      method: "access-keys",
      ...(region !== undefined ? { region } : {}),
      accessKeyId,
      variables: {
        "aws-secret-access-key": secretVariable,
        ...(tokenVariable !== undefined ? { "aws-session-token": tokenVariable } : {})
      }
    }
    const env = yield* Environment
    const secretAccessKey = SecretVariable.read(env, secretVariable)
    const sessionToken = tokenVariable === undefined ? undefined : SecretVariable.read(env, tokenVariable)
    const unset = secretAccessKey === undefined
      ? { variable: secretVariable, kind: "aws-secret-access-key" as const }
      : tokenVariable !== undefined && sessionToken === undefined
      ? { variable: tokenVariable, kind: "aws-session-token" as const }
      : undefined
    if (unset !== undefined || secretAccessKey === undefined) {
      const variable = unset?.variable ?? secretVariable
      return {
        entry,
        file: undefined,
        notes: [
          `not verified: $${variable} is not set now (the ${
            SecretVariable.what[unset?.kind ?? "aws-secret-access-key"]
          } is read from $${variable} each time profile ${profile} is used)`
        ]
      } satisfies Configured
    }
    const identity = yield* callerIdentity(profile, { accessKeyId, secretAccessKey, sessionToken }, region)
    return { entry: { ...entry, metadata: { id: identity.account, name: identity.arn } }, file: undefined } satisfies Configured
  })

/** @internal */
export const accessKeys: Method = {
  id: "access-keys",
  ownInputs: [
    { kind: "reference", name: "aws-secret-access-key" },
    { kind: "reference", name: "aws-session-token" }
  ],
  configure: (kit, input, previous) =>
    Effect.gen(function*() {
      const profile = input.profile
      const secretVariable = yield* variableFlag(input, "aws-secret-access-key")
      const tokenVariable = yield* variableFlag(input, "aws-session-token")
      if (tokenVariable !== undefined && secretVariable === undefined) {
        return yield* new AwsError({
          reason: "InvalidSetting",
          profile,
          detail: "--aws-session-token-variable goes with --aws-secret-access-key-variable (both secrets by reference)"
        })
      }
      const accessKeyId = yield* kit.ask(input, "aws-access-key-id", "AWS access key id")
      if (secretVariable !== undefined) {
        return yield* configureByReference(kit, input, previous, accessKeyId, secretVariable, tokenVariable)
      }
      const secretAccessKey = yield* kit.askSecret(input, "aws-secret-access-key", "AWS secret access key")
      const sessionToken = secretOf(input, "aws-session-token")
      const region = yield* kit.askRegion(input, previous?.region)
      const identity = yield* callerIdentity(profile, { accessKeyId, secretAccessKey, sessionToken }, region)
      return {
        entry: {
          ...withoutMethodSettings(previous),
          method: "access-keys",
          ...(region !== undefined ? { region } : {}),
          metadata: { id: identity.account, name: identity.arn }
        },
        file: {
          schema: AccessKeysFile,
          value: {
            type: "access-keys",
            accessKeyId,
            secretAccessKey,
            ...(sessionToken !== undefined ? { sessionToken } : {})
          }
        }
      } satisfies Configured
    }),
  login: (kit, input, entry, file) =>
    Effect.gen(function*() {
      if (file?.type !== "access-keys" && SecretVariable.referenceOf(entry) === undefined) return "configure" as const
      // Keys do not expire by themselves: login checks they still work.
      const resolved = yield* kit.resolver.resolve(input.profile)
      yield* callerIdentity(input.profile, resolved, resolved.region)
      return undefined
    }),
  resolve: (kit, { base, entry, profile }) =>
    Effect.gen(function*() {
      const reference = SecretVariable.referenceOf(entry)
      if (reference !== undefined) {
        // Kept by reference: read from the environment at every resolve, never stored nor cached.
        return { ...base, ...(yield* SecretVariable.resolve(profile, reference, yield* Environment)) }
      }
      const file = yield* kit.refresher.getValid({
        profile,
        provider: providerId,
        schema: AccessKeysFile,
        isValid: (current) => current.type === "access-keys",
        refresh: (current) => Effect.succeed(current)
      })
      return {
        ...base,
        accessKeyId: file.accessKeyId,
        secretAccessKey: file.secretAccessKey,
        sessionToken: file.sessionToken
      }
    }),
  details: (_kit, _profile, entry) =>
    Effect.map(Environment, (env) => {
      const reference = SecretVariable.referenceOf(entry)
      if (reference === undefined) return undefined
      const set = (name: string) => SecretVariable.read(env, name) !== undefined
      return {
        secretLines: [
          { label: "secretAccessKey", value: `from $${reference.secretAccessKey} (${set(reference.secretAccessKey) ? "set" : "not set"})` },
          ...(reference.sessionToken === undefined ? [] : [
            { label: "sessionToken", value: `from $${reference.sessionToken} (${set(reference.sessionToken) ? "set" : "not set"})` }
          ])
        ],
        accessKeyId: reference.accessKeyId,
        lines: [],
        json: {
          secretVariable: { name: reference.secretAccessKey, set: set(reference.secretAccessKey) },
          ...(reference.sessionToken === undefined ? {} : {
            sessionTokenVariable: { name: reference.sessionToken, set: set(reference.sessionToken) }
          })
        }
      }
    }),
  sourceDetail: (entry) =>
    entry.variables?.["aws-secret-access-key"] !== undefined ? `secret from $${entry.variables["aws-secret-access-key"]}` : undefined
}
