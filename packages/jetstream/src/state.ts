/**
 * Where a JetStream pool keeps its durable-consumer state (cursors and groups): a second stream
 * per pool, `SPOOLS_<enc(NAME)>`, used as a key-value store of small JSON records, one subject
 * per record (`spools.<enc(NAME)>.c.<enc(cursor)>`, `….g.<enc(group)>`, `….d.<enc(group)>.<seq>`).
 *
 * Invariants: a subject holds at most its newest record (`max_msgs_per_subject: 1`), so reading
 * a record is one `last_by_subj` get; every write is conditional on the record's revision (its
 * stream seq; 0 for an absent record) through `Nats-Expected-Last-Subject-Sequence`, so two hosts
 * changing one record never lose an update (the loser sees `stale` and decides again); a delete
 * purges the subject, so the record reads as absent and can be created again with revision 0; the
 * stream is created on the first write, with the pool's replicas and a fixed configuration (two
 * hosts creating it at once both succeed); a missing stream reads as no records; the stream is
 * never one of the pool streams `list()` sees (its name does not start `SPOOL_`).
 */
import { DiscardPolicy, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import { SpoolError } from "@spool/core";
import type { PoolContext } from "./context.js";
import { API, apiCode, toSpoolError } from "./errors.js";
import { encodeName, MAX_STREAM_NAME } from "./names.js";

/** The state stream's name prefix (not `SPOOL_`, so it is never taken for a pool). */
export const STATE_PREFIX = "SPOOLS_";
/** How the state stream's description marks it. */
export const STATE_MARK = "spool-state/v0";

/** A record as read: its value and its revision (the stream seq that wrote it). */
export interface Revision<T> {
  value: T;
  rev: number;
}

/** The state stream of pool `name`. */
export function stateStream(name: string): string {
  return `${STATE_PREFIX}${encodeName(name)}`;
}

/** The subject prefix of pool `name`'s records. */
export function stateSubject(name: string): string {
  return `spools.${encodeName(name)}`;
}

const decoder = new TextDecoder();

function streamOf(ctx: PoolContext): string {
  const stream = stateStream(ctx.name);
  if (stream.length > MAX_STREAM_NAME) {
    throw new SpoolError(
      "Usage",
      `pool ${ctx.name} has too long a name for cursors and groups on JetStream: their stream name would be ${stream.length} characters (the limit is ${MAX_STREAM_NAME})`,
      { path: ctx.path, hint: "use a pool with a shorter name (spec/engines/jetstream/v0 §8)" },
    );
  }
  return stream;
}

/** Nothing captured a publish (nats.js reports it as JetStream not enabled, caused by 503). */
function noResponders(error: unknown): boolean {
  const texts: string[] = [];
  for (
    let e = error as { name?: string; message?: string; cause?: unknown } | undefined, i = 0;
    e && i < 3;
    e = e.cause as typeof e, i++
  ) {
    texts.push(`${e.name ?? ""} ${e.message ?? ""}`);
  }
  return /no responders|NoResponders|JetStreamNotEnabled/i.test(texts.join(" "));
}

function missingStream(error: unknown): boolean {
  return apiCode(error) === API.StreamNotFound;
}

/** The record at `subject`, or undefined. */
export async function readRecord<T>(
  ctx: PoolContext,
  subject: string,
): Promise<Revision<T> | undefined> {
  try {
    const msg = await ctx.jsm.streams.getMessage(streamOf(ctx), { last_by_subj: subject });
    if (!msg) return undefined;
    return { value: JSON.parse(decoder.decode(msg.data)) as T, rev: msg.seq };
  } catch (error) {
    if (apiCode(error) === API.NoMessageFound || missingStream(error)) return undefined;
    throw toSpoolError(error, ctx.path, `the consumer state of pool ${ctx.name}`);
  }
}

async function createStream(ctx: PoolContext): Promise<void> {
  try {
    await ctx.jsm.streams.add({
      name: streamOf(ctx),
      description: `${STATE_MARK}: cursors and groups of Spool pool ${JSON.stringify(ctx.name)}`,
      subjects: [`${stateSubject(ctx.name)}.>`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      max_msgs_per_subject: 1,
      max_msgs: -1,
      max_bytes: -1,
      max_age: 0,
      num_replicas: ctx.replicas,
      duplicate_window: 0,
    });
  } catch (error) {
    // Created by another host meanwhile (the same configuration is accepted; another is not).
    if (apiCode(error) === API.StreamNameInUse) return;
    throw toSpoolError(error, ctx.path, `the consumer state of pool ${ctx.name}`);
  }
}

/**
 * Writes `value` at `subject` if the record is still at revision `rev` (0: absent); answers the
 * new revision, or `stale` when another write came first.
 */
export async function writeRecord(
  ctx: PoolContext,
  subject: string,
  value: unknown,
  rev: number,
): Promise<number | "stale"> {
  const body = JSON.stringify(value);
  for (let tries = 0; ; tries++) {
    try {
      const ack = await ctx.js.publish(subject, body, {
        expect: { lastSubjectSequence: rev, streamName: streamOf(ctx) },
      });
      return ack.seq;
    } catch (error) {
      if (apiCode(error) === API.WrongLastSequence) return "stale";
      if (tries === 0 && noResponders(error)) {
        // No stream captures the subject yet: the first record of this pool.
        await createStream(ctx);
        continue;
      }
      throw toSpoolError(error, ctx.path, `the consumer state of pool ${ctx.name}`);
    }
  }
}

/** Removes the record at `subject` (absent is fine). */
export async function dropRecord(ctx: PoolContext, subject: string): Promise<void> {
  try {
    await ctx.jsm.streams.purge(streamOf(ctx), { filter: subject });
  } catch (error) {
    if (missingStream(error)) return;
    throw toSpoolError(error, ctx.path, `the consumer state of pool ${ctx.name}`);
  }
}

/** The subjects holding a record under `filter` (a subject with wildcards), sorted. */
export async function recordSubjects(ctx: PoolContext, filter: string): Promise<string[]> {
  try {
    const info = await ctx.jsm.streams.info(streamOf(ctx), { subjects_filter: filter });
    return Object.keys(info.state.subjects ?? {}).sort();
  } catch (error) {
    if (missingStream(error)) return [];
    throw toSpoolError(error, ctx.path, `the consumer state of pool ${ctx.name}`);
  }
}

/**
 * Changes the record at `subject` by `change` (given the current value or undefined) until the
 * write is not stale; `change` answers the new value (undefined: write nothing) and the result.
 */
export async function updateRecord<T, R>(
  ctx: PoolContext,
  subject: string,
  change: (current: T | undefined) => { value: T | undefined; result: R },
): Promise<R> {
  for (;;) {
    const current = await readRecord<T>(ctx, subject);
    const { value, result } = change(current?.value);
    if (value === undefined) return result;
    const written = await writeRecord(ctx, subject, value, current?.rev ?? 0);
    if (written !== "stale") return result;
  }
}

/** Deletes the state stream of a pool (on pool delete; absent is fine). */
export async function deleteState(ctx: Pick<PoolContext, "jsm" | "path">, name: string) {
  try {
    await ctx.jsm.streams.delete(stateStream(name));
  } catch (error) {
    if (missingStream(error)) return;
    throw toSpoolError(error, ctx.path, `the consumer state of pool ${name}`);
  }
}
