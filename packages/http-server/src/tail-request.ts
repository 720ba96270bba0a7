/**
 * What the JSONL tail and the SSE tail share: core's tail options from a validated query, and
 * the answer to a tail request (checks, slot, lease, stream) in a given framing.
 *
 * Invariants: everything that can be refused is refused before the response starts, with a
 * status (unknown pool 404, no free tail slot 423, a start seq already overwritten under
 * `gap_policy=error` 410, a cursor the ledger has no room for 423); the stream holds a tail slot
 * and a pool lease until it ends, and both are released on every path (including a refusal after
 * they were taken); HEAD answers the headers of a valid request and starts no tail and creates no
 * cursor (hono answers HEAD with the GET handler and drops the body without cancelling it, so a
 * tail started for HEAD would never end). A tail with `cursor` starts after the cursor's committed
 * seq; a kept cursor is read without the writer lock (the tail then runs from that seq, as core's
 * tail with the cursor would), and only a new one is created by core's tail (one commit).
 */
import {
  compileWhere,
  formatTime,
  isSpoolError,
  requireTimeOrAge,
  SpoolError,
  type TailOptions,
} from "@spool/core";
import type { Context } from "hono";
import type { AppContext } from "./context.js";
import type { TailFraming } from "./framing.js";
import type { TailFormat } from "./metrics.js";
import type { Lease, ServedPool } from "./pool-source.js";
import { remoteError } from "./remote.js";
import { protocolResponse } from "./responses.js";
import { type SettleReason, tailStream } from "./streaming.js";

/** The tail options a request sets (core adds the signal and callbacks). */
export type TailStart = Omit<TailOptions, "signal" | "onGap" | "onEnd">;

/** The query fields every tail shares, validated. */
export interface TailQuery {
  since_seq?: number | undefined;
  last?: number | undefined;
  max?: number | undefined;
  timeout_ms?: number | undefined;
  tag?: string[] | undefined;
  where?: string[] | undefined;
  since_time?: string | undefined;
  gap_policy?: string | undefined;
  /** `"false"`: end once caught up with the newest message (core's `follow: false`). */
  follow?: string | undefined;
  /** A durable cursor's name (checked by core's rule). */
  cursor?: string | undefined;
}

/**
 * Core's tail options for `query`; `resumeAfter` (an SSE `Last-Event-ID`) overrides `since_seq`,
 * `since_time` and `last` with `since: resumeAfter + 1`. Where expressions are compiled here, so
 * a bad one is 400 before the response starts; `since_time` takes RFC 3339 text or an age.
 */
export function tailStart(query: TailQuery, resumeAfter?: number, nowMs = Date.now()): TailStart {
  const starts = (["since_seq", "since_time", "last"] as const).filter(
    (key) => query[key] !== undefined,
  );
  if (resumeAfter === undefined && starts.length > 1) {
    throw new SpoolError(
      "Usage",
      `give one of since_seq, since_time and last, not ${starts.join(" and ")}`,
      {
        hint: "use since_seq to start at a seq, since_time at a time (RFC 3339 or an age such as 10m), or last to replay the newest N messages",
      },
    );
  }
  const sinceTime =
    query.since_time === undefined
      ? undefined
      : requireTimeOrAge(query.since_time, "since_time", nowMs);
  const start =
    resumeAfter !== undefined
      ? { since: resumeAfter + 1 }
      : query.since_seq !== undefined
        ? { since: query.since_seq }
        : sinceTime !== undefined
          ? { sinceTime: formatTime(sinceTime.sec, sinceTime.nanos) }
          : query.last !== undefined
            ? { last: query.last }
            : {};
  const where =
    query.where === undefined || query.where.length === 0
      ? undefined
      : compileWhere(query.where, { label: "where" }).expressions;
  return {
    ...start,
    ...(where === undefined ? {} : { where }),
    ...(query.max === undefined ? {} : { max: query.max }),
    ...(query.timeout_ms === undefined ? {} : { timeoutMs: query.timeout_ms }),
    ...(query.tag === undefined ? {} : { tags: query.tag }),
    ...(query.follow === "false" ? { follow: false } : {}),
    ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
    ...(query.gap_policy === undefined
      ? {}
      : { gapPolicy: query.gap_policy as "continue" | "error" }),
  };
}

export interface TailRequest {
  pool: string;
  start: TailStart;
  framing: TailFraming;
  format: TailFormat;
  /** Extra response headers of this framing. */
  headers?: Record<string, string> | undefined;
  /** Heartbeat interval for framings that have one (0 or absent: none). */
  heartbeatMs?: number | undefined;
}

/** Answers a tail request in `request.framing`; see the module invariants. */
export async function answerTail(
  c: Context,
  ctx: AppContext,
  request: TailRequest,
): Promise<Response> {
  if (c.req.method === "HEAD") {
    await ctx.pools.open(request.pool);
    return protocolResponse(null, 200, request.framing.contentType, request.headers);
  }
  const stream = await openTail(ctx, request, c.req.raw.signal);
  return protocolResponse(stream, 200, request.framing.contentType, request.headers);
}

/**
 * Opens a tail stream in `request.framing` (the slot, the lease, the checks that refuse before
 * the stream starts), counted as started in `request.format`; what the JSONL and SSE answers and
 * the WebSocket tail (ws-tail.ts) share. `onEnd` hears, once, how the stream ended.
 */
export async function openTail(
  ctx: AppContext,
  request: TailRequest,
  signal: AbortSignal | undefined,
  onEnd?: (reason: SettleReason) => void,
): Promise<ReadableStream<Uint8Array>> {
  const { pool: name, framing } = request;
  const slot = ctx.tails.acquire();
  let lease: Lease | undefined;
  let stream: ReadableStream<Uint8Array>;
  const metrics = ctx.metrics;
  try {
    lease = await ctx.pools.lease(name);
    const options = await withKeptCursor(lease, request.start);
    if (options.gapPolicy === "error" && options.since !== undefined) {
      const info = await lease.pool.info();
      const bounds = info.bounds;
      if (bounds && options.since < bounds.oldest) {
        throw new SpoolError(
          "RetentionGap",
          `messages ${options.since}..${bounds.oldest - 1} were overwritten before they were read`,
          {
            path: info.path,
            seq: options.since,
            hint: "start at a seq within the pool's bounds, use a larger pool, or tail with gap_policy=continue",
          },
        );
      }
    }
    // Core pins the start (and creates a new cursor) when the tail is made: its errors are
    // answered as a status, with the slot and lease released.
    stream = tailStream({
      lease,
      slot,
      framing,
      options,
      requestSignal: signal,
      heartbeatMs: request.heartbeatMs,
      onGap: metrics && ((gap) => metrics.gap(gap.count)),
      onWhereError: metrics && (() => metrics.whereError()),
      onError: metrics && ((error) => metrics.error(error.kind)),
      onEnd,
      remote: (error) => remoteError(error, "tail", ctx.remote),
    });
  } catch (error) {
    lease?.release();
    slot.release();
    throw error;
  }
  metrics?.tailStarted(request.format);
  return stream;
}

/**
 * A tail of a cursor the pool keeps runs from its committed seq + 1 (its start options only
 * place a new cursor), read from the published ledger without the lock; a cursor the pool does
 * not keep stays in the options, for core's tail to create it at the tail's start.
 */
async function withKeptCursor(served: ServedPool, start: TailStart): Promise<TailStart> {
  if (start.cursor === undefined) return start;
  let committed: number;
  try {
    committed = served.file
      ? served.file.cursor(start.cursor).info().committed
      : served.pool.cursor
        ? (await served.pool.cursor(start.cursor).info()).committed
        : Number.NaN;
    // An engine without cursors: the engine's tail answers the cursor option itself (Usage).
    if (Number.isNaN(committed)) return start;
  } catch (error) {
    if (isSpoolError(error) && error.kind === "NotFound") return start;
    throw error;
  }
  const { cursor: _c, since: _s, sinceTime: _t, last: _l, ...rest } = start;
  return { ...rest, since: committed + 1 };
}
