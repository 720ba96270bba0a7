/**
 * Finding where `--since TIME` starts on a pool the CLI reads through its target interface (a
 * remote pool): core's binary search (`seqAtOrAfterAsync`) over single-message reads. Local
 * pools pass the time to core's tail (`sinceTime`) instead.
 *
 * Invariants: returns a seq within oldest..newest+1 (newest+1 means "the next new message"), or
 * undefined for an empty pool (start with the next new message); a seq overwritten during the
 * search moves the lower bound up instead of failing; the search costs O(log n) reads.
 */
import { type Instant, isSpoolError, seqAtOrAfterAsync } from "@spool/core";
import type { PoolTarget } from "./target.js";

/**
 * The first seq whose commit time is ≥ `t`.
 *
 * @example
 * const since = await seqAtOrAfter(target, { sec: Date.now() / 1000 - 600, nanos: 0 });
 */
export async function seqAtOrAfter(target: PoolTarget, t: Instant): Promise<number | undefined> {
  const info = await target.info();
  if (!info.bounds) return undefined;
  return seqAtOrAfterAsync(info.bounds.oldest, info.bounds.newest, t, async (seq) => {
    try {
      const m = await target.get(seq);
      return { sec: m.timeSec, nanos: m.timeNanos };
    } catch (error) {
      if (!isSpoolError(error, "NotFound")) throw error;
      return undefined; // overwritten meanwhile: everything up to it is gone
    }
  });
}
