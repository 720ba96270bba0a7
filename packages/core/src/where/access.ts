/**
 * Access to parts of a value in `where` expressions: `.[key]`, `.[from:to]`, `.[]` and `..`.
 *
 * Invariants: a slice charges for the elements it copies (or the whole string when it has to
 * split it into code points); `.[]` and `..` spend a step per output, `..` charging
 * `depthCost(depth)` for an output `depth` levels down; indices and slices follow jq (negative
 * from the end, floored, null on null).
 */
import { type Ctx, charge, depthCost, fail, step } from "./meter.js";
import { describe, getKey, isObject, type JsonObject, typeOf } from "./values.js";

/** `.[key]` on one value. */
export function index(target: unknown, key: unknown): unknown {
  const tt = typeOf(target);
  const kt = typeOf(key);
  if (tt === "null" && (kt === "string" || kt === "number" || kt === "null")) return null;
  if (tt === "object" && kt === "string") return getKey(target as JsonObject, key as string);
  if (tt === "array" && kt === "number") {
    const a = target as unknown[];
    let i = Math.floor(key as number);
    if (i < 0) i += a.length;
    return i >= 0 && i < a.length ? a[i] : null;
  }
  if (kt === "string") fail(`Cannot index ${tt} with ${JSON.stringify(key)}`);
  fail(`Cannot index ${tt} with ${kt}`);
}

function sliceBounds(length: number, from: unknown, to: unknown): [number, number] {
  const bound = (v: unknown, dflt: number): number => {
    if (v === null) return dflt;
    if (typeof v !== "number") fail(`Start and end indices of an array slice must be numbers`);
    let i = Math.floor(v);
    if (i < 0) i += length;
    return Math.min(Math.max(i, 0), length);
  };
  const a = bound(from, 0);
  const b = bound(to, length);
  return [a, Math.max(a, b)];
}
export function slice(target: unknown, from: unknown, to: unknown, ctx: Ctx): unknown {
  const t = typeOf(target);
  if (t === "null") return null;
  if (t === "array") {
    const a = target as unknown[];
    const [i, j] = sliceBounds(a.length, from, to);
    charge(ctx, j - i);
    return a.slice(i, j);
  }
  if (t === "string") {
    const str = target as string;
    if (!/[\uD800-\uDFFF]/.test(str)) {
      // no surrogates: code points are UTF-16 units
      const [i, j] = sliceBounds(str.length, from, to);
      charge(ctx, j - i);
      return str.slice(i, j);
    }
    const cps = Array.from(str);
    const [i, j] = sliceBounds(cps.length, from, to);
    charge(ctx, cps.length);
    return cps.slice(i, j).join("");
  }
  fail(`Cannot index ${t} with object`);
}

/** `.[]` on one value. */
export function* iterate(target: unknown, ctx: Ctx): Generator<unknown> {
  if (Array.isArray(target)) {
    for (const v of target) {
      step(ctx);
      yield v;
    }
    return;
  }
  if (isObject(target)) {
    for (const k of Object.keys(target)) {
      step(ctx);
      yield target[k];
    }
    return;
  }
  fail(`Cannot iterate over ${describe(target)}`);
}

/** `..`: the value, then every value inside it, depth first. */
export function* recurse(v: unknown, ctx: Ctx, depth = 0): Generator<unknown> {
  // an output at depth d passes through d generators: charge for them
  step(ctx, depthCost(depth));
  yield v;
  if (Array.isArray(v)) for (const x of v) yield* recurse(x, ctx, depth + 1);
  else if (isObject(v)) for (const k of Object.keys(v)) yield* recurse(v[k], ctx, depth + 1);
}
