/**
 * `alchemy profile show|list|delete`.
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Flags from "./Flags.js"

const profiles = () => import("../internal/profiles.js")

const show = Command.make(
  "show",
  { profile: Flags.profile, stage: Flags.envStage, force: Flags.force, json: Flags.json },
  (flags) => Effect.flatMap(Effect.promise(profiles), (m) => m.show(flags))
).pipe(
  Command.withDescription(
    "Show the selected profile (values redacted), which profile was selected and why, and any environment variable that shadows it"
  )
)

const list = Command.make(
  "list",
  { profile: Flags.targetProfile, json: Flags.json },
  (flags) => Effect.flatMap(Effect.promise(profiles), (m) => m.list(flags))
).pipe(Command.withDescription("List the profiles and their providers; * marks the one selected (--profile, ALCHEMY_PROFILE, default)"))

const remove = Command.make(
  "delete",
  { name: Args.text({ name: "profile" }), yes: Flags.yes },
  (flags) => Effect.flatMap(Effect.promise(profiles), (m) => m.remove(flags))
).pipe(Command.withDescription("Delete a profile: log out of its providers (revoking OAuth grants), then delete its configuration and stored credentials"))

const move = Command.make(
  "move",
  {
    profile: Flags.targetProfile,
    provider: Flags.provider,
    to: Options.choice("to", ["file", "keychain"]).pipe(
      Options.withDescription("Where the secrets go: file (credentials/<profile>/<provider>.json) or keychain (the OS keychain)")
    )
  },
  (flags) => Effect.flatMap(Effect.promise(profiles), (m) => m.move(flags))
).pipe(
  Command.withDescription(
    "Move a profile's secrets between the credentials files and the OS keychain: written to the new place, the profile pointed at it, then removed from the old one (no moment without a copy; a failure leaves them where they were)"
  )
)

export const profile = Command.make("profile").pipe(
  Command.withDescription("Inspect and manage profiles"),
  Command.withSubcommands([show, list, move, remove])
)
