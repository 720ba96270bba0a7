/**
 * Checking where expressions without running them: the limits, the list's shape and the
 * parse (syntax, builtin names and arities, variables), as Usage errors. The parse trees are
 * what compileWhere (index.ts) runs; this module does not depend on the evaluator, so a
 * client that only checks expressions before sending them stays small.
 *
 * Invariants: every error is a Usage SpoolError naming the expression and (for a parse error)
 * the column, with an example as the hint; a list that passes has 1 to 16 non-empty
 * expressions of at most 4096 UTF-8 bytes, each parsed within the nesting limit.
 */
import { SpoolError } from "../errors.js";
import type { Node } from "./ast.js";
import { WHERE_HINT, WhereRuntimeError, WhereSyntaxError } from "./errors.js";
import { parse } from "./parser.js";

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

export interface WhereCompileOptions {
  /** How error messages name the option, e.g. `--where` (default `where`). */
  label?: string;
}

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

/** The parse trees of checked expressions (Usage on a bad one). */
export function parseWhere(
  expressions: readonly string[],
  options: WhereCompileOptions = {},
): Node[] {
  const label = options.label ?? "where";
  return expressions.map((e) => {
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
}

/**
 * Checks where expressions (one or a list) without compiling an evaluator; returns them as a
 * list. Usage on a bad one.
 *
 * @example
 * checkWhere('.data.level == "error"'); // ['.data.level == "error"']
 */
export function checkWhere(where: unknown, options: WhereCompileOptions = {}): string[] {
  const expressions = checkWhereList(where, options);
  parseWhere(expressions, options);
  return expressions;
}
