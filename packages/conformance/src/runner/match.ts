/**
 * Checking a normalised outcome against a step's `expect`: partial matching of results, error
 * kinds and context fields, surface status codes.
 *
 * Invariants: objects match partially (keys the manifest does not name are ignored: surfaces may
 * add fields within v0), arrays match exactly in length and order unless `$unordered`; every
 * mismatch is reported with its JSON path, the expected and the actual value; a step without
 * `expect.error` must succeed.
 */
import type { Expect } from "../manifest/schema.js";
import { canonical, type Normalised } from "./normalise.js";

const show = (value: unknown): string =>
  value === undefined ? "(absent)" : JSON.stringify(value).slice(0, 300);

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (Number.isInteger(value)) return "integer";
  return typeof value;
}

function matchUnordered(expected: unknown[], actual: unknown, at: string, out: string[]): void {
  if (!Array.isArray(actual)) {
    out.push(`${at}: expected an array, got ${show(actual)}`);
    return;
  }
  if (actual.length !== expected.length) {
    out.push(`${at}: expected ${expected.length} items (any order), got ${actual.length}`);
    return;
  }
  const left = [...actual];
  for (const item of expected) {
    const index = left.findIndex((candidate) => {
      const probe: string[] = [];
      matchValue(item, candidate, at, probe);
      return probe.length === 0;
    });
    if (index < 0) {
      out.push(`${at}: no item matches ${show(item)}`);
      return;
    }
    left.splice(index, 1);
  }
}

/**
 * Appends to `out` every way `actual` fails to match `expected`.
 *
 * @example
 * const out: string[] = []; matchValue({ a: 1 }, { a: 2, b: 3 }, "result", out); // ["result.a: expected 1, got 2"]
 */
export function matchValue(expected: unknown, actual: unknown, at: string, out: string[]): void {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) {
      out.push(`${at}: expected an array, got ${show(actual)}`);
      return;
    }
    if (actual.length !== expected.length) {
      out.push(`${at}: expected ${expected.length} items, got ${actual.length}: ${show(actual)}`);
      return;
    }
    expected.forEach((item, i) => {
      matchValue(item, actual[i], `${at}[${i}]`, out);
    });
    return;
  }
  if (expected !== null && typeof expected === "object") {
    const record = expected as Record<string, unknown>;
    if (Array.isArray(record.$unordered)) {
      matchUnordered(record.$unordered, actual, at, out);
      return;
    }
    if (record.$any === true) {
      if (actual === undefined) out.push(`${at}: expected a value, got (absent)`);
      return;
    }
    if (record.$absent === true) {
      if (actual !== undefined) out.push(`${at}: expected (absent), got ${show(actual)}`);
      return;
    }
    if (typeof record.$type === "string") {
      const type = typeOf(actual);
      const ok = type === record.$type || (record.$type === "number" && type === "integer");
      if (!ok) out.push(`${at}: expected a value of type ${record.$type}, got ${show(actual)}`);
      return;
    }
    if (actual === null || typeof actual !== "object" || Array.isArray(actual)) {
      out.push(`${at}: expected an object, got ${show(actual)}`);
      return;
    }
    for (const [key, item] of Object.entries(record)) {
      matchValue(item, (actual as Record<string, unknown>)[key], `${at}.${key}`, out);
    }
    return;
  }
  if (!Object.is(expected, actual))
    out.push(`${at}: expected ${show(expected)}, got ${show(actual)}`);
}

function presence(
  name: string,
  expected: boolean | string | number | undefined,
  actual: unknown,
  out: string[],
): void {
  if (expected === undefined) return;
  if (expected === true && actual === undefined)
    out.push(`error.${name}: expected present, got (absent)`);
  else if (expected === false && actual !== undefined)
    out.push(`error.${name}: expected absent, got ${show(actual)}`);
  else if (typeof expected !== "boolean" && canonical(expected) !== canonical(actual))
    out.push(`error.${name}: expected ${show(expected)}, got ${show(actual)}`);
}

/**
 * Every way an outcome fails the step's expectation (empty when it matches).
 *
 * @example
 * checkExpect({ error: { kind: "NotFound", seq: 7 } }, normalised, rawMessage, 3, "cli")
 */
export function checkExpect(
  expect: Expect | undefined,
  outcome: Normalised,
  message: string | undefined,
  code: number | undefined,
  driver: string,
): string[] {
  const out: string[] = [];
  const wanted = expect?.codes?.[driver];
  if (wanted !== undefined && code !== wanted)
    out.push(`status code: expected ${wanted} on ${driver}, got ${show(code)}`);
  if (expect?.error) {
    if (outcome.status !== "error") {
      out.push(
        `expected error ${expect.error.kind}, but the step succeeded: ${show(outcome.result)}`,
      );
      return out;
    }
    const e = expect.error;
    const actual = outcome.error;
    if (actual.kind !== e.kind)
      out.push(`error.kind: expected ${show(e.kind)}, got ${show(actual.kind)}`);
    if (e.message !== undefined && !(message ?? "").includes(e.message))
      out.push(`error.message: expected it to contain ${show(e.message)}, got ${show(message)}`);
    if (e.hint !== undefined && e.hint !== actual.hint)
      out.push(
        `error.hint: expected ${e.hint ? "a hint" : "no hint"}, got ${actual.hint ? "one" : "none"}`,
      );
    presence("path", e.path, actual.path, out);
    presence("seq", e.seq, actual.seq, out);
    presence("offset", e.offset, actual.offset, out);
    presence("newest_seq", e.newest_seq, actual.newest_seq, out);
    presence("expected_seq", e.expected_seq, actual.expected_seq, out);
    presence("epoch", e.epoch, actual.epoch, out);
    return out;
  }
  if (outcome.status === "error") {
    out.push(`expected success, got error ${outcome.error.kind}: ${show(message)}`);
    return out;
  }
  if (expect?.result !== undefined) matchValue(expect.result, outcome.result, "result", out);
  if (expect?.lines !== undefined) {
    const lines = outcome.lines;
    if (lines === undefined) out.push("lines: the surface gave no envelope lines");
    else if (lines.length !== expect.lines.length)
      out.push(`lines: expected ${expect.lines.length}, got ${lines.length}`);
    else
      for (const [i, line] of expect.lines.entries())
        if (lines[i] !== line)
          out.push(`lines[${i}]: expected ${show(line)}, got ${show(lines[i])}`);
  }
  return out;
}
