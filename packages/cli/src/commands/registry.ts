/**
 * The command table: names, usage, one-line descriptions, and a lazy loader per command.
 *
 * Invariants: this file imports no command implementation statically, so listing commands
 * (help, completion) costs nothing; every loader resolves to a CommandModule; `usage` holds only
 * the positional part that follows the command words.
 */
import type { CommandModule } from "../lib/command.js";

export interface CommandEntry {
  /** Command words, e.g. ["pool", "create"]. */
  path: readonly string[];
  /** Positionals, in yargs syntax: "<pool> [data]". */
  usage: string;
  describe: string;
  load: () => Promise<CommandModule>;
  hidden?: boolean;
}

/** A group of subcommands (only `pool` today). */
export interface CommandGroup {
  name: string;
  describe: string;
  commands: readonly CommandEntry[];
}

const mod = <T extends { command: CommandModule }>(p: Promise<T>): Promise<CommandModule> =>
  p.then((m) => m.command);

export const POOL_GROUP: CommandGroup = {
  name: "pool",
  describe: "Create, list, inspect and delete pools",
  commands: [
    {
      path: ["pool", "create"],
      usage: "<names..>",
      describe: "Create pools (never truncates an existing one)",
      load: () => mod(import("./pool-create.js")),
    },
    {
      path: ["pool", "list"],
      usage: "",
      describe: "List the pools of the pool directory",
      load: () => mod(import("./pool-list.js")),
    },
    {
      path: ["pool", "info"],
      usage: "<pool>",
      describe: "Show a pool's size, bounds and usage",
      load: () => mod(import("./pool-info.js")),
    },
    {
      path: ["pool", "delete"],
      usage: "<pools..>",
      describe: "Delete pools (best effort; fails if any failed)",
      load: () => mod(import("./pool-delete.js")),
    },
  ],
};

export const COMMANDS: readonly CommandEntry[] = [
  {
    path: ["feed"],
    usage: "<pool> [data]",
    describe: "Append JSON messages (inline, --file or stdin)",
    load: () => mod(import("./feed.js")),
  },
  {
    path: ["fetch"],
    usage: "<pool> <seq>",
    describe: "Print one message by seq",
    load: () => mod(import("./fetch.js")),
  },
  {
    path: ["follow"],
    usage: "<pool>",
    describe: "Print messages as they arrive (replay, filters, timeouts)",
    load: () => mod(import("./follow.js")),
  },
  {
    path: ["duplex"],
    usage: "<pool>",
    describe: "Send and receive on one pool (chat on a terminal, JSON in pipes)",
    load: () => mod(import("./duplex.js")),
  },
  {
    path: ["tap"],
    usage: "<pool>",
    describe: "Run a command and record its output lines: spool tap POOL -- CMD ARGS...",
    load: () => mod(import("./tap.js")),
  },
  {
    path: ["doctor"],
    usage: "[pool]",
    describe: "Verify pools end to end; non-zero when any is damaged",
    load: () => mod(import("./doctor.js")),
  },
  {
    path: ["serve"],
    usage: "",
    describe: "Serve the pools over HTTP (tokens, TLS, logs; guide: docs/serving.md)",
    load: () => mod(import("./serve.js")),
  },
  {
    path: ["serve", "init"],
    usage: "",
    describe: "Write a token file, a TLS certificate and key for `spool serve`",
    load: () => mod(import("./serve-init.js")),
  },
  {
    path: ["serve", "check"],
    usage: "",
    describe: "Validate a `spool serve` configuration without binding",
    load: () => mod(import("./serve-check.js")),
  },
  {
    path: ["version"],
    usage: "",
    describe: "Print the versions of spool, @spool/core and Node",
    load: () => mod(import("./version.js")),
  },
  {
    path: ["completion"],
    usage: "<shell>",
    describe: "Print a shell completion script (bash, zsh, fish)",
    load: () => mod(import("./completion.js")),
  },
  {
    path: ["__complete"],
    usage: "[words..]",
    describe: "Completion candidates (used by the completion scripts)",
    load: () => mod(import("./complete.js")),
    hidden: true,
  },
];

/** Second words of top-level commands that have subcommands besides running alone (`serve`). */
export function subcommandsOf(word: string): string[] {
  return COMMANDS.filter((c) => c.path.length === 2 && c.path[0] === word).map(
    (c) => c.path[1] as string,
  );
}

/** Finds the command named by `words` (["feed"], ["pool", "create"], ["serve", "init"]). */
export function findCommand(words: readonly string[]): CommandEntry | undefined {
  if (words[0] === POOL_GROUP.name) return POOL_GROUP.commands.find((c) => c.path[1] === words[1]);
  return COMMANDS.find(
    (c) => c.path.length === words.length && c.path.every((w, i) => w === words[i]),
  );
}
