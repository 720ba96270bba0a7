/**
 * Tail options: the local API's `TailOptions` (without `follow`, which HTTP has no spelling for),
 * checked before anything is sent and spelled as the tail's query string.
 *
 * Invariants: the same option rules as the local API, through core's validators (whole numbers,
 * `since` ≥ 1, not `since` together with `last`, a known gap policy, tags as core checks them:
 * non-empty, at most 256 bytes, no control characters), refused with a Usage error carrying a
 * hint; the query uses the protocol's names (`since_seq`, `last`, `max`, `timeout_ms`,
 * repeated `tag`, `gap_policy`) and plain decimal digits, and always asks for gap lines
 * (`gap_lines=1`; a server that predates them ignores the parameter).
 */
import {
  type TailOptions as CoreTailOptions,
  checkCount,
  checkGapPolicy,
  checkTag,
} from "@spool/core/shared";
import { usage } from "./errors.js";

/** Options of `pool.tail()`: the local API's tail options, except `follow`. */
export type TailOptions = Omit<CoreTailOptions, "follow">;

/**
 * Checks tail options (Usage on a bad one) with core's own validators, so the SDK refuses exactly
 * what the local API refuses.
 */
export function checkTailOptions(options: TailOptions): void {
  const since = checkCount("since", options.since, 1);
  const last = checkCount("last", options.last, 0);
  checkCount("max", options.max, 0);
  checkCount("timeoutMs", options.timeoutMs, 0);
  if (since !== undefined && last !== undefined) {
    throw usage(
      "give either since or last, not both",
      "use since to start at a seq, or last to replay the newest N messages",
    );
  }
  checkGapPolicy(options.gapPolicy);
  if (options.tags !== undefined) {
    if (!Array.isArray(options.tags)) {
      throw usage("tags must be an array of strings", 'pass tags such as ["build"]');
    }
    for (const tag of options.tags) checkTag(tag);
  }
}

/**
 * The tail's query string for checked options, always with `gap_lines=1`.
 *
 * @example
 * tailQuery({ since: 5, tags: ["a"] }).toString() // "since_seq=5&tag=a&gap_lines=1"
 */
export function tailQuery(options: TailOptions): URLSearchParams {
  const query = new URLSearchParams();
  if (options.since !== undefined) query.set("since_seq", String(options.since));
  if (options.last !== undefined) query.set("last", String(options.last));
  if (options.max !== undefined) query.set("max", String(options.max));
  if (options.timeoutMs !== undefined) query.set("timeout_ms", String(options.timeoutMs));
  for (const tag of options.tags ?? []) query.append("tag", tag);
  if (options.gapPolicy !== undefined) query.set("gap_policy", options.gapPolicy);
  query.set("gap_lines", "1");
  return query;
}
