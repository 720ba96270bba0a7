/**
 * Validating parsed command-line options at the boundary (zod/mini), and the value syntaxes the
 * CLI shares: durations (`50ms`, `5s`, `10m`) and `--since` (seq, RFC 3339 time, or age).
 *
 * Invariants: every invalid option becomes one Usage SpoolError naming the flag as typed
 * (`--retry-delay`) with a hint pointing at the command's help; conversions never return NaN or
 * a negative duration.
 */
import { type Instant, parseAge, requireTimeOrAge, SpoolError } from "@spool/core";
import type * as z from "zod/mini";
import type { RawArgs } from "./command.js";

function flagName(key: PropertyKey | undefined): string {
  if (typeof key !== "string") return "argument";
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => String(v)).join(", ")}`;
    case "too_small":
      return `must be ${issue.inclusive === false ? ">" : "≥"} ${String(issue.minimum)}`;
    case "too_big":
      return `must be ${issue.inclusive === false ? "<" : "≤"} ${String(issue.maximum)}`;
    case "invalid_type":
      return issue.expected === "int" ? "must be a whole number" : `must be a ${issue.expected}`;
    default:
      return issue.message || "is invalid";
  }
}

/**
 * `--` only ends option parsing (spec/cli/v0 §1): the words after it are operands, which yargs
 * (configured to collect them for `tap`'s command line) leaves in `raw["--"]`. For commands
 * without a `--` list of their own they fill the positionals still missing, in order; a word
 * left over is a Usage error rather than silently dropped.
 */
function withOperandsAfterDashes(
  schema: z.ZodMiniType,
  raw: RawArgs,
  command: string,
  positionals: readonly string[],
): RawArgs {
  const after = raw["--"];
  const shape = (schema as { shape?: Record<string, unknown> }).shape;
  if (!Array.isArray(after) || after.length === 0 || (shape && "--" in shape)) return raw;
  const filled: RawArgs = { ...raw };
  delete filled["--"];
  const words = after.map(String);
  for (const key of positionals) {
    if (words.length === 0) break;
    if (filled[key] === undefined) filled[key] = asOperand(shape?.[key], words.shift() as string);
  }
  if (words.length > 0) {
    throw new SpoolError("Usage", `unexpected operand ${JSON.stringify(words[0])}`, {
      hint: `see \`spool ${command} --help\` for the operands it takes`,
    });
  }
  return filled;
}

/** A word as the operand's type: numeric operands (a seq) are numbers, others stay text. */
function asOperand(field: unknown, word: string): unknown {
  const accepts = (value: unknown): boolean =>
    (field as z.ZodMiniType | undefined)?.safeParse(value).success === true;
  if (accepts(word)) return word;
  const number = Number(word);
  return word.trim() !== "" && Number.isFinite(number) && accepts(number) ? number : word;
}

/**
 * Validates `raw` against `schema`; throws Usage naming the first bad option.
 *
 * @example
 * const opts = parseArgs(FeedArgs, raw, "feed", ["pool", "data"]);
 */
export function parseArgs<S extends z.ZodMiniType>(
  schema: S,
  raw: RawArgs,
  command: string,
  positionals: readonly string[] = [],
  spellings: ReadonlyMap<string, string> = new Map(),
): z.output<S> {
  const result = schema.safeParse(withOperandsAfterDashes(schema, raw, command, positionals));
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const key = issue?.path[0];
  const given = typeof key === "string" ? raw[key] : undefined;
  // yargs turns a number option's bad text into NaN: show the text as typed instead.
  const typed =
    typeof given === "number" && Number.isNaN(given) && typeof key === "string"
      ? typedValue(key, spellings)
      : undefined;
  const typedText = typed?.value;
  const shown =
    typedText !== undefined
      ? ` (got ${typedText})`
      : given === undefined
        ? ""
        : ` (got ${JSON.stringify(given)})`;
  const subject =
    typeof key === "string" && positionals.includes(key)
      ? key.toUpperCase()
      : (typed?.flag ?? flagName(key));
  throw new SpoolError(
    "Usage",
    `${subject} ${issue ? describeIssue(issue) : "is invalid"}${shown}`,
    {
      hint: `see \`spool ${command} --help\``,
    },
  );
}

/** The words of the command line being parsed (see `rememberCommandLine`). */
let commandLine: readonly string[] = [];

/** Keeps the command's words, so errors can show an option's value as it was typed. */
export function rememberCommandLine(words: readonly string[]): void {
  commandLine = words;
}

/**
 * The text typed for option `key` (camelCase) on the remembered command line, and the spelling
 * it was typed with (`--last` for `tail`), if any. `spellings` maps each flag spelling (without
 * dashes) to its key; the key's own kebab-case spelling is always tried.
 */
function typedValue(
  key: string,
  spellings: ReadonlyMap<string, string>,
): { flag: string; value: string | undefined } | undefined {
  const flags = [flagName(key)];
  for (const [spelling, of] of spellings)
    if (of === key) flags.push(spelling.length === 1 ? `-${spelling}` : `--${spelling}`);
  let found: { flag: string; value: string | undefined } | undefined;
  for (let i = 0; i < commandLine.length; i++) {
    const word = commandLine[i] as string;
    if (word === "--") break;
    for (const flag of flags) {
      if (word === flag) found = { flag, value: commandLine[i + 1] };
      else if (word.startsWith(`${flag}=`)) found = { flag, value: word.slice(flag.length + 1) };
    }
  }
  return found;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses a duration: a number with a unit (`ms`, `s`, `m`, `h`, `d`); a bare number is seconds.
 *
 * @example
 * parseDuration("50ms", "--retry-delay") // 50
 */
export function parseDuration(text: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!m) {
    throw new SpoolError(
      "Usage",
      `${flag} must be a duration such as 500ms, 5s, 10m or 1h (got ${JSON.stringify(text)})`,
      {
        hint: "write a number with a unit: ms, s, m, h or d (a bare number means seconds)",
      },
    );
  }
  return Math.round(Number(m[1]) * (UNITS[m[2] ?? "s"] as number));
}

/** Where a follow starts: a seq, or the first message committed at or after a time. */
export type SinceSpec = { seq: number } | { time: Instant };

/**
 * Parses `--since`: a seq (`42`), an RFC 3339 time, or an age (`10m` = ten minutes ago). Text
 * that starts with a date must be a valid time (core's `requireTime`: Usage naming the field).
 *
 * @example
 * parseSince("10m", Date.now()) // { time: { sec: …, nanos: … } }
 */
export function parseSince(text: string, nowMs: number): SinceSpec {
  if (/^\d+$/.test(text)) {
    const seq = Number(text);
    if (!Number.isSafeInteger(seq) || seq < 1) {
      throw new SpoolError("Usage", `--since seq must be a whole number ≥ 1 (got ${text})`, {
        hint: "sequence numbers start at 1",
      });
    }
    return { seq };
  }
  // Anything that starts like a date is a time: say which field is wrong (minute 99, April 31).
  // Times and ages follow core's one rule (HTTP's since_time takes the same text).
  if (/^\d{4}-\d{2}-\d{2}/.test(text) || parseAge(text) !== undefined) {
    return { time: requireTimeOrAge(text, "--since", nowMs) };
  }
  throw new SpoolError(
    "Usage",
    `--since must be a seq, an RFC 3339 time or an age such as 10m (got ${JSON.stringify(text)})`,
    {
      hint: "examples: --since 42, --since 2026-11-22T10:00:00Z, --since 10m",
    },
  );
}
