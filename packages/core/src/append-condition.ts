/**
 * Conditional appends (spec/api/v0 §3.6): what an append requires of the pool's state, checked
 * from an append's options and against a state. Node-free, so the SDK answers an empty batch's
 * condition with the same rule and words as the local API.
 *
 * Invariants: a bad expected seq is Usage; a state whose newest seq differs is Conflict carrying
 * that newest seq (`newestSeq`), and the caller writes nothing; the file engine checks under the
 * writer lock after the state is read (and recovered) and before any byte is written.
 */
import { SpoolError } from "./errors.js";
import { checkCount } from "./validate.js";

/** What an append requires of the pool's state. */
export interface AppendCondition {
  /** The append commits only if the pool's newest seq is exactly this (0: never appended to). */
  expectedLastSeq?: number | undefined;
}

/** The condition of an append's options, checked (Usage for a bad expected seq), or undefined. */
export function checkAppendCondition(options: {
  expectedLastSeq?: number | undefined;
}): AppendCondition | undefined {
  const expectedLastSeq = checkCount("expectedLastSeq", options.expectedLastSeq, 0);
  return expectedLastSeq === undefined ? undefined : { expectedLastSeq };
}

/** Conflict when `state` does not meet `condition`. */
export function checkCondition(
  state: { newest: number },
  condition: AppendCondition | undefined,
  path?: string,
): void {
  const expected = condition?.expectedLastSeq;
  if (expected === undefined || state.newest === expected) return;
  throw new SpoolError(
    "Conflict",
    `the pool's newest seq is ${state.newest}, not the expected ${expected}: nothing was appended`,
    {
      path,
      newestSeq: state.newest,
      hint: "another writer appended first: read the pool (its newest seq is in the error), decide again, and retry with expectedLastSeq set to that seq",
    },
  );
}
