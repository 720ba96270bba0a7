/**
 * Printing one JSON document (`--json`), its records one a line (`--jsonl`), or a list of
 * per-item failures.
 *
 * Invariants: a JSON document is one line followed by a newline; per-item failures in
 * best-effort commands are reported on stderr with the same renderer as fatal errors, and the
 * command's status is the exit code of the first failure.
 */
import { EXIT_CODES, type SpoolError } from "@spool/core";
import { printError } from "./errors.js";
import type { Io } from "./io.js";

/** Writes `value` as one JSON line on stdout. */
export function printJson(io: Io, value: unknown): void {
  void io.out.write(`${JSON.stringify(value)}\n`);
}

/** Reports each failure of a best-effort command on stderr; returns the status to exit with. */
export function reportFailures(io: Io, failures: readonly SpoolError[]): number {
  for (const error of failures) printError(error, io);
  const first = failures[0];
  return first ? EXIT_CODES[first.kind] : 0;
}

/** Writes each of `values` as one JSON line on stdout (the `--format jsonl` of a document). */
export function printJsonLines(io: Io, values: readonly unknown[]): void {
  let out = "";
  for (const value of values) out += `${JSON.stringify(value)}\n`;
  if (out !== "") void io.out.write(out);
}
