/**
 * The read side of the archive: a PostgreSQL connection pool and the lookups the cross-tier
 * reads make (a pool incarnation's row, one message, a range, the seq at a time, the stats).
 *
 * Invariants: read-only (never creates the schema, a pool row or the marker cursor); a missing
 * schema reads as an empty archive; a pool handle's incarnation is looked up again while it has
 * no archived row, then kept (an open handle's incarnation cannot change).
 */
import type { EnginePool } from "@spool/core";
import pg from "pg";
import { findIncarnation } from "./identity.js";
import {
  type ArchiveStats,
  archiveStats,
  findPool,
  type PoolRow,
  readOne,
  readRange,
  type StoredRow,
  seqAtTime,
} from "./store.js";

/** The PostgreSQL error code of a relation or schema that does not exist. */
const UNDEFINED_TABLE = "42P01";
const INVALID_SCHEMA = "3F000";

function missingSchema(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === UNDEFINED_TABLE || code === INVALID_SCHEMA;
}

export class ArchiveReader {
  readonly db: pg.Pool;
  readonly #rows = new WeakMap<EnginePool, PoolRow>();

  constructor(connection: string | pg.PoolConfig) {
    const config = typeof connection === "string" ? { connectionString: connection } : connection;
    this.db = new pg.Pool({ max: 4, ...config });
    this.db.on("error", () => {}); // an idle client lost: the next query reconnects
  }

  /** The archived row of the pool's incarnation, or null when the archive holds none. */
  async row(pool: EnginePool): Promise<PoolRow | null> {
    const kept = this.#rows.get(pool);
    if (kept) return kept;
    const incarnation = await findIncarnation(pool);
    if (incarnation === null) return null;
    try {
      const row = await findPool(this.db, pool.name, incarnation);
      if (row) this.#rows.set(pool, row);
      return row;
    } catch (error) {
      if (missingSchema(error)) return null;
      throw error;
    }
  }

  one(row: PoolRow, seq: number): Promise<StoredRow | null> {
    return readOne(this.db, row.id, seq);
  }

  range(row: PoolRow, from: number, below: number, limit: number): Promise<StoredRow[]> {
    return readRange(this.db, row.id, from, below, limit);
  }

  seqAt(row: PoolRow, time: string): Promise<number | null> {
    return seqAtTime(this.db, row.id, time);
  }

  stats(row: PoolRow): Promise<ArchiveStats> {
    return archiveStats(this.db, row);
  }

  close(): Promise<void> {
    return this.db.end();
  }
}
