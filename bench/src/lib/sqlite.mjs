// SQLite as a message queue, the baseline a user would otherwise pick: better-sqlite3, WAL
// journal, one table `queue(id INTEGER PRIMARY KEY, data TEXT)` holding the same JSON text.
import Database from "better-sqlite3";

/** Opens (creating if needed) a queue database with WAL and the given synchronous level. */
export function openQueueDb(path, synchronous = "NORMAL") {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${synchronous}`);
  db.exec("CREATE TABLE IF NOT EXISTS queue (id INTEGER PRIMARY KEY, data TEXT NOT NULL)");
  return db;
}

/** Inserts `count` rows of `texts` (cycled) in one transaction, then checkpoints the WAL. */
export function fillQueueDb(db, texts, count) {
  const insert = db.prepare("INSERT INTO queue (data) VALUES (?)");
  const fill = db.transaction((n) => {
    for (let i = 0; i < n; i++) insert.run(texts[i % texts.length]);
  });
  fill(count);
  db.pragma("wal_checkpoint(TRUNCATE)");
}
