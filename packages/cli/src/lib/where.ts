/**
 * `--where EXPR`: filtering envelopes with where expressions, core's jq subset (spec/api/v0,
 * "where expressions"), the same language the API and HTTP tails take.
 *
 * Invariants: a message is kept when every expression yields at least one value that is neither
 * false nor null (jq's `select` semantics); expressions see the whole envelope
 * `{seq,time,meta:{tags},data}`; a syntax error or a refused builtin is a Usage error before
 * anything is read; a runtime error (or an exhausted budget) on one message drops that message
 * and is reported (by the caller) as a notice.
 */
import { compileWhere as compileCore, type WhereVerdict } from "@spool/core";

export type { WhereVerdict };

export interface WhereFilter {
  /** The verdict for each JSONL line, in order. */
  test(lines: readonly Buffer[]): WhereVerdict[];
}

/**
 * Compiles `--where` expressions (all must hold).
 *
 * @example
 * const where = compileWhere(['.data.ok', '.meta.tags | index("ci")']);
 */
export function compileWhere(expressions: readonly string[]): WhereFilter {
  const where = compileCore(expressions, { label: "--where" });
  return { test: (lines) => lines.map((line) => where.testJson(line)) };
}
