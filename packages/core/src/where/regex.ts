/**
 * Regular expressions of `test`, `match` and `capture`: jq's Oniguruma patterns approximated by
 * JavaScript's RegExp (Unicode mode), with guards that keep a match's cost bounded.
 *
 * Invariants: a pattern with a back-reference, or a quantified group that itself contains a
 * quantifier or an alternation (the shapes that backtrack exponentially), is refused; a pattern
 * is applied only to a string of n characters for which n times the product of the choices of
 * its choice points (each `?` 2, `{a,b}` b − a + 1, `*`/`+`/`{a,}` n + 1, each group or the
 * whole pattern with b alternatives b) is at most 10^7, and that estimate (in 1024ths) is
 * spent from the step budget, which bounds the backtracking of all matches of one message; flags are jq's subset `g`, `i`, `x`, `n`, `s`
 * (others are an error); offsets and lengths are in code points, as in jq.
 */
import { type Ctx, fail, step } from "./evaluate.js";
import { newObject } from "./values.js";

export interface CompiledRegex {
  re: RegExp;
  global: boolean;
  ignoreEmpty: boolean;
  /** The name of each capture group, in order (null for unnamed ones). */
  names: (string | null)[];
  /** The pattern's choice points, for the cost estimate of a match. */
  shape: Shape;
}

interface Shape {
  names: (string | null)[];
  /** The number of choices of each variable quantifier or alternation (Infinity: unbounded). */
  choices: number[];
}

/** The most backtracking steps one match may be estimated to take. */
const REGEX_COST = 10_000_000;

/**
 * An upper estimate of the backtracking of `shape` on a string of `n` characters: every start
 * position times the product of each choice point's options (at most n + 1 for a quantifier).
 */
function regexCost(shape: Shape, n: number): number {
  let cost = Math.max(1, n);
  for (const c of shape.choices) {
    cost *= Math.min(c, n + 1);
    if (cost > REGEX_COST) return Number.POSITIVE_INFINITY;
  }
  return cost;
}

/** Checks a pattern's shape (see the module invariants); returns its groups and cost class. */
function shapeOf(pattern: string): Shape {
  const names: (string | null)[] = [];
  const choices: number[] = [];
  type Group = { quant: boolean; alt: boolean; branches: number };
  const stack: Group[] = [{ quant: false, alt: false, branches: 1 }];
  const top = (): Group => stack[stack.length - 1] as Group;
  /** A quantifier at `i`, if any: its length and its number of choices. */
  const quantifier = (i: number): { len: number; choices: number } | undefined => {
    const c = pattern[i];
    let len = 0;
    let n = 1;
    if (c === "*" || c === "+") {
      len = 1;
      n = Number.POSITIVE_INFINITY;
    } else if (c === "?") {
      len = 1;
      n = 2;
    } else if (c === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
      if (!m) return undefined;
      len = m[0].length;
      const lo = Number(m[1]);
      if (m[2] !== undefined) n = m[3] === "" ? Number.POSITIVE_INFINITY : Number(m[3]) - lo + 1;
    } else return undefined;
    if (pattern[i + len] === "?" || pattern[i + len] === "+") len++;
    return { len, choices: n };
  };
  const choice = (n: number): void => {
    if (n > 1) choices.push(n);
  };
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i] as string;
    if (c === "\\") {
      const e = pattern[i + 1] ?? "";
      if (/[1-9]/.test(e) || e === "k")
        fail(`back-references are not supported in regular expressions`);
      i += 2;
    } else if (c === "[") {
      i++;
      if (pattern[i] === "^") i++;
      // in JavaScript, `[]` and `[^]` are whole classes: a `]` right after `[` or `[^` closes
      while (i < pattern.length && pattern[i] !== "]") i += pattern[i] === "\\" ? 2 : 1;
      i++;
    } else if (c === "(") {
      if (pattern[i + 1] === "?") {
        const named = /^\(\?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(pattern.slice(i));
        if (named) {
          names.push(named[1] as string);
          i += named[0].length;
        } else i += pattern[i + 2] === "<" ? 4 : 3;
      } else {
        names.push(null);
        i++;
      }
      stack.push({ quant: false, alt: false, branches: 1 });
      continue;
    } else if (c === ")") {
      const group = stack.pop() ?? { quant: false, alt: false, branches: 1 };
      if (stack.length === 0) stack.push({ quant: false, alt: false, branches: 1 });
      choice(group.branches);
      i++;
      const q = quantifier(i);
      if (q) {
        if (group.quant || group.alt) {
          fail(
            "a quantified group may not contain a quantifier or `|` (it can backtrack exponentially): use a character class, e.g. [ab]* instead of (a|b)*",
          );
        }
        choice(q.choices);
        i += q.len;
        top().quant = true;
      } else if (group.quant) top().quant = true;
      continue;
    } else if (c === "|") {
      top().alt = true;
      top().branches++;
      i++;
      continue;
    } else {
      i++;
    }
    const q = quantifier(i);
    if (q) {
      top().quant = true;
      choice(q.choices);
      i += q.len;
    }
  }
  for (const g of stack) choice(g.branches);
  return { names, choices };
}

/** Removes whitespace and `# comments` outside character classes (jq's `x` flag). */
function extended(pattern: string): string {
  let out = "";
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "\\") {
      out += c + (pattern[i + 1] ?? "");
      i++;
    } else if (inClass) {
      if (c === "]") inClass = false;
      out += c;
    } else if (c === "[") {
      inClass = true;
      out += c;
    } else if (c === "#") {
      while (i < pattern.length && pattern[i] !== "\n") i++;
    } else if (!/\s/.test(c)) out += c;
  }
  return out;
}

export function compileRegex(pattern: unknown, flags: unknown, ctx: Ctx): CompiledRegex {
  if (typeof pattern !== "string")
    fail(`${typeof pattern} cannot be matched, as it is not a string`);
  if (flags !== null && typeof flags !== "string") fail(`${JSON.stringify(flags)} is not a string`);
  const key = JSON.stringify([flags, pattern]);
  const cached = ctx.regexps.get(key) as CompiledRegex | undefined;
  if (cached) return cached;
  let js = "du";
  let global = false;
  let ignoreEmpty = false;
  let source = pattern;
  for (const f of flags ?? "") {
    if (f === "g") global = true;
    else if (f === "i") js += "i";
    else if (f === "s") js += "s";
    else if (f === "n") ignoreEmpty = true;
    else if (f === "x") source = extended(source);
    else fail(`${flags} is not a valid modifier string`);
  }
  const shape = shapeOf(source);
  let re: RegExp;
  try {
    re = new RegExp(source, `${js}g`);
  } catch (error) {
    fail(`${pattern} (at offset 0) is not a valid regex: ${(error as Error).message}`);
  }
  const compiled: CompiledRegex = { re, global, ignoreEmpty, names: shape.names, shape };
  if (ctx.regexps.size < 64) ctx.regexps.set(key, compiled);
  return compiled;
}

/** jq's match objects of `regex` on `input`. */
export function matchAll(input: unknown, regex: CompiledRegex, ctx: Ctx): unknown[] {
  if (typeof input !== "string")
    fail(
      `${typeof input === "object" ? (input === null ? "null" : Array.isArray(input) ? "array" : "object") : typeof input} (${JSON.stringify(input)}) cannot be matched, as it is not a string`,
    );
  const cost = regexCost(regex.shape, input.length);
  if (cost > REGEX_COST) {
    fail(
      `the string (${input.length} characters) is too long for this regular expression (its quantifiers and alternatives could backtrack too much)`,
    );
  }
  step(ctx, Math.floor(cost / 1024));
  const re = regex.re;
  re.lastIndex = 0;
  const out: unknown[] = [];
  const cp = codePointIndex(input);
  for (;;) {
    const m = re.exec(input);
    if (m === null) break;
    step(ctx);
    const start = m.index;
    const text = m[0];
    if (text === "") re.lastIndex = start + ((input.codePointAt(start) ?? 0) > 0xffff ? 2 : 1);
    if (!(regex.ignoreEmpty && text === "")) {
      const o = newObject();
      o.offset = cp(start);
      o.length = Array.from(text).length;
      o.string = text;
      o.captures = regex.names.map((name, k) => {
        const c = newObject();
        const span = m.indices?.[k + 1];
        const s = m[k + 1];
        c.offset = span ? cp(span[0]) : -1;
        c.length = s === undefined ? 0 : Array.from(s).length;
        c.string = s ?? null;
        c.name = name;
        return c;
      });
      out.push(o);
    }
    if (!regex.global || re.lastIndex > input.length) break;
  }
  return out;
}

/** Maps UTF-16 offsets of `s` to code point offsets. */
function codePointIndex(s: string): (i: number) => number {
  let table: number[] | undefined;
  return (i) => {
    if (!/[\uD800-\uDFFF]/.test(s)) return i;
    if (!table) {
      table = [];
      let k = 0;
      for (let j = 0; j <= s.length; j++) {
        table.push(k);
        const c = s.charCodeAt(j);
        if (!(c >= 0xd800 && c <= 0xdbff)) k++;
      }
    }
    return table[i] ?? i;
  };
}
