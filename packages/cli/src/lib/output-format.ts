/**
 * The output flags of every command that prints records or documents (spec/cli/v0 §2.1):
 * `--format pretty|jsonl[|json]`, `--jsonl` and `--json`, declared once and resolved by one rule.
 *
 * Invariants: `--jsonl` always means `--format jsonl`; `--json` means `--format json` on a
 * command that prints one document and `--format jsonl` on a command that prints a stream of
 * records (each line is then one JSON document); flags that ask for different formats are one
 * Usage error; with none of them the command's own default applies (pretty on a terminal and
 * jsonl off it for message commands, feed and version; pretty for the pool commands and doctor).
 */
import { usage } from "./errors.js";
import type { OptionTable } from "./option-table.js";

export type OutputFormat = "pretty" | "jsonl" | "json";

/** The output flags of a command that prints a stream of records (follow, duplex, feed). */
export const STREAM_OUTPUT = {
  format: {
    type: "string",
    choices: ["pretty", "jsonl"],
    describe: "pretty (default on a terminal) or jsonl",
  },
  jsonl: { type: "boolean", describe: "Same as --format jsonl" },
  json: { type: "boolean", describe: "Same as --format jsonl (every line is one JSON document)" },
} as const satisfies OptionTable;

/** The output flags of a command that prints one document (or a few records, with jsonl). */
export const DOCUMENT_OUTPUT = {
  format: {
    type: "string",
    choices: ["pretty", "jsonl", "json"],
    describe: "pretty, jsonl (one record a line) or json (one document)",
  },
  jsonl: { type: "boolean", describe: "Same as --format jsonl" },
  json: { type: "boolean", describe: "Print JSON (same as --format json)" },
} as const satisfies OptionTable;

/** What the output flags of a command parse to. */
export interface OutputArgs {
  format: string | undefined;
  jsonl: boolean;
  json: boolean;
}

/**
 * The format the flags ask for, else `fallback`.
 *
 * @example
 * outputFormat({ format: undefined, jsonl: false, json: true }, "stream", "pretty") // "jsonl"
 */
export function outputFormat<F extends OutputFormat>(
  args: OutputArgs,
  kind: "stream" | "document",
  fallback: F,
): OutputFormat | F {
  const asked: [string, OutputFormat][] = [];
  if (args.format !== undefined)
    asked.push([`--format ${args.format}`, args.format as OutputFormat]);
  if (args.jsonl) asked.push(["--jsonl", "jsonl"]);
  if (args.json) asked.push(["--json", kind === "stream" ? "jsonl" : "json"]);
  const first = asked[0];
  if (!first) return fallback;
  const other = asked.find(([, format]) => format !== first[1]);
  if (other) {
    throw usage(
      `${first[0]} and ${other[0]} ask for different output formats`,
      "give one of --format, --jsonl and --json",
    );
  }
  return first[1];
}

/** The default of commands whose output follows stdout: pretty on a terminal, else jsonl. */
export function terminalDefault(stdoutTty: boolean): "pretty" | "jsonl" {
  return stdoutTty ? "pretty" : "jsonl";
}

/**
 * The format of a record stream (follow, duplex, feed receipts): the flags', else pretty on a
 * terminal and jsonl off it.
 */
export function streamFormat(args: OutputArgs, stdoutTty: boolean): "pretty" | "jsonl" {
  const format = outputFormat(args, "stream", terminalDefault(stdoutTty));
  return format === "pretty" ? "pretty" : "jsonl";
}
