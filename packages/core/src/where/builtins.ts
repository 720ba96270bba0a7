/**
 * The builtin functions of `where` expressions (a jq subset) and the ones refused on purpose:
 * the one table assembled from the modules under builtins/, and the call into it.
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
import { COLLECTION_BUILTINS } from "./builtins/collections.js";
import { CONTROL_BUILTINS } from "./builtins/control.js";
import { MATH_BUILTINS } from "./builtins/math.js";
import { PATH_BUILTINS } from "./builtins/paths.js";
import type { Impl } from "./builtins/shared.js";
import { STRING_BUILTINS } from "./builtins/strings.js";
import type { Ctx, Env } from "./evaluate.js";

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

export const BUILTINS: Record<string, Record<number, Impl>> = {
  ...CONTROL_BUILTINS,
  ...STRING_BUILTINS,
  ...MATH_BUILTINS,
  ...COLLECTION_BUILTINS,
  ...PATH_BUILTINS,
};
