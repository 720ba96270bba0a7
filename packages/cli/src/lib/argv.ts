/**
 * Finding the command words in an argument list before yargs runs, so that only the chosen
 * command's module is loaded.
 *
 * Invariants: the global options that take a value (`--dir`, `--color`) may precede the command
 * words and keep their value; everything after `--` is passed through untouched; at most two
 * words are taken (a command group, `pool`, `cursor` or `group`, and its subcommand, or `serve`
 * followed by `init` or `check`), one otherwise.
 */

const GLOBAL_WITH_VALUE = new Set(["--dir", "--color"]);
/** First words that are command groups: always followed by a subcommand. */
const GROUP_WORDS = new Set(["pool", "cursor", "group"]);
/** Second words that make `serve` a two-word command (`serve` alone runs the server). */
const SERVE_SUBCOMMANDS = new Set(["init", "check"]);

interface Split {
  /** Command words: ["feed"], ["pool", "create"], ["serve", "init"], or [] when none was given. */
  words: string[];
  /** Everything else, in order, for yargs. */
  rest: string[];
}

/** Separates the command words from options and operands (global options may come first). */
export function splitCommand(argv: readonly string[]): Split {
  const words: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    if (GLOBAL_WITH_VALUE.has(arg)) {
      rest.push(arg);
      if (i + 1 < argv.length) rest.push(argv[++i] as string);
      continue;
    }
    const wantsWord =
      words.length === 0 ||
      (words.length === 1 &&
        (GROUP_WORDS.has(words[0] as string) ||
          (words[0] === "serve" && SERVE_SUBCOMMANDS.has(arg))));
    if (!arg.startsWith("-") && wantsWord) {
      words.push(arg);
      continue;
    }
    rest.push(arg);
  }
  return { words, rest };
}
