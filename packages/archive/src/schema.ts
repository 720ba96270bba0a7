/**
 * The archive's SQL schema (spec/archive/v0/SPEC.md): one `spool_archive` schema holding the
 * archived pools (one row per pool incarnation, with its watermark), their messages and the
 * archive gaps (seqs overwritten in the ring before they were archived).
 *
 * Invariants: `ensureSchema` is idempotent and safe to run from several processes at once (it
 * holds a transaction-scoped advisory lock while it creates); every statement is additive
 * (`IF NOT EXISTS`), so a newer archiver never breaks an older archive.
 */
import type { ClientBase } from "pg";

/** The PostgreSQL schema the archive lives in. */
export const ARCHIVE_SCHEMA = "spool_archive";

/** Advisory lock keys (two-int form): the schema creation, and one per archived pool id. */
export const LOCK_CLASS_SCHEMA = 0x5370_6f6f; // "Spoo"
export const LOCK_CLASS_POOL = 0x5370_6f70; // "Spop"

const DDL = `
CREATE SCHEMA IF NOT EXISTS spool_archive;
CREATE TABLE IF NOT EXISTS spool_archive.pools (
  id          bigserial PRIMARY KEY,
  name        text NOT NULL,
  incarnation text NOT NULL,
  location    text NOT NULL,
  first_seen  timestamptz NOT NULL DEFAULT now(),
  watermark   bigint NOT NULL DEFAULT 0,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (name, incarnation)
);
CREATE TABLE IF NOT EXISTS spool_archive.messages (
  pool_id   bigint NOT NULL REFERENCES spool_archive.pools (id) ON DELETE CASCADE,
  seq       bigint NOT NULL,
  time      timestamptz NOT NULL,
  time_text text NOT NULL,
  tags      text[] NOT NULL,
  data      jsonb,
  data_text text NOT NULL,
  PRIMARY KEY (pool_id, seq)
);
CREATE INDEX IF NOT EXISTS messages_time ON spool_archive.messages (pool_id, time);
CREATE INDEX IF NOT EXISTS messages_tags ON spool_archive.messages USING gin (tags);
CREATE TABLE IF NOT EXISTS spool_archive.gaps (
  pool_id     bigint NOT NULL REFERENCES spool_archive.pools (id) ON DELETE CASCADE,
  first_seq   bigint NOT NULL,
  last_seq    bigint NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (pool_id, first_seq)
);
`;

/** Creates the schema when absent (idempotent; concurrent callers wait for each other). */
export async function ensureSchema(client: ClientBase): Promise<void> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1, 0)", [LOCK_CLASS_SCHEMA]);
    await client.query(DDL);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}
