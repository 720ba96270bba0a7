/**
 * `--where EXPR`: filtering envelopes with jq expressions, evaluated by jq itself (jq-web: the
 * jq C sources compiled to WebAssembly, loaded only when --where is used).
 *
 * Invariants: a message is kept when every expression yields at least one value that is neither
 * false nor null (jq's `select` semantics); expressions see the whole envelope
 * `{seq,time,meta:{tags},data}`; a syntax error is a Usage error before anything is read; a
 * runtime error on one message drops that message and is reported (by the caller) as a notice;
 * a whole chunk of JSONL lines is evaluated in one jq run, so the per-message cost stays small.
 */
import { SpoolError } from "@spool/core";
import type { Jq } from "jq-web";

/** The outcome for one line: kept, dropped, or dropped because the expression failed. */
export type WhereVerdict = true | false | { error: string };

export interface WhereFilter {
  /** The verdict for each JSONL line, in order. */
  test(lines: readonly Buffer[]): WhereVerdict[];
}

let jqPromise: Promise<Jq> | undefined;

async function loadJq(): Promise<Jq> {
  jqPromise ??= import("jq-web").then((m) => (m as unknown as { default: Promise<Jq> }).default);
  return jqPromise;
}

/** Runs jq with process.exitCode and console.warn protected (jq-web touches both). */
function runJq(
  jq: Jq,
  input: string,
  program: string,
): { out: string } | { exitCode: number; stderr: string } {
  const exitCode = process.exitCode;
  const warn = console.warn;
  console.warn = () => {};
  try {
    return { out: jq.raw(input, program, ["-c"]) ?? "" };
  } catch (error) {
    const e = error as { exitCode?: number; stderr?: string; message?: string };
    return { exitCode: e.exitCode ?? 1, stderr: e.stderr ?? e.message ?? String(error) };
  } finally {
    console.warn = warn;
    process.exitCode = exitCode;
  }
}

function cleanJqError(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !/^jq: \d+ compile errors?$/.test(l));
  return (lines[0] ?? stderr)
    .replace(/^jq: error: /, "")
    .replace(/ at <top-level>, line \d+:$/, "");
}

/** The error message the forbidden builtins raise instead of running (spec §6.3). */
const FORBIDDEN = "spool: --where may not use ";

/**
 * Shadows the builtins that read further inputs or stop jq: with one message per jq run (a live
 * follow) `input` would fail like any runtime error and `inputs` would be empty, so counting
 * verdicts alone cannot notice them.
 */
const GUARDS = ["input", "inputs", "halt", "halt_error", "halt_error($code)"]
  .map((name) => `def ${name}: error(${JSON.stringify(FORBIDDEN + name.replace(/\(.*/, ""))});`)
  .join(" ");

/** Wraps expressions so jq prints exactly one verdict per input: true, false or "E:<message>". */
export function whereProgram(expressions: readonly string[]): string {
  const tests = expressions
    // the newline ends a trailing `# comment` that would otherwise swallow the closing brackets
    .map((e) => `([(${e}\n) | (. != false and . != null)] | any)`)
    .join(" and ");
  return `${GUARDS} try (${tests}) catch ("E:" + (if type == "string" then . else tojson end))`;
}

/**
 * Compiles `--where` expressions (all must hold).
 *
 * @example
 * const where = await compileWhere(['.data.ok', '.meta.tags | index("ci")']);
 */
export async function compileWhere(expressions: readonly string[]): Promise<WhereFilter> {
  const jq = await loadJq();
  for (const expression of expressions) {
    const result = runJq(jq, "null", expression);
    if ("exitCode" in result && result.exitCode === 3) {
      throw new SpoolError(
        "Usage",
        `invalid --where expression ${JSON.stringify(expression)}: ${cleanJqError(result.stderr)}`,
        {
          hint: "--where takes a jq expression over the envelope, e.g. '.data.level == \"error\"' or '.meta.tags | index(\"ci\")'",
        },
      );
    }
  }
  const program = whereProgram(expressions);
  return {
    test(lines) {
      if (lines.length === 0) return [];
      const result = runJq(jq, Buffer.concat(lines as Buffer[]).toString("utf8"), program);
      if ("exitCode" in result) {
        throw new SpoolError("Usage", `--where failed: ${cleanJqError(result.stderr)}`, {
          hint: "--where expressions may not stop jq (halt, halt_error) or read other inputs (input, inputs)",
        });
      }
      const outputs = result.out.split("\n");
      if (outputs[outputs.length - 1] === "") outputs.pop();
      if (outputs.length !== lines.length) {
        throw new SpoolError(
          "Usage",
          `--where produced ${outputs.length} verdicts for ${lines.length} messages`,
          {
            hint: "--where expressions may not read other inputs (input, inputs)",
          },
        );
      }
      return outputs.map((o): WhereVerdict => {
        if (o === "true") return true;
        if (o === "false") return false;
        const text = JSON.parse(o) as string;
        const error = text.startsWith("E:") ? text.slice(2) : text;
        if (error.startsWith(FORBIDDEN)) {
          throw new SpoolError(
            "Usage",
            `--where expressions may not use \`${error.slice(FORBIDDEN.length)}\``,
            {
              hint: "--where expressions may not stop jq (halt, halt_error) or read other inputs (input, inputs)",
            },
          );
        }
        return { error };
      });
    },
  };
}
