/**
 * The builtin functions of `where` expressions (a jq subset) and the ones refused on purpose.
 *
 * Invariants: every builtin is listed with the arities it supports, so the parser refuses an
 * unknown name or arity at compile time; value arguments are evaluated as jq does (every
 * combination of their outputs), closure arguments (`select(f)`, `map(f)`, …) are evaluated
 * lazily per input; every builtin that builds or scans a value in proportion to its size
 * charges for it (evaluate.ts `charge`), and generators (`range`, `repeat`, `recurse`) spend a
 * step per output; builtins that would read other inputs, the environment or the clock, or stop
 * the program, are refused by name.
 */
import type { Node } from "./ast.js";
import { WhereRuntimeError } from "./errors.js";
import {
  binary,
  type Ctx,
  charge,
  depthCost,
  type Env,
  ev,
  fail,
  index,
  iterate,
  objectCost,
  recurse,
  splitString,
  step,
} from "./evaluate.js";
import { compileRegex, matchAll } from "./regex.js";
import {
  compare,
  describe,
  equal,
  getKey,
  hasKey,
  isObject,
  type JsonObject,
  newObject,
  sortedKeys,
  toJson,
  truthy,
  typeOf,
} from "./values.js";

type Impl = (input: unknown, args: readonly Node[], env: Env, ctx: Ctx) => Iterable<unknown>;

export function* callBuiltin(
  name: string,
  args: readonly Node[],
  input: unknown,
  env: Env,
  ctx: Ctx,
): Generator<unknown> {
  const impl = BUILTINS[name]?.[args.length] as Impl;
  yield* impl(input, args, env, ctx);
}

/** Every combination of the outputs of value arguments (the first varies slowest). */
function* combos(
  args: readonly Node[],
  input: unknown,
  env: Env,
  ctx: Ctx,
  i = 0,
  acc: unknown[] = [],
): Generator<unknown[]> {
  if (i === args.length) {
    yield acc;
    return;
  }
  for (const v of ev(args[i] as Node, input, env, ctx)) {
    yield* combos(args, input, env, ctx, i + 1, [...acc, v]);
  }
}

/** A builtin of value arguments with one output per combination. */
function fn(f: (input: unknown, args: unknown[], ctx: Ctx) => unknown): Impl {
  return function* (input, args, env, ctx) {
    if (args.length === 0) {
      yield f(input, [], ctx);
      return;
    }
    for (const vals of combos(args, input, env, ctx)) yield f(input, vals, ctx);
  };
}

function collect(node: Node, input: unknown, env: Env, ctx: Ctx): unknown[] {
  const out: unknown[] = [];
  for (const v of ev(node, input, env, ctx)) out.push(v);
  return out;
}

function firstOf(node: Node, input: unknown, env: Env, ctx: Ctx): { value: unknown } | undefined {
  for (const v of ev(node, input, env, ctx)) return { value: v };
  return undefined;
}

function needString(v: unknown, what: string): string {
  if (typeof v !== "string") fail(`${describe(v)} ${what}`);
  return v;
}

function needArray(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) fail(`${describe(v)} ${what}`);
  return v;
}

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

function keys(v: unknown, ctx: Ctx, sorted: boolean): unknown[] {
  if (isObject(v)) {
    const ks = sorted ? sortedKeys(v) : Object.keys(v);
    charge(ctx, ks.length);
    return ks;
  }
  if (Array.isArray(v)) {
    charge(ctx, v.length);
    return v.map((_, i) => i);
  }
  fail(`${describe(v)} has no keys`);
}

function has(v: unknown, k: unknown): boolean {
  if (isObject(v) && typeof k === "string") return hasKey(v, k);
  if (Array.isArray(v) && typeof k === "number") return k >= 0 && k < v.length;
  fail(`Cannot check whether ${typeOf(v)} has a ${typeOf(k)} key`);
}

/** jq's `contains`: different types are an error at the top, false inside. */
function containsTop(a: unknown, b: unknown, ctx: Ctx): boolean {
  if (typeOf(a) !== typeOf(b) && !(typeof a === "boolean" && typeof b === "boolean")) {
    fail(`${describe(a)} and ${describe(b)} cannot have their containment checked`);
  }
  return contains(a, b, ctx);
}

function contains(a: unknown, b: unknown, ctx: Ctx): boolean {
  step(ctx);
  const ta = typeOf(a);
  const tb = typeOf(b);
  if (ta === "object" && tb === "object") {
    const x = a as JsonObject;
    return Object.keys(b as JsonObject).every(
      (k) => hasKey(x, k) && contains(x[k], (b as JsonObject)[k], ctx),
    );
  }
  if (ta === "array" && tb === "array") {
    return (b as unknown[]).every((y) => (a as unknown[]).some((x) => contains(x, y, ctx)));
  }
  if (ta === "string" && tb === "string") {
    charge(ctx, (a as string).length);
    return (a as string).includes(b as string);
  }
  return ta === tb && equal(a, b);
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

function sortValues(v: unknown, ctx: Ctx): unknown[] {
  const a = needArray(v, "cannot be sorted, as it is not an array");
  charge(ctx, a.length * Math.max(1, Math.ceil(Math.log2(a.length + 1))));
  return [...a].sort(compare);
}

/** Elements of an array with their `[f]` keys, for the `_by` builtins. */
function keyed(
  v: unknown,
  f: Node,
  env: Env,
  ctx: Ctx,
  what: string,
): { key: unknown[]; value: unknown }[] {
  const a = needArray(v, `cannot be ${what}, as it is not an array`);
  charge(ctx, a.length * Math.max(1, Math.ceil(Math.log2(a.length + 1))));
  return a.map((value) => ({ key: collect(f, value, env, ctx), value }));
}

function add(values: Iterable<unknown>, ctx: Ctx): unknown {
  let acc: unknown = null;
  for (const x of values) acc = plus(acc, x, ctx);
  return acc;
}

function plus(l: unknown, r: unknown, ctx: Ctx): unknown {
  return binary("+", l, r, ctx);
}

function entries(v: unknown, ctx: Ctx): unknown[] {
  if (!isObject(v)) fail(`${describe(v)} has no keys`);
  const ks = Object.keys(v);
  charge(ctx, ks.length);
  objectCost(ctx, ks.length * 2);
  return ks.map((k) => {
    const e = newObject();
    e.key = k;
    e.value = v[k];
    return e;
  });
}

function fromEntries(v: unknown, ctx: Ctx): JsonObject {
  const out = newObject();
  for (const e of iterate(v, ctx)) {
    if (!isObject(e)) fail(`Cannot index ${typeOf(e)} with "key"`);
    let k = getKey(e, "key");
    if (k === null) {
      k = null;
      for (const name of ["k", "name", "Name", "K", "Key"]) {
        const x = getKey(e, name);
        if (truthy(x)) {
          k = x;
          break;
        }
      }
    }
    if (isObject(k) || Array.isArray(k)) fail(`Cannot use ${describe(k)} as object key`);
    const key = typeof k === "string" ? k : toJson(k);
    out[key] = hasKey(e, "value") ? e.value : hasKey(e, "v") ? e.v : getKey(e, "Value");
  }
  return out;
}

function* paths(
  v: unknown,
  prefix: unknown[],
  ctx: Ctx,
): Generator<{ path: unknown[]; value: unknown }> {
  // each output passes through prefix.length generators and copies a path of that length
  step(ctx, depthCost(prefix.length) + (prefix.length >> 4));
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = [...prefix, i];
      yield { path: p, value: v[i] };
      yield* paths(v[i], p, ctx);
    }
  } else if (isObject(v)) {
    for (const k of Object.keys(v)) {
      const p = [...prefix, k];
      yield { path: p, value: v[k] };
      yield* paths(v[k], p, ctx);
    }
  }
}

function getpath(v: unknown, p: unknown): unknown {
  const path = needArray(p, "is not a path (an array)");
  let cur = v;
  for (const k of path) {
    if (cur === null) return null;
    cur = index(cur, k);
  }
  return cur;
}

function flatten(v: unknown, depth: number, ctx: Ctx): unknown[] {
  const a = needArray(v, "cannot be flattened, as it is not an array");
  if (depth < 0) fail("flatten depth must not be negative");
  const out: unknown[] = [];
  const walk = (xs: unknown[], d: number): void => {
    for (const x of xs) {
      step(ctx);
      if (Array.isArray(x) && d > 0) walk(x, d - 1);
      else out.push(x);
    }
  };
  walk(a, depth);
  charge(ctx, out.length);
  return out;
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

function math(f: (x: number) => number, name: string): Impl {
  return fn((v) => {
    if (typeof v !== "number") fail(`${describe(v)} number required (${name})`);
    return f(v);
  });
}

function* rangeOf(from: unknown, to: unknown, by: unknown, ctx: Ctx): Generator<number> {
  if (typeof from !== "number" || typeof to !== "number" || typeof by !== "number") {
    fail("Range bounds must be numeric");
  }
  if (by > 0) {
    for (let i = from; i < to; i += by) {
      step(ctx);
      yield i;
    }
  } else if (by < 0) {
    for (let i = from; i > to; i += by) {
      step(ctx);
      yield i;
    }
  } else if (from < to) {
    for (;;) {
      step(ctx);
      yield from;
    }
  }
}

function* walk(v: unknown, f: Node, env: Env, ctx: Ctx, depth = 0): Generator<unknown> {
  step(ctx, depthCost(depth));
  let inner: unknown = v;
  if (Array.isArray(v)) {
    inner = [];
    for (const x of v)
      for (const y of walk(x, f, env, ctx, depth + 1)) (inner as unknown[]).push(y);
  } else if (isObject(v)) {
    const o = newObject();
    for (const k of Object.keys(v)) {
      const r = walk(v[k], f, env, ctx, depth + 1).next();
      if (!r.done) o[k] = r.value;
    }
    inner = o;
  }
  yield* ev(f, inner, env, ctx);
}

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

function anyAll(which: "any" | "all"): Record<number, Impl> {
  const want = which === "any";
  const decide = (values: Iterable<unknown>): boolean => {
    for (const v of values) if (truthy(v) === want) return want;
    return !want;
  };
  return {
    0: fn((v, _a, ctx) => decide(iterate(v, ctx))),
    1: function* (v, [f], env, ctx) {
      yield decide(
        (function* () {
          for (const x of iterate(v, ctx)) yield* ev(f as Node, x, env, ctx);
        })(),
      );
    },
    2: function* (v, [gen, cond], env, ctx) {
      yield decide(
        (function* () {
          for (const x of ev(gen as Node, v, env, ctx)) yield* ev(cond as Node, x, env, ctx);
        })(),
      );
    },
  };
}

function typeFilter(...types: string[]): Record<number, Impl> {
  return {
    0: function* (v) {
      if (types.includes(typeOf(v))) yield v;
    },
  };
}

export const BUILTINS: Record<string, Record<number, Impl>> = {
  empty: { 0: function* () {} },
  not: { 0: fn((v) => !truthy(v)) },
  error: {
    0: fn((v) => {
      throw new WhereRuntimeError(v);
    }),
    1: fn((_v, [m]) => {
      throw new WhereRuntimeError(m);
    }),
  },
  select: {
    1: function* (v, [f], env, ctx) {
      for (const c of ev(f as Node, v, env, ctx)) if (truthy(c)) yield v;
    },
  },
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
  type: { 0: fn((v) => typeOf(v)) },
  keys: { 0: fn((v, _a, ctx) => keys(v, ctx, true)) },
  keys_unsorted: { 0: fn((v, _a, ctx) => keys(v, ctx, false)) },
  has: { 1: fn((v, [k]) => has(v, k)) },
  in: { 1: fn((v, [o]) => has(o, v)) },
  contains: { 1: fn((v, [b], ctx) => containsTop(v, b, ctx)) },
  inside: { 1: fn((v, [b], ctx) => containsTop(b, v, ctx)) },
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
  floor: { 0: math(Math.floor, "floor") },
  ceil: { 0: math(Math.ceil, "ceil") },
  round: { 0: math((x) => (x < 0 ? -Math.round(-x) : Math.round(x)), "round") },
  sqrt: { 0: math(Math.sqrt, "sqrt") },
  fabs: { 0: math(Math.abs, "fabs") },
  abs: {
    0: fn((v) => {
      if (typeof v !== "number") fail(`${describe(v)} has no absolute value`);
      return Math.abs(v);
    }),
  },
  pow: {
    2: fn((_v, [a, b]) => {
      if (typeof a !== "number" || typeof b !== "number") fail("pow requires numbers");
      return a ** b;
    }),
  },
  log: { 0: math(Math.log, "log") },
  exp: { 0: math(Math.exp, "exp") },
  infinite: { 0: fn(() => Number.POSITIVE_INFINITY) },
  nan: { 0: fn(() => Number.NaN) },
  isnan: { 0: math((x) => (Number.isNaN(x) ? 1 : 0), "isnan") },
  isinfinite: {
    0: fn((v) => {
      if (typeof v !== "number") fail(`${describe(v)} number required`);
      return v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY;
    }),
  },
  map: {
    1: function* (v, [f], env, ctx) {
      const out: unknown[] = [];
      for (const x of iterate(v, ctx)) for (const y of ev(f as Node, x, env, ctx)) out.push(y);
      charge(ctx, out.length);
      yield out;
    },
  },
  map_values: {
    1: function* (v, [f], env, ctx) {
      if (Array.isArray(v)) {
        const out: unknown[] = [];
        for (const x of v) {
          step(ctx);
          const r = firstOf(f as Node, x, env, ctx);
          if (r) out.push(r.value);
        }
        yield out;
      } else if (isObject(v)) {
        const out = newObject();
        for (const k of Object.keys(v)) {
          step(ctx);
          const r = firstOf(f as Node, v[k], env, ctx);
          if (r) out[k] = r.value;
        }
        yield out;
      } else fail(`Cannot iterate over ${describe(v)}`);
    },
  },
  to_entries: { 0: fn((v, _a, ctx) => entries(v, ctx)) },
  from_entries: { 0: fn((v, _a, ctx) => fromEntries(v, ctx)) },
  with_entries: {
    1: function* (v, [f], env, ctx) {
      const mapped: unknown[] = [];
      for (const e of entries(v, ctx)) for (const y of ev(f as Node, e, env, ctx)) mapped.push(y);
      yield fromEntries(mapped, ctx);
    },
  },
  add: {
    0: fn((v, _a, ctx) => add(iterate(v, ctx), ctx)),
    1: function* (v, [f], env, ctx) {
      yield add(ev(f as Node, v, env, ctx), ctx);
    },
  },
  any: anyAll("any"),
  all: anyAll("all"),
  range: {
    1: function* (v, args, env, ctx) {
      for (const [n] of combos(args, v, env, ctx)) yield* rangeOf(0, n, 1, ctx);
    },
    2: function* (v, args, env, ctx) {
      for (const [a, b] of combos(args, v, env, ctx)) yield* rangeOf(a, b, 1, ctx);
    },
    3: function* (v, args, env, ctx) {
      for (const [a, b, s] of combos(args, v, env, ctx)) yield* rangeOf(a, b, s, ctx);
    },
  },
  limit: {
    2: function* (v, [n, f], env, ctx) {
      for (const count of ev(n as Node, v, env, ctx)) {
        if (typeof count !== "number") fail("Invalid limit: it must be a number");
        if (count <= 0) continue;
        let taken = 0;
        for (const x of ev(f as Node, v, env, ctx)) {
          yield x;
          if (++taken >= count) break;
        }
      }
    },
  },
  first: {
    0: fn((v) => index(v, 0)),
    1: function* (v, [f], env, ctx) {
      const r = firstOf(f as Node, v, env, ctx);
      if (r) yield r.value;
    },
  },
  last: {
    0: fn((v) => index(v, -1)),
    1: function* (v, [f], env, ctx) {
      let last: { value: unknown } | undefined;
      for (const x of ev(f as Node, v, env, ctx)) last = { value: x };
      if (last) yield last.value;
    },
  },
  nth: {
    1: fn((v, [n]) => index(v, n)),
    2: function* (v, [n, f], env, ctx) {
      for (const k of ev(n as Node, v, env, ctx)) {
        if (typeof k !== "number" || k < 0) fail("Out of bounds negative array index");
        let i = 0;
        for (const x of ev(f as Node, v, env, ctx)) {
          if (i++ === Math.floor(k)) {
            yield x;
            break;
          }
        }
      }
    },
  },
  isempty: {
    1: function* (v, [f], env, ctx) {
      yield firstOf(f as Node, v, env, ctx) === undefined;
    },
  },
  reverse: {
    0: fn((v, _a, ctx) => {
      if (v === null) return [];
      if (typeof v === "string") {
        charge(ctx, v.length);
        return Array.from(v).reverse().join("");
      }
      const a = needArray(v, "cannot be reversed, as it is not an array");
      charge(ctx, a.length);
      return [...a].reverse();
    }),
  },
  sort: { 0: fn((v, _a, ctx) => sortValues(v, ctx)) },
  sort_by: {
    1: function* (v, [f], env, ctx) {
      yield keyed(v, f as Node, env, ctx, "sorted")
        .sort((a, b) => compare(a.key, b.key))
        .map((e) => e.value);
    },
  },
  group_by: {
    1: function* (v, [f], env, ctx) {
      const sorted = keyed(v, f as Node, env, ctx, "grouped").sort((a, b) => compare(a.key, b.key));
      const out: unknown[][] = [];
      let prev: unknown[] | undefined;
      for (const e of sorted) {
        if (prev === undefined || !equal(prev, e.key)) out.push([]);
        (out[out.length - 1] as unknown[]).push(e.value);
        prev = e.key;
      }
      yield out;
    },
  },
  unique: {
    0: fn((v, _a, ctx) => {
      const sorted = sortValues(v, ctx);
      return sorted.filter((x, i) => i === 0 || !equal(sorted[i - 1], x));
    }),
  },
  unique_by: {
    1: function* (v, [f], env, ctx) {
      const sorted = keyed(v, f as Node, env, ctx, "sorted").sort((a, b) => compare(a.key, b.key));
      yield sorted
        .filter((e, i) => i === 0 || !equal((sorted[i - 1] as { key: unknown }).key, e.key))
        .map((e) => e.value);
    },
  },
  min: { 0: fn((v, _a, ctx) => sortValues(v, ctx)[0] ?? null) },
  max: {
    0: fn((v, _a, ctx) => {
      const s = sortValues(v, ctx);
      return s[s.length - 1] ?? null;
    }),
  },
  min_by: {
    1: function* (v, [f], env, ctx) {
      const ks = keyed(v, f as Node, env, ctx, "compared");
      let best: { key: unknown[]; value: unknown } | undefined;
      for (const e of ks) if (best === undefined || compare(e.key, best.key) < 0) best = e;
      yield best ? best.value : null;
    },
  },
  max_by: {
    1: function* (v, [f], env, ctx) {
      const ks = keyed(v, f as Node, env, ctx, "compared");
      let best: { key: unknown[]; value: unknown } | undefined;
      for (const e of ks) if (best === undefined || compare(e.key, best.key) >= 0) best = e;
      yield best ? best.value : null;
    },
  },
  flatten: {
    0: fn((v, _a, ctx) => flatten(v, 1e9, ctx)),
    1: fn((v, [d], ctx) => {
      if (typeof d !== "number") fail("flatten depth must not be negative");
      return flatten(v, d, ctx);
    }),
  },
  getpath: { 1: fn((v, [p]) => getpath(v, p)) },
  paths: {
    0: function* (v, _a, _env, ctx) {
      for (const p of paths(v, [], ctx)) yield p.path;
    },
    1: function* (v, [f], env, ctx) {
      for (const p of paths(v, [], ctx)) {
        for (const c of ev(f as Node, p.value, env, ctx)) {
          if (truthy(c)) {
            yield p.path;
            break;
          }
        }
      }
    },
  },
  leaf_paths: {
    0: function* (v, _a, _env, ctx) {
      for (const p of paths(v, [], ctx)) {
        const t = typeOf(p.value);
        if (t !== "array" && t !== "object") yield p.path;
      }
    },
  },
  recurse: {
    0: function* (v, _a, _env, ctx) {
      yield* recurse(v, ctx);
    },
    // An output `depth` levels down passes through that many generators: charged like `..`.
    1: function* (v, args, env, ctx) {
      yield* recurseWith(v, args[0] as Node, undefined, env, ctx, 0);
    },
    2: function* (v, args, env, ctx) {
      yield* recurseWith(v, args[0] as Node, args[1] as Node, env, ctx, 0);
    },
  },
  repeat: {
    1: function* (v, [f], env, ctx) {
      // jq: def repeat(f): def _r: ., (f | _r); _r;  as a loop over a frontier of generators
      const stack: Iterator<unknown>[] = [];
      step(ctx);
      yield v;
      stack.push(ev(f as Node, v, env, ctx));
      while (stack.length > 0) {
        const r = (stack[stack.length - 1] as Iterator<unknown>).next();
        if (r.done) {
          stack.pop();
          continue;
        }
        step(ctx);
        yield r.value;
        stack.push(ev(f as Node, r.value, env, ctx));
      }
    },
  },
  while: {
    2: function* (v, [cond, update], env, ctx) {
      let cur = v;
      for (;;) {
        step(ctx);
        const c = firstOf(cond as Node, cur, env, ctx);
        if (!c || !truthy(c.value)) return;
        yield cur;
        const n = firstOf(update as Node, cur, env, ctx);
        if (!n) return;
        cur = n.value;
      }
    },
  },
  until: {
    2: function* (v, [cond, update], env, ctx) {
      let cur = v;
      for (;;) {
        step(ctx);
        const c = firstOf(cond as Node, cur, env, ctx);
        if (c && truthy(c.value)) {
          yield cur;
          return;
        }
        const n = firstOf(update as Node, cur, env, ctx);
        if (!n) return;
        cur = n.value;
      }
    },
  },
  walk: {
    1: function* (v, [f], env, ctx) {
      yield* walk(v, f as Node, env, ctx);
    },
  },
  values: {
    0: function* (v) {
      if (v !== null) yield v;
    },
  },
  nulls: typeFilter("null"),
  booleans: typeFilter("boolean"),
  numbers: typeFilter("number"),
  strings: typeFilter("string"),
  arrays: typeFilter("array"),
  objects: typeFilter("object"),
  iterables: typeFilter("array", "object"),
  scalars: typeFilter("null", "boolean", "number", "string"),
};

/** `recurse(f)` and `recurse(f; cond)`: the value, then `f` applied again and again (while cond). */
function* recurseWith(
  v: unknown,
  f: Node,
  cond: Node | undefined,
  env: Env,
  ctx: Ctx,
  depth: number,
): Generator<unknown> {
  step(ctx, depthCost(depth));
  yield v;
  for (const x of ev(f, v, env, ctx)) {
    if (cond !== undefined) {
      let ok = false;
      for (const c of ev(cond, x, env, ctx)) ok ||= truthy(c);
      if (!ok) continue;
    }
    yield* recurseWith(x, f, cond, env, ctx, depth + 1);
  }
}
