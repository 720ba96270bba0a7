/**
 * Finding where a `sinceTime` tail starts: the first seq committed at or after an instant, by
 * binary search over the live seqs (commit times never decrease with seq, spec/api/v0 §2.1).
 *
 * Invariants: pure over a `timeAt` lookup; returns a seq within oldest..newest+1 (newest+1
 * means "the next new message"); a seq overwritten during the search (`timeAt` gives
 * undefined) moves the lower bound up instead of failing; O(log n) lookups.
 */
import type { Instant } from "../time.js";

function before(a: Instant, t: Instant): boolean {
  return a.sec < t.sec || (a.sec === t.sec && a.nanos < t.nanos);
}

/**
 * The first seq in `oldest..newest` whose commit time is ≥ `t`, else `newest + 1`.
 *
 * @example
 * seqAtOrAfter(1, 100, { sec: 1_795_000_000, nanos: 0 }, (seq) => timeOf(seq));
 */
export function seqAtOrAfter(
  oldest: number,
  newest: number,
  t: Instant,
  timeAt: (seq: number) => Instant | undefined,
): number {
  let lo = oldest;
  let hi = newest + 1; // the answer is in [lo, hi]
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const time = timeAt(mid);
    if (time === undefined || before(time, t)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** `seqAtOrAfter` over an asynchronous lookup (a remote pool, say). */
export async function seqAtOrAfterAsync(
  oldest: number,
  newest: number,
  t: Instant,
  timeAt: (seq: number) => Promise<Instant | undefined>,
): Promise<number> {
  let lo = oldest;
  let hi = newest + 1;
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const time = await timeAt(mid);
    if (time === undefined || before(time, t)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
