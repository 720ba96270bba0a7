/**
 * The console's message filter: exact tags plus a small expression language over the envelope,
 * parsed into a matcher function (never `eval`, never `new Function`).
 *
 * Expressions: clauses joined by `and` / `or` (`and` binds tighter). A clause is a path alone
 * (true when the value there is neither missing, null nor false) or `path OP value`. Paths start
 * at the envelope, jq style: `.seq`, `.time`, `.meta.tags`, `.data.step`, `.data.items[0].id`
 * (the leading dot is optional). OP is `==`, `!=`, `<`, `<=`, `>`, `>=` or `~` (contains: a
 * substring of a string, an element of an array). A value is a JSON literal (`"lint"`, `3`,
 * `true`, `null`) or a bare word (a string).
 *
 * Invariants: parsing is total (a bad expression is a FilterError naming the column, never a
 * thrown TypeError); matching never throws, whatever the message holds; tags match exactly and
 * a message must carry every tag given (the tail's `tag` rule); an empty filter matches all.
 */

/** The envelope as the filter sees it. */
export interface FilterEnvelope {
  seq: number;
  time: string;
  meta: { tags: readonly string[] };
  data: unknown;
}

export type Matcher = (envelope: FilterEnvelope) => boolean;

export class FilterError extends Error {
  readonly column: number;
  constructor(message: string, column: number) {
    super(`${message} (column ${column + 1})`);
    this.name = "FilterError";
    this.column = column;
  }
}

type Op = "==" | "!=" | "<" | "<=" | ">" | ">=" | "~";
type Token =
  | { kind: "path"; path: (string | number)[]; at: number }
  | { kind: "op"; op: Op; at: number }
  | { kind: "value"; value: unknown; at: number }
  | { kind: "and" | "or"; at: number };

const OPS: readonly Op[] = ["==", "!=", "<=", ">=", "<", ">", "~"];
const WORD = /[A-Za-z0-9_$@:/+-]/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let expectValue = false;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === " " || ch === "\t") {
      i++;
      continue;
    }
    const at = i;
    const op = OPS.find((o) => text.startsWith(o, i));
    if (op) {
      tokens.push({ kind: "op", op, at });
      i += op.length;
      expectValue = true;
      continue;
    }
    if (expectValue) {
      const { value, end } = readValue(text, i);
      tokens.push({ kind: "value", value, at });
      i = end;
      expectValue = false;
      continue;
    }
    const word = /^(and|or|&&|\|\|)(?![A-Za-z0-9_])/.exec(text.slice(i));
    if (word) {
      tokens.push({ kind: word[1] === "and" || word[1] === "&&" ? "and" : "or", at });
      i += (word[1] as string).length;
      continue;
    }
    const { path, end } = readPath(text, i);
    tokens.push({ kind: "path", path, at });
    i = end;
  }
  return tokens;
}

function readPath(text: string, start: number): { path: (string | number)[]; end: number } {
  const path: (string | number)[] = [];
  let i = start;
  if (text[i] === ".") i++;
  let expectKey = true;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === "[") {
      const close = text.indexOf("]", i);
      const inner = close < 0 ? "" : text.slice(i + 1, close).trim();
      if (/^\d+$/.test(inner)) path.push(Number(inner));
      else if (/^"(?:[^"\\]|\\.)*"$/.test(inner)) path.push(JSON.parse(inner) as string);
      else throw new FilterError('expected [N] or ["key"]', i);
      i = close + 1;
      expectKey = false;
      continue;
    }
    if (ch === ".") {
      i++;
      expectKey = true;
      continue;
    }
    if (!expectKey || !/[A-Za-z0-9_$@-]/.test(ch)) break;
    let end = i;
    while (end < text.length && /[A-Za-z0-9_$@-]/.test(text[end] as string)) end++;
    path.push(text.slice(i, end));
    i = end;
    expectKey = false;
  }
  if (i === start || (path.length === 0 && text[start] !== ".")) {
    throw new FilterError(`expected a path such as .data.step, found "${text[start]}"`, start);
  }
  if (expectKey && path.length > 0) throw new FilterError("a path cannot end with a dot", i - 1);
  return { path, end: i };
}

function readValue(text: string, start: number): { value: unknown; end: number } {
  let i = start;
  if (text[i] === '"') {
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    if (i >= text.length) throw new FilterError("unterminated string", start);
    try {
      return { value: JSON.parse(text.slice(start, i + 1)), end: i + 1 };
    } catch {
      throw new FilterError("invalid string escape", start);
    }
  }
  while (i < text.length && (WORD.test(text[i] as string) || text[i] === ".")) i++;
  const word = text.slice(start, i);
  if (word === "") throw new FilterError("expected a value after the operator", start);
  if (word === "true") return { value: true, end: i };
  if (word === "false") return { value: false, end: i };
  if (word === "null") return { value: null, end: i };
  if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(word)) return { value: Number(word), end: i };
  return { value: word, end: i };
}

/** The value at `path` of `root` (undefined when any step is missing). */
export function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let value: unknown = root;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    if (typeof key === "number") {
      if (!Array.isArray(value)) return undefined;
      value = value[key];
    } else {
      if (Array.isArray(value) || !Object.hasOwn(value, key)) return undefined;
      value = (value as Record<string, unknown>)[key];
    }
  }
  return value;
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

function compare(op: Op, left: unknown, right: unknown): boolean {
  switch (op) {
    case "==":
      return equal(left, right);
    case "!=":
      return !equal(left, right);
    case "~":
      if (typeof left === "string") return left.includes(String(right));
      if (Array.isArray(left)) return left.some((item) => equal(item, right));
      return false;
    default: {
      const ok =
        (typeof left === "number" && typeof right === "number") ||
        (typeof left === "string" && typeof right === "string");
      if (!ok) return false;
      const l = left as number | string;
      const r = right as number | string;
      return op === "<" ? l < r : op === "<=" ? l <= r : op === ">" ? l > r : l >= r;
    }
  }
}

/**
 * Compiles `expression` into a matcher (FilterError when it does not parse). An empty or
 * blank expression matches every message.
 *
 * @example
 * compileExpression('.data.step == "lint" and .data.ok')({ seq: 1, time: "", meta: { tags: [] }, data: { step: "lint", ok: true } }) // true
 */
export function compileExpression(expression: string): Matcher {
  const tokens = tokenize(expression);
  if (tokens.length === 0) return () => true;
  const groups: Matcher[][] = [[]];
  let i = 0;
  for (;;) {
    const token = tokens[i];
    if (token?.kind !== "path") {
      throw new FilterError("expected a path such as .data.step", token?.at ?? expression.length);
    }
    const path = token.path;
    const next = tokens[i + 1];
    let clause: Matcher;
    if (next?.kind === "op") {
      const value = tokens[i + 2];
      if (value?.kind !== "value") {
        throw new FilterError("expected a value after the operator", expression.length);
      }
      const right = value.value;
      clause = (envelope) => compare(next.op, valueAt(envelope, path), right);
      i += 3;
    } else {
      clause = (envelope) => {
        const v = valueAt(envelope, path);
        return v !== undefined && v !== null && v !== false;
      };
      i += 1;
    }
    (groups[groups.length - 1] as Matcher[]).push(clause);
    const joiner = tokens[i];
    if (joiner === undefined) break;
    if (joiner.kind === "or") groups.push([]);
    else if (joiner.kind !== "and") throw new FilterError("expected and / or", joiner.at);
    i++;
  }
  return (envelope) => {
    try {
      return groups.some((group) => group.every((clause) => clause(envelope)));
    } catch {
      return false;
    }
  };
}

/** Tags typed by a person: separated by commas or spaces, empty ones dropped. */
export function parseTags(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}

/** True when `tags` holds every tag of `wanted` (exact match). */
export function hasTags(tags: readonly string[], wanted: readonly string[]): boolean {
  return wanted.every((tag) => tags.includes(tag));
}
