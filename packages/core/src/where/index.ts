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
import { SpoolError } from "../errors.js";
import type { Node } from "./ast.js";
import { WHERE_HINT, WhereBudgetError, WhereRuntimeError, WhereSyntaxError } from "./errors.js";
import { type Ctx, ev } from "./evaluate.js";
import { parse } from "./parser.js";
import { toJson, truthy } from "./values.js";

/** The limits of where expressions (spec/api/v0, "where expressions"). */
export const WHERE_LIMITS = {
  /** Expressions per tail (all must hold). */
  maxExpressions: 16,
  /** UTF-8 bytes per expression. */
  maxExpressionBytes: 4096,
  /** Nesting depth of one expression's syntax tree. */
  maxDepth: 64,
  /** Evaluation steps per message, for all expressions together. */
  steps: 10_000,
  /** Elements (array items, object keys, string characters) of any value an expression builds. */
  maxValueSize: 1 << 20,
} as const;

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

export interface WhereCompileOptions {
  /** How error messages name the option, e.g. `--where` (default `where`). */
  label?: string;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function usage(message: string): SpoolError {
  return new SpoolError("Usage", message, { hint: WHERE_HINT });
}

/** The expressions as a list, checked for type, count and length (Usage otherwise). */
export function checkWhereList(where: unknown, options: WhereCompileOptions = {}): string[] {
  const label = options.label ?? "where";
  const list = typeof where === "string" ? [where] : where;
  if (!Array.isArray(list) || !list.every((e) => typeof e === "string")) {
    throw usage(`${label} must be a string or an array of strings`);
  }
  if (list.length > WHERE_LIMITS.maxExpressions) {
    throw usage(
      `too many ${label} expressions: ${list.length} (at most ${WHERE_LIMITS.maxExpressions})`,
    );
  }
  for (const e of list as string[]) {
    if (e.trim() === "") throw usage(`empty ${label} expression`);
    const bytes = encoder.encode(e).length;
    if (bytes > WHERE_LIMITS.maxExpressionBytes) {
      throw usage(
        `${label} expression too long: ${bytes} bytes (at most ${WHERE_LIMITS.maxExpressionBytes})`,
      );
    }
  }
  return [...(list as string[])];
}

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
  const label = options.label ?? "where";
  const expressions = checkWhereList(where, options);
  const programs: Node[] = expressions.map((e) => {
    try {
      return parse(e, WHERE_LIMITS.maxDepth);
    } catch (error) {
      if (error instanceof WhereSyntaxError || error instanceof WhereRuntimeError) {
        throw usage(`invalid ${label} expression ${JSON.stringify(e)}: ${error.message}`);
      }
      if (error instanceof RangeError) {
        throw usage(`invalid ${label} expression ${JSON.stringify(e)}: nested too deeply`);
      }
      throw error;
    }
  });
  const regexps = new Map<string, unknown>();
  const test = (envelope: unknown): WhereVerdict => {
    const ctx: Ctx = { fuel: WHERE_LIMITS.steps, maxSize: WHERE_LIMITS.maxValueSize, regexps };
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
        return { error: typeof v === "string" ? v : `${toJson(v)} (not a string)` };
      }
      if (error instanceof WhereBudgetError) return { error: error.message };
      if (error instanceof RangeError)
        return { error: "the message is nested too deeply for this expression" };
      return { error: String((error as Error)?.message ?? error) };
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
