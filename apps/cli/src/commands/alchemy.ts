/**
 * The root command: `alchemy` and its subcommands.
 */
import * as Command from "@effect/cli/Command"
import { providers } from "../ProviderList.js"
import { completions } from "./completions.js"
import { configure, login, logout } from "./configure.js"
import { env, exec, providerCommands } from "./environment.js"
import { profile } from "./profile.js"
import { deploy, destroy, dev, plan, run } from "./stack.js"

const names: ReadonlyArray<string> = providers.map((p) => p.title)
const titles = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]!}`

const self = (): Command.Command<any, any, any, any> => alchemy

export const alchemy = Command.make("alchemy").pipe(
  Command.withDescription(`Named credential profiles for ${titles} infrastructure-as-code`),
  Command.withSubcommands([
    configure,
    login,
    logout,
    profile,
    deploy,
    destroy,
    dev,
    plan,
    run,
    exec,
    env,
    ...providerCommands,
    completions(self)
  ])
)
