/**
 * `spool __complete -- WORDS... CURRENT` (hidden): completion candidates, one per line, for the
 * scripts of `spool completion`.
 *
 * Invariants: never fails loudly (a problem yields no candidates, status 0); option names and
 * choices come from the commands' own yargs definitions (generated from their option tables, so
 * every alias is there: `--last`, `--gap-policy`), command names and aliases from the registry,
 * pool names from the pool directory (`--dir` in WORDS, else SPOOL_DIR, else the default); only
 * candidates starting with CURRENT.
 */
import { readdirSync } from "node:fs";
import { defaultPoolDir, POOL_EXTENSION } from "@spool/core";
import yargs from "yargs";
import { splitCommand } from "../lib/argv.js";
import type { CommandModule } from "../lib/command.js";
import { GLOBAL_OPTIONS } from "../lib/shared-options.js";
import {
  COMMAND_GROUPS,
  commandGroup,
  findCommand,
  subcommandsOf,
  topLevelWords,
} from "./registry.js";

const GLOBAL_FLAGS = [...Object.keys(GLOBAL_OPTIONS).map((flag) => `--${flag}`), "--help"];

interface OptionFacts {
  flags: string[];
  takesValue: Set<string>;
  choices: Map<string, string[]>;
}

async function optionFacts(words: readonly string[]): Promise<OptionFacts> {
  const facts: OptionFacts = {
    flags: [...GLOBAL_FLAGS],
    takesValue: new Set(Object.keys(GLOBAL_OPTIONS)),
    choices: new Map([["color", [...GLOBAL_OPTIONS.color.choices]]]),
  };
  const entry = findCommand(words);
  if (!entry) return facts;
  const module = await entry.load();
  const parser = module.builder(yargs([])) as unknown as { getOptions(): unknown };
  const options = parser.getOptions() as {
    key: Record<string, unknown>;
    boolean: string[];
    choices: Record<string, string[]>;
    alias: Record<string, string[]>;
  };
  const positionals = new Set(
    [...entry.usage.matchAll(/[<[]([\w-]+)(?:\.\.)?[>\]]/g)].map((m) => m[1]),
  );
  for (const key of Object.keys(options.key)) {
    if (
      /[A-Z]/.test(key) ||
      positionals.has(key) ||
      key === "help" ||
      key === "version" ||
      key === "$0"
    )
      continue;
    facts.flags.push(key.length === 1 ? `-${key}` : `--${key}`);
    const takesValue = !options.boolean.includes(key);
    const choices = options.choices[key]?.map(String);
    for (const spelling of [key, ...(options.alias[key] ?? [])]) {
      if (/[A-Z]/.test(spelling)) continue;
      if (spelling !== key)
        facts.flags.push(spelling.length === 1 ? `-${spelling}` : `--${spelling}`);
      if (takesValue) facts.takesValue.add(spelling);
      if (choices) facts.choices.set(spelling, choices);
    }
  }
  return facts;
}

function poolNames(prior: readonly string[]): string[] {
  const i = prior.lastIndexOf("--dir");
  const dir = defaultPoolDir(i >= 0 ? prior[i + 1] : undefined);
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith(POOL_EXTENSION) && !f.startsWith("."))
      .map((f) => f.slice(0, -POOL_EXTENSION.length));
  } catch {
    return [];
  }
}

async function candidates(words: readonly string[], current: string): Promise<string[]> {
  const { words: commandWords } = splitCommand(words);
  if (commandWords.length === 0) {
    if (current.startsWith("-")) return GLOBAL_FLAGS;
    return [...COMMAND_GROUPS.map((g) => g.name), ...topLevelWords()];
  }
  const group = commandGroup(commandWords[0]);
  if (group && commandWords.length === 1) return group.commands.map((c) => c.path[1] as string);
  const subcommands = commandWords.length === 1 ? subcommandsOf(commandWords[0] as string) : [];
  if (subcommands.length > 0 && !current.startsWith("-") && words.length === 1) return subcommands;
  const facts = await optionFacts(commandWords);
  const previous = words[words.length - 1];
  if (previous?.startsWith("-")) {
    const key = previous.replace(/^-+/, "");
    if (facts.takesValue.has(key)) return facts.choices.get(key) ?? [];
  }
  if (current.startsWith("-")) return [...new Set(facts.flags)];
  if (commandWords[0] === "completion") return ["bash", "zsh", "fish"];
  return poolNames(words);
}

export const command: CommandModule = {
  builder: (y) => y.positional("words", { type: "string", array: true }),
  async run(raw, ctx) {
    const all = [
      ...((raw["--"] as unknown[] | undefined) ?? []),
      ...((raw.words as unknown[] | undefined) ?? []),
    ].map(String);
    const current = all.pop() ?? "";
    let list: string[] = [];
    try {
      list = await candidates(all, current);
    } catch {
      list = [];
    }
    const out = list.filter((c) => c.startsWith(current));
    if (out.length > 0) void ctx.io.out.write(`${out.join("\n")}\n`);
    return 0;
  },
};
