/**
 * Reading what a `spool` process did: its exit status, the JSON lines on stdout, the error
 * envelope and notices on its (non-terminal) stderr, checked against the CLI contract
 * (spec/cli/v0 §2, §7, §8).
 *
 * Invariants: a failed command must print exactly one `{"error":…}` line whose kind's exit code
 * (core's EXIT_CODES, never redefined) is the process's status; a successful command prints no
 * error line; any departure is a violation that fails the step, even when the kind matches the
 * manifest.
 */
import {
  ERROR_KINDS,
  type ErrorKind,
  EXIT_CODES,
  isErrorKind,
  type SpoolErrorJson,
} from "@spool/core";
import type { RunResult } from "../process.js";
import type { Outcome } from "./types.js";

/** The JSON lines of a text (blank lines ignored); a line that is not JSON throws. */
export function jsonLines(text: string): unknown[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        throw new Error(`not a JSON line: ${line.slice(0, 200)}`);
      }
    });
}

const ENVELOPE_LINE = /^\{"seq":[1-9]\d*,"time":"[^"]+","meta":\{"tags":\[.*\]\},"data":.+\}$/;
const RECEIPT_LINE =
  /^\{"seq":[1-9]\d*,"time":"[^"]+","meta":\{"tags":\[.*\]\}(?:,"duplicate":true)?\}$/;
/** A producer's duplicate whose original the pool no longer shows: `{"seq":N|null,"duplicate":true}`. */
const BARE_DUPLICATE_LINE = /^\{"seq":(?:[1-9]\d*|null),"duplicate":true\}$/;

/**
 * JSONL envelope lines, each checked to be spec/api/v0 §2.2's exact rendering (key order, no
 * whitespace outside `data`); throws on the first line that is not.
 */
export function envelopeLines(text: string): unknown[] {
  for (const line of text.split("\n")) {
    if (line !== "" && !ENVELOPE_LINE.test(line))
      throw new Error(`not an envelope line in the exact JSONL rendering: ${line.slice(0, 200)}`);
  }
  return jsonLines(text);
}

/**
 * `feed` receipt lines (`{"seq","time","meta"}` in that order, never `data`; a producer's
 * duplicate with `"duplicate":true` last, or `{"seq","duplicate"}`); throws if not.
 */
export function receiptLines(text: string): unknown[] {
  for (const line of text.split("\n")) {
    if (line !== "" && !RECEIPT_LINE.test(line) && !BARE_DUPLICATE_LINE.test(line))
      throw new Error(`not a receipt line {"seq","time","meta"}: ${line.slice(0, 200)}`);
  }
  return jsonLines(text);
}

/** Throws unless the keys of `value` that `order` names appear in that order. */
export function checkKeyOrder(value: unknown, order: readonly string[], what: string): void {
  if (value === null || typeof value !== "object") return;
  const known = new Set(order);
  const actual = Object.keys(value).filter((k) => known.has(k));
  const expected = order.filter((k) => k in value);
  if (actual.join(",") !== expected.join(","))
    throw new Error(`${what} keys are out of the documented order: ${actual.join(", ")}`);
}

/** Stderr split into error envelopes, notices and anything else. */
export function readStderr(stderr: string): {
  errors: unknown[];
  notices: Record<string, unknown>[];
  other: string[];
} {
  const errors: unknown[] = [];
  const notices: Record<string, unknown>[] = [];
  const other: string[] = [];
  for (const line of stderr.split("\n")) {
    if (line.trim() === "") continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      other.push(line);
      continue;
    }
    const record = parsed as { error?: unknown; notice?: unknown };
    if (record && typeof record === "object" && "error" in record) errors.push(record.error);
    else if (record && typeof record === "object" && "notice" in record)
      notices.push(record.notice as Record<string, unknown>);
    else other.push(line);
  }
  return { errors, notices, other };
}

function kindOfExit(code: number): ErrorKind | undefined {
  return ERROR_KINDS.find((kind) => EXIT_CODES[kind] === code);
}

function checkErrorShape(error: unknown, violations: string[]): SpoolErrorJson {
  const e = error as Partial<Record<string, unknown>>;
  if (!e || typeof e !== "object" || !isErrorKind(e.kind) || typeof e.message !== "string") {
    violations.push(`the error line is not a valid error envelope: ${JSON.stringify(error)}`);
    return { kind: isErrorKind(e?.kind) ? e.kind : "Internal", message: String(e?.message ?? "") };
  }
  for (const key of ["hint", "path", "seq", "offset"] as const) {
    if (key in e && (e[key] === null || e[key] === undefined))
      violations.push(`the error's ${key} is ${String(e[key])} (absent fields must be omitted)`);
  }
  return e as unknown as SpoolErrorJson;
}

/**
 * The outcome of one `spool` run: `parse(stdout, notices)` builds the result on success.
 *
 * @example
 * const outcome = cliOutcome(run, (stdout) => ({ pool: (JSON.parse(stdout) as {pool: unknown}).pool }));
 */
export function cliOutcome(
  run: RunResult,
  parse: (stdout: string, notices: Record<string, unknown>[]) => unknown,
): Outcome {
  const violations: string[] = [];
  const { errors, notices } = readStderr(run.stderr);
  if (run.code === null) {
    violations.push(`spool was ended by signal ${String(run.signal)}`);
    return { status: "error", error: { kind: "Internal", message: "killed" }, violations };
  }
  if (run.code === 0) {
    if (errors.length > 0)
      violations.push(`exit status 0, but stderr has an error line: ${JSON.stringify(errors[0])}`);
    try {
      return {
        status: "ok",
        result: parse(run.stdout, notices),
        code: 0,
        ...(violations.length > 0 ? { violations } : {}),
      };
    } catch (error) {
      violations.push(`stdout is not the documented output: ${(error as Error).message}`);
      return { status: "ok", result: null, code: 0, violations };
    }
  }
  if (errors.length === 0) {
    violations.push(
      `exit status ${run.code} without a {"error":…} line on stderr (stderr: ${JSON.stringify(run.stderr.slice(0, 200))})`,
    );
    const kind = kindOfExit(run.code) ?? "Internal";
    return { status: "error", error: { kind, message: "" }, code: run.code, violations };
  }
  if (errors.length > 1) violations.push(`${errors.length} error lines on stderr, expected one`);
  const error = checkErrorShape(errors[0], violations);
  const expected = EXIT_CODES[error.kind];
  if (run.code !== expected) {
    violations.push(
      `exit status ${run.code}, but the error kind ${error.kind} exits ${expected} (spec/cli/v0 §8)`,
    );
  }
  return {
    status: "error",
    error,
    code: run.code,
    ...(violations.length > 0 ? { violations } : {}),
  };
}
