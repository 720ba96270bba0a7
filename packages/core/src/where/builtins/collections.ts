/**
 * Array and object builtins of `where` expressions: keys and membership, `contains`, `map`,
 * entries, `add`, sorting and grouping, `min`/`max` and `flatten`.
 *
 * Invariants: every builtin that builds or scans a collection charges for its size (`charge`,
 * `objectCost`, sorting at n·log n) before building the value; per-element closures
 * (`map(f)`, `sort_by(f)`, …) spend a step per element through `iterate`/`ev`.
 */
import type { Node } from "../ast.js";
import {
  binary,
  type Ctx,
  charge,
  type Env,
  ev,
  fail,
  iterate,
  objectCost,
  step,
} from "../evaluate.js";
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
} from "../values.js";
import { collect, firstOf, fn, type Impl, needArray } from "./shared.js";

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

export const COLLECTION_BUILTINS: Record<string, Record<number, Impl>> = {
  keys: { 0: fn((v, _a, ctx) => keys(v, ctx, true)) },
  keys_unsorted: { 0: fn((v, _a, ctx) => keys(v, ctx, false)) },
  has: { 1: fn((v, [k]) => has(v, k)) },
  in: { 1: fn((v, [o]) => has(o, v)) },
  contains: { 1: fn((v, [b], ctx) => containsTop(v, b, ctx)) },
  inside: { 1: fn((v, [b], ctx) => containsTop(b, v, ctx)) },
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
};
