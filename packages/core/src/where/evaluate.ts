/**
 * The evaluator of `where` expressions: a syntax tree and an input value to a lazy sequence of
 * outputs, with jq's semantics (every expression is a generator; `a op b` runs `b` as the outer
 * loop; `try` stops a body at its first error).
 *
 * Invariants: every node evaluated and every value a generator produces costs one step of the
 * evaluation's fuel, and building a large value costs in proportion to its size, so one
 * evaluation does a bounded amount of work and a budget error (never catchable by `try`) ends
 * it; no built value exceeds `maxSize` elements (array items, object keys or string
 * characters); outputs are produced only when pulled, so `limit`/`first` stop generators early.
 */
import type { BinaryOp, Node } from "./ast.js";
import { callBuiltin } from "./builtins.js";
import { WhereBudgetError, WhereRuntimeError } from "./errors.js";
import {
  compare,
  describe,
  equal,
  getKey,
  isObject,
  type JsonObject,
  newObject,
  truthy,
  typeOf,
} from "./values.js";

/** Per-evaluation state: the remaining fuel and the size cap. */
export interface Ctx {
  fuel: number;
  readonly maxSize: number;
  /** Compiled regular expressions of this program, by pattern and flags. */
  readonly regexps: Map<string, unknown>;
}

export type Env = { readonly name: string; readonly value: unknown; readonly up: Env } | null;

/** Spends `n` steps of fuel. */
export function step(ctx: Ctx, n = 1): void {
  ctx.fuel -= n;
  if (ctx.fuel < 0) throw new WhereBudgetError("the expression ran out of its step budget");
}

/** Charges for a value of `size` elements built by an operation; refuses one too large. */
export function charge(ctx: Ctx, size: number): void {
  if (size > ctx.maxSize) {
    throw new WhereBudgetError(`a value grew past the size limit (${ctx.maxSize} elements)`);
  }
  if (size >= 128) step(ctx, Math.floor(size / 128));
}

/** Charges for copying `keys` keys into a new object (far dearer than a string character). */
export function objectCost(ctx: Ctx, keys: number): void {
  if (keys >= 2) step(ctx, keys >> 1);
}

export function fail(message: string): never {
  throw new WhereRuntimeError(message);
}

function lookup(env: Env, name: string): unknown {
  for (let e = env; e !== null; e = e.up) if (e.name === name) return e.value;
  return null; // unreachable: the parser checks every variable's scope
}

/** All outputs of `node` on `input`, lazily. */
export function* ev(node: Node, input: unknown, env: Env, ctx: Ctx): Generator<unknown> {
  step(ctx);
  switch (node.t) {
    case "identity":
      yield input;
      return;
    case "literal":
      yield node.value;
      return;
    case "var":
      yield lookup(env, node.name);
      return;
    case "recurse":
      yield* recurse(input, ctx);
      return;
    case "index":
      for (const target of ev(node.target, input, env, ctx)) {
        for (const key of ev(node.key, input, env, ctx)) yield index(target, key);
      }
      return;
    case "slice":
      for (const target of ev(node.target, input, env, ctx)) {
        for (const to of node.to ? ev(node.to, input, env, ctx) : [null]) {
          for (const from of node.from ? ev(node.from, input, env, ctx) : [null]) {
            yield slice(target, from, to, ctx);
          }
        }
      }
      return;
    case "iterate":
      for (const target of ev(node.target, input, env, ctx)) yield* iterate(target, ctx);
      return;
    case "array": {
      const out: unknown[] = [];
      if (node.body) {
        for (const v of ev(node.body, input, env, ctx)) {
          out.push(v);
          if (out.length > ctx.maxSize) charge(ctx, out.length);
        }
      }
      yield out;
      return;
    }
    case "object":
      yield* objects(node.entries, 0, newObject(), input, env, ctx);
      return;
    case "neg":
      for (const v of ev(node.body, input, env, ctx)) {
        if (typeof v !== "number") fail(`${describe(v)} cannot be negated`);
        yield -v;
      }
      return;
    case "pipe":
      for (const v of ev(node.left, input, env, ctx)) yield* ev(node.right, v, env, ctx);
      return;
    case "comma":
      yield* ev(node.left, input, env, ctx);
      yield* ev(node.right, input, env, ctx);
      return;
    case "binary":
      for (const r of ev(node.right, input, env, ctx)) {
        for (const l of ev(node.left, input, env, ctx)) yield binary(node.op, l, r, ctx);
      }
      return;
    case "and":
      for (const l of ev(node.left, input, env, ctx)) {
        if (!truthy(l)) yield false;
        else for (const r of ev(node.right, input, env, ctx)) yield truthy(r);
      }
      return;
    case "or":
      for (const l of ev(node.left, input, env, ctx)) {
        if (truthy(l)) yield true;
        else for (const r of ev(node.right, input, env, ctx)) yield truthy(r);
      }
      return;
    case "alt": {
      let any = false;
      try {
        for (const v of ev(node.left, input, env, ctx)) {
          if (truthy(v)) {
            any = true;
            yield v;
          }
        }
      } catch (error) {
        if (!(error instanceof WhereRuntimeError)) throw error;
      }
      if (!any) yield* ev(node.right, input, env, ctx);
      return;
    }
    case "if":
      for (const c of ev(node.cond, input, env, ctx)) {
        if (truthy(c)) yield* ev(node.then, input, env, ctx);
        else if (node.else) yield* ev(node.else, input, env, ctx);
        else yield input;
      }
      return;
    case "try": {
      const outputs = ev(node.body, input, env, ctx);
      for (;;) {
        let r: IteratorResult<unknown>;
        try {
          r = outputs.next();
        } catch (error) {
          if (!(error instanceof WhereRuntimeError)) throw error;
          if (node.handler) yield* ev(node.handler, error.value, env, ctx);
          return;
        }
        if (r.done) return;
        yield r.value;
      }
    }
    case "as":
      for (const v of ev(node.source, input, env, ctx)) {
        yield* ev(node.body, input, { name: node.name, value: v, up: env }, ctx);
      }
      return;
    case "reduce":
      for (const init of ev(node.init, input, env, ctx)) {
        let acc: unknown = init;
        for (const v of ev(node.source, input, env, ctx)) {
          const scope: Env = { name: node.name, value: v, up: env };
          let last: unknown = null;
          for (const u of ev(node.update, acc, scope, ctx)) last = u;
          acc = last;
        }
        yield acc;
      }
      return;
    case "foreach":
      for (const init of ev(node.init, input, env, ctx)) {
        let acc: unknown = init;
        for (const v of ev(node.source, input, env, ctx)) {
          const scope: Env = { name: node.name, value: v, up: env };
          for (const u of ev(node.update, acc, scope, ctx)) {
            acc = u;
            if (node.extract) yield* ev(node.extract, u, scope, ctx);
            else yield u;
          }
        }
      }
      return;
    case "call":
      yield* callBuiltin(node.name, node.args, input, env, ctx);
      return;
  }
}

function* objects(
  entries: readonly { key: Node; value: Node }[],
  i: number,
  acc: JsonObject,
  input: unknown,
  env: Env,
  ctx: Ctx,
): Generator<unknown> {
  const entry = entries[i];
  if (entry === undefined) {
    yield acc;
    return;
  }
  for (const k of ev(entry.key, input, env, ctx)) {
    if (typeof k !== "string") fail(`Object keys must be strings, not ${describe(k)}`);
    for (const v of ev(entry.value, input, env, ctx)) {
      const next = newObject();
      Object.assign(next, acc);
      objectCost(ctx, i);
      next[k] = v;
      yield* objects(entries, i + 1, next, input, env, ctx);
    }
  }
}

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

function slice(target: unknown, from: unknown, to: unknown, ctx: Ctx): unknown {
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

/** The steps of one output of a recursive generator `depth` levels down (1 + depth/16). */
export function depthCost(depth: number): number {
  return 1 + (depth >> 4);
}

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
