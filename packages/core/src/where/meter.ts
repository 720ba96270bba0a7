/**
 * The budget meter of `where` evaluations: the per-evaluation state (`Ctx`: remaining fuel and
 * size cap), the variable scope type, and the charges every evaluation step and built value pay.
 *
 * Invariants: fuel only goes down; running out, or building a value past `maxSize` elements, is a
 * `WhereBudgetError` (never catchable by `try`), while `fail` is an ordinary `WhereRuntimeError`.
 */
import { WhereBudgetError, WhereRuntimeError } from "./errors.js";

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

/** The steps of one output of a recursive generator `depth` levels down (1 + depth/16). */
export function depthCost(depth: number): number {
  return 1 + (depth >> 4);
}
