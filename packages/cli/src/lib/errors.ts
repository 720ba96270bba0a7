/**
 * Turning anything thrown into a SpoolError, and reporting it the way the CLI contract says.
 *
 * Invariants: the error kinds, their exit codes and the JSON shape come from @spool/core (never
 * redefined here); on a terminal stderr an error is one concise line plus a `hint:` line; on any
 * other stderr it is exactly one line `{"error":{kind,message,hint?,path?,seq?,offset?}}`; the
 * exit status is EXIT_CODES[kind]. Non-Spool failures become Internal with a report-a-bug hint.
 */
import { EXIT_CODES, fromSystemError, isSpoolError, SpoolError } from "@spool/core";
import { paint } from "./style.js";

/** Normalises anything thrown into a SpoolError (system errors keep their errno mapping). */
export function toSpoolError(error: unknown): SpoolError {
  if (isSpoolError(error)) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && /^E[A-Z]+$/.test(code)) {
    return fromSystemError(error, (error as { path?: string }).path);
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new SpoolError("Internal", `internal error: ${detail}`, {
    hint: "this is a bug in spool; please report it with the command that caused it (set SPOOL_DEBUG=1 for a stack trace)",
    cause: error,
  });
}

/** Core's one Usage shorthand, re-exported for the CLI's modules. */
export { usage } from "@spool/core";

/** Where and how errors are printed. */
export interface ErrorSink {
  stderrTty: boolean;
  colorErr: boolean;
  errLine(text: string): void;
}

/** The one-line JSON envelope of an error. */
export function errorLine(error: SpoolError): string {
  return JSON.stringify({ error: error.toJSON() });
}

/** Prints `thrown` for a human (terminal) or a program (anything else); returns the exit code. */
export function reportError(thrown: unknown, sink: ErrorSink): number {
  const error = toSpoolError(thrown);
  printError(error, sink);
  return EXIT_CODES[error.kind];
}

/** Prints one error: text plus `hint:` on a terminal, the JSON envelope line otherwise. */
export function printError(error: SpoolError, sink: ErrorSink): void {
  if (sink.stderrTty) {
    const c = sink.colorErr;
    sink.errLine(`${paint(c, "red", "error:")} ${error.message}`);
    if (error.hint) sink.errLine(`${paint(c, "dim", "hint:")} ${error.hint}`);
  } else {
    sink.errLine(errorLine(error));
  }
  if (process.env.SPOOL_DEBUG === "1") {
    const cause = (error as { cause?: unknown }).cause;
    sink.errLine(String((cause instanceof Error ? cause.stack : undefined) ?? error.stack));
  }
}

/** Rewrites an error's message with a prefix (keeping its kind and details). */
export function withContext(error: SpoolError, prefix: string): SpoolError {
  return new SpoolError(error.kind, `${prefix}: ${error.message}`, {
    hint: error.hint,
    path: error.path,
    seq: error.seq,
    offset: error.offset,
    cause: error,
  });
}
