/**
 * Helpers shared by the builtin modules: the `Impl` signature, jq's evaluation of value
 * arguments (every combination of their outputs, the first varying slowest) and small checks.
 *
 * Invariants: value arguments are evaluated eagerly per combination, closure arguments are left
 * to the builtin to evaluate lazily per input; the checks fail with a `WhereRuntimeError` (never a
 * budget error), so `try` can catch them.
 */
import type { Node } from "../ast.js";
import { type Ctx, type Env, ev, fail } from "../evaluate.js";
import { describe } from "../values.js";

export type Impl = (input: unknown, args: readonly Node[], env: Env, ctx: Ctx) => Iterable<unknown>;

/** Every combination of the outputs of value arguments (the first varies slowest). */
export function* combos(
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
export function fn(f: (input: unknown, args: unknown[], ctx: Ctx) => unknown): Impl {
  return function* (input, args, env, ctx) {
    if (args.length === 0) {
      yield f(input, [], ctx);
      return;
    }
    for (const vals of combos(args, input, env, ctx)) yield f(input, vals, ctx);
  };
}

export function collect(node: Node, input: unknown, env: Env, ctx: Ctx): unknown[] {
  const out: unknown[] = [];
  for (const v of ev(node, input, env, ctx)) out.push(v);
  return out;
}

export function firstOf(
  node: Node,
  input: unknown,
  env: Env,
  ctx: Ctx,
): { value: unknown } | undefined {
  for (const v of ev(node, input, env, ctx)) return { value: v };
  return undefined;
}

export function needString(v: unknown, what: string): string {
  if (typeof v !== "string") fail(`${describe(v)} ${what}`);
  return v;
}

export function needArray(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) fail(`${describe(v)} ${what}`);
  return v;
}
