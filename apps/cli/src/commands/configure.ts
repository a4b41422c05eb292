/**
 * `alchemy configure`, `alchemy login`, `alchemy logout`.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Flags from "./Flags.js"

const auth = () => import("../internal/auth.js")

export const configure = Command.make(
  "configure",
  { profile: Flags.targetProfile, provider: Flags.provider, store: Flags.store, inputs: Flags.inputs },
  (flags) => Effect.flatMap(Effect.promise(auth), (m) => m.configure(flags))
).pipe(
  Command.withDescription(
    "Configure a profile: pick a provider and method, sign in, verify and save. Every prompt has a flag; secrets come from a masked prompt, --*-stdin or --*-env VAR, never from argv. --store keychain keeps them in the OS keychain instead of a file."
  )
)

export const login = Command.make(
  "login",
  {
    profile: Flags.targetProfile,
    provider: Flags.provider,
    configure: Options.boolean("configure").pipe(
      Options.withDescription("Configure every provider again instead of refreshing the configured ones")
    ),
    stackFile: Flags.stackFile,
    store: Flags.store,
    inputs: Flags.inputs
  },
  (flags) => Effect.flatMap(Effect.promise(auth), (m) => m.login(flags))
).pipe(
  Command.withDescription(
    "Sign in again / refresh. Reads the stack file (default ./alchemy.run.ts, if present) to learn which providers it needs, configures the missing ones and refreshes the others, then prints the profile."
  )
)

export const logout = Command.make(
  "logout",
  { profile: Flags.targetProfile, provider: Flags.provider, yes: Flags.yes },
  (flags) => Effect.flatMap(Effect.promise(auth), (m) => m.logout(flags))
).pipe(
  Command.withDescription(
    "Revoke (where the provider can) and delete the stored credentials; the profile's configuration stays, so `alchemy login` works again."
  )
)
