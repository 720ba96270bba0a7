/**
 * The archive's SQL statements: the pool rows, the batch commit (rows, gaps and watermark in one
 * transaction) and the reads below the ring.
 *
 * Invariants: a batch commit locks its pool row (`FOR UPDATE`), COPYs its rows into a session
 * staging table and inserts from there only seqs above the
 * watermark it finds (`ON CONFLICT DO NOTHING` besides), records a gap only for seqs above it,
 * and raises the watermark with GREATEST, all in one transaction: two archivers of one pool, or
 * one restarted after a crash at any instant, leave every seq archived once (or recorded as a
 * gap once) and the watermark never lower than before.
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Gap } from "@spool/core";
import type { ClientBase, Pool as PgPool } from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { ArchiveRow } from "./rows.js";

type Queryable = ClientBase | PgPool;

/** The archived incarnation of a pool. */
export interface PoolRow {
  id: number;
  watermark: number;
}

/** The row of a pool incarnation, created when absent. */
export async function upsertPool(
  db: Queryable,
  name: string,
  incarnation: string,
  location: string,
): Promise<PoolRow> {
  const result = await db.query<{ id: string; watermark: string }>(
    `INSERT INTO spool_archive.pools (name, incarnation, location) VALUES ($1, $2, $3)
     ON CONFLICT (name, incarnation) DO UPDATE SET location = EXCLUDED.location
     RETURNING id, watermark`,
    [name, incarnation, location],
  );
  const row = result.rows[0];
  if (!row) throw new Error("the pool row upsert returned nothing");
  return { id: Number(row.id), watermark: Number(row.watermark) };
}

/** The row of a pool incarnation, or null when it was never archived. */
export async function findPool(
  db: Queryable,
  name: string,
  incarnation: string,
): Promise<PoolRow | null> {
  const result = await db.query<{ id: string; watermark: string }>(
    "SELECT id, watermark FROM spool_archive.pools WHERE name = $1 AND incarnation = $2",
    [name, incarnation],
  );
  const row = result.rows[0];
  return row ? { id: Number(row.id), watermark: Number(row.watermark) } : null;
}

/**
 * The session's staging table: a batch is COPYed into it, then inserted from it in the same
 * transaction (COPY cannot say ON CONFLICT), and it empties itself at the commit.
 */
const STAGE = `CREATE TEMP TABLE IF NOT EXISTS spool_archive_stage
  (seq bigint, t text, g text, d text) ON COMMIT DELETE ROWS`;

const INSERT_STAGED = `
INSERT INTO spool_archive.messages (pool_id, seq, time, time_text, tags, data, data_text)
SELECT $1, u.seq, u.t::timestamptz, u.t,
       ARRAY(SELECT jsonb_array_elements_text(u.g::jsonb)),
       CASE WHEN strpos(u.d, '\\u0000') > 0 THEN NULL ELSE u.d::jsonb END,
       u.d
FROM spool_archive_stage AS u
WHERE u.seq > $2
ON CONFLICT DO NOTHING`;

/** COPY text format (tab-separated): backslash, tab, newline and CR escaped. */
function copyField(value: string): string {
  return /[\\\t\n\r]/.test(value)
    ? value.replace(/[\\\t\n\r]/g, (c) =>
        c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r",
      )
    : value;
}

/** The batch as COPY text, in chunks of up to ~256 KiB. */
function* copyChunks(rows: readonly ArchiveRow[]): Generator<string> {
  let chunk = "";
  for (const r of rows) {
    chunk += `${r.seq}\t${r.time}\t${copyField(r.tags)}\t${copyField(r.data)}\n`;
    if (chunk.length >= 262_144) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk !== "") yield chunk;
}

async function stageRows(client: ClientBase, rows: readonly ArchiveRow[]): Promise<void> {
  await client.query(STAGE);
  await pipeline(
    Readable.from(copyChunks(rows)),
    client.query(copyFrom("COPY spool_archive_stage (seq, t, g, d) FROM STDIN")),
  );
}

/**
 * Commits a batch: its rows, its gaps, and the watermark `upTo` (the last seq the batch
 * accounts for), in one transaction. Answers the watermark after the commit.
 */
export async function commitBatch(
  client: ClientBase,
  poolId: number,
  rows: readonly ArchiveRow[],
  gaps: readonly Gap[],
  upTo: number,
): Promise<number> {
  await client.query("BEGIN");
  try {
    const locked = await client.query<{ watermark: string }>(
      "SELECT watermark FROM spool_archive.pools WHERE id = $1 FOR UPDATE",
      [poolId],
    );
    const before = Number(locked.rows[0]?.watermark ?? 0);
    if (rows.length > 0) {
      await stageRows(client, rows);
      await client.query(INSERT_STAGED, [poolId, before]);
    }
    for (const gap of gaps) {
      const first = Math.max(gap.from, before + 1);
      if (first > gap.to) continue;
      await client.query(
        `INSERT INTO spool_archive.gaps (pool_id, first_seq, last_seq) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING`,
        [poolId, first, gap.to],
      );
    }
    const after = Math.max(before, upTo);
    if (after > before) {
      await client.query(
        "UPDATE spool_archive.pools SET watermark = $2, updated_at = now() WHERE id = $1",
        [poolId, after],
      );
    }
    await client.query("COMMIT");
    return after;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}

/** One archived message as read back. */
export interface StoredRow {
  seq: number;
  time: string;
  tags: string[];
  data: string;
}

function storedRow(r: { seq: string; time_text: string; tags: string[]; data_text: string }) {
  return { seq: Number(r.seq), time: r.time_text, tags: r.tags, data: r.data_text };
}

/** Up to `limit` messages from `from` on (inclusive), below `below`, in seq order. */
export async function readRange(
  db: Queryable,
  poolId: number,
  from: number,
  below: number,
  limit: number,
): Promise<StoredRow[]> {
  const result = await db.query(
    `SELECT seq, time_text, tags, data_text FROM spool_archive.messages
     WHERE pool_id = $1 AND seq >= $2 AND seq < $3 ORDER BY seq LIMIT $4`,
    [poolId, from, below, limit],
  );
  return result.rows.map(storedRow);
}

/** The archived message at `seq`, or null. */
export async function readOne(db: Queryable, poolId: number, seq: number) {
  const result = await db.query(
    "SELECT seq, time_text, tags, data_text FROM spool_archive.messages WHERE pool_id = $1 AND seq = $2",
    [poolId, seq],
  );
  const row = result.rows[0];
  return row ? storedRow(row) : null;
}

/** The first archived seq committed at or after `time` (RFC 3339 text), or null. */
export async function seqAtTime(db: Queryable, poolId: number, time: string) {
  const result = await db.query<{ seq: string }>(
    `SELECT seq FROM spool_archive.messages
     WHERE pool_id = $1 AND time >= ($2::text)::timestamptz - interval '1 microsecond'
       AND time_text COLLATE "C" >= $2::text
     ORDER BY seq LIMIT 1`,
    [poolId, time],
  );
  const row = result.rows[0];
  return row ? Number(row.seq) : null;
}

/** What the archive holds of one pool incarnation. */
export interface ArchiveStats {
  watermark: number;
  bounds: { oldest: number; newest: number } | null;
  messageCount: number;
  /** Recorded archive gaps: seqs overwritten in the ring before they were archived. */
  gapCount: number;
  gapMessages: number;
}

export async function archiveStats(db: Queryable, pool: PoolRow): Promise<ArchiveStats> {
  const result = await db.query<{
    watermark: string;
    oldest: string | null;
    newest: string | null;
    count: string;
    gaps: string;
    gap_messages: string | null;
  }>(
    `SELECT p.watermark,
       (SELECT min(seq) FROM spool_archive.messages WHERE pool_id = p.id) AS oldest,
       (SELECT max(seq) FROM spool_archive.messages WHERE pool_id = p.id) AS newest,
       (SELECT count(*) FROM spool_archive.messages WHERE pool_id = p.id) AS count,
       (SELECT count(*) FROM spool_archive.gaps WHERE pool_id = p.id) AS gaps,
       (SELECT sum(last_seq - first_seq + 1) FROM spool_archive.gaps WHERE pool_id = p.id) AS gap_messages
     FROM spool_archive.pools p WHERE p.id = $1`,
    [pool.id],
  );
  const row = result.rows[0];
  if (!row) return { watermark: 0, bounds: null, messageCount: 0, gapCount: 0, gapMessages: 0 };
  return {
    watermark: Number(row.watermark),
    bounds:
      row.oldest === null || row.newest === null
        ? null
        : { oldest: Number(row.oldest), newest: Number(row.newest) },
    messageCount: Number(row.count),
    gapCount: Number(row.gaps),
    gapMessages: Number(row.gap_messages ?? 0),
  };
}
