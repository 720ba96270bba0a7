/**
 * Control and generator builtins of `where` expressions: `empty`, `error`, `select`, `not`,
 * `any`/`all`, `range`, `limit`, `first`/`last`/`nth`, `repeat`, `while`/`until` and the type
 * filters (`numbers`, `strings`, …).
 *
 * Invariants: generators (`range`, `repeat`, `while`, `until`) spend a step per output, so an
 * endless one ends in a budget error; `limit`/`first`/`isempty` stop pulling their argument
 * early; `error` raises a `WhereRuntimeError` that `try` can catch.
 */
import type { Node } from "../ast.js";
import { WhereRuntimeError } from "../errors.js";
import { type Ctx, ev, fail, index, iterate, step } from "../evaluate.js";
import { truthy, typeOf } from "../values.js";
import { combos, firstOf, fn, type Impl } from "./shared.js";

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

export const CONTROL_BUILTINS: Record<string, Record<number, Impl>> = {
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
  type: { 0: fn((v) => typeOf(v)) },
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
