// SQLite as a job queue, the consumer-group peer a user would otherwise write: better-sqlite3,
// WAL, synchronous=NORMAL, one table `jobs(id INTEGER PRIMARY KEY, data, status, lease_until,
// attempt, member)`. A claim is one IMMEDIATE transaction running `UPDATE … WHERE id IN (SELECT
// the lowest ids that are ready or whose lease ended) RETURNING` (status 1 = leased); an ack
// deletes the row if this attempt still holds it. Invariants: a job is leased by one claim at a
// time (the write lock serialises claims across processes, busy_timeout waits for it); an ack of
// a delivery that no longer holds its job throws (a lost lease is never acked silently); ack +
// next claim can run in one transaction, as Spool's `claim({ ack })` does.
import Database from "better-sqlite3";

const SCHEMA = `CREATE TABLE IF NOT EXISTS jobs (
  id INTEGER PRIMARY KEY,
  data TEXT NOT NULL,
  status INTEGER NOT NULL DEFAULT 0,
  lease_until INTEGER NOT NULL DEFAULT 0,
  attempt INTEGER NOT NULL DEFAULT 0,
  member TEXT
)`;

/** Opens (creating if needed) a job-queue database; `busyMs` waits for other processes' locks. */
export function openJobQueue(path, { busyMs = 10_000 } = {}) {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma(`busy_timeout = ${busyMs}`);
  db.exec(SCHEMA);
  const insert = db.prepare("INSERT INTO jobs (data) VALUES (?)");
  const claimStmt = db.prepare(
    `UPDATE jobs SET status = 1, lease_until = @until, attempt = attempt + 1, member = @member
     WHERE id IN (SELECT id FROM jobs WHERE status = 0 OR lease_until < @now ORDER BY id LIMIT @max)
     RETURNING id, attempt, data`,
  );
  const ackStmt = db.prepare("DELETE FROM jobs WHERE id = ? AND attempt = ? AND status = 1");
  const countStmt = db.prepare("SELECT count(*) AS n FROM jobs");

  const ackAll = (deliveries) => {
    for (const d of deliveries) {
      if (ackStmt.run(d.id, d.attempt).changes !== 1)
        throw new Error(`sqlite job queue: job ${d.id} attempt ${d.attempt} is no longer leased`);
    }
    return deliveries.length;
  };
  const claimRows = (max, member, leaseMs) => {
    const now = Date.now();
    return claimStmt.all({ until: now + leaseMs, member, now, max });
  };
  const claimTx = db.transaction(claimRows);
  const ackTx = db.transaction(ackAll);
  const ackClaimTx = db.transaction((previous, max, member, leaseMs) => {
    ackAll(previous);
    return claimRows(max, member, leaseMs);
  });
  const fillTx = db.transaction((texts, count) => {
    for (let i = 0; i < count; i++) insert.run(texts[i % texts.length]);
  });

  return {
    /** Adds `count` jobs of `texts` (cycled) in one transaction and checkpoints the WAL. */
    fill(texts, count) {
      fillTx(texts, count);
      db.pragma("wal_checkpoint(TRUNCATE)");
    },
    /** Up to `max` jobs, leased to `member` for `leaseMs`: [{ id, attempt, data }]. */
    claim(max = 1, member = "bench", leaseMs = 30_000) {
      return claimTx.immediate(max, member, leaseMs);
    },
    /** Finishes deliveries (one transaction, all or none). */
    ack(deliveries) {
      return ackTx.immediate(deliveries);
    },
    /** Acks `previous` and claims the next ones in one transaction. */
    ackAndClaim(previous, max = 1, member = "bench", leaseMs = 30_000) {
      return ackClaimTx.immediate(previous, max, member, leaseMs);
    },
    /** Jobs left (leased or not). */
    count: () => countStmt.get().n,
    close: () => db.close(),
  };
}
