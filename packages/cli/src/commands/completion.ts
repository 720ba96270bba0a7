/**
 * `spool completion bash|zsh|fish`: prints a completion script for the shell.
 *
 * Invariants: the scripts hold no command or option names of their own; they ask
 * `LAUNCHER __complete -- WORDS... CURRENT` for candidates, so completion always matches the
 * installed CLI (commands, options, choices, and the pools of the pool directory). LAUNCHER is
 * what made the script (lib/launcher.ts): plain `spool` when PATH's `spool` is this CLI, else
 * this node and bin script by absolute path (so scripts made by `npx spool` work), named in a
 * comment line. The scripts always complete the command name `spool` (also an alias).
 */
import type { CommandModule } from "../lib/command.js";
import { launcherFor } from "../lib/launcher.js";
import { commandOptions } from "../lib/option-table.js";

const SHELLS = ["bash", "zsh", "fish"] as const;
const OPTIONS = commandOptions(
  "completion",
  { shell: { type: "string", choices: SHELLS, describe: "Shell to complete for" } },
  {},
);

/** `run` made safe for one comment line (a path may hold a newline). */
const comment = (run: string): string => run.replace(/[\r\n]/g, "?");

const SCRIPTS: Record<(typeof SHELLS)[number], (run: string) => string> = {
  bash: (
    run,
  ) => `# spool completion for bash. Install: echo 'source <(spool completion bash)' >> ~/.bashrc
# Candidates come from: ${comment(run)} __complete
_spool_completion() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  local IFS=$'\\n'
  COMPREPLY=($(${run} __complete -- "\${COMP_WORDS[@]:1:COMP_CWORD-1}" "$cur" 2>/dev/null))
}
complete -o default -F _spool_completion spool
`,
  zsh: (run) => `#compdef spool
# spool completion for zsh. Install: echo 'source <(spool completion zsh)' >> ~/.zshrc (after compinit)
# Candidates come from: ${comment(run)} __complete
_spool() {
  local -a candidates
  candidates=("\${(@f)$(${run} __complete -- "\${(@)words[2,CURRENT-1]}" "\${words[CURRENT]}" 2>/dev/null)}")
  if (( \${#candidates[@]} )) && [[ -n "\${candidates[1]}" ]]; then
    compadd -a candidates
  else
    _files
  fi
}
compdef _spool spool
`,
  fish: (
    run,
  ) => `# spool completion for fish. Install: spool completion fish > ~/.config/fish/completions/spool.fish
# Candidates come from: ${comment(run)} __complete
function __spool_complete
    set -l tokens (commandline -opc)
    set -e tokens[1]
    ${run} __complete -- $tokens (commandline -ct) 2>/dev/null
end
complete -c spool -f -a '(__spool_complete)'
`,
};

export const command: CommandModule = {
  builder: OPTIONS.builder,
  async run(raw, ctx) {
    const args = OPTIONS.parse(raw);
    void ctx.io.out.write(SCRIPTS[args.shell](launcherFor(args.shell)));
    return 0;
  },
};
