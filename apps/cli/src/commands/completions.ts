/**
 * `alchemy completions bash|zsh|fish`: the shell completion script (same as the built-in `--completions`).
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"

export const completions = (root: () => Command.Command<any, any, any, any>) =>
  Command.make(
    "completions",
    { shell: Args.choice([["bash", "bash"], ["zsh", "zsh"], ["fish", "fish"]] as const, { name: "shell" }) },
    ({ shell }) => {
      const lines = shell === "bash"
        ? Command.getBashCompletions(root(), "alchemy")
        : shell === "zsh"
        ? Command.getZshCompletions(root(), "alchemy")
        : Command.getFishCompletions(root(), "alchemy")
      return Effect.flatMap(lines, (lines) => Console.log(lines.join("\n")))
    }
  ).pipe(
    Command.withDescription(
      "Print the completion script: bash: alchemy completions bash > ~/.local/share/bash-completion/completions/alchemy; zsh: alchemy completions zsh > \"${fpath[1]}/_alchemy\"; fish: alchemy completions fish > ~/.config/fish/completions/alchemy.fish"
    )
  )
