/**
 * The tail's cursor as one pure, engine-neutral state machine: the expected seq, gap detection
 * and policy, the stop conditions (abort, max, caught-up, idle timeout), the poll backoff and
 * the filters (tags, where) applied after gap accounting. An engine supplies only its read
 * strategy (frames from `expected` on) and its wait; the file engine's fan-out paths (shared
 * runs, shared state, shared JSONL) stay outside, in tail.ts.
 *
 * Invariants (spec/api/v0 §4): `step` is the only place a gap is decided, always on raw seqs
 * before any filter (so a filter never hides a gap); under policy `error` a gap throws
 * RetentionGap and nothing past it is delivered; `advance` moves the cursor over every raw seq
 * read (filtered or not) and never lets more than `max` messages through; `onEnd` is called at
 * most once, with the reason, and never when the caller stopped the tail itself (`stopped`).
 * Node-free and clock-injected (every method takes `now`), so it is tested without files.
 */

import { type Bounds, type Gap, gapBefore } from "./engine/tail-cursor.js";
import { SpoolError } from "./errors.js";
import type { CheckedOptions, TailEnd, TailOptions } from "./tail-options.js";
import type { WhereFilter } from "./where/index.js";

/** The first and the longest wait between two looks at an idle pool (ms). */
export const MIN_POLL_MS = 2;
export const MAX_POLL_MS = 50;

/** What the engine does next. */
export type TailStep =
  /** Read raw messages from `from` on; `reposition`: a gap moved the cursor, drop any read position. */
  | { do: "read"; from: number; reposition: boolean }
  /** Wait up to `ms` for a change, then `waited()` and `step` again. */
  | { do: "wait"; ms: number }
  /** End the tail (`reason` undefined: the caller stopped it; nothing is reported). */
  | { do: "end"; reason: TailEnd | undefined };

/** What the machine reports to, and where its errors point. */
export interface TailHooks {
  onGap?: ((gap: Gap) => void) | undefined;
  onEnd?: ((reason: TailEnd) => void) | undefined;
  /** The caller's signal: an abort ends the tail with reason `aborted`. */
  signal?: AbortSignal | undefined;
  /** The iterator's own stop (`break`, `return()`): ends the tail without a reason. */
  stop?: AbortSignal | undefined;
  /** The pool as errors name it (a path or a URL). */
  path: string;
}

type Limits = Pick<CheckedOptions, "max" | "timeoutMs" | "follow" | "gapPolicy">;

export class TailMachine {
  readonly #limits: Limits;
  readonly #hooks: TailHooks;
  #expected: number;
  #delivered = 0;
  #idleSince: number;
  #poll = MIN_POLL_MS;
  #ended = false;

  constructor(limits: Limits, hooks: TailHooks, start: number, now: number) {
    this.#limits = limits;
    this.#hooks = hooks;
    this.#expected = start;
    this.#idleSince = now;
  }

  /** The next raw seq the tail expects. */
  get expected(): number {
    return this.#expected;
  }

  /** Messages delivered so far. */
  get delivered(): number {
    return this.#delivered;
  }

  /** True once the tail ended by itself (`onEnd` was called). */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * What to do given the pool's bounds as the engine last saw them. A gap before the expected
   * seq is reported (policy `continue`: `onGap`, and the cursor moves to `oldest`) or thrown
   * (policy `error`: RetentionGap) before anything is read.
   */
  step(bounds: Bounds, now: number): TailStep {
    if (this.#hooks.stop?.aborted) return { do: "end", reason: undefined };
    if (this.#hooks.signal?.aborted) return this.#end("aborted");
    const max = this.#limits.max;
    if (max !== undefined && this.#delivered >= max) return this.#end("max");
    const gap = gapBefore(this.#expected, bounds);
    if (gap) {
      if (this.#limits.gapPolicy === "error") throw retentionGap(gap, this.#hooks.path);
      this.#hooks.onGap?.(gap);
      this.#expected = bounds.oldest;
    }
    if (this.#expected <= bounds.newest) {
      return { do: "read", from: this.#expected, reposition: gap !== undefined };
    }
    if (!this.#limits.follow) return this.#end("caught-up");
    let ms = this.#poll;
    const timeoutMs = this.#limits.timeoutMs;
    if (timeoutMs !== undefined) {
      const remaining = timeoutMs - (now - this.#idleSince);
      if (remaining <= 0) return this.#end("timeout");
      ms = Math.min(ms, remaining);
    }
    return { do: "wait", ms };
  }

  /**
   * A read covered raw seqs up to `nextSeq − 1`, and `kept` of them passed the filters: moves
   * the cursor and answers how many of the kept ones to deliver (fewer only at `max`).
   */
  advance(nextSeq: number, kept: number, now: number): number {
    if (nextSeq > this.#expected) this.#expected = nextSeq;
    const max = this.#limits.max;
    const take = max === undefined ? kept : Math.min(kept, max - this.#delivered);
    if (take > 0) {
      this.#delivered += take;
      this.#idleSince = now;
      this.#poll = MIN_POLL_MS;
    }
    return take;
  }

  /** A wait ended without news: the next wait is longer (up to MAX_POLL_MS). */
  waited(): void {
    this.#poll = Math.min(this.#poll * 2, MAX_POLL_MS);
  }

  #end(reason: TailEnd): TailStep {
    if (!this.#ended) {
      this.#ended = true;
      this.#hooks.onEnd?.(reason);
    }
    return { do: "end", reason };
  }
}

/** The RetentionGap a tail with gap policy `error` throws for `gap`. */
export function retentionGap(gap: Gap, path: string): SpoolError {
  return new SpoolError(
    "RetentionGap",
    `messages ${gap.from}..${gap.to} were overwritten before they were read`,
    {
      path,
      seq: gap.from,
      hint: "read faster, use a larger pool, or follow with gap policy `continue` to skip ahead",
    },
  );
}

/** True when `tags` carries every wanted tag (the tail's tag filter). */
export function hasEveryTag(tags: readonly string[], wanted: readonly string[]): boolean {
  return wanted.every((tag) => tags.includes(tag));
}

/**
 * The tail's where filter on one message: true to deliver it. A failure (the message is not
 * valid JSON, a runtime error, a spent step budget) goes to `onWhereError` and drops it.
 */
export function whereKeepsEnvelope(
  where: WhereFilter | undefined,
  seq: number,
  envelope: () => unknown,
  onWhereError: TailOptions["onWhereError"],
): boolean {
  if (!where) return true;
  let value: unknown;
  try {
    value = envelope();
  } catch {
    onWhereError?.({ seq, message: "the stored message is not valid JSON" });
    return false;
  }
  const verdict = where.test(value);
  if (verdict === true || verdict === false) return verdict;
  onWhereError?.({ seq, message: verdict.error });
  return false;
}
