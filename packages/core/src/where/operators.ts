/**
 * The binary operators of `where` expressions on one pair of values (`==`, `<`, `+`, `-`, `*`,
 * `/`, `%`) and jq's string split, shared with the `split` builtin.
 *
 * Invariants: every operator that builds a value charges for its size before building it
 * (`charge`, `objectCost`, a step per merged key); type errors are `WhereRuntimeError`s with
 * jq's messages.
 */
import type { BinaryOp } from "./ast.js";
import { type Ctx, charge, fail, objectCost, step } from "./meter.js";
import {
  compare,
  describe,
  equal,
  getKey,
  isObject,
  type JsonObject,
  newObject,
  typeOf,
} from "./values.js";

function add(l: unknown, r: unknown, ctx: Ctx): unknown {
  if (l === null) return r;
  if (r === null) return l;
  const lt = typeOf(l);
  const rt = typeOf(r);
  if (lt === "number" && rt === "number") return (l as number) + (r as number);
  if (lt === "string" && rt === "string") {
    charge(ctx, (l as string).length + (r as string).length);
    return (l as string) + (r as string);
  }
  if (lt === "array" && rt === "array") {
    charge(ctx, (l as unknown[]).length + (r as unknown[]).length);
    return [...(l as unknown[]), ...(r as unknown[])];
  }
  if (lt === "object" && rt === "object") {
    const n = Object.keys(l as JsonObject).length + Object.keys(r as JsonObject).length;
    charge(ctx, n);
    objectCost(ctx, n);
    const out = newObject();
    Object.assign(out, l, r);
    return out;
  }
  fail(`${describe(l)} and ${describe(r)} cannot be added`);
}

function deepMerge(l: JsonObject, r: JsonObject, ctx: Ctx): JsonObject {
  objectCost(ctx, Object.keys(l).length);
  const out = newObject();
  Object.assign(out, l);
  for (const k of Object.keys(r)) {
    step(ctx);
    const a = getKey(out, k);
    const b = r[k];
    out[k] = isObject(a) && isObject(b) ? deepMerge(a, b, ctx) : b;
  }
  return out;
}

/** One binary operator on one pair of values. */
export function binary(op: BinaryOp, l: unknown, r: unknown, ctx: Ctx): unknown {
  switch (op) {
    case "==":
      return equal(l, r);
    case "!=":
      return !equal(l, r);
    case "<":
      return compare(l, r) < 0;
    case "<=":
      return compare(l, r) <= 0;
    case ">":
      return compare(l, r) > 0;
    case ">=":
      return compare(l, r) >= 0;
    case "+":
      return add(l, r, ctx);
    case "-": {
      if (typeof l === "number" && typeof r === "number") return l - r;
      if (Array.isArray(l) && Array.isArray(r)) {
        step(ctx, Math.floor((l.length * r.length) / 256));
        return l.filter((x) => !r.some((y) => equal(x, y)));
      }
      return fail(`${describe(l)} and ${describe(r)} cannot be subtracted`);
    }
    case "*": {
      if (typeof l === "number" && typeof r === "number") return l * r;
      const [s, n] = typeof l === "string" ? [l, r] : [r, l];
      if (typeof s === "string" && typeof n === "number") {
        if (n <= 0) return null;
        const times = Math.max(1, Math.floor(n));
        charge(ctx, s.length * times);
        return s.repeat(times);
      }
      if (isObject(l) && isObject(r)) return deepMerge(l, r, ctx);
      return fail(`${describe(l)} and ${describe(r)} cannot be multiplied`);
    }
    case "/": {
      if (typeof l === "number" && typeof r === "number") {
        if (r === 0)
          fail(`${describe(l)} and ${describe(r)} cannot be divided because the divisor is zero`);
        return l / r;
      }
      if (typeof l === "string" && typeof r === "string") return splitString(l, r, ctx);
      return fail(`${describe(l)} and ${describe(r)} cannot be divided`);
    }
    case "%": {
      if (typeof l === "number" && typeof r === "number") {
        const a = Math.trunc(l);
        const b = Math.trunc(r);
        if (b === 0 || Number.isNaN(b)) {
          fail(`${describe(l)} and ${describe(r)} cannot be divided because the divisor is zero`);
        }
        const m = a % Math.abs(b);
        return m === 0 ? 0 : m;
      }
      fail(`${describe(l)} and ${describe(r)} cannot be divided`);
    }
  }
}

/** jq's string split by a literal separator (`"" / ""` is `[]`). */
export function splitString(s: string, sep: string, ctx: Ctx): string[] {
  charge(ctx, s.length);
  if (s === "") return [];
  if (sep === "") return Array.from(s);
  return s.split(sep);
}
