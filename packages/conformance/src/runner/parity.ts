/**
 * Parity: the same step must give the same normalised outcome on every surface that ran it,
 * even when each matches the manifest (a manifest checks only what it names; parity checks all),
 * and every envelope must be the same JSONL bytes on every surface (only the commit time is
 * masked): a parsed comparison would hide a lost big integer, a respelled number or a folded
 * line break, because every surface would parse them alike.
 *
 * Invariants: only steps that ran (passed or failed, not skipped) on two or more drivers are
 * compared; fixture steps are not; each difference is reported once per driver pair with the
 * first differing JSON path and both values, or the first differing line; a surface that gave
 * envelope lines where another gave none is a difference; the first driver is the reference.
 */
import { canonical, type Normalised } from "./normalise.js";
import type { StepRecord } from "./session.js";

/** One step whose normalised outcomes differ between two drivers. */
export interface ParityFailure {
  manifest: string;
  file: string;
  index: number;
  id: string;
  drivers: [string, string];
  /** Where they differ and how. */
  detail: string;
}

function lineDifference(a: string[] | undefined, b: string[] | undefined): string | undefined {
  if (a === undefined && b === undefined) return undefined;
  if (a === undefined || b === undefined)
    return `lines: ${a === undefined ? "none" : `${a.length} envelope lines`} vs ${b === undefined ? "none" : `${b.length} envelope lines`}`;
  if (a.length !== b.length) return `lines: ${a.length} envelope lines vs ${b.length}`;
  for (const [i, line] of a.entries()) {
    const other = b[i] as string;
    if (line === other) continue;
    let at = 0;
    while (at < line.length && line[at] === other[at]) at++;
    const show = (text: string) => JSON.stringify(text.slice(Math.max(0, at - 40), at + 80));
    return `lines[${i}] differ at character ${at}: ${show(line)} vs ${show(other)}`;
  }
  return undefined;
}

function firstDifference(a: unknown, b: unknown, at: string): string | undefined {
  if (canonical(a) === canonical(b)) return undefined;
  if (
    a !== null &&
    b !== null &&
    typeof a === "object" &&
    typeof b === "object" &&
    Array.isArray(a) === Array.isArray(b)
  ) {
    if (Array.isArray(a) && Array.isArray(b) && a.length !== b.length)
      return `${at}: ${a.length} items vs ${b.length} items`;
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of [...keys].sort()) {
      const sub = Array.isArray(a) ? `${at}[${key}]` : `${at}.${key}`;
      const found = firstDifference(
        (a as Record<string, unknown>)[key],
        (b as Record<string, unknown>)[key],
        sub,
      );
      if (found) return found;
    }
  }
  const show = (v: unknown) => (v === undefined ? "(absent)" : JSON.stringify(v).slice(0, 300));
  return `${at}: ${show(a)} vs ${show(b)}`;
}

/** The first difference of two outcomes: their values, then their envelope lines' bytes. */
function outcomeDifference(a: Normalised, b: Normalised): string | undefined {
  if (a.status !== "ok" || b.status !== "ok") return firstDifference(a, b, "outcome");
  return (
    firstDifference(
      { status: "ok", result: a.result },
      { status: "ok", result: b.result },
      "outcome",
    ) ?? lineDifference(a.lines, b.lines)
  );
}

/**
 * Compares every step across drivers.
 *
 * @example
 * const failures = checkParity(records); // [] when every surface agreed
 */
export function checkParity(records: readonly StepRecord[]): {
  compared: number;
  failures: ParityFailure[];
} {
  const groups = new Map<string, StepRecord[]>();
  for (const record of records) {
    if (!record.parity || record.normalised === undefined) continue;
    const key = `${record.file}\u0000${record.index}`;
    const group = groups.get(key) ?? [];
    group.push(record);
    groups.set(key, group);
  }
  let compared = 0;
  const failures: ParityFailure[] = [];
  for (const group of groups.values()) {
    const [reference, ...others] = group;
    if (!reference || others.length === 0) continue;
    compared++;
    for (const other of others) {
      const detail = outcomeDifference(
        reference.normalised as Normalised,
        other.normalised as Normalised,
      );
      if (detail === undefined) continue;
      failures.push({
        manifest: reference.manifest,
        file: reference.file,
        index: reference.index,
        id: reference.id,
        drivers: [reference.driver, other.driver],
        detail: `${detail} (${reference.driver} vs ${other.driver})`,
      });
    }
  }
  return { compared, failures };
}
