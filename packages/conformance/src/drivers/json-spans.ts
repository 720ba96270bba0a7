/**
 * The exact text of values inside a JSON document, for byte parity of envelopes that an answer
 * nests (a claim's `{"deliveries":[{…,"message":ENVELOPE}]}`): `JSON.parse` would give their
 * value, not the bytes the server spliced in (a big integer, `1.50`, a kept key order).
 *
 * Invariants: the text must be valid JSON (the caller parsed it first); spans are the exact
 * characters of a value, whitespace around it excluded; a path that is not there gives no span.
 */

const WS = new Set([" ", "\t", "\n", "\r"]);

function skipWs(text: string, at: number): number {
  let i = at;
  while (i < text.length && WS.has(text[i] as string)) i++;
  return i;
}

/** The index just after the string that starts at `at` (a `"`). */
function stringEnd(text: string, at: number): number {
  let i = at + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === "\\") i += 2;
    else if (c === '"') return i + 1;
    else i++;
  }
  throw new Error("unterminated string");
}

/** The index just after the value that starts at `at`. */
function valueEnd(text: string, at: number): number {
  const c = text[at];
  if (c === '"') return stringEnd(text, at);
  if (c === "{" || c === "[") {
    let depth = 0;
    let i = at;
    while (i < text.length) {
      const ch = text[i];
      if (ch === '"') {
        i = stringEnd(text, i);
        continue;
      }
      if (ch === "{" || ch === "[") depth++;
      else if (ch === "}" || ch === "]") {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    throw new Error("unterminated container");
  }
  let i = at;
  while (i < text.length && !/[,\]}\s]/.test(text[i] as string)) i++;
  return i;
}

/** The items of the container at `at`: `[key or index, start, end]` of each value. */
function children(text: string, at: number): [string, number, number][] {
  const open = text[at];
  const out: [string, number, number][] = [];
  let i = skipWs(text, at + 1);
  let index = 0;
  while (i < text.length && text[i] !== (open === "{" ? "}" : "]")) {
    let key = String(index++);
    if (open === "{") {
      const keyEnd = stringEnd(text, i);
      key = JSON.parse(text.slice(i, keyEnd)) as string;
      i = skipWs(text, keyEnd) + 1; // the colon
      i = skipWs(text, i);
    }
    const end = valueEnd(text, i);
    out.push([key, i, end]);
    i = skipWs(text, end);
    if (text[i] === ",") i = skipWs(text, i + 1);
  }
  return out;
}

/**
 * The exact texts of the values at `path` (`*` matches every item or member).
 *
 * @example
 * valueTexts('{"deliveries":[{"message":{"data":1.50}}]}', ["deliveries", "*", "message"])
 * // ['{"data":1.50}']
 */
export function valueTexts(text: string, path: readonly string[]): string[] {
  let spans: [number, number][] = [[skipWs(text, 0), valueEnd(text, skipWs(text, 0))]];
  for (const segment of path) {
    const next: [number, number][] = [];
    for (const [start] of spans) {
      const c = text[start];
      if (c !== "{" && c !== "[") continue;
      for (const [key, s, e] of children(text, start))
        if (segment === "*" || key === segment) next.push([s, e]);
    }
    spans = next;
  }
  return spans.map(([s, e]) => text.slice(s, e));
}
