/**
 * Path and recursion builtins of `where` expressions: `paths`, `leaf_paths`, `getpath`,
 * `recurse` and `walk`.
 *
 * Invariants: an output `depth` levels down passes through that many generators, so each is
 * charged `depthCost(depth)` steps (like `..`); outputs are produced lazily, depth first.
 */
import type { Node } from "../ast.js";
import { type Ctx, depthCost, type Env, ev, index, recurse, step } from "../evaluate.js";
import { isObject, newObject, truthy, typeOf } from "../values.js";
import { fn, type Impl, needArray } from "./shared.js";

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

export const PATH_BUILTINS: Record<string, Record<number, Impl>> = {
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
  walk: {
    1: function* (v, [f], env, ctx) {
      yield* walk(v, f as Node, env, ctx);
    },
  },
};
