/**
 * String builtins of `where` expressions: length and searching (`indices`, `startswith`, …),
 * trimming and case, splitting and joining, regular expressions (`test`/`match`/`capture`) and
 * conversions to and from strings and JSON.
 *
 * Invariants: every builtin that scans or builds a string charges for its length (`charge`)
 * before doing the work; lengths and offsets count code points, as jq does; regular
 * expressions go through regex.ts, which bounds their cost.
 */
import type { Node } from "../ast.js";
import { type Ctx, charge, ev, fail, splitString, step } from "../evaluate.js";
import { compileRegex, matchAll } from "../regex.js";
import { describe, equal, type JsonObject, newObject, toJson, typeOf } from "../values.js";
import { fn, type Impl, needArray, needString } from "./shared.js";

function length(v: unknown): number {
  switch (typeOf(v)) {
    case "null":
      return 0;
    case "boolean":
      return fail(`${describe(v)} has no length`);
    case "number":
      return Math.abs(v as number);
    case "string":
      return countCodePoints(v as string);
    case "array":
      return (v as unknown[]).length;
    case "object":
      return Object.keys(v as JsonObject).length;
  }
}

function countCodePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** jq's `indices`: code point offsets of a substring, or positions of an element/sub-array. */
function indices(v: unknown, x: unknown, ctx: Ctx): unknown {
  if (v === null) return null;
  if (typeof v === "string" && typeof x === "string") {
    charge(ctx, v.length);
    if (x === "") return null;
    // the naive search compares up to |needle| characters at each position
    step(ctx, Math.floor((v.length * x.length) / 4096));
    const out: number[] = [];
    const cps = Array.from(v);
    const needle = Array.from(x);
    for (let i = 0; i + needle.length <= cps.length; i++) {
      let ok = true;
      for (let j = 0; j < needle.length && ok; j++) ok = cps[i + j] === needle[j];
      if (ok) out.push(i);
    }
    return out;
  }
  if (Array.isArray(v)) {
    charge(ctx, v.length);
    const needle = Array.isArray(x) ? x : [x];
    if (needle.length === 0) return null;
    const out: number[] = [];
    for (let i = 0; i + needle.length <= v.length; i++) {
      if (needle.every((y, j) => equal(v[i + j], y))) out.push(i);
    }
    return out;
  }
  fail(`Cannot determine the indices of ${describe(x)} in ${describe(v)}`);
}

function tostring(v: unknown, ctx: Ctx): string {
  if (typeof v === "string") return v;
  const s = toJson(v);
  charge(ctx, s.length);
  return s;
}

const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function tonumber(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "string" && NUMBER.test(v)) return Number(v);
  fail(`Cannot parse ${JSON.stringify(v)} as a number`);
}

function join(v: unknown, sep: unknown, ctx: Ctx): string {
  const a = needArray(v, "cannot be joined, as it is not an array");
  const s = needString(sep, "is not a string separator");
  const parts = a.map((x) => {
    if (x === null) return "";
    if (typeof x === "string") return x;
    if (typeof x === "number" || typeof x === "boolean") return toJson(x);
    return fail(`Cannot join with ${typeOf(x)}`);
  });
  let total = s.length * Math.max(0, parts.length - 1);
  for (const p of parts) total += p.length;
  charge(ctx, total);
  const out = parts.join(s);
  charge(ctx, out.length);
  return out;
}

const TRIM_ERROR = "cannot be trimmed, as it is not a string";

function regexImpl(mode: "test" | "match" | "capture"): Impl {
  return function* (input, args, env, ctx) {
    const flagsNode = args[1];
    for (const re of ev(args[0] as Node, input, env, ctx)) {
      for (const flags of flagsNode ? ev(flagsNode, input, env, ctx) : [null]) {
        // jq also accepts test([re, flags])
        const [pattern, fl] = Array.isArray(re) ? [re[0], re[1] ?? null] : [re, flags];
        const compiled = compileRegex(pattern, fl, ctx);
        if (mode === "test") {
          const probe = { ...compiled, global: false };
          yield matchAll(input, probe, ctx).length > 0;
          continue;
        }
        for (const m of matchAll(input, compiled, ctx)) {
          if (mode === "match") yield m;
          else {
            const o = newObject();
            for (const c of (m as { captures: JsonObject[] }).captures) {
              if (typeof c.name === "string") o[c.name] = c.string;
            }
            yield o;
          }
        }
      }
    }
  };
}

export const STRING_BUILTINS: Record<string, Record<number, Impl>> = {
  length: {
    0: fn((v, _a, ctx) => {
      if (typeof v === "string") charge(ctx, v.length);
      return length(v);
    }),
  },
  utf8bytelength: {
    0: fn((v, _a, ctx) => {
      const s = needString(v, "only strings have UTF-8 byte length");
      charge(ctx, s.length);
      return new TextEncoder().encode(s).length;
    }),
  },
  indices: { 1: fn((v, [x], ctx) => indices(v, x, ctx)) },
  index: {
    1: fn((v, [x], ctx) => {
      const r = indices(v, x, ctx);
      return Array.isArray(r) ? (r[0] ?? null) : r;
    }),
  },
  rindex: {
    1: fn((v, [x], ctx) => {
      const r = indices(v, x, ctx);
      return Array.isArray(r) ? (r[r.length - 1] ?? null) : r;
    }),
  },
  startswith: {
    1: fn((v, [s]) => {
      if (typeof v !== "string" || typeof s !== "string")
        fail("startswith() requires string inputs");
      return v.startsWith(s);
    }),
  },
  endswith: {
    1: fn((v, [s]) => {
      if (typeof v !== "string" || typeof s !== "string") fail("endswith() requires string inputs");
      return v.endsWith(s);
    }),
  },
  ltrimstr: {
    1: fn((v, [s]) =>
      typeof v === "string" && typeof s === "string" && v.startsWith(s) ? v.slice(s.length) : v,
    ),
  },
  rtrimstr: {
    1: fn((v, [s]) =>
      typeof v === "string" && typeof s === "string" && v.endsWith(s) && s !== ""
        ? v.slice(0, v.length - s.length)
        : v,
    ),
  },
  // String.prototype.trim* strip exactly `\s` (a /\s+$/ regex backtracks quadratically)
  trim: { 0: fn((v) => needString(v, TRIM_ERROR).trim()) },
  ltrim: { 0: fn((v) => needString(v, TRIM_ERROR).trimStart()) },
  rtrim: { 0: fn((v) => needString(v, TRIM_ERROR).trimEnd()) },
  ascii_downcase: {
    0: fn((v, _a, ctx) => {
      const s = needString(v, "cannot be lowercased, as it is not a string");
      charge(ctx, s.length);
      return s.replace(/[A-Z]+/g, (c) => c.toLowerCase());
    }),
  },
  ascii_upcase: {
    0: fn((v, _a, ctx) => {
      const s = needString(v, "cannot be uppercased, as it is not a string");
      charge(ctx, s.length);
      return s.replace(/[a-z]+/g, (c) => c.toUpperCase());
    }),
  },
  explode: {
    0: fn((v, _a, ctx) => {
      const s = needString(v, "cannot be exploded, as it is not a string");
      charge(ctx, s.length);
      step(ctx, s.length >> 6); // an array of numbers, not characters
      return Array.from(s, (c) => c.codePointAt(0));
    }),
  },
  implode: {
    0: fn((v, _a, ctx) => {
      const a = needArray(v, "cannot be imploded, as it is not an array");
      charge(ctx, a.length);
      step(ctx, a.length >> 6); // a string from code points, one by one
      return a
        .map((c) => {
          if (typeof c !== "number" || c < 0 || c > 0x10ffff)
            fail("Implode input must be an array of codepoints");
          return String.fromCodePoint(Math.floor(c));
        })
        .join("");
    }),
  },
  split: {
    1: fn((v, [s], ctx) => {
      if (typeof v !== "string" || typeof s !== "string")
        fail("split input and separator must be strings");
      return splitString(v, s, ctx);
    }),
  },
  join: { 1: fn((v, [s], ctx) => join(v, s, ctx)) },
  test: { 1: regexImpl("test"), 2: regexImpl("test") },
  match: { 1: regexImpl("match"), 2: regexImpl("match") },
  capture: { 1: regexImpl("capture"), 2: regexImpl("capture") },
  tostring: { 0: fn((v, _a, ctx) => tostring(v, ctx)) },
  tojson: {
    0: fn((v, _a, ctx) => {
      const s = toJson(v);
      charge(ctx, s.length);
      return s;
    }),
  },
  fromjson: {
    0: fn((v, _a, ctx) => {
      const s = needString(v, "cannot be parsed, as it is not a string");
      charge(ctx, s.length);
      try {
        return JSON.parse(s) as unknown;
      } catch {
        fail(
          `${s.length > 40 ? `${s.slice(0, 40)}…` : s} (while parsing '${s.slice(0, 40)}') is not valid JSON`,
        );
      }
    }),
  },
  tonumber: {
    0: fn((v, _a, ctx) => {
      if (typeof v === "string") charge(ctx, v.length);
      return tonumber(v);
    }),
  },
  ascii: { 0: fn((v) => String.fromCodePoint(tonumber(v))) },
};
