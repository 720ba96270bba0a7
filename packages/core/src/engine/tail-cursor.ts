/**
 * The tail cursor's pure rules: where a tail starts and when the next expected seq is a gap.
 *
 * Invariants (spec/api/v0, "Tail semantics"): `since` is inclusive; `last: N` starts N messages
 * before the end (never before the oldest); without either, a tail starts at the next new
 * message; the cursor tracks the expected seq and advances on every raw message before any
 * filter, so a seq below the oldest live one is always reported as a gap, filter or not.
 */

/** Seqs that were overwritten before a tail read them: `from`..`to` inclusive. */
export interface Gap {
  from: number;
  to: number;
  count: number;
}

export interface Bounds {
  /** Oldest live seq; `newest + 1` when the pool is empty. */
  oldest: number;
  newest: number;
}

/** The first seq a tail expects. */
export function startSeq(
  options: { since?: number | undefined; last?: number | undefined },
  bounds: Bounds,
): number {
  if (options.since !== undefined) return options.since;
  if (options.last !== undefined) return Math.max(bounds.oldest, bounds.newest - options.last + 1);
  return bounds.newest + 1;
}

/** The gap before `expected`, if the messages from `expected` on were overwritten. */
export function gapBefore(expected: number, bounds: Bounds): Gap | undefined {
  if (expected >= bounds.oldest) return undefined;
  return { from: expected, to: bounds.oldest - 1, count: bounds.oldest - expected };
}
