/** The AWS provider wired for the CLI (the AWS SDK itself is loaded by the provider only when a call needs it). */
import type { AuthProvider, ConfigureInput } from "@alchemy/profile-core/AuthProvider"
import type { ProfileName } from "@alchemy/profile-core/ProfileName"
import type { Selection } from "@alchemy/profile-core/Selection"
import * as AwsAccountPin from "@alchemy/provider-aws/AwsAccountPin"
import * as AwsAuthProvider from "@alchemy/provider-aws/AwsAuthProvider"
import * as AwsCredentials from "@alchemy/provider-aws/AwsCredentials"
import * as AwsEphemeral from "@alchemy/provider-aws/AwsEphemeral"
import * as AwsResolver from "@alchemy/provider-aws/AwsResolver"
import * as CredentialProcess from "@alchemy/provider-aws/CredentialProcess"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { Core, Provider } from "../Providers.js"

const services = AwsAuthProvider.layer.pipe(Layer.provideMerge(AwsResolver.layer))

const withAuth = <A, E>(f: (auth: AuthProvider) => Effect.Effect<A, E, any>): Effect.Effect<A, unknown, Core> =>
  Effect.provide(Effect.flatMap(AwsAuthProvider.AwsAuthProvider, f), services) as Effect.Effect<A, unknown, Core>

const auth: AuthProvider<Core> = {
  id: "aws",
  title: "AWS",
  methods: AwsAuthProvider.methods,
  environmentCredentials: AwsCredentials.environmentCredentials,
  profileVariable: AwsCredentials.profileVariable,
  isConfigured: (profile: ProfileName) => withAuth((a) => a.isConfigured(profile)),
  configure: (input: ConfigureInput) => withAuth((a) => a.configure(input)),
  login: (input: ConfigureInput) => withAuth((a) => a.login(input)),
  logout: (profile: ProfileName) => withAuth((a) => a.logout(profile)),
  describe: (profile: ProfileName) => withAuth((a) => a.describe(profile)),
  environment: (profile: ProfileName) => withAuth((a) => a.environment(profile))
}

export const provider: Provider = {
  id: "aws",
  title: "AWS",
  auth,
  credentials: (options) => AwsCredentials.layer(options).pipe(Layer.provide(AwsResolver.layer)),
  services: AwsResolver.layer,
  requireAccount: (expected, pinnedBy) => AwsAccountPin.require(expected, { pinnedBy }),
  fromEnvironment: AwsCredentials.fromEnv,
  declared: (declaration, label) => {
    if (declaration.method !== "web-identity") return undefined
    const d = declaration as unknown as {
      readonly roleArn: string
      readonly region?: string
      readonly sessionName?: string
      readonly audience?: string
      readonly durationSeconds?: number
    }
    // One session for every use in this command (the pin check, the program, env/exec's variables).
    const layer = Layer.succeed(AwsCredentials.AwsCredentials, AwsEphemeral.makeWebIdentity({ ...d, label }))
    return {
      layer,
      environment: Effect.provide(
        Effect.map(Effect.flatMap(AwsCredentials.AwsCredentials, (c) => c.get), CredentialProcess.toEnvironment),
        layer
      )
    }
  }
}

/** `alchemy aws credential-process`: Version 1 JSON for the selected profile (or the raw environment keys). */
export const credentialProcess = (selection: Selection) =>
  selection.useEnvironmentCredentials
    ? Effect.map(
      Effect.flatMap(AwsCredentials.AwsCredentials, (credentials) => credentials.get),
      CredentialProcess.toCredentialProcessOutput
    ).pipe(Effect.provide(AwsCredentials.fromEnv))
    : Effect.provide(CredentialProcess.credentialProcessOutput(selection.profile), AwsResolver.layer)
