/**
 * The read and wait tools' engine work: a bounded replay (`spool_read`) and a bounded wait for
 * the next matching message (`spool_wait`), both as one tail of core's engine interface.
 *
 * Invariants: envelopes are core's (`Message.toJSON()`), in seq order; a read never follows (it
 * ends when caught up or at `max`) and never answers more than `max`; the cursor `next_since_seq`
 * given back is where the next call starts so that nothing is missed and nothing is answered twice:
 * after the last message answered when `max` stopped the read, else past everything the pool held
 * when the read started (messages the tag filter skipped are not scanned again); gaps (messages
 * overwritten before they were read) are reported, never hidden by the filter (core's tail
 * cursor); a wait answers at most one message, ends at its timeout with `message: null`, and
 * stops at once when the request is cancelled.
 */
import type { EnginePool, Envelope, Gap, Message, TailEnd, TailOptions } from "@spool/core";

/** What `spool_read` answers. */
export interface ReadAnswer {
  [key: string]: unknown;
  messages: Envelope[];
  /** Pass as `since_seq` to read on from here. */
  next_since_seq: number;
  /** True when `max` stopped the read before the newest message (more may be waiting). */
  more: boolean;
  /** Ranges of seqs overwritten before they could be read. */
  gaps: { from: number; to: number }[];
}

/** Where a read starts: exactly one of these (none: the newest `max`). */
export interface ReadStart {
  last?: number | undefined;
  sinceSeq?: number | undefined;
  sinceTime?: string | undefined;
  aroundSeq?: number | undefined;
}

/** Reads up to `max` messages of `pool` from `start`, with the tag filter `tags`. */
export async function readMessages(
  pool: EnginePool,
  start: ReadStart,
  options: { max: number; tags: readonly string[]; signal?: AbortSignal | undefined },
): Promise<ReadAnswer> {
  const { max, tags } = options;
  const newest = (await pool.info()).bounds?.newest ?? 0;
  const tail: TailOptions = { follow: false, max, tags, gapPolicy: "continue" };
  if (start.sinceSeq !== undefined) tail.since = start.sinceSeq;
  else if (start.sinceTime !== undefined) tail.sinceTime = start.sinceTime;
  else if (start.aroundSeq !== undefined) {
    tail.since = Math.max(1, start.aroundSeq - Math.floor(max / 2));
  } else tail.last = start.last ?? max;
  if (options.signal) tail.signal = options.signal;
  const gaps: { from: number; to: number }[] = [];
  let end: TailEnd | undefined;
  tail.onGap = (gap: Gap) => gaps.push(gapJson(gap));
  tail.onEnd = (reason) => {
    end = reason;
  };
  const messages: Envelope[] = [];
  let lastSeq = 0;
  for await (const message of pool.tail(tail)) {
    messages.push(envelopeOf(message));
    lastSeq = message.seq;
  }
  // `max` stopped the read before the newest message the pool held when it started.
  const stoppedByMax = (end === "max" || messages.length >= max) && lastSeq < newest;
  return {
    messages,
    next_since_seq: stoppedByMax ? lastSeq + 1 : Math.max(lastSeq, newest) + 1,
    more: stoppedByMax,
    gaps,
  };
}

/** What `spool_wait` answers. */
export interface WaitAnswer {
  [key: string]: unknown;
  /** The first matching message, or null when the wait timed out. */
  message: Envelope | null;
  timed_out: boolean;
  /** Pass as `since_seq` to wait for the message after this one. */
  next_since_seq: number;
  gaps: { from: number; to: number }[];
}

/**
 * Waits up to `timeoutMs` for the first message at or after `sinceSeq` (default: the next new
 * message) carrying `tags`.
 */
export async function waitMessage(
  pool: EnginePool,
  options: {
    sinceSeq: number | undefined;
    tags: readonly string[];
    timeoutMs: number;
    signal?: AbortSignal | undefined;
  },
): Promise<WaitAnswer> {
  const since = options.sinceSeq ?? ((await pool.info()).bounds?.newest ?? 0) + 1;
  const gaps: { from: number; to: number }[] = [];
  const tail: TailOptions = {
    since,
    max: 1,
    tags: options.tags,
    timeoutMs: options.timeoutMs,
    follow: true,
    gapPolicy: "continue",
    onGap: (gap) => gaps.push(gapJson(gap)),
  };
  if (options.signal) tail.signal = options.signal;
  for await (const message of pool.tail(tail)) {
    return {
      message: envelopeOf(message),
      timed_out: false,
      next_since_seq: message.seq + 1,
      gaps,
    };
  }
  return { message: null, timed_out: true, next_since_seq: since, gaps };
}

/** Core's envelope of a message (the one JSON shape of every surface). */
export function envelopeOf(message: Message): Envelope {
  return message.toJSON();
}

function gapJson(gap: Gap): { from: number; to: number } {
  return { from: gap.from, to: gap.to };
}
