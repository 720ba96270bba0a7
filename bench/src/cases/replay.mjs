// Read cases over one pool and one SQLite table holding the same N messages: replay everything
// in order as raw JSONL (tailJsonl, spliced from stored bytes) and decoded (tail + .data),
// against SQLite reading all rows in id order (text, then text + JSON.parse); and random gets
// by seq against SQLite gets by id.
import { join } from "node:path";
import { nowMs, timeLoop } from "../lib/measure.mjs";
import { rng } from "../lib/payload.mjs";
import { createPoolWith } from "../lib/spool.mjs";
import { fillQueueDb, openQueueDb } from "../lib/sqlite.mjs";
import { freshDir, removeDir } from "../lib/tmp.mjs";

function countLines(chunk) {
  let lines = 0;
  for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) lines++;
  return lines;
}

/** Shared fixture for the read cases: the pool and the database, built once; the caller runs setup and close. */
export function replayFixture(cfg, texts) {
  const fixture = {
    setup() {
      this.dir = freshDir("replay");
      const all = [];
      for (let i = 0; i < cfg.replayCount; i++) all.push(texts[i % texts.length]);
      this.pool = createPoolWith(join(this.dir, "replay.spool"), cfg.replayPoolSize, all);
      this.db = openQueueDb(join(this.dir, "replay.db"), "NORMAL");
      fillQueueDb(this.db, texts, cfg.replayCount);
      const rand = rng(7);
      this.seqs = Array.from(
        { length: cfg.getCount },
        () => 1 + Math.floor(rand() * cfg.replayCount),
      );
    },
    close() {
      this.pool?.close();
      this.db?.close();
      if (this.dir) removeDir(this.dir);
    },
  };
  return fixture;
}

function expectCount(what, got, want) {
  if (got !== want) throw new Error(`${what}: read ${got} messages, expected ${want}`);
}

export function replayCases(cfg, fx) {
  const n = cfg.replayCount;
  return [
    {
      key: "spool replay raw (tailJsonl)",
      run: async () => {
        // One untimed pass, then `rawPasses` timed ones (a pass takes only ~0.1 s).
        let bytes = 0;
        let lines = 0;
        let start = 0;
        for (let pass = 0; pass <= cfg.rawPasses; pass++) {
          if (pass === 1) start = nowMs();
          let passLines = 0;
          for await (const chunk of fx.pool.tailJsonl({ since: 1, follow: false })) {
            if (pass > 0) bytes += chunk.length;
            passLines += countLines(chunk);
          }
          expectCount("tailJsonl", passLines, n);
          if (pass > 0) lines += passLines;
        }
        const seconds = (nowMs() - start) / 1000;
        fx.rawBytes = bytes;
        fx.rawSeconds = seconds;
        return { ops: lines, seconds };
      },
    },
    {
      key: "sqlite select all (text)",
      run: () => {
        // Same shape as the raw replay: one untimed pass, then `rawPasses` timed ones.
        const select = fx.db.prepare("SELECT data FROM queue ORDER BY id").pluck();
        let rows = 0;
        let start = 0;
        for (let pass = 0; pass <= cfg.rawPasses; pass++) {
          if (pass === 1) start = nowMs();
          let passRows = 0;
          let chars = 0;
          for (const text of select.iterate()) {
            passRows++;
            chars += text.length;
          }
          if (chars === 0) throw new Error("sqlite returned empty rows");
          expectCount("sqlite select", passRows, n);
          if (pass > 0) rows += passRows;
        }
        const seconds = (nowMs() - start) / 1000;
        return { ops: rows, seconds };
      },
    },
    {
      key: "spool replay decoded (.data)",
      run: async () => {
        for await (const msg of fx.pool.tail({ last: cfg.warm, follow: false })) void msg.data;
        const start = nowMs();
        let count = 0;
        let check = 0;
        for await (const msg of fx.pool.tail({ since: 1, follow: false })) {
          count++;
          check += msg.data.status;
        }
        const seconds = (nowMs() - start) / 1000;
        expectCount("tail", count, n);
        if (check <= 0) throw new Error("decoded data looks wrong");
        return { ops: count, seconds };
      },
    },
    {
      key: "sqlite select + JSON.parse",
      run: () => {
        for (const text of fx.db
          .prepare("SELECT data FROM queue WHERE id > ? ORDER BY id")
          .pluck()
          .iterate(n - cfg.warm))
          JSON.parse(text);
        const start = nowMs();
        let rows = 0;
        let check = 0;
        for (const text of fx.db.prepare("SELECT data FROM queue ORDER BY id").pluck().iterate()) {
          rows++;
          check += JSON.parse(text).status;
        }
        const seconds = (nowMs() - start) / 1000;
        expectCount("sqlite select+parse", rows, n);
        if (check <= 0) throw new Error("decoded data looks wrong");
        return { ops: rows, seconds };
      },
    },
  ];
}

export function getCases(cfg, fx) {
  return [
    {
      key: "spool get(random seq)",
      run: () => {
        let check = 0;
        for (let i = 0; i < cfg.warm; i++) check += fx.pool.get(fx.seqs[i % fx.seqs.length]).seq;
        const r = timeLoop(fx.seqs.length, cfg.maxMs, (i) => {
          const seq = fx.seqs[i];
          if (fx.pool.get(seq).seq !== seq) throw new Error(`get(${seq}) returned another message`);
        });
        return { ops: r.calls, seconds: r.seconds, check };
      },
    },
    {
      key: "sqlite select by id",
      run: () => {
        const stmt = fx.db.prepare("SELECT data FROM queue WHERE id = ?").pluck();
        let check = 0;
        for (let i = 0; i < cfg.warm; i++) check += stmt.get(fx.seqs[i % fx.seqs.length]).length;
        const r = timeLoop(fx.seqs.length, cfg.maxMs, (i) => {
          if (stmt.get(fx.seqs[i]) === undefined) throw new Error(`row ${fx.seqs[i]} missing`);
        });
        return { ops: r.calls, seconds: r.seconds, check };
      },
    },
  ];
}
