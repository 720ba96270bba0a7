/**
 * Producer state on JetStream: each producer publishes to its own subject of the pool's stream
 * (`spool.<pool>.p.<id>`), and the newest message on that subject carries the producer's state in
 * its headers (epoch, producer seq, first producer seq of its commit), so the state is read with
 * one `last_by_subj` get and written by the very publish that commits the messages.
 *
 * Invariants: the state is exactly the newest producer message the stream still holds (nothing
 * kept elsewhere can disagree with it); a producer whose messages were all overwritten by the
 * ring is unknown again (as one dropped from a file pool's ledger); the concurrency check is the
 * server's `Nats-Expected-Last-Subject-Sequence`, so two writers of one producer cannot both commit
 * the same producer seq.
 */
import type { StoredMsg } from "@nats-io/jetstream";
import { type ProducerInfo, type ProducerState, producerInfo } from "@spool/core";
import type { PoolContext } from "./context.js";
import { API, apiCode, toSpoolError } from "./errors.js";
import { producerOfSubject, producerSubject } from "./names.js";
import { BATCH_FIRST_HEADER, EPOCH_HEADER, instantOf, PRODUCER_SEQ_HEADER } from "./stored.js";

/** Most producers `info` lists (the most recent first). */
export const MAX_LISTED_PRODUCERS = 1024;

function stateOf(ctx: PoolContext, id: string, msg: StoredMsg): ProducerState {
  const epoch = Number(msg.header.get(EPOCH_HEADER));
  const lastSeq = Number(msg.header.get(PRODUCER_SEQ_HEADER));
  const first = Number(msg.header.get(BATCH_FIRST_HEADER) || lastSeq);
  const time = instantOf(msg.timestamp, ctx.path);
  return {
    id,
    epoch,
    lastSeq,
    lastPoolSeq: msg.seq,
    batchFirstSeq: first,
    timeSec: time.sec,
    timeNanos: time.nanos,
  };
}

/** The state the stream holds for producer `id`, or undefined. */
export async function readProducer(
  ctx: PoolContext,
  id: string,
): Promise<ProducerState | undefined> {
  let msg: StoredMsg | null;
  try {
    msg = await ctx.jsm.streams.getMessage(ctx.stream, {
      last_by_subj: producerSubject(ctx.name, id),
    });
  } catch (error) {
    if (apiCode(error) === API.NoMessageFound) return undefined;
    throw toSpoolError(error, ctx.path, `producer ${id} of pool ${ctx.name}`);
  }
  return msg === null ? undefined : stateOf(ctx, id, msg);
}

/** Every producer the stream holds messages of, the most recent first (at most 1,024). */
export async function listProducers(ctx: PoolContext): Promise<ProducerInfo[]> {
  let subjects: Record<string, number> | undefined;
  try {
    const info = await ctx.jsm.streams.info(ctx.stream, {
      subjects_filter: `${ctx.subject}.p.>`,
    });
    subjects = info.state.subjects;
  } catch (error) {
    throw toSpoolError(error, ctx.path, `producers of pool ${ctx.name}`);
  }
  const ids = Object.keys(subjects ?? {})
    .map((subject) => producerOfSubject(ctx.name, subject))
    .filter((id): id is string => id !== undefined);
  const states = await Promise.all(ids.map((id) => readProducer(ctx, id)));
  return states
    .filter((s): s is ProducerState => s !== undefined)
    .sort((a, b) => b.lastPoolSeq - a.lastPoolSeq)
    .slice(0, MAX_LISTED_PRODUCERS)
    .map(producerInfo);
}
