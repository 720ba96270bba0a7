/**
 * The archiver of one pool: follows the pool from the archive's watermark + 1 and commits what
 * it reads to PostgreSQL in batches (rows, archive gaps and the new watermark in one transaction,
 * store.ts), until its signal aborts; on any failure (PostgreSQL restarted or unreachable, the
 * pool file replaced) it drops the uncommitted batch, waits with a growing backoff, reconnects and
 * resumes at the watermark it reads back.
 *
 * Invariants: at-least-once delivery into an idempotent commit, so a kill at any instant loses
 * nothing committed and duplicates nothing (the watermark only moves in the commit of the rows
 * it covers); a gap the tail reports (seqs the ring overwrote before they were archived, policy
 * best-effort) is recorded with the batch that follows it, so gaps + rows account for every seq
 * up to the watermark; a graceful stop (the signal) commits the batch in hand before returning.
 */
import { type EnginePool, type Gap, isSpoolError, type PoolInfo } from "@spool/core";
import pg from "pg";
import { ARCHIVE_CURSOR, ensureIncarnation, RETAIN_CURSOR } from "./identity.js";
import { type ArchiveRow, rowOf } from "./rows.js";
import { ensureSchema } from "./schema.js";
import { commitBatch, upsertPool } from "./store.js";

/** What an archiver reports while it runs. */
export type ArchiverEvent =
  | { type: "started"; pool: string; incarnation: string; watermark: number }
  | { type: "batch"; pool: string; count: number; watermark: number }
  | { type: "gap"; pool: string; from: number; to: number; count: number }
  | { type: "retry"; pool: string; error: unknown; delayMs: number };

/**
 * What happens when the archiver falls behind the ring: `best-effort` (the ring never waits;
 * what it overwrites unarchived is an archive gap) or `required` (the archiver keeps the
 * retaining cursor `spool-archive.retain` acked at its watermark, so appends are Busy while they
 * would overwrite an unarchived message).
 */
export type ArchivePolicy = "best-effort" | "required";

export const ARCHIVE_POLICIES: readonly ArchivePolicy[] = ["best-effort", "required"];

export interface ArchiverOptions {
  /** Default `best-effort`. */
  policy?: ArchivePolicy | undefined;
  /** The PostgreSQL connection: a postgres:// URL or pg's client settings (TLS included). */
  connection: string | pg.ClientConfig;
  /** Most messages per commit (default 2000). */
  batchSize?: number;
  /** Longest wait for a batch to fill before committing what is in hand (ms, default 25). */
  flushMs?: number;
  /** Stops the archiver (it commits the batch in hand first). */
  signal?: AbortSignal;
  onEvent?: (event: ArchiverEvent) => void;
}

const FIRST_RETRY_MS = 100;
const LAST_RETRY_MS = 5_000;
/** How often the marker cursor's ack follows the watermark (it takes the pool's writer lock). */
const ACK_EVERY_MS = 500;

function clientConfig(connection: string | pg.ClientConfig): pg.ClientConfig {
  return typeof connection === "string" ? { connectionString: connection } : connection;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * Archives one pool until `options.signal` aborts.
 *
 * @example
 * const stop = new AbortController();
 * const done = archivePool(() => engine.open("build"), { connection: url, signal: stop.signal });
 * // ... later
 * stop.abort(); await done;
 */
export async function archivePool(
  open: () => Promise<EnginePool>,
  options: ArchiverOptions,
): Promise<void> {
  const signal = options.signal;
  let delay = FIRST_RETRY_MS;
  while (!signal?.aborted) {
    let pool: EnginePool | undefined;
    const client = new pg.Client(clientConfig(options.connection));
    client.on("error", () => {}); // a lost connection fails the next query, which retries
    try {
      pool = await open();
      await client.connect();
      await ensureSchema(client);
      const incarnation = await ensureIncarnation(pool);
      const info = await pool.info();
      const row = await upsertPool(client, pool.name, incarnation, info.path);
      await applyPolicy(pool, options.policy ?? "best-effort", row.watermark, info);
      options.onEvent?.({
        type: "started",
        pool: pool.name,
        incarnation,
        watermark: row.watermark,
      });
      await follow(pool, client, row.id, row.watermark, options, () => {
        delay = FIRST_RETRY_MS;
      });
    } catch (error) {
      if (signal?.aborted) break;
      const name = pool?.name ?? "?";
      options.onEvent?.({ type: "retry", pool: name, error, delayMs: delay });
      await sleep(delay, signal);
      delay = Math.min(delay * 2, LAST_RETRY_MS);
    } finally {
      await client.end().catch(() => {});
      await pool?.close();
    }
  }
}

const TIMEOUT = Symbol("timeout");

/**
 * Puts the pool under the policy: `required` keeps the retaining cursor (created at the first
 * unarchived seq the ring still holds); `best-effort` deletes it when an earlier run left it.
 */
async function applyPolicy(
  pool: EnginePool,
  policy: ArchivePolicy,
  watermark: number,
  info: PoolInfo,
): Promise<void> {
  if (!pool.cursor || !pool.cursors) return;
  const kept = (await pool.cursors()).some((c) => c.name === RETAIN_CURSOR);
  if (policy === "best-effort") {
    if (kept) await pool.cursor(RETAIN_CURSOR).delete();
    return;
  }
  if (kept) return;
  const newest = info.bounds?.newest ?? 0;
  const oldest = info.bounds?.oldest ?? newest + 1;
  await pool.cursor(RETAIN_CURSOR).reset({ seq: Math.max(watermark + 1, oldest) });
}

async function follow(
  pool: EnginePool,
  client: pg.Client,
  poolId: number,
  start: number,
  options: ArchiverOptions,
  onCommit: () => void,
): Promise<void> {
  const batchSize = options.batchSize ?? 2000;
  const flushMs = options.flushMs ?? 25;
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  let rows: ArchiveRow[] = [];
  let gaps: Gap[] = [];
  let watermark = start;
  let lastAck = 0;
  let acked = 0;
  const flush = async (): Promise<void> => {
    const last = rows.at(-1)?.seq ?? 0;
    const upTo = Math.max(last, gaps.at(-1)?.to ?? 0);
    if (upTo === 0) return;
    watermark = await commitBatch(client, poolId, rows, gaps, upTo);
    options.onEvent?.({ type: "batch", pool: pool.name, count: rows.length, watermark });
    rows = [];
    gaps = [];
    onCommit();
    const now = Date.now();
    if (options.policy === "required" && pool.cursor) {
      await pool.cursor(RETAIN_CURSOR).ack(watermark);
    }
    if (now - lastAck >= ACK_EVERY_MS && watermark > acked && pool.cursor) {
      lastAck = now;
      acked = watermark;
      await pool
        .cursor(ARCHIVE_CURSOR)
        .ack(watermark)
        .catch(() => {});
    }
  };
  const tail = pool.tail({
    since: start + 1,
    follow: true,
    signal: stop.signal,
    onGap: (gap) => {
      gaps.push(gap);
      options.onEvent?.({ type: "gap", pool: pool.name, ...gap });
    },
  });
  const iterator = tail[Symbol.asyncIterator]();
  try {
    let next = iterator.next();
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const step =
        rows.length === 0 && gaps.length === 0
          ? await next
          : await Promise.race([
              next,
              new Promise<typeof TIMEOUT>((resolve) => {
                timer = setTimeout(() => resolve(TIMEOUT), flushMs);
              }),
            ]);
      clearTimeout(timer);
      if (step === TIMEOUT) {
        await flush();
        continue;
      }
      if (step.done) break;
      rows.push(rowOf(step.value));
      next = iterator.next();
      if (rows.length >= batchSize) await flush();
    }
    await flush();
  } catch (error) {
    if (!(options.signal?.aborted && isSpoolError(error))) throw error;
    await flush();
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    stop.abort();
    await iterator.return?.();
  }
}
