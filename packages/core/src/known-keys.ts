/**
 * Strict inputs: the one check every surface uses to refuse a field, parameter or option it does
 * not know (HTTP query parameters and body fields, the SDK's options), with a "did you mean"
 * suggestion where a right spelling is obvious.
 *
 * Why: a surface that ignores a name it does not know silently turns a request into another one
 * (a future conditional field such as `expected_seq`, or a misspelt `since`, would be dropped
 * and the request would run unconditionally or from the wrong place). So unknown names are Usage.
 *
 * Invariants: pure (no node: imports; part of `@spool/core/shared`); a suggestion is only ever
 * one of the allowed names: the same name in another case style (`sinceSeq` ↔ `since_seq`), a
 * known synonym (`limit` → `max`), or a unique close spelling (edit distance ≤ 2); otherwise
 * none is made.
 */
import { SpoolError } from "./errors.js";

/**
 * Groups of names that mean the same thing somewhere in Spool (compared case- and
 * separator-insensitively). A name of a group suggests the allowed names of the same group.
 */
const SYNONYMS: readonly (readonly string[])[] = [
  ["since", "since_seq", "from", "from_seq", "start", "after"],
  ["size", "size_bytes", "bytes"],
  ["tag", "tags"],
  ["max", "limit", "count", "max_messages", "n"],
  ["timeout", "timeout_ms", "timeoutms", "idle_timeout"],
  ["gap_policy", "gap", "policy", "on_gap"],
  ["pool", "name", "pool_name"],
  ["data", "body", "payload", "value"],
  ["durability", "sync", "fsync"],
  ["last", "tail", "replay"],
  ["messages", "batch", "items"],
];

/** A name without case or separators: `since_seq`, `sinceSeq` and `since-seq` all fold alike. */
function fold(name: string): string {
  return name.toLowerCase().replace(/[-_\s]/g, "");
}

function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(
        (prev[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (prev[j - 1] as number) + cost,
      );
    }
    prev = row;
  }
  return prev[b.length] as number;
}

/**
 * The allowed name `name` was most likely meant as, or undefined when none is obvious.
 *
 * @example
 * suggestKey("since", ["since_seq", "max"]); // "since_seq"
 * suggestKey("limit", ["since_seq", "max"]); // "max"
 * suggestKey("sinceSeq", ["since_seq"]); // "since_seq"
 * suggestKey("colour", ["since_seq"]); // undefined
 */
export function suggestKey(name: string, allowed: readonly string[]): string | undefined {
  const folded = fold(name);
  const sameFold = allowed.find((key) => fold(key) === folded);
  if (sameFold !== undefined) return sameFold;
  for (const group of SYNONYMS) {
    if (!group.some((word) => fold(word) === folded)) continue;
    const match = allowed.find((key) => group.some((word) => fold(word) === fold(key)));
    if (match !== undefined) return match;
  }
  if (folded.length < 4) return undefined;
  const close = allowed.filter((key) => distance(folded, fold(key)) <= 2);
  return close.length === 1 ? close[0] : undefined;
}

/** How the refused names are spelled in messages: `query parameter`, `body field`, `option`. */
export interface KnownKeysContext {
  /** What a name is on this surface, e.g. "query parameter", "body field", "tail option". */
  what: string;
  /** What to do instead (the suggestion, when there is one, is added in front). */
  hint: string;
  /** A prefix for the name in messages, e.g. `messages[2].` for a batch element. */
  prefix?: string;
}

/**
 * Throws Usage for the first of `keys` that is not in `allowed`, naming it and suggesting the
 * right spelling where one is obvious (see `suggestKey`).
 *
 * @example
 * checkKnownKeys(["since"], ["since_seq", "max"], { what: "query parameter", hint: "see spec/http/v0 §4" });
 * // throws Usage: unknown query parameter since: did you mean since_seq?
 */
export function checkKnownKeys(
  keys: Iterable<string>,
  allowed: readonly string[],
  context: KnownKeysContext,
): void {
  for (const key of keys) {
    if (allowed.includes(key)) continue;
    const suggestion = suggestKey(key, allowed);
    const name = `${context.prefix ?? ""}${key}`;
    const known =
      allowed.length === 0 ? `it takes no ${context.what}s` : `known: ${allowed.join(", ")}`;
    throw new SpoolError(
      "Usage",
      suggestion === undefined
        ? `unknown ${context.what} ${JSON.stringify(name)}`
        : `unknown ${context.what} ${JSON.stringify(name)}: did you mean ${suggestion}?`,
      {
        hint:
          suggestion === undefined
            ? `${context.hint} (${known})`
            : `use ${suggestion} instead; ${context.hint} (${known})`,
      },
    );
  }
}
