/**
 * `alchemy exec`, `alchemy env`, and the providers' own commands (`alchemy aws credential-process`).
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Effect from "effect/Effect"
import { providers } from "../ProviderList.js"
import * as Flags from "./Flags.js"

const environment = () => import("../internal/environment.js")

export const exec = Command.make(
  "exec",
  {
    profile: Flags.profile,
    stage: Flags.envStage,
    force: Flags.force,
    command: Args.text({ name: "command" }).pipe(Args.atLeast(1), Args.withDescription("The command and its arguments, after --"))
  },
  (flags) => Effect.flatMap(Effect.promise(environment), (m) => m.exec(flags))
).pipe(
  Command.withDescription(
    `Run a command with the profile's credentials as the usual environment variables (${
      providers.map((p) => p.environmentCredentials[0]!.join(", ")).join(", ")
    }, ...); exit code and signals are forwarded. Example: alchemy exec --profile prod -- wrangler whoami`
  )
)

export const env = Command.make(
  "env",
  {
    profile: Flags.profile,
    stage: Flags.envStage,
    force: Flags.force,
    format: Flags.format
  },
  (flags) => Effect.flatMap(Effect.promise(environment), (m) => m.env(flags))
).pipe(
  Command.withDescription(
    "Print the profile's credentials as environment variables, e.g. eval \"$(alchemy env --profile prod)\". Values are hidden when standard output is a terminal."
  )
)

/**
 * Each provider's own commands, under its id (`alchemy aws credential-process`), from its descriptor. Each takes
 * `--profile` and prints what the provider returns.
 */
export const providerCommands = providers.filter((d) => d.commands.length > 0).map((d) => {
  const [first, ...rest] = d.commands.map((c) =>
    Command.make(
      c.name,
      { profile: Flags.profile },
      (flags) => Effect.flatMap(Effect.promise(environment), (m) => m.providerCommand(m.entryOf(d.id), c.name)(flags))
    ).pipe(Command.withDescription(c.description))
  )
  return Command.make(d.id).pipe(
    Command.withDescription(`${d.title} helpers`),
    Command.withSubcommands([first!, ...rest])
  )
})
