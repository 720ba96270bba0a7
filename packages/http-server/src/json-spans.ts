/**
 * Locating values inside a JSON text without re-encoding them, so an append stores the client's
 * `data` exactly as sent (big integers, number spelling and key order survive; no
 * JSON.stringify on the hot path).
 *
 * Invariants: callers pass text that JSON.parse already accepted, so the scanner only has to
 * find boundaries, not validate; for duplicate keys the last one wins (as in JSON.parse); keys
 * are compared after unescaping; `compactJson` only removes CR/LF, which valid JSON can hold
 * only as insignificant whitespace (never inside strings), so the value is unchanged.
 */

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

function skipWs(text: string, i: number): number {
  while (i < text.length && WS.has(text.charCodeAt(i))) i++;
  return i;
}

/** End index (exclusive) of the string starting at `i` (which is a `"`). */
function stringEnd(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x5c) j++;
    else if (c === 0x22) return j + 1;
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
    if (d === 0x2c || d === 0x7d || d === 0x5d || WS.has(d)) break;
    j++;
  }
  return j;
}

/** Spans `[start, end)` of the values of the object starting at (or after whitespace at) `at`. */
export function objectSpans(text: string, at = 0): Map<string, [number, number]> {
  const spans = new Map<string, [number, number]>();
  let i = skipWs(text, at);
  if (text.charCodeAt(i) !== 0x7b) return spans;
  i = skipWs(text, i + 1);
  while (i < text.length && text.charCodeAt(i) === 0x22) {
    const keyEnd = stringEnd(text, i);
    const rawKey = text.slice(i, keyEnd);
    const key = rawKey.includes("\\") ? (JSON.parse(rawKey) as string) : rawKey.slice(1, -1);
    i = skipWs(text, skipWs(text, keyEnd) + 1); // past the colon
    const end = valueEnd(text, i);
    spans.set(key, [i, end]);
    i = skipWs(text, end);
    if (text.charCodeAt(i) === 0x2c) i = skipWs(text, i + 1);
  }
  return spans;
}

/** Start indexes of the elements of the array starting at `at`. */
export function arrayElements(text: string, at: number): number[] {
  const starts: number[] = [];
  let i = skipWs(text, at);
  if (text.charCodeAt(i) !== 0x5b) return starts;
  i = skipWs(text, i + 1);
  while (i < text.length && text.charCodeAt(i) !== 0x5d) {
    starts.push(i);
    i = skipWs(text, valueEnd(text, i));
    if (text.charCodeAt(i) === 0x2c) i = skipWs(text, i + 1);
  }
  return starts;
}

/** The value text as one line (CR/LF are only ever insignificant whitespace in valid JSON). */
export function compactJson(value: string): string {
  return /[\n\r]/.test(value) ? value.replace(/[\n\r]/g, "") : value;
}

/** The raw JSON text of `key` in the object at `at`, compacted to one line; undefined if absent. */
export function rawMember(text: string, key: string, at = 0): string | undefined {
  const span = objectSpans(text, at).get(key);
  return span ? compactJson(text.slice(span[0], span[1])) : undefined;
}
