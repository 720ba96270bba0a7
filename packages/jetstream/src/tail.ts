/**
 * Tails on JetStream: core's TailMachine keeps the cursor (expected seq, gaps and their policy,
 * the filters after gap accounting, max, the end reasons, the idle timeout); this module keeps
 * only the read strategy (a pull reader from the tail's first seq, pull-reader.ts) and its wait.
 *
 * Invariants: options are checked by core before anything is read (Usage); a tail with `cursor`
 * starts after the cursor's committed seq, creating the cursor at the tail's own start − 1 before
 * anything is delivered (cursors.ts), and with `autoAck` acks each delivered message when the
 * next one is asked for (never the one the loop ended on); the stream seqs delivered are expected
 * to be contiguous, and a jump is fed to the machine as bounds whose oldest is the seq that arrived, so the machine alone decides
 * the gap (reported under policy `continue`, RetentionGap under `error`, before that message is
 * delivered); every message the consumer delivers advances the cursor before the tag and where
 * filters; `follow: false` ends with `caught-up` at the newest seq the stream had when the tail
 * started; an abort ends the tail at once (`aborted`); ending the loop (break, return, throw,
 * abort) stops the consumer and frees its server state; a consumer that delivers nothing while
 * the stream holds the expected seq (its node died, the stream leader moved), or that lost a
 * delivery, is replaced by a new one from the expected seq (after LOST_PAUSE_MS when that keeps
 * happening without a delivery in between), so a follow survives a node's loss without a duplicate or a hole; a
 * stream that does not answer (a leader election), or a replacement consumer that cannot be made
 * yet, is waited for up to OUTAGE_MS while the connection is up, then the tail ends with Io.
 */
import {
  type Bounds,
  checkTailOptions,
  hasEveryTag,
  type Message,
  SpoolError,
  seqAtOrAfterAsync,
  startSeq,
  TailMachine,
  type TailOptions,
  whereKeepsEnvelope,
} from "@spool/core";
import type { PoolContext } from "./context.js";
import { autoAck, openTailCursor } from "./cursors.js";
import { type Delivery, PullReader } from "./pull-reader.js";
import { streamState, timeAt } from "./reads.js";
import { messageOf, tagsOf } from "./stored.js";

/** How long a read waits for the consumer before it re-reads the stream's bounds. */
const IDLE_CHECK_MS = 500;
/**
 * Idle checks in a row that found the stream holding the expected seq while the consumer gave
 * nothing: the consumer is taken as stalled (its node died or lost leadership) and a new one is
 * made from the expected seq.
 */
const STALLED_CHECKS = 2;
/**
 * How long a tail rides out a stream that does not answer (a leader election after a node's
 * loss) while its connection is up, before it ends with the Io error.
 */
const OUTAGE_MS = 15_000;
/** Readers lost in a row without a delivery after which the tail pauses before the next one. */
const LOST_IN_A_ROW = 3;
const LOST_PAUSE_MS = 500;

/** Replays then follows pool `ctx` as spec/api/v0 §3.5 says (see the module header). */
export async function* tailPool<T>(
  ctx: PoolContext,
  options: TailOptions = {},
): AsyncGenerator<Message<T>> {
  const opts = checkTailOptions(options);
  const start = (await streamState(ctx)).bounds;
  const placed = async (): Promise<number> =>
    opts.sinceTime === undefined
      ? startSeq(opts, start)
      : await seqAtOrAfterAsync(start.oldest, start.newest, opts.sinceTime, (seq) =>
          timeAt(ctx, seq),
        );
  const cursor = options.cursor;
  // A kept cursor names the start (its options only place a new one).
  const first = cursor === undefined ? await placed() : await openTailCursor(ctx, cursor, placed);
  const acking = cursor !== undefined && options.autoAck === true ? cursor : undefined;
  const machine = new TailMachine(
    opts,
    { onGap: options.onGap, onEnd: options.onEnd, signal: options.signal, path: ctx.path },
    first,
    Date.now(),
  );
  // The newest seq the tail knows of: fixed at the start for `follow: false` (where it ends).
  let newest = start.newest;
  const known = (oldest: number, seen: number): Bounds => {
    if (opts.follow) newest = Math.max(newest, seen);
    return { oldest, newest };
  };
  let bounds: Bounds = start;
  let reader: PullReader | undefined;
  // A message the consumer delivered, waiting for the machine's step (its gap, if any).
  let arrived: Delivery | undefined;
  // Idle checks in a row that saw the expected seq in the stream while the consumer gave nothing.
  let stalled = 0;
  // When the stream's bounds were last read (a delivered message counts as a sign of life).
  let checkedAt = Date.now();
  // Since when the stream has not answered the idle checks (undefined while it answers).
  let outageSince: number | undefined;
  // Readers lost in a row without a delivery in between.
  let lostInARow = 0;
  // Whether the next reader replaces one (its open's Io failure is ridden out, not thrown).
  let replacing = false;
  const dropReader = (): void => {
    reader?.close().catch(() => {});
    reader = undefined;
  };
  try {
    for (;;) {
      const step = machine.step(bounds, Date.now());
      if (step.do === "end") return;
      if (arrived !== undefined && step.do === "read") {
        const { seq, time, msg } = arrived;
        arrived = undefined;
        const message = messageOf<T>(seq, time, tagsOf(msg.headers), msg.data);
        const kept =
          (opts.tags.length === 0 || hasEveryTag(message.tags, opts.tags)) &&
          whereKeepsEnvelope(opts.where, seq, () => message.toJSON(), options.onWhereError);
        if (machine.advance(seq + 1, kept ? 1 : 0, Date.now()) > 0) {
          yield message;
          // The consumer asked for the next one: it has handled this one.
          if (acking !== undefined) await autoAck(ctx, acking, seq);
        }
        continue;
      }
      arrived = undefined;
      if (reader === undefined) {
        try {
          reader = await PullReader.open(ctx, machine.expected);
          outageSince = undefined;
        } catch (error) {
          // The first consumer's failure ends the tail; a replacement's (the node that held the
          // old one died, a leader election) is ridden out like the idle checks' outage.
          if (!replacing) throw error;
          outageSince ??= Date.now();
          const riding = !ctx.nc.isClosed() && Date.now() - outageSince < OUTAGE_MS;
          if (!riding || !(error instanceof SpoolError) || error.kind !== "Io") throw error;
          await new Promise((resolve) => setTimeout(resolve, LOST_PAUSE_MS));
          continue;
        }
        replacing = true;
      }
      const delivery = reader.take();
      if (delivery === undefined) {
        if (reader.lost !== undefined) {
          if (ctx.nc.isClosed()) {
            throw new SpoolError("Io", `the tail of pool ${ctx.name} lost its JetStream consumer`, {
              path: ctx.path,
              hint: `check that nats-server is reachable at ${ctx.location}, then tail again from the next seq`,
            });
          }
          // A delivery went missing or the consumer is gone: a new one from the expected seq.
          dropReader();
          if (++lostInARow >= LOST_IN_A_ROW) {
            await new Promise((resolve) => setTimeout(resolve, LOST_PAUSE_MS));
          }
          continue;
        }
        const woken = await reader.wait(
          step.do === "wait" ? step.ms : IDLE_CHECK_MS,
          options.signal,
        );
        if (woken !== "timer") continue;
        if (step.do === "wait") machine.waited();
        if (Date.now() - checkedAt >= IDLE_CHECK_MS) {
          // Nothing came for a while: what was expected may have been discarded meanwhile, or
          // the consumer may have stalled while the stream went on (its node died).
          let now: Bounds;
          try {
            now = (await streamState(ctx)).bounds;
            outageSince = undefined;
          } catch (error) {
            outageSince ??= checkedAt;
            const riding = !ctx.nc.isClosed() && Date.now() - outageSince < OUTAGE_MS;
            if (!riding || !(error instanceof SpoolError) || error.kind !== "Io") throw error;
            checkedAt = Date.now();
            continue;
          }
          checkedAt = Date.now();
          bounds = known(now.oldest, now.newest);
          stalled = now.newest >= machine.expected ? stalled + 1 : 0;
          if (stalled >= STALLED_CHECKS) {
            // The stream has what the consumer does not deliver: start a new one from there.
            stalled = 0;
            dropReader();
          }
        }
        continue;
      }
      stalled = 0;
      lostInARow = 0;
      checkedAt = Date.now();
      if (delivery.seq < machine.expected) continue;
      // A seq past the expected one is a gap: the bounds say the oldest left is the one that came.
      arrived = delivery;
      bounds = known(delivery.seq, delivery.seq);
    }
  } finally {
    // The delete frees the consumer on the server instead of leaving it to expire.
    await reader?.close();
  }
}
