/**
 * `where` expressions: Spool's own implementation of a jq subset, for filtering envelopes on
 * every surface (the CLI's `--where`, the API's tail option `where`, HTTP's `where=`). The
 * language is specified in spec/api/v0 ("where expressions").
 *
 * Invariants: compiling checks everything that can be checked without a message (syntax,
 * builtin names and arities, variables, the text and nesting limits) and throws a Usage
 * SpoolError naming the expression and the column; testing one envelope never throws and
 * never runs unbounded: its verdict is kept (every expression produced at least one output
 * that is neither false nor null), dropped, or an error (a runtime error of the expression, or
 * the step or size budget of that message ran out). Node-free: usable in browsers.
 */
import type { Node } from "./ast.js";
import {
  checkWhereList,
  parseWhere,
  WHERE_LIMITS,
  type WhereCompileOptions,
} from "./compile-check.js";
import { WhereBudgetError, WhereRuntimeError } from "./errors.js";
import { type Ctx, ev } from "./evaluate.js";

export {
  checkWhere,
  checkWhereList,
  WHERE_LIMITS,
  type WhereCompileOptions,
} from "./compile-check.js";

import { jsonPrefix, setMeter, truthy } from "./values.js";

/** The outcome for one message: kept, dropped, or dropped because an expression failed. */
export type WhereVerdict = true | false | { error: string };

export interface WhereFilter {
  /** The expressions, as given. */
  readonly expressions: readonly string[];
  /** The verdict for one envelope `{seq, time, meta: {tags}, data}` (never throws). */
  test(envelope: unknown): WhereVerdict;
  /** The verdict for one envelope as JSON text or its UTF-8 bytes (never throws). */
  testJson(json: string | Uint8Array): WhereVerdict;
}

const decoder = new TextDecoder();

/**
 * Compiles where expressions (all must hold); Usage on a bad one, before anything is read.
 *
 * @example
 * const where = compileWhere(['.data.level == "error"', '.meta.tags | index("ci")']);
 * where.test({ seq: 1, time: "2026-11-22T10:15:30.123456789Z", meta: { tags: ["ci"] }, data: { level: "error" } }); // true
 */
export function compileWhere(
  where: string | readonly string[],
  options: WhereCompileOptions = {},
): WhereFilter {
  const expressions = checkWhereList(where, options);
  const programs: Node[] = parseWhere(expressions, options);
  const regexps = new Map<string, unknown>();
  const test = (envelope: unknown): WhereVerdict => {
    const ctx: Ctx = { fuel: WHERE_LIMITS.steps, maxSize: WHERE_LIMITS.maxValueSize, regexps };
    setMeter(ctx);
    try {
      for (const program of programs) {
        let holds = false;
        for (const v of ev(program, envelope, null, ctx)) {
          if (truthy(v)) {
            holds = true;
            break;
          }
        }
        if (!holds) return false;
      }
      return true;
    } catch (error) {
      if (error instanceof WhereRuntimeError) {
        const v = error.value;
        if (typeof v === "string") return { error: v };
        const text = jsonPrefix(v, 1024);
        return { error: `${text.length > 1024 ? `${text.slice(0, 1024)}…` : text} (not a string)` };
      }
      if (error instanceof WhereBudgetError) return { error: error.message };
      if (error instanceof RangeError)
        return { error: "the message is nested too deeply for this expression" };
      return { error: String((error as Error)?.message ?? error) };
    } finally {
      setMeter(null);
    }
  };
  return {
    expressions,
    test,
    testJson(json) {
      let envelope: unknown;
      try {
        envelope = JSON.parse(typeof json === "string" ? json : decoder.decode(json));
      } catch {
        return { error: "the message is not valid JSON" };
      }
      return test(envelope);
    },
  };
}
