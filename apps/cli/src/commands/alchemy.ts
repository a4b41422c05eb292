/**
 * The root command: `alchemy` and its subcommands.
 */
import * as Command from "@effect/cli/Command"
import { completions } from "./completions.js"
import { configure, login, logout } from "./configure.js"
import { aws, env, exec } from "./environment.js"
import { profile } from "./profile.js"
import { deploy, destroy, dev, plan, run } from "./stack.js"

const self = (): Command.Command<any, any, any, any> => alchemy

export const alchemy = Command.make("alchemy").pipe(
  Command.withDescription("Named credential profiles for Cloudflare and AWS infrastructure-as-code"),
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
    aws,
    completions(self)
  ])
)
