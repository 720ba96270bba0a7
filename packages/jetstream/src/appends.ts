/**
 * Appends on JetStream: one message, or a batch, published in order to the pool's stream, with
 * the conditional append (`Nats-Expected-Last-Sequence`) and idempotent producers (`Nats-Msg-Id`
 * plus the producer's own subject and `Nats-Expected-Last-Subject-Sequence`).
 *
 * Invariants:
 * - Every input is encoded and checked before anything is published (Usage, nothing appended).
 * - A batch's messages after the first each expect the previous one's seq as the stream's last,
 *   so a batch is contiguous or stops: when message i > 0 fails, messages 0..i−1 stay committed
 *   and the error says exactly which seqs (`committedPrefix(error)`); nothing silently differs.
 * - A producer's state is decided by core's `decideProducer` against the state the stream holds
 *   (see producers.ts); seqs already committed come back as the original messages marked
 *   duplicate (or a DuplicateReceipt), never written again.
 * - The answer of an append is the stored message: what was published, with the stream's stored
 *   timestamp from the pool's stamps consumer (stamps.ts), or read back from the stream when
 *   the stamp is not known; never a time this host made up, except for a message the ring
 *   discarded before it could be read back (spec/engines/jetstream/v0, deviation 6).
 */
import type { PubAck } from "@nats-io/jetstream";
import { headers, type MsgHdrs } from "@nats-io/transport-node";
import {
  type Appended,
  type AppendInput,
  checkAppendCondition,
  checkCondition,
  checkDurability,
  checkProducer,
  DuplicateReceipt,
  decideProducer,
  type ProducerClaim,
  type ProducerState,
  poolSeqOf,
  SpoolError,
} from "@spool/core";
import type { PoolContext } from "./context.js";
import { API, apiCode, toSpoolError } from "./errors.js";
import { producerSubject } from "./names.js";
import { readProducer } from "./producers.js";
import { publisherOf } from "./publisher.js";
import { fromStored, storedAt, streamState } from "./reads.js";
import { type StampMark, type StreamStamps, stampsOf } from "./stamps.js";
import {
  BATCH_FIRST_HEADER,
  type Encoded,
  EPOCH_HEADER,
  encodeInputs,
  messageOf,
  PRODUCER_HEADER,
  PRODUCER_SEQ_HEADER,
  TAGS_HEADER,
} from "./stored.js";

/** What an append takes (the union of the single and batch options). */
export interface AppendRequest {
  durability?: unknown;
  expectedLastSeq?: number | undefined;
  producer?: unknown;
}

/** The seqs a failed batch committed before it stopped, attached to its SpoolError. */
export interface CommittedPrefix {
  /** Pool seqs committed, in order (empty when nothing was). */
  seqs: number[];
  /** How many messages the batch had. */
  of: number;
}

const PREFIX = Symbol.for("spool.jetstream.committedPrefix");

/** The committed prefix a failed `appendBatch` reports, or undefined for any other error. */
export function committedPrefix(error: unknown): CommittedPrefix | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  return (error as { [PREFIX]?: CommittedPrefix })[PREFIX];
}

/** Tries of a producer append that lost a race with another writer of the same producer. */
const PRODUCER_TRIES = 5;

interface ProducerStamp {
  claim: ProducerClaim;
  /** Producer seq of the first message published. */
  seq: number;
  /** The stream seq of the producer's newest message (0: none). */
  subjectSeq: number;
}

function publishHeaders(
  enc: Encoded,
  lastSeq: number | undefined,
  stamp: ProducerStamp | undefined,
  index: number,
  previous: number | undefined,
): MsgHdrs | undefined {
  if (enc.tags === "[]" && lastSeq === undefined && !stamp) return undefined;
  const h = headers();
  if (enc.tags !== "[]") h.set(TAGS_HEADER, enc.tags);
  if (lastSeq !== undefined) h.set("Nats-Expected-Last-Sequence", String(lastSeq));
  if (stamp) {
    const seq = stamp.seq + index;
    h.set("Nats-Msg-Id", `${stamp.claim.id}:${stamp.claim.epoch}:${seq}`);
    h.set(PRODUCER_HEADER, stamp.claim.id);
    h.set(EPOCH_HEADER, String(stamp.claim.epoch));
    h.set(PRODUCER_SEQ_HEADER, String(seq));
    h.set(BATCH_FIRST_HEADER, String(stamp.seq));
    h.set("Nats-Expected-Last-Subject-Sequence", String(previous ?? stamp.subjectSeq));
  }
  return h;
}

interface Published {
  acks: PubAck[];
  /** The error that stopped the chain, when one did. */
  error?: unknown;
}

/** Publishes `encs` in order, each after the first chained on the previous seq. */
async function publishChain(
  ctx: PoolContext,
  subject: string,
  encs: readonly Encoded[],
  expectedLastSeq: number | undefined,
  stamp: ProducerStamp | undefined,
): Promise<Published> {
  const acks: PubAck[] = [];
  const publisher = publisherOf(ctx.nc);
  for (let i = 0; i < encs.length; i++) {
    const enc = encs[i] as Encoded;
    const previous = acks.at(-1)?.seq;
    const lastSeq = i === 0 ? expectedLastSeq : previous;
    const h = publishHeaders(enc, lastSeq, stamp, i, stamp && i > 0 ? previous : undefined);
    try {
      acks.push(await publisher.publish(subject, enc.dataBytes, h));
    } catch (error) {
      return { acks, error };
    }
  }
  return { acks };
}

/** The error for a chain that stopped at its first message (nothing committed). */
async function firstFailure(
  ctx: PoolContext,
  error: unknown,
  expectedLastSeq: number | undefined,
): Promise<SpoolError> {
  if (apiCode(error) === API.WrongLastSequence && expectedLastSeq !== undefined) {
    const { bounds } = await streamState(ctx);
    try {
      checkCondition(bounds, { expectedLastSeq }, ctx.path);
    } catch (conflict) {
      return conflict as SpoolError;
    }
  }
  return toSpoolError(error, ctx.path, `append to pool ${ctx.name}`);
}

/** The error for a chain that stopped after committing `acks`. */
function partialFailure(ctx: PoolContext, error: unknown, acks: PubAck[], of: number): SpoolError {
  const cause = toSpoolError(error, ctx.path, `append to pool ${ctx.name}`);
  const seqs = acks.map((a) => a.seq);
  const first = seqs[0] as number;
  const last = seqs.at(-1) as number;
  const reason =
    apiCode(error) === API.WrongLastSequence
      ? "another writer appended in between (JetStream 2.9 has no atomic batch)"
      : cause.message;
  const failed = new SpoolError(
    cause.kind,
    `the batch stopped after ${seqs.length} of ${of} messages: seqs ${first}..${last} are committed, the other ${of - seqs.length} were not appended: ${reason}`,
    {
      path: ctx.path,
      seq: last,
      hint: "the committed prefix stays in the pool: append the rest again (a producer's retry of the whole batch answers the prefix as duplicates)",
      cause,
    },
  );
  Object.defineProperty(failed, PREFIX, { value: { seqs, of } satisfies CommittedPrefix });
  return failed;
}

/** What the answers of one publish chain need: the pool's stamps and the mark taken before. */
interface Stamping {
  stamps: StreamStamps;
  mark: StampMark | undefined;
}

async function stamping(ctx: PoolContext): Promise<Stamping> {
  const stamps = stampsOf(ctx.nc, ctx.jsm, ctx.stream);
  return { stamps, mark: await stamps.mark() };
}

/**
 * The committed messages of `acks`: what was published with the stored time its stamp gave,
 * else read back from the stream. A message the ring discarded before its read-back (other
 * writers overwhelming a small pool) is answered from what was published, timed by this host's
 * clock (spec/engines/jetstream/v0, deviation 6).
 */
async function answersOf<T>(
  ctx: PoolContext,
  acks: readonly PubAck[],
  encs: readonly Encoded[],
  { stamps, mark }: Stamping,
): Promise<Appended<T>[]> {
  return Promise.all(
    acks.map(async (ack, i) => {
      if (mark !== undefined && !ack.duplicate) {
        const time = await stamps.timeOf(ack.seq, mark);
        if (time !== undefined) {
          const enc = encs[i] as Encoded;
          return messageOf<T>(ack.seq, time, enc.tags, enc.dataBytes) as Appended<T>;
        }
      }
      const msg = await storedAt(ctx, ack.seq);
      if (msg === undefined) {
        if (ack.duplicate) return new DuplicateReceipt(ack.seq) as Appended<T>;
        const enc = encs[i] as Encoded;
        const ms = Date.now();
        const sec = Math.floor(ms / 1000);
        const time = { sec, nanos: (ms - sec * 1000) * 1_000_000 };
        return messageOf<T>(ack.seq, time, enc.tags, enc.dataBytes) as Appended<T>;
      }
      const message = fromStored<T>(ctx, msg);
      return ack.duplicate ? message.markDuplicate() : message;
    }),
  );
}

/** Usage for a batch the ring cannot hold at once (it would discard its own first messages). */
function checkBatchFits(ctx: PoolContext, encs: readonly Encoded[], subject: string): void {
  if (encs.length < 2) return;
  // JetStream's per-message cost: subject, headers and about 50 bytes of record overhead.
  let bytes = 0;
  for (const enc of encs) bytes += enc.dataBytes.length + enc.tags.length + subject.length + 200;
  if (bytes > ctx.ringSize) {
    throw new SpoolError(
      "Usage",
      "the batch is too large for this pool: it would overwrite itself",
      {
        path: ctx.path,
        hint: "send it in smaller batches, or create a larger pool",
      },
    );
  }
}

async function duplicatesOf<T>(
  ctx: PoolContext,
  kept: ProducerState,
  first: number,
  count: number,
): Promise<Appended<T>[]> {
  const out: Appended<T>[] = [];
  for (let i = 0; i < count; i++) {
    const seq = poolSeqOf(kept, first + i);
    const msg = seq === undefined ? undefined : await storedAt(ctx, seq);
    out.push(
      msg === undefined
        ? new DuplicateReceipt(seq ?? null)
        : fromStored<T>(ctx, msg).markDuplicate(),
    );
  }
  return out;
}

/** Appends `inputs` as spec/api/v0 §3 says, within the deviations of the engine spec. */
export async function appendInputs<T>(
  ctx: PoolContext,
  inputs: readonly AppendInput[],
  options: AppendRequest,
): Promise<Appended<T>[]> {
  checkDurability(options.durability);
  const condition = checkAppendCondition(options);
  const claim = checkProducer(options.producer);
  const encs = encodeInputs(inputs, ctx.maxMessageBytes, ctx.path);
  const expectedLastSeq = condition?.expectedLastSeq;
  if (encs.length === 0) {
    if (condition) checkCondition((await streamState(ctx)).bounds, condition, ctx.path);
    return [];
  }
  checkBatchFits(ctx, encs, claim ? producerSubject(ctx.name, claim.id) : ctx.subject);
  if (!claim) {
    const times = await stamping(ctx);
    const { acks, error } = await publishChain(ctx, ctx.subject, encs, expectedLastSeq, undefined);
    if (error !== undefined) {
      if (acks.length === 0) throw await firstFailure(ctx, error, expectedLastSeq);
      throw partialFailure(ctx, error, acks, encs.length);
    }
    return answersOf<T>(ctx, acks, encs, times);
  }
  const subject = producerSubject(ctx.name, claim.id);
  for (let attempt = 1; ; attempt++) {
    const kept = await readProducer(ctx, claim.id);
    const { duplicates } = decideProducer(kept, claim, encs.length, ctx.path);
    const answers = kept ? await duplicatesOf<T>(ctx, kept, claim.seq, duplicates) : [];
    const rest = encs.slice(duplicates);
    if (rest.length === 0) return answers;
    const stamp: ProducerStamp = {
      claim,
      seq: claim.seq + duplicates,
      subjectSeq: kept?.lastPoolSeq ?? 0,
    };
    const times = await stamping(ctx);
    const { acks, error } = await publishChain(ctx, subject, rest, expectedLastSeq, stamp);
    if (error === undefined) return [...answers, ...(await answersOf<T>(ctx, acks, rest, times))];
    if (acks.length > 0) throw partialFailure(ctx, error, acks, encs.length);
    const failure = await firstFailure(ctx, error, expectedLastSeq);
    // A wrong last sequence that is not the caller's condition is this producer's subject:
    // another writer of the same producer committed first; decide again on the new state.
    const raced = apiCode(error) === API.WrongLastSequence && failure.newestSeq === undefined;
    if (!raced || attempt >= PRODUCER_TRIES) throw failure;
  }
}
