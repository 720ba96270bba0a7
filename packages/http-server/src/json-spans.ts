/**
 * Locating values inside a JSON text without re-encoding them, so an append stores the client's
 * `data` exactly as sent (big integers, number spelling and key order survive; no
 * JSON.stringify on the hot path).
 *
 * Invariants: callers pass text that JSON.parse already accepted, so the scanner only has to
 * find boundaries, not validate; for duplicate keys the last one wins (as in JSON.parse); keys
 * are compared after unescaping; a value with line breaks is folded to one line by core's
 * `foldLineBreaks` (the one rule every surface stores JSON text by: each raw CR/LF with the
 * spaces and tabs around it becomes one space; valid JSON holds raw CR/LF only as whitespace
 * between tokens, so the value is unchanged), so HTTP stores exactly what the API would.
 *
 * Cost: every character outside strings is looked at once per pass with plain comparisons, and
 * strings are skipped with `indexOf` (no per-character work inside them); a batch is two passes
 * (the top-level object, then each element's members), whatever its size.
 */

import { foldLineBreaks, hasLineBreak } from "@spool/core";

/** JSON's insignificant whitespace: space, tab, LF, CR. */
function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipWs(text: string, i: number): number {
  while (i < text.length && isWs(text.charCodeAt(i))) i++;
  return i;
}

/** End index (exclusive) of the string starting at `i` (which is a `"`). */
function stringEnd(text: string, i: number): number {
  let quote = text.indexOf('"', i + 1);
  while (quote !== -1) {
    // The quote ends the string unless an odd number of backslashes precede it.
    let k = quote - 1;
    while (text.charCodeAt(k) === 0x5c) k--;
    if ((quote - 1 - k) % 2 === 0) return quote + 1;
    quote = text.indexOf('"', quote + 1);
  }
  return text.length;
}

/** End index (exclusive) of the value starting at `i`. */
function valueEnd(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === 0x22) return stringEnd(text, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const d = text.charCodeAt(j);
      if (d === 0x22) j = stringEnd(text, j) - 1;
      else if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    return text.length;
  }
  let j = i;
  while (j < text.length) {
    const d = text.charCodeAt(j);
    if (d === 0x2c || d === 0x7d || d === 0x5d || isWs(d)) break;
    j++;
  }
  return j;
}

/** Spans of an object's member values, and where the object ends. */
interface ObjectScan {
  spans: Map<string, [number, number]>;
  /** Index just past the closing `}` (the text's length if the text is not an object there). */
  end: number;
}

/**
 * Scans the object at `at`. `valueHook(key, start)` may scan a member's value itself and return
 * where it ends (undefined: scan it as usual).
 */
function scanObject(
  text: string,
  at: number,
  valueHook?: (key: string, start: number) => number | undefined,
): ObjectScan {
  const spans = new Map<string, [number, number]>();
  let i = skipWs(text, at);
  if (text.charCodeAt(i) !== 0x7b) return { spans, end: text.length };
  i = skipWs(text, i + 1);
  while (i < text.length && text.charCodeAt(i) === 0x22) {
    const keyEnd = stringEnd(text, i);
    const rawKey = text.slice(i, keyEnd);
    const key = rawKey.includes("\\") ? (JSON.parse(rawKey) as string) : rawKey.slice(1, -1);
    i = skipWs(text, skipWs(text, keyEnd) + 1); // past the colon
    const end = valueHook?.(key, i) ?? valueEnd(text, i);
    spans.set(key, [i, end]);
    i = skipWs(text, end);
    if (text.charCodeAt(i) === 0x2c) i = skipWs(text, i + 1);
  }
  return { spans, end: text.charCodeAt(i) === 0x7d ? i + 1 : text.length };
}

/** Spans `[start, end)` of the values of the object starting at (or after whitespace at) `at`. */
export function objectSpans(text: string, at = 0): Map<string, [number, number]> {
  return scanObject(text, at).spans;
}

/**
 * For the array member `arrayKey` of the top-level object: the raw JSON text of member `key` of
 * each of its elements (undefined for an element without it, or that is not an object), each
 * folded to one line; undefined when `arrayKey` is absent or not an array. One pass over the
 * whole text.
 *
 * @example
 * elementMembers('{"messages":[{"data":1},{"tags":["t"],"data":{"a":2}}]}', "messages", "data");
 * // ["1", '{"a":2}']
 */
export function elementMembers(
  text: string,
  arrayKey: string,
  key: string,
): (string | undefined)[] | undefined {
  const compact = hasLineBreak(text);
  let found: (string | undefined)[] | undefined;
  scanObject(text, 0, (name, at) => {
    if (name !== arrayKey) return undefined;
    const scan = scanElements(text, at, key, compact);
    // The last duplicate wins, as in JSON.parse.
    found = scan?.values;
    return scan?.end;
  });
  return found;
}

/** The members `key` of the elements of the array at `at`, and where the array ends. */
function scanElements(
  text: string,
  at: number,
  key: string,
  compact: boolean,
): { values: (string | undefined)[]; end: number } | undefined {
  if (text.charCodeAt(at) !== 0x5b) return undefined;
  const values: (string | undefined)[] = [];
  let i = skipWs(text, at + 1);
  while (i < text.length && text.charCodeAt(i) !== 0x5d) {
    let end: number;
    if (text.charCodeAt(i) === 0x7b) {
      const scan = scanObject(text, i);
      const span = scan.spans.get(key);
      values.push(span && sliceLine(text, span, compact));
      end = scan.end;
    } else {
      values.push(undefined);
      end = valueEnd(text, i);
    }
    i = skipWs(text, end);
    if (text.charCodeAt(i) === 0x2c) i = skipWs(text, i + 1);
  }
  return { values, end: Math.min(i + 1, text.length) };
}

/** The raw JSON text of `key` in the object at `at`, folded to one line; undefined if absent. */
export function rawMember(text: string, key: string, at = 0): string | undefined {
  const span = objectSpans(text, at).get(key);
  return span ? foldLineBreaks(text.slice(span[0], span[1])) : undefined;
}

function sliceLine(text: string, span: [number, number], compact: boolean): string {
  const value = text.slice(span[0], span[1]);
  return compact ? foldLineBreaks(value) : value;
}
