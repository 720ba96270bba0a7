/**
 * The tail's cursor state machine without files: gaps decided on raw seqs before filters (and
 * reported once, or thrown under policy `error`), max across reads, end reasons (caught-up,
 * max, timeout, aborted) reported once, a caller's stop ending silently, and the poll backoff.
 */
import { describe, expect, it } from "vitest";
import type { Gap } from "./engine/tail-cursor.js";
import { isSpoolError } from "./errors.js";
import {
  hasEveryTag,
  MAX_POLL_MS,
  MIN_POLL_MS,
  TailMachine,
  whereKeepsEnvelope,
} from "./tail-machine.js";
import type { TailEnd } from "./tail-options.js";
import { compileWhere } from "./where/index.js";

type Limits = ConstructorParameters<typeof TailMachine>[0];
const base: Limits = { max: undefined, timeoutMs: undefined, follow: true, gapPolicy: "continue" };

function machine(
  limits: Partial<Limits>,
  start: number,
  signals: { signal?: AbortSignal; stop?: AbortSignal } = {},
) {
  const gaps: Gap[] = [];
  const ends: TailEnd[] = [];
  const cursor = new TailMachine(
    { ...base, ...limits },
    { onGap: (g) => gaps.push(g), onEnd: (r) => ends.push(r), path: "p", ...signals },
    start,
    0,
  );
  return { cursor, gaps, ends };
}

describe("TailMachine", () => {
  it("reads from the start, advances over raw seqs and ends caught-up without follow", () => {
    const { cursor, ends } = machine({ follow: false }, 3);
    expect(cursor.step({ oldest: 1, newest: 5 }, 0)).toEqual({
      do: "read",
      from: 3,
      reposition: false,
    });
    // Two of three raw seqs passed the filters: both are delivered, the cursor passes all three.
    expect(cursor.advance(6, 2, 0)).toBe(2);
    expect(cursor.expected).toBe(6);
    expect(cursor.step({ oldest: 1, newest: 5 }, 1)).toEqual({ do: "end", reason: "caught-up" });
    expect(cursor.step({ oldest: 1, newest: 5 }, 2)).toEqual({ do: "end", reason: "caught-up" });
    expect(ends).toEqual(["caught-up"]);
  });

  it("reports a gap before reading, on raw seqs, and moves to the oldest", () => {
    const { cursor, gaps } = machine({}, 2);
    expect(cursor.step({ oldest: 10, newest: 12 }, 0)).toEqual({
      do: "read",
      from: 10,
      reposition: true,
    });
    expect(gaps).toEqual([{ from: 2, to: 9, count: 8 }]);
    // A filter that kept nothing still moves the cursor: the next step sees no new gap.
    expect(cursor.advance(13, 0, 0)).toBe(0);
    expect(cursor.step({ oldest: 12, newest: 12 }, 0).do).toBe("wait");
    expect(gaps).toHaveLength(1);
  });

  it("throws RetentionGap under policy error and reads nothing past it", () => {
    const { cursor, gaps } = machine({ gapPolicy: "error" }, 1);
    let thrown: unknown;
    try {
      cursor.step({ oldest: 4, newest: 9 }, 0);
    } catch (error) {
      thrown = error;
    }
    expect(isSpoolError(thrown, "RetentionGap")).toBe(true);
    expect((thrown as { seq?: number }).seq).toBe(1);
    expect(gaps).toEqual([]);
    expect(cursor.expected).toBe(1);
  });

  it("lets at most max messages through across reads, then ends with max", () => {
    const { cursor, ends } = machine({ max: 5 }, 1);
    expect(cursor.advance(4, 3, 0)).toBe(3);
    expect(cursor.advance(10, 6, 0)).toBe(2);
    expect(cursor.delivered).toBe(5);
    expect(cursor.step({ oldest: 1, newest: 20 }, 0)).toEqual({ do: "end", reason: "max" });
    expect(ends).toEqual(["max"]);
  });

  it("waits with a backoff, bounded by the idle timeout, then ends with timeout", () => {
    const { cursor, ends } = machine({ timeoutMs: 30 }, 1);
    const empty = { oldest: 1, newest: 0 };
    expect(cursor.step(empty, 0)).toEqual({ do: "wait", ms: MIN_POLL_MS });
    for (let i = 0; i < 10; i++) cursor.waited();
    expect(cursor.step(empty, 0)).toEqual({ do: "wait", ms: 30 });
    expect(cursor.step(empty, 25)).toEqual({ do: "wait", ms: 5 });
    // A delivery resets the idle clock and the backoff.
    cursor.advance(2, 1, 25);
    expect(cursor.step({ oldest: 1, newest: 1 }, 40)).toEqual({ do: "wait", ms: MIN_POLL_MS });
    expect(cursor.step({ oldest: 1, newest: 1 }, 55)).toEqual({ do: "end", reason: "timeout" });
    expect(ends).toEqual(["timeout"]);
    const long = machine({}, 1).cursor;
    for (let i = 0; i < 20; i++) long.waited();
    expect(long.step(empty, 0)).toEqual({ do: "wait", ms: MAX_POLL_MS });
  });

  it("ends aborted on the caller's signal, and silently on its own stop", () => {
    const signal = new AbortController();
    const aborted = machine({}, 1, { signal: signal.signal });
    signal.abort();
    expect(aborted.cursor.step({ oldest: 1, newest: 3 }, 0)).toEqual({
      do: "end",
      reason: "aborted",
    });
    expect(aborted.ends).toEqual(["aborted"]);
    const stop = new AbortController();
    const stopped = machine({}, 1, { stop: stop.signal });
    stop.abort();
    expect(stopped.cursor.step({ oldest: 1, newest: 3 }, 0)).toEqual({
      do: "end",
      reason: undefined,
    });
    expect(stopped.ends).toEqual([]);
  });
});

describe("tail filters", () => {
  it("keeps messages with every wanted tag", () => {
    expect(hasEveryTag(["a", "b"], ["b"])).toBe(true);
    expect(hasEveryTag(["a"], ["a", "b"])).toBe(false);
    expect(hasEveryTag([], [])).toBe(true);
  });

  it("applies where expressions and reports failures without delivering", () => {
    const where = compileWhere(".data.n > 1");
    const errors: { seq: number; message: string }[] = [];
    const onError = (e: { seq: number; message: string }) => errors.push(e);
    expect(whereKeepsEnvelope(where, 1, () => ({ data: { n: 2 } }), onError)).toBe(true);
    expect(whereKeepsEnvelope(where, 2, () => ({ data: { n: 0 } }), onError)).toBe(false);
    expect(
      whereKeepsEnvelope(
        where,
        3,
        () => {
          throw new SyntaxError("bad");
        },
        onError,
      ),
    ).toBe(false);
    expect(errors).toEqual([{ seq: 3, message: "the stored message is not valid JSON" }]);
    expect(whereKeepsEnvelope(undefined, 4, () => ({}), onError)).toBe(true);
  });
});
