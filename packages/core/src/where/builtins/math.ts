/**
 * Numeric builtins of `where` expressions (`floor`, `sqrt`, `pow`, `isnan`, …).
 *
 * Invariants: each takes constant work per input, so none charges beyond the step of its call;
 * a non-number input is a runtime error naming the builtin, as in jq.
 */
import { fail } from "../evaluate.js";
import { describe } from "../values.js";
import { fn, type Impl } from "./shared.js";

function math(f: (x: number) => number, name: string): Impl {
  return fn((v) => {
    if (typeof v !== "number") fail(`${describe(v)} number required (${name})`);
    return f(v);
  });
}

export const MATH_BUILTINS: Record<string, Record<number, Impl>> = {
  floor: { 0: math(Math.floor, "floor") },
  ceil: { 0: math(Math.ceil, "ceil") },
  round: { 0: math((x) => (x < 0 ? -Math.round(-x) : Math.round(x)), "round") },
  sqrt: { 0: math(Math.sqrt, "sqrt") },
  fabs: { 0: math(Math.abs, "fabs") },
  abs: {
    0: fn((v) => {
      if (typeof v !== "number") fail(`${describe(v)} has no absolute value`);
      return Math.abs(v);
    }),
  },
  pow: {
    2: fn((_v, [a, b]) => {
      if (typeof a !== "number" || typeof b !== "number") fail("pow requires numbers");
      return a ** b;
    }),
  },
  log: { 0: math(Math.log, "log") },
  exp: { 0: math(Math.exp, "exp") },
  infinite: { 0: fn(() => Number.POSITIVE_INFINITY) },
  nan: { 0: fn(() => Number.NaN) },
  isnan: { 0: math((x) => (Number.isNaN(x) ? 1 : 0), "isnan") },
  isinfinite: {
    0: fn((v) => {
      if (typeof v !== "number") fail(`${describe(v)} number required`);
      return v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY;
    }),
  },
};
