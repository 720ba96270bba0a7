/**
 * Test helper: runs `fn` and returns the SpoolError it throws, failing the test unless it throws
 * one of the given kind with a non-empty hint (and, if given, a message matching `message`).
 */
import { expect } from "vitest";
import { type ErrorKind, isSpoolError, type SpoolError } from "../../src/index.js";

export function expectSpoolError(fn: () => unknown, kind: ErrorKind, message?: RegExp): SpoolError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  if (thrown === undefined)
    throw new Error(`expected a ${kind} SpoolError, but nothing was thrown`);
  if (!isSpoolError(thrown))
    throw new Error(`expected a ${kind} SpoolError, got ${String(thrown)}`, { cause: thrown });
  expect(thrown.kind, thrown.message).toBe(kind);
  expect(thrown.hint, `hint of "${thrown.message}"`).toBeTypeOf("string");
  expect((thrown.hint ?? "").trim().length, `hint of "${thrown.message}"`).toBeGreaterThan(0);
  if (message) expect(thrown.message).toMatch(message);
  return thrown;
}

/** The Conflict `fn` throws (failing the test unless it throws one). */
export function conflictOf(fn: () => unknown): SpoolError {
  return expectSpoolError(fn, "Conflict");
}
