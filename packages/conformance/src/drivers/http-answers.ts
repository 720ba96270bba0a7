/**
 * What the http driver makes of an append: the SDK options of a step's input, and the result of
 * the answers (receipts for what was committed, a producer's duplicates whole, with their lines
 * for byte parity), checked against the body the server sent.
 *
 * Also the outcome of a step the SDK refused with an error (errorOutcome).
 *
 * Invariants: pure (the body is passed in); a receipt the SDK does not hand over as the server
 * sent it is a violation, never a silent difference.
 */
import { isNetworkError, isSpoolError } from "@spool/client";
import type { ProducerOptions, SpoolErrorJson } from "@spool/core";
import { lineText } from "./http-tail.js";
import { type Exchange, sameAsWire, wireError } from "./http-wire.js";
import {
  appendAnswer,
  expectedLastSeqInput,
  isDuplicate,
  optionalString,
  optionalStrings,
  producerInput,
} from "./inputs.js";
import type { Outcome } from "./types.js";

/** A step's result, with the envelope lines for byte parity and any protocol violations. */
export type Result = { result: unknown; lines?: string[]; violations?: string[] };

/** The SDK options of an `append` or `append_batch` step's input. */
export function appendOptions(input: Record<string, unknown>) {
  const options: {
    tags?: string[];
    durability?: "fast" | "flush";
    expectedLastSeq?: number;
    producer?: ProducerOptions;
  } = {};
  const tags = optionalStrings(input, "tags");
  const durability = optionalString(input, "durability");
  if (tags !== undefined) options.tags = tags;
  if (durability !== undefined) options.durability = durability as "fast" | "flush";
  const expected = expectedLastSeqInput(input);
  if (expected !== undefined) options.expectedLastSeq = expected as number;
  const producer = producerInput(input);
  if (producer !== undefined) options.producer = producer as ProducerOptions;
  return options;
}

/**
 * The result of an append's answers (receipts for what was committed, a producer's duplicates
 * whole) and the duplicates' lines: a duplicate message's line as the SDK received it, a
 * receipt's as the server sent it; a receipt the SDK does not hand over as the server sent it
 * is a violation.
 */
export function appendResult(answers: readonly unknown[], sent: unknown, one: boolean): Result {
  const body = sent as { message?: unknown; messages?: unknown } | undefined;
  const wire: unknown[] = one
    ? [body?.message]
    : Array.isArray(body?.messages)
      ? body.messages
      : [];
  const results: unknown[] = [];
  const lines: string[] = [];
  const violations: string[] = [];
  answers.forEach((answer, i) => {
    const message = answer as { toJSON?: () => unknown; toJsonLine?: () => Uint8Array };
    if (typeof message.toJSON === "function" && typeof message.toJsonLine === "function") {
      const result = appendAnswer(message.toJSON());
      results.push(result);
      if (isDuplicate(result)) lines.push(lineText(message.toJsonLine()));
      return;
    }
    // A receipt: a plain object { seq, duplicate } (the original is not held any more).
    const result = { ...(answer as Record<string, unknown>) };
    results.push(result);
    const problem = sameAsWire("duplicate receipt", result, wire[i]);
    if (problem) violations.push(problem);
    lines.push(JSON.stringify(wire[i]));
  });
  return {
    result: one ? { message: results[0] } : { messages: results },
    ...(lines.length > 0 ? { lines } : {}),
    ...(violations.length > 0 ? { violations } : {}),
  };
}

/**
 * The outcome of a step the SDK refused: an unreachable server is Io, a SpoolError keeps the
 * server's fields (a violation when the SDK did not hand over what the last answer `last` said),
 * anything else is a violation.
 */
export function errorOutcome(
  error: unknown,
  last: Exchange | undefined,
): Extract<Outcome, { status: "error" }> {
  if (isNetworkError(error)) {
    const message = (error as Error).message;
    return {
      status: "error",
      error: { kind: "Io", message },
      violations: [`the server was not reached: ${message}`],
    };
  }
  if (isSpoolError(error)) {
    const json = error.toJSON() as SpoolErrorJson;
    const status = (error as { status?: unknown }).status;
    const violations: string[] = [];
    // An answered error (not a tail's final line): the SDK must hand over the server's fields.
    const wire = wireError(last);
    if (wire && typeof status === "number" && last?.status === status) {
      const problem = sameAsWire("error", json, wire);
      if (problem) violations.push(problem);
    }
    return {
      status: "error",
      error: json,
      ...(typeof status === "number" ? { code: status } : {}),
      ...(violations.length > 0 ? { violations } : {}),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    status: "error",
    error: { kind: "Internal", message },
    violations: [`the SDK threw something that is not a SpoolError: ${message}`],
  };
}
