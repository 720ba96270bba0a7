/**
 * The client side of a tail's cursor: which seqs a tail has passed, and which gaps it reports.
 *
 * The SDK asks the server for gap lines (`gap_lines=1`), which report every retention gap on raw
 * seqs, before the tag filter (core's cursor, DESIGN §4), so they are exact with or without a
 * filter. A server that predates gap lines ignores the parameter and only shows a jump in seqs;
 * without a tag filter that jump is still exact (every raw message is delivered), so it is
 * reported as a gap too. With a filter, jumps are normal (skipped messages did not match) and
 * only gap lines report gaps. So no signal of "this server sends gap lines" is needed (none
 * exists): tracking the expected seq de-duplicates a gap line and its jump either way.
 *
 * Invariants: `expected` is the lowest seq the tail can deliver next (exact without a filter, a
 * lower bound with one); a gap line advances it past the gap and a message past the message, so
 * a gap line followed by its jump is reported once, never twice; seqs and gap lines only move
 * forward (a message at or below the last one, below `since`, or inside a gap already reported,
 * and a gap line that reaches back before the cursor, are protocol errors); a jump without a gap
 * line is reported only without a filter.
 */
import { type Gap, gapBefore } from "@spool/core/shared";
import { protocolError } from "./http.js";

/**
 * Tracks one tail's position and reports its gaps.
 *
 * @example
 * const cursor = new GapCursor({ since: 1, filtered: false, onGap: console.log });
 * cursor.gapLine({ from: 1, to: 4, count: 4 }); // reports 1..4
 * cursor.message(5); // no jump: nothing more to report
 */
export class GapCursor {
  #expected: number | undefined;
  #lastSeq = 0;
  readonly #filtered: boolean;
  readonly #onGap: ((gap: Gap) => void) | undefined;

  constructor(options: {
    /** The tail's first seq, when known (`since`). */
    since?: number | undefined;
    /** True when the tail has a tag or where filter (seq jumps are then not gaps). */
    filtered: boolean;
    onGap?: ((gap: Gap) => void) | undefined;
  }) {
    this.#expected = options.since;
    this.#filtered = options.filtered;
    this.#onGap = options.onGap;
  }

  /** The lowest seq the tail can deliver next, once known. */
  get expected(): number | undefined {
    return this.#expected;
  }

  /** A gap line arrived: report it and move past it. */
  gapLine(gap: Gap): void {
    const floor = Math.max(this.#expected ?? 1, this.#lastSeq + 1);
    if (gap.from < floor) {
      throw protocolError(
        200,
        `GET tail: a gap line reports seqs ${gap.from}..${gap.to} overwritten, but the tail had already reached seq ${floor}`,
      );
    }
    this.#expected = gap.to + 1;
    this.#onGap?.(gap);
  }

  /** A message arrived: check its order, report a jump (without a filter), move past it. */
  message(seq: number): void {
    if (seq <= this.#lastSeq) {
      throw protocolError(
        200,
        `GET tail: seq ${seq} arrived after seq ${this.#lastSeq} (seqs must increase)`,
      );
    }
    const expected = this.#expected;
    if (expected !== undefined && seq < expected) {
      throw protocolError(
        200,
        `GET tail: seq ${seq} arrived, but the tail had already passed it (next possible seq ${expected})`,
      );
    }
    if (!this.#filtered && expected !== undefined && seq > expected) {
      const gap = gapBefore(expected, { oldest: seq, newest: seq });
      if (gap) this.#onGap?.(gap);
    }
    this.#lastSeq = seq;
    this.#expected = seq + 1;
  }
}
