/**
 * The options of a tail (replay start, stop conditions, filter, gap policy, callbacks) and their
 * validation, shared by `tail()` and `tailJsonl()`.
 *
 * Invariants: every option is checked once, when the tail starts, into a fully defaulted
 * `CheckedOptions`; a bad option is a Usage SpoolError with a hint; `since`, `sinceTime` and
 * `last` exclude each other; where expressions are compiled here, once per tail.
 */

import { checkConsumerName } from "./consumers.js";
import type { Gap } from "./engine/tail-cursor.js";
import { SpoolError } from "./errors.js";
import { type Instant, requireTime } from "./time.js";
import {
  checkCount,
  checkGapPolicy,
  checkOneTailStart,
  checkTag,
  type GapPolicy,
} from "./validate.js";
import { compileWhere, type WhereFilter } from "./where/index.js";

/** Why a tail ended by itself. */
export type TailEnd = "max" | "timeout" | "caught-up" | "aborted";

export interface TailOptions {
  /** First seq to deliver (inclusive). */
  since?: number;
  /**
   * Start at the first message committed at or after this instant (RFC 3339 text or a Date);
   * the next new message when none is that recent.
   */
  sinceTime?: string | Date;
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
  /**
   * Deliver only messages for which these where expressions (a jq subset, spec/api/v0 §4.6)
   * all hold: one expression or a list.
   */
  where?: string | readonly string[];
  /**
   * Called when a where expression fails on one message (a runtime error, or its step budget
   * ran out); that message is not delivered and the tail goes on.
   */
  onWhereError?: (error: WhereError) => void;
  /** `continue` (default): skip overwritten messages and report them; `error`: throw RetentionGap. */
  gapPolicy?: GapPolicy;
  /** Stops the tail at once. */
  signal?: AbortSignal;
  /** Called for each gap under policy `continue`. */
  onGap?: (gap: Gap) => void;
  /** Called once when the tail ends by itself, with the reason. */
  onEnd?: (reason: TailEnd) => void;
  /**
   * A durable cursor (spec/api/v0 §3.11): the tail starts after its committed seq; a cursor the
   * pool does not keep is created where since/sinceTime/last (default: the next new message) say.
   */
  cursor?: string;
  /** With `cursor`: ack each message when the next one is asked for (default false). */
  autoAck?: boolean;
  /**
   * JSONL only: the caller never modifies a chunk (it only writes or copies it), so a chunk
   * may be the very bytes handed to other tails of the same open pool that want the same
   * lines (followers at the live edge): formatted once instead of once per tail.
   */
  sharedChunks?: boolean;
}

/** A where expression that failed on one message. */
export interface WhereError {
  seq: number;
  message: string;
}

export interface CheckedOptions {
  since: number | undefined;
  sinceTime: Instant | undefined;
  where: WhereFilter | undefined;
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
  const sinceTime = checkSinceTime(options.sinceTime);
  checkOneTailStart({ since, sinceTime, last });
  if (options.tags !== undefined && !Array.isArray(options.tags)) {
    throw new SpoolError("Usage", "the tag filter must be an array of strings", {
      hint: 'pass tags as a list of strings, e.g. ["build"]',
    });
  }
  if (options.cursor !== undefined) checkConsumerName(options.cursor, "cursor");
  if (options.autoAck !== undefined && typeof options.autoAck !== "boolean") {
    throw new SpoolError(
      "Usage",
      `autoAck must be true or false, got ${JSON.stringify(options.autoAck)}`,
      {
        hint: "autoAck: true acks each message when the next one is asked for",
      },
    );
  }
  if (options.autoAck === true && options.cursor === undefined) {
    throw new SpoolError("Usage", "autoAck needs a cursor", {
      hint: "name the cursor to ack: tail({ cursor: 'indexer', autoAck: true })",
    });
  }
  return {
    since,
    sinceTime,
    where:
      options.where === undefined || (Array.isArray(options.where) && options.where.length === 0)
        ? undefined
        : compileWhere(options.where),
    last,
    max: checkCount("max", options.max, 0),
    timeoutMs: checkCount("timeoutMs", options.timeoutMs, 0),
    follow: options.follow !== false,
    tags: (options.tags ?? []).map((tag) => checkTag(tag)),
    gapPolicy: checkGapPolicy(options.gapPolicy),
  };
}

function checkSinceTime(value: unknown): Instant | undefined {
  if (value === undefined) return undefined;
  if (value instanceof Date) {
    const ms = value.getTime();
    if (!Number.isFinite(ms)) {
      throw new SpoolError("Usage", "sinceTime is an invalid Date", {
        hint: 'pass a valid Date or RFC 3339 text, e.g. "2026-11-22T10:00:00Z"',
      });
    }
    const sec = Math.floor(ms / 1000);
    return { sec, nanos: (ms - sec * 1000) * 1_000_000 };
  }
  if (typeof value !== "string") {
    throw new SpoolError("Usage", "sinceTime must be RFC 3339 text or a Date", {
      hint: 'e.g. sinceTime: "2026-11-22T10:00:00Z" or new Date(Date.now() - 600_000)',
    });
  }
  return requireTime(value, "sinceTime");
}
