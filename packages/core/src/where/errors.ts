/**
 * The errors of `where` expressions: compile errors (Usage, with a column and an example hint),
 * the runtime error a jq program can raise and catch (`error(v)`, a bad index, …) and the
 * budget error that no `try` can catch.
 *
 * Invariants: a compile error is always a `SpoolError` of kind Usage whose message names the
 * column; a runtime error carries a JSON value (jq's error value); exceeding the budget is
 * distinguishable from every error the expression itself raises, so `try` never swallows it.
 */
import { SpoolError } from "../errors.js";

export const WHERE_HINT =
  "a where expression is a jq filter over the envelope {seq, time, meta: {tags}, data}, e.g. '.data.level == \"error\"' or '.meta.tags | index(\"ci\")'";

/** A compile error at a 1-based column (the caller adds which expression). */
export class WhereSyntaxError extends Error {
  constructor(
    readonly detail: string,
    readonly col: number,
  ) {
    super(`${detail} at column ${col}`);
  }
}

export function whereSyntaxError(detail: string, col: number): WhereSyntaxError {
  return new WhereSyntaxError(detail, col);
}

/** An error raised while evaluating (jq's `error(v)`); `try … catch` sees `value`. */
export class WhereRuntimeError extends Error {
  constructor(readonly value: unknown) {
    // not the JSON text of `value`: a value built by sharing can be huge (index.ts prints it)
    super(typeof value === "string" ? value : "an error value that is not a string");
  }
}

/** The step or size budget of one evaluation ran out: never caught by `try`. */
export class WhereBudgetError extends Error {}

export function usage(message: string): SpoolError {
  return new SpoolError("Usage", message, { hint: WHERE_HINT });
}
