/**
 * The yargs front end: finds the command words, loads only that command's module, parses its
 * options with yargs (as the instance's default command), runs it, reports errors, and exits.
 *
 * Invariants: exactly one exit point (`process.exit` after stdout is flushed) with the status the
 * command returned, or EXIT_CODES[kind] of the error it threw; yargs never prints or exits by
 * itself (a parse callback captures its output); help goes to stdout with status 0; a parse
 * failure is a Usage error pointing at the command's help.
 */
import yargs, { type Argv } from "yargs";
import {
  COMMAND_GROUPS,
  COMMANDS,
  type CommandEntry,
  type CommandGroup,
  commandGroup,
  findCommand,
  topLevelWords,
} from "./commands/registry.js";
import { rememberCommandLine } from "./lib/args.js";
import { splitCommand } from "./lib/argv.js";
import type { Context } from "./lib/command.js";
import { reportError, usage } from "./lib/errors.js";
import { type ColorMode, createIo, type Io } from "./lib/io.js";
import { withOptions } from "./lib/option-table.js";
import { GLOBAL_OPTIONS } from "./lib/shared-options.js";
import { closest } from "./lib/suggest.js";

function terminalWidth(): number {
  return Math.min(100, process.stdout.columns ?? 100);
}

/** A yargs instance with the global options and the parser settings every command shares. */
function baseParser(args: string[], scriptName: string): Argv {
  const parser = yargs(args).scriptName(scriptName).parserConfiguration({
    "camel-case-expansion": true,
    "strip-dashed": true,
    "strip-aliased": true,
    "dot-notation": false,
    "greedy-arrays": false,
    "populate--": true,
    "duplicate-arguments-array": true,
  });
  return withOptions(parser, GLOBAL_OPTIONS, true)
    .help("help")
    .alias("help", "h")
    .version(false)
    .strict()
    .wrap(terminalWidth());
}

interface Parsed {
  error: Error | undefined;
  argv: Record<string, unknown>;
  output: string;
}

function parseWith(parser: Argv, args: string[]): Parsed {
  let parsed: Parsed | undefined;
  parser.parse(args, {}, (error, argv, output) => {
    parsed = { error: error ?? undefined, argv: argv as Record<string, unknown>, output };
  });
  if (!parsed) throw new Error("yargs did not call back");
  return parsed;
}

function withNewline(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}

function topLevelHelp(): string {
  const parser = baseParser(["--help"], "spool").usage(
    "spool <command> [options]\n\nPersistent, bounded, inspectable JSON message pools.",
  );
  for (const group of COMMAND_GROUPS) parser.command(`${group.name} <command>`, group.describe);
  for (const entry of COMMANDS) {
    if (entry.hidden) continue;
    const names = [entry.path.join(" "), ...(entry.aliases ?? [])];
    parser.command(
      names.map((name) => `${name} ${entry.usage}`.trim()),
      entry.describe,
    );
  }
  parser.epilogue(
    "Run `spool <command> --help` or `spool help <command>` for a command's options. Guide: docs/cli.md",
  );
  return withNewline(parseWith(parser, ["--help"]).output);
}

function groupHelp(group: CommandGroup): string {
  const parser = baseParser(["--help"], "spool").usage(`spool ${group.name} <command> [options]`);
  for (const entry of group.commands)
    parser.command(`${entry.path.join(" ")} ${entry.usage}`.trim(), entry.describe);
  return withNewline(parseWith(parser, ["--help"]).output);
}

function wantsHelp(rest: readonly string[]): boolean {
  const end = rest.indexOf("--");
  return (end < 0 ? rest : rest.slice(0, end)).some((a) => a === "--help" || a === "-h");
}

function colorOf(rest: readonly string[]): ColorMode {
  const i = rest.indexOf("--color");
  const value =
    i >= 0 ? rest[i + 1] : rest.find((a) => a.startsWith("--color="))?.slice("--color=".length);
  return value === "always" || value === "never" ? value : "auto";
}

/**
 * Makes every option that takes a value require one: yargs otherwise reads a bare `--tail` (last
 * on the line, or followed by another flag, as `--tail $N` with N unset is) as "not given" for
 * numbers and as `""` for strings, so the flag would be silently ignored, not a Usage error.
 */
function requireValues(parser: Argv): Argv {
  // getOptions() is public yargs API that its typings leave out
  const options = (
    parser as unknown as { getOptions(): { key: Record<string, unknown>; boolean: string[] } }
  ).getOptions();
  const flags = new Set(options.boolean);
  const keys = Object.keys(options.key).filter(
    (k) => !flags.has(k) && k !== "help" && k !== "version",
  );
  return keys.length > 0 ? parser.requiresArg(keys) : parser;
}

async function runEntry(
  entry: CommandEntry,
  rest: string[],
  setIo: (mode: ColorMode) => Io,
): Promise<number> {
  const module = await entry.load();
  const aliases = entry.aliases?.length
    ? `\n\nAlso spelled: ${entry.aliases.map((a) => `spool ${a}`).join(", ")}`
    : "";
  const parser = baseParser(rest, `spool ${entry.path.join(" ")}`).command(
    `$0 ${entry.usage}`.trim(),
    `${entry.describe}${aliases}`,
    (y) => requireValues(module.builder(y)),
  );
  for (const [line, what] of entry.examples ?? []) parser.example(line, what);
  rememberCommandLine(rest);
  const { error, argv, output } = parseWith(parser, rest);
  if (error) throw parseError(error, module.builder(baseParser([], "spool")), entry);
  if (output) {
    process.stdout.write(withNewline(output));
    return 0;
  }
  const io = setIo(argv.color as ColorMode);
  if (process.env.SPOOL_CLI_INJECT_FAULT === "internal")
    throw new Error("fault injected by SPOOL_CLI_INJECT_FAULT");
  const ctx: Context = {
    io,
    dir: typeof argv.dir === "string" && argv.dir !== "" ? argv.dir : undefined,
  };
  return module.run(argv, ctx);
}

async function dispatch(argv: readonly string[], setIo: (mode: ColorMode) => Io): Promise<number> {
  const { words, rest } = splitCommand(argv);
  if (words[0] === "help") return help(rest, setIo);
  if (words.length === 0) {
    if (rest.includes("--version"))
      return runEntry(
        findCommand(["version"]) as CommandEntry,
        rest.filter((a) => a !== "--version"),
        setIo,
      );
    const help = topLevelHelp();
    if (wantsHelp(rest)) {
      process.stdout.write(help);
      return 0;
    }
    // a non-terminal stderr gets exactly the one error line (spec §8), no help text
    if (process.stderr.isTTY) {
      process.stderr.write(help);
      throw usage(
        "no command given",
        "pick a command from the list above, e.g. `spool follow NAME`",
      );
    }
    throw usage("no command given", "run `spool --help` for the list of commands");
  }
  const group = commandGroup(words[0]);
  if (group && words.length === 1) {
    if (wantsHelp(rest)) {
      process.stdout.write(groupHelp(group));
      return 0;
    }
    const names = group.commands.map((c) => c.path[1] as string);
    throw usage(
      `\`spool ${group.name}\` needs a subcommand: ${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}`,
      `run \`spool ${group.name} --help\``,
    );
  }
  const entry = findCommand(words);
  if (!entry) throw unknownCommand(words);
  return runEntry(entry, rest, setIo);
}

/** `spool help [COMMAND...]`: the same help as `spool [COMMAND...] --help`. */
async function help(rest: readonly string[], setIo: (mode: ColorMode) => Io): Promise<number> {
  const { words } = splitCommand(rest.filter((a) => !a.startsWith("-")));
  if (words.length === 0) {
    process.stdout.write(topLevelHelp());
    return 0;
  }
  const group = commandGroup(words[0]);
  if (group && words.length === 1) {
    process.stdout.write(groupHelp(group));
    return 0;
  }
  const entry = findCommand(words);
  if (!entry) throw unknownCommand(words);
  return runEntry(entry, ["--help"], setIo);
}

/** Usage for command words that name no command, with the likely one when it was a typo. */
function unknownCommand(words: readonly string[]): Error {
  const name = words.join(" ");
  const group = commandGroup(words[0]);
  const typed = group ? (words[1] ?? "") : (words[0] ?? "");
  const known = group
    ? group.commands.map((c) => c.path[1] as string)
    : [...topLevelWords(), ...COMMAND_GROUPS.map((g) => g.name), "help"];
  const guess = closest(typed, known);
  const spelled = guess === undefined ? undefined : group ? `${group.name} ${guess}` : guess;
  return usage(
    `unknown command \`${name}\`${spelled ? `; did you mean \`${spelled}\`?` : ""}`,
    spelled
      ? `run \`spool ${spelled} --help\` for its options`
      : group
        ? `run \`spool ${group.name} --help\` for the ${group.name} commands`
        : "run `spool --help` for the list of commands",
  );
}

/**
 * A yargs parse failure as Usage: an unknown option names the likely flag when it was a typo
 * (`--tial` → `--tail`), against `options`: a parser holding the command's own options.
 */
function parseError(error: Error, options: Argv, entry: CommandEntry): Error {
  const command = `spool ${entry.path.join(" ")}`;
  const unknown = /^Unknown arguments?: (.+)$/.exec(error.message);
  if (!unknown) return usage(error.message, `run \`${command} --help\` for usage`);
  // yargs lists a dashed flag twice (`dataOnyl, data-onyl`): name it as it was typed
  const listed = (unknown[1] as string).split(", ");
  const typed = (listed.find((word) => !/[A-Z]/.test(word)) ?? (listed[0] as string)).replace(
    /[A-Z]/g,
    (c) => `-${c.toLowerCase()}`,
  );
  const known = (
    options as unknown as {
      getOptions(): { key: Record<string, unknown>; alias: Record<string, string[]> };
    }
  ).getOptions();
  // option names, then their aliases (`--last`, `--gap-policy`), so ties go to the names
  const spellings = [...Object.keys(known.key), ...Object.values(known.alias).flat()];
  const flags = [...new Set(spellings)]
    .filter((k) => k !== "$0" && !/[A-Z]/.test(k))
    .map((k) => (k.length === 1 ? `-${k}` : `--${k}`));
  const shown = typed.length === 1 ? `-${typed}` : `--${typed}`;
  const guess = closest(shown, flags);
  return usage(
    `unknown option ${shown} for \`${command}\`${guess ? `; did you mean ${guess}?` : ""}`,
    `run \`${command} --help\` for its options`,
  );
}

/** Runs the CLI with `argv` (without node and script) and exits the process. */
export async function main(argv: readonly string[]): Promise<never> {
  let io = createIo(colorOf(argv));
  let code: number;
  try {
    code = await dispatch(argv, (mode) => {
      io = createIo(mode);
      return io;
    });
  } catch (error) {
    code = reportError(error, io);
  }
  await io.out.flush();
  process.exit(code);
}
