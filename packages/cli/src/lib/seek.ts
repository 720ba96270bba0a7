/**
 * Finding where `--since TIME` starts: the first seq committed at or after a time, by binary
 * search over seqs (commit times never decrease with seq, spec/api/v0 §2.1).
 *
 * Invariants: returns a seq within oldest..newest+1 (newest+1 means "the next new message"), or
 * undefined for an empty pool (start with the next new message);
 * a seq overwritten during the search moves the lower bound up instead of failing; the search
 * costs O(log n) single-message reads.
 */
import { type Instant, isSpoolError } from "@spool/core";
import type { PoolTarget } from "./target.js";

function before(a: { timeSec: number; timeNanos: number }, t: Instant): boolean {
  return a.timeSec < t.sec || (a.timeSec === t.sec && a.timeNanos < t.nanos);
}

/**
 * The first seq whose commit time is ≥ `t`.
 *
 * @example
 * const since = await seqAtOrAfter(target, { sec: Date.now() / 1000 - 600, nanos: 0 });
 */
export async function seqAtOrAfter(target: PoolTarget, t: Instant): Promise<number | undefined> {
  const info = await target.info();
  if (!info.bounds) return undefined;
  let lo = info.bounds.oldest;
  let hi = info.bounds.newest + 1; // answer is in [lo, hi]
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    try {
      const m = await target.get(mid);
      if (before(m, t)) lo = mid + 1;
      else hi = mid;
    } catch (error) {
      if (!isSpoolError(error, "NotFound")) throw error;
      lo = mid + 1; // overwritten meanwhile: everything up to it is gone
    }
  }
  return lo;
}
