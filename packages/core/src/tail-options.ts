/**
 * The options of a tail (replay start, stop conditions, filter, gap policy, callbacks) and their
 * validation, shared by `tail()` and `tailJsonl()`.
 *
 * Invariants: every option is checked once, when the tail starts, into a fully defaulted
 * `CheckedOptions`; a bad option is a Usage SpoolError with a hint; `since` and `last` exclude
 * each other.
 */

import type { Gap } from "./engine/tail-cursor.js";
import { SpoolError } from "./errors.js";
import { checkCount, checkGapPolicy, checkTag, type GapPolicy } from "./validate.js";

/** Why a tail ended by itself. */
export type TailEnd = "max" | "timeout" | "caught-up" | "aborted";

export interface TailOptions {
  /** First seq to deliver (inclusive). */
  since?: number;
  /** Replay the last N messages first. */
  last?: number;
  /** Stop after delivering this many messages. */
  max?: number;
  /** Stop when no message was delivered for this long (ms). */
  timeoutMs?: number;
  /** Keep following new messages after the replay (default true). */
  follow?: boolean;
  /** Deliver only messages carrying every one of these tags. */
  tags?: readonly string[];
  /** `continue` (default): skip overwritten messages and report them; `error`: throw RetentionGap. */
  gapPolicy?: GapPolicy;
  /** Stops the tail at once. */
  signal?: AbortSignal;
  /** Called for each gap under policy `continue`. */
  onGap?: (gap: Gap) => void;
  /** Called once when the tail ends by itself, with the reason. */
  onEnd?: (reason: TailEnd) => void;
  /**
   * JSONL only: the caller never modifies a chunk (it only writes or copies it), so a chunk
   * may be the very bytes handed to other tails of the same open pool that want the same
   * lines (followers at the live edge): formatted once instead of once per tail.
   */
  sharedChunks?: boolean;
}

export interface CheckedOptions {
  since: number | undefined;
  last: number | undefined;
  max: number | undefined;
  timeoutMs: number | undefined;
  follow: boolean;
  tags: string[];
  gapPolicy: GapPolicy;
}

/** Validates and defaults tail options (Usage on a bad one). */
export function checkOptions(options: TailOptions): CheckedOptions {
  const since = checkCount("since", options.since, 1);
  const last = checkCount("last", options.last, 0);
  if (since !== undefined && last !== undefined) {
    throw new SpoolError("Usage", "give either since or last, not both", {
      hint: "use since to start at a seq, or last to replay the newest N messages",
    });
  }
  if (options.tags !== undefined && !Array.isArray(options.tags)) {
    throw new SpoolError("Usage", "the tag filter must be an array of strings", {
      hint: 'pass tags as a list of strings, e.g. ["build"]',
    });
  }
  return {
    since,
    last,
    max: checkCount("max", options.max, 0),
    timeoutMs: checkCount("timeoutMs", options.timeoutMs, 0),
    follow: options.follow !== false,
    tags: (options.tags ?? []).map((tag) => checkTag(tag)),
    gapPolicy: checkGapPolicy(options.gapPolicy),
  };
}
