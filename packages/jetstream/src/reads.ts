/**
 * Reading a pool's stream: the message at a seq, the stream's bounds, and the time of a seq.
 *
 * Invariants: reads go through the stream leader (`STREAM.MSG.GET`, not direct get), so an
 * append's own read-back and a read after an acknowledged append always see it; a seq the
 * stream no longer (or never) held is NotFound; bounds are `{oldest: first_seq, newest:
 * last_seq}` with `oldest = newest + 1` for an empty stream, as core's tail rules expect.
 */
import type { StoredMsg, StreamInfo } from "@nats-io/jetstream";
import {
  type Bounds,
  checkCount,
  type Instant,
  missingMessage,
  type SpoolError,
  type StoredMessage,
} from "@spool/core";
import type { PoolContext } from "./context.js";
import { API, apiCode, toSpoolError } from "./errors.js";
import { instantOf, messageOf, tagsOf } from "./stored.js";

/** NotFound for `seq`, worded as on file pools from the stream's bounds (read for the error). */
async function notFound(ctx: PoolContext, seq: number): Promise<SpoolError> {
  const bounds = await streamState(ctx).then(
    (state) => state.bounds,
    () => ({ oldest: 1, newest: seq - 1 }),
  );
  return missingMessage(seq, bounds, ctx.path);
}

/** The stored message at `seq`, or undefined when the stream does not hold it. */
export async function storedAt(ctx: PoolContext, seq: number): Promise<StoredMsg | undefined> {
  try {
    const msg = await ctx.jsm.streams.getMessage(ctx.stream, { seq });
    return msg ?? undefined;
  } catch (error) {
    if (apiCode(error) === API.NoMessageFound) return undefined;
    throw toSpoolError(error, ctx.path, `get ${seq} from pool ${ctx.name}`);
  }
}

/** A Spool message from a stored JetStream message. */
export function fromStored<T>(ctx: PoolContext, msg: StoredMsg): StoredMessage<T> {
  return messageOf<T>(msg.seq, instantOf(msg.timestamp, ctx.path), tagsOf(msg.header), msg.data);
}

/** The message at `seq` (Usage for a bad seq, NotFound when gone). */
export async function getMessage<T>(ctx: PoolContext, seq: number): Promise<StoredMessage<T>> {
  checkCount("seq", seq, 1);
  const msg = await storedAt(ctx, seq);
  if (msg === undefined) throw await notFound(ctx, seq);
  return fromStored<T>(ctx, msg);
}

/** The time of `seq`, or undefined when gone. */
export async function timeAt(ctx: PoolContext, seq: number): Promise<Instant | undefined> {
  const msg = await storedAt(ctx, seq);
  return msg === undefined ? undefined : instantOf(msg.timestamp, ctx.path);
}

/** The stream's info (its state, configuration and, in a cluster, its replicas). */
export async function streamInfo(ctx: PoolContext): Promise<StreamInfo> {
  try {
    return await ctx.jsm.streams.info(ctx.stream);
  } catch (error) {
    throw toSpoolError(error, ctx.path, `pool ${ctx.name}`);
  }
}

/** What Spool reads of a stream's state. */
export interface StreamState {
  bounds: Bounds;
  messages: number;
  bytes: number;
  firstTs: string | undefined;
  lastTs: string | undefined;
}

/** The state in `info` with Spool bounds. */
export function stateOf(info: StreamInfo): StreamState {
  const s = info.state;
  const newest = s.last_seq;
  const oldest = s.messages === 0 ? newest + 1 : s.first_seq;
  return {
    bounds: { oldest, newest },
    messages: s.messages,
    bytes: s.bytes,
    firstTs: s.messages === 0 ? undefined : s.first_ts,
    lastTs: s.messages === 0 ? undefined : s.last_ts,
  };
}

/** The stream's state as JetStream reports it, with Spool bounds. */
export async function streamState(ctx: PoolContext): Promise<StreamState> {
  return stateOf(await streamInfo(ctx));
}
