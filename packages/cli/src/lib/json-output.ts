/**
 * Printing one JSON document, or a list of per-item failures, for commands with `--json`.
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
