/**
 * The command table: names, usage, one-line descriptions, and a lazy loader per command.
 *
 * Invariants: this file imports no command implementation statically, so listing commands
 * (help, completion) costs nothing; every loader resolves to a CommandModule; `usage` holds only
 * the positional part that follows the command words; an alias (`get` for `fetch`) is another
 * name of a one-word command, found by findCommand, listed by help, completion and did-you-mean,
 * and never the name of another command; a command group's name (`pool`, `cursor`, `group`) is
 * a first word only, never a command by itself.
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
  /** Other names of a one-word command (the glossary's: `get` for `fetch`). */
  aliases?: readonly string[];
  /** Shown under "Examples:" in the command's help: [command line, what it does]. */
  examples?: readonly (readonly [string, string])[];
}

/** A group of subcommands: `pool`, `cursor` and `group` (never run alone). */
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
      examples: [
        ["spool pool create build --size 64M", "a 64 MiB pool named build"],
        ["spool pool create a b c", "three pools of the default 1 MiB"],
        [
          "spool pool create nats://127.0.0.1:4222/build --replicas 3",
          "a pool on NATS JetStream, kept by three servers",
        ],
      ],
    },
    {
      path: ["pool", "list"],
      usage: "[location]",
      describe: "List the pools of the pool directory (or of a NATS JetStream engine)",
      load: () => mod(import("./pool-list.js")),
      examples: [
        ["spool pool list", "every pool in the pool directory"],
        ["spool pool list --json", "the same as one JSON document"],
        ["spool pool list nats://127.0.0.1:4222", "the pools on a NATS JetStream server"],
      ],
    },
    {
      path: ["pool", "info"],
      usage: "<pool>",
      describe: "Show a pool's size, bounds and usage",
      load: () => mod(import("./pool-info.js")),
      examples: [
        ["spool pool info build", "size, bounds and usage of build"],
        ["spool pool info ./logs/app.spool --json", "a pool by path, as JSON"],
      ],
    },
    {
      path: ["pool", "delete"],
      usage: "<pools..>",
      describe: "Delete pools (best effort; fails if any failed)",
      load: () => mod(import("./pool-delete.js")),
      examples: [
        ["spool pool delete build", "delete build (refused while it is in use)"],
        ["spool pool delete build --force", "delete it even while other processes have it open"],
      ],
    },
  ],
};

export const CURSOR_GROUP: CommandGroup = {
  name: "cursor",
  describe: "List, show, reset and delete a pool's durable cursors",
  commands: [
    {
      path: ["cursor", "list"],
      usage: "<pool>",
      describe: "List the cursors a pool keeps (committed seq, lag, last ack)",
      load: () => mod(import("./cursor-list.js")),
      examples: [
        ["spool cursor list jobs", "every cursor of jobs, with its lag"],
        ["spool cursor list jobs --json", "the same as one JSON document"],
      ],
    },
    {
      path: ["cursor", "show"],
      usage: "<pool> <name>",
      describe: "Show one cursor",
      load: () => mod(import("./cursor-show.js")),
      examples: [["spool cursor show jobs indexer", "the committed seq and lag of indexer"]],
    },
    {
      path: ["cursor", "reset"],
      usage: "<pool> <name>",
      describe: "Move a cursor: the next follow with it starts at --since (creates it if absent)",
      load: () => mod(import("./cursor-reset.js")),
      examples: [
        ["spool cursor reset jobs indexer --since 1", "replay everything the pool still holds"],
        ["spool cursor reset jobs indexer --since 10m", "replay the last ten minutes"],
        ["spool cursor reset jobs indexer --since 0s", "skip to the next new message"],
      ],
    },
    {
      path: ["cursor", "delete"],
      usage: "<pool> <name>",
      describe: "Delete a cursor",
      load: () => mod(import("./cursor-delete.js")),
      examples: [["spool cursor delete jobs indexer", "forget the cursor indexer"]],
    },
  ],
};

export const GROUP_GROUP: CommandGroup = {
  name: "group",
  describe: "List, show and delete a pool's consumer groups",
  commands: [
    {
      path: ["group", "list"],
      usage: "<pool>",
      describe: "List the consumer groups a pool keeps (lag, in flight, dead letters)",
      load: () => mod(import("./group-list.js")),
      examples: [
        ["spool group list jobs", "every group of jobs, with its lag and deliveries in flight"],
        ["spool group list jobs --json", "the same as one JSON document"],
      ],
    },
    {
      path: ["group", "show"],
      usage: "<pool> <name>",
      describe: "Show one consumer group: counters, settings, members",
      load: () => mod(import("./group-show.js")),
      examples: [["spool group show jobs workers", "what the group workers has done and holds"]],
    },
    {
      path: ["group", "delete"],
      usage: "<pool> <name>",
      describe: "Delete a consumer group and its deliveries",
      load: () => mod(import("./group-delete.js")),
      examples: [["spool group delete jobs workers", "forget the group workers"]],
    },
  ],
};

/** Every command group, in the order help lists them. */
export const COMMAND_GROUPS: readonly CommandGroup[] = [POOL_GROUP, CURSOR_GROUP, GROUP_GROUP];

/** The command group named `word`, if any. */
export function commandGroup(word: string | undefined): CommandGroup | undefined {
  return COMMAND_GROUPS.find((g) => g.name === word);
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    path: ["feed"],
    aliases: ["append"],
    usage: "<pool> [data]",
    describe: "Append JSON messages (inline, --file or stdin)",
    load: () => mod(import("./feed.js")),
    examples: [
      ["spool feed build '{\"ok\":true}' --tag ci", "append one message, tagged ci"],
      [
        "spool feed build --create < events.jsonl",
        "append every line of a JSONL file, creating the pool",
      ],
      ["spool feed http://127.0.0.1:9700/build '{}'", "append through a Spool server"],
      ["spool feed nats://127.0.0.1:4222/build '{}'", "append to a pool on NATS JetStream"],
    ],
  },
  {
    path: ["fetch"],
    aliases: ["get"],
    usage: "<pool> <seq>",
    describe: "Print one message by seq",
    load: () => mod(import("./fetch.js")),
    examples: [
      ["spool fetch build 42", "message 42 of build"],
      ["spool fetch build 42 --data-only", "only its data"],
    ],
  },
  {
    path: ["follow"],
    usage: "<pool>",
    describe: "Print messages as they arrive (replay, filters, timeouts)",
    load: () => mod(import("./follow.js")),
    examples: [
      ["spool follow build --tail 10", "the last 10 messages, then live ones"],
      [
        "spool follow build --since 1 --timeout 5s",
        "everything from seq 1; stop after 5 s without news",
      ],
      ["spool follow build --tag ci --where '.ok == false'", "only failed ci messages"],
      [
        "spool follow build --cursor indexer",
        "resume after what the cursor indexer acked; ack each message once printed",
      ],
    ],
  },
  {
    path: ["watch"],
    usage: "<pool>",
    describe: "Watch a pool live on a terminal: filter, pause, jump, inspect (keys: ? for help)",
    load: () => mod(import("./watch.js")),
    examples: [
      ["spool watch build", "the newest 100 messages of build, then live ones"],
      ["spool watch build --tag ci --where '.data.ok == false'", "only failed ci messages"],
      ["spool watch https://127.0.0.1:9700/build --token-file token.txt", "a pool on a server"],
    ],
  },
  {
    path: ["top"],
    usage: "[location]",
    describe: "Every pool of a directory or a server, live: bounds, usage, rates, consumer lag",
    load: () => mod(import("./top.js")),
    examples: [
      ["spool top", "the pools of the pool directory"],
      ["spool top http://127.0.0.1:9700 --token-file token.txt", "the pools of a Spool server"],
      ["spool top --sort rate", "the busiest pools first"],
    ],
  },
  {
    path: ["duplex"],
    usage: "<pool>",
    describe: "Send and receive on one pool (chat on a terminal, JSON in pipes)",
    load: () => mod(import("./duplex.js")),
    examples: [
      ["spool duplex chat --me alice", "chat on a terminal: type to send, see others' lines"],
      ["spool duplex chat --create", "create the pool first if it does not exist"],
    ],
  },
  {
    path: ["tap"],
    usage: "<pool>",
    describe: "Run a command and record its output lines: spool tap POOL -- CMD ARGS...",
    load: () => mod(import("./tap.js")),
    examples: [
      ["spool tap dev -- npm run dev", "run a dev server and record its output lines"],
      ["spool tap ci --tag build -- make", "record a build's output, tagged"],
    ],
  },
  {
    path: ["work"],
    usage: "<pool>",
    describe:
      "Run a command once per message of a consumer group: spool work POOL --group G -- CMD",
    load: () => mod(import("./work.js")),
    examples: [
      ["spool work jobs --group mailer -- ./send-mail.sh", "one worker: each message on stdin"],
      [
        "spool work jobs --group mailer --concurrency 4 --max-attempts 5 --dead-letter failed -- ./send-mail.sh",
        "four at a time; after 5 failed attempts a message goes to the pool failed",
      ],
      [
        "spool work jobs --group mailer --timeout 10s -- ./send-mail.sh",
        "drain the queue: stop after 10 s with nothing to do",
      ],
    ],
  },
  {
    path: ["archive"],
    usage: "<pools..>",
    describe: "Archive pools into PostgreSQL, below the ring (long-running; spec/archive/v0)",
    load: () => mod(import("./archive.js")),
    examples: [
      ["spool archive build --to postgres://spool@127.0.0.1/spool", "archive build until stopped"],
      [
        "spool archive build deploy --to postgres://spool@127.0.0.1/spool --batch-size 500",
        "two pools, at most 500 messages per commit",
      ],
    ],
  },
  {
    path: ["mcp"],
    usage: "[server]",
    describe: "Serve pools to AI agents over MCP on stdio (guide: docs/mcp.md)",
    load: () => mod(import("./mcp.js")),
    examples: [
      ["spool mcp --dir ./pools", "an MCP server over a pool directory, for a local agent"],
      ["spool mcp http://127.0.0.1:9700 --token-file token.txt", "over a Spool server's pools"],
    ],
  },
  {
    path: ["doctor"],
    aliases: ["verify"],
    usage: "[pool]",
    describe: "Verify pools end to end; non-zero when any is damaged",
    load: () => mod(import("./doctor.js")),
    examples: [
      ["spool doctor build", "verify one pool end to end"],
      ["spool doctor --all --json", "verify every pool, as JSON"],
    ],
  },
  {
    path: ["serve"],
    usage: "",
    describe: "Serve the pools over HTTP (tokens, TLS, logs; guide: docs/serving.md)",
    load: () => mod(import("./serve.js")),
    examples: [
      ["spool serve", "serve the pool directory on http://127.0.0.1:9700"],
      ["spool serve --port 8080 --access read-only", "a read-only server on port 8080"],
    ],
  },
  {
    path: ["serve", "init"],
    usage: "",
    describe: "Write a token file, a TLS certificate and key for `spool serve`",
    load: () => mod(import("./serve-init.js")),
    examples: [["spool serve init", "write a token file and a TLS certificate for spool serve"]],
  },
  {
    path: ["serve", "check"],
    usage: "",
    describe: "Validate a `spool serve` configuration without binding",
    load: () => mod(import("./serve-check.js")),
    examples: [
      ["spool serve check --config spool.json", "validate a configuration file without binding"],
    ],
  },
  {
    path: ["version"],
    usage: "",
    describe: "Print the versions of spool, @spool/core and Node",
    load: () => mod(import("./version.js")),
    examples: [["spool version", "the versions of spool, @spool/core and Node"]],
  },
  {
    path: ["completion"],
    usage: "<shell>",
    describe: "Print a shell completion script (bash, zsh, fish)",
    load: () => mod(import("./completion.js")),
    examples: [["spool completion bash >> ~/.bashrc", "tab completion for bash"]],
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

/**
 * Finds the command named by `words` (["feed"], ["pool", "create"], ["serve", "init"]), or by
 * an alias (["get"] is `fetch`).
 */
export function findCommand(words: readonly string[]): CommandEntry | undefined {
  const group = commandGroup(words[0]);
  if (group) return group.commands.find((c) => c.path[1] === words[1]);
  return COMMANDS.find(
    (c) =>
      (c.path.length === words.length && c.path.every((w, i) => w === words[i])) ||
      (words.length === 1 && c.aliases?.includes(words[0] as string) === true),
  );
}

/** The words that start a top-level command: names, then aliases (hidden commands excluded). */
export function topLevelWords(): string[] {
  const visible = COMMANDS.filter((c) => !c.hidden);
  return [
    ...new Set([
      ...visible.map((c) => c.path[0] as string),
      ...visible.flatMap((c) => c.aliases ?? []),
    ]),
  ];
}
