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
 *
 * This module is the dispatch over node kinds; the budget meter is meter.ts, value access
 * (`.[k]`, slices, `.[]`, `..`) access.ts and the binary operators operators.ts, all re-exported
 * here for the builtins and regex.ts.
 */

import { index, iterate, recurse, slice } from "./access.js";
import type { Node } from "./ast.js";
import { callBuiltin } from "./builtins.js";
import { WhereRuntimeError } from "./errors.js";
import { type Ctx, charge, type Env, fail, objectCost, step } from "./meter.js";
import { binary } from "./operators.js";
import { describe, type JsonObject, newObject, truthy } from "./values.js";

export { index, iterate, recurse } from "./access.js";
export { type Ctx, charge, depthCost, type Env, fail, objectCost, step } from "./meter.js";
export { binary, splitString } from "./operators.js";

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
