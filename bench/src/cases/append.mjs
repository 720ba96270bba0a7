// Append cases: Spool's single writer (fast and flush durability, single appends and batches of
// 100) against the floor (JSON.stringify + positioned write to a plain file), JSONL appends with
// fs.writeSync, plain write + fdatasync, and SQLite as a queue (single inserts, kept bounded,
// transactions of 100, synchronous=FULL). Every case encodes the same event objects itself.
import { fdatasyncSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { timeLoop } from "../lib/measure.mjs";
import { closeFd, createFullPool, createZeroedFile } from "../lib/spool.mjs";
import { openQueueDb } from "../lib/sqlite.mjs";
import { freshDir, removeDir } from "../lib/tmp.mjs";

/**
 * A case that keeps one full pool (or file) across rounds: `open` runs in setup, `close` at the
 * end, `body(i)` is timed after `warm` untimed calls; `check(state, calls)`, if given, runs
 * untimed after each round's calls (it throws on a wrong result).
 */
function steadyCase(key, { open, body, count, warm, maxMs, perCall = 1, check }) {
  let state;
  return {
    key,
    setup: () => {
      state = open();
    },
    run: () => {
      const fn = body(state);
      for (let i = 0; i < warm; i++) fn(i);
      const { calls, seconds } = timeLoop(count, maxMs, (i) => fn(warm + i));
      check?.(state, warm + calls);
      return { ops: calls * perCall, seconds };
    },
    close: () => state?.close(),
  };
}

/**
 * An async case on one full pool kept across rounds: `op(state, i)` (a promise) runs `count`
 * times with at most `window` in flight (1: each awaited before the next), after `warm` untimed
 * calls, for at most `maxMs` per round.
 */
function windowedCase(key, { open, op, count, warm, maxMs, window }) {
  let state;
  return {
    key,
    setup: () => {
      state = open();
    },
    run: async () => {
      for (let i = 0; i < warm; i++) await op(state, i);
      let next = 0;
      const start = performance.now();
      const deadline = start + maxMs;
      await Promise.all(
        Array.from({ length: Math.min(window, count) }, async () => {
          while (next < count && performance.now() < deadline) await op(state, warm + next++);
        }),
      );
      return { ops: next, seconds: (performance.now() - start) / 1000 };
    },
    close: () => state?.close(),
  };
}

/** A case that starts from a fresh directory each round (for stores that grow). */
function freshCase(key, { open, body, count, warm, maxMs, perCall = 1 }) {
  return {
    key,
    run: () => {
      const dir = freshDir(key);
      const state = open(dir);
      try {
        const fn = body(state);
        for (let i = 0; i < warm; i++) fn(i);
        const { calls, seconds } = timeLoop(count, maxMs, (i) => fn(warm + i));
        return { ops: calls * perCall, seconds };
      } finally {
        state.close();
        removeDir(dir);
      }
    },
  };
}

function spoolState(label, cfg, texts, shared) {
  const dir = freshDir(label);
  const pool = createFullPool(join(dir, "bench.spool"), cfg.poolSize, texts);
  shared.capacity ??= pool.info().messageCount;
  return {
    pool,
    close: () => {
      pool.close();
      removeDir(dir);
    },
  };
}

function floorState(label, cfg) {
  const dir = freshDir(label);
  const fd = createZeroedFile(join(dir, "floor.bin"), cfg.poolBytes);
  return {
    fd,
    buf: Buffer.allocUnsafe(1 << 16),
    pos: 0,
    size: cfg.poolBytes,
    close: () => {
      closeFd(fd);
      removeDir(dir);
    },
  };
}

/**
 * Floor: stringify (or take the text already encoded), encode into a reused buffer, one
 * positioned write; wraps like a ring.
 */
function floorBody(s, events, sync, encoded = false) {
  return (i) => {
    const n = s.buf.write(
      encoded ? events[i % events.length] : JSON.stringify(events[i % events.length]),
      0,
    );
    if (s.pos + n > s.size) s.pos = 0;
    writeSync(s.fd, s.buf, 0, n, s.pos);
    s.pos += n;
    if (sync) fdatasyncSync(s.fd);
  };
}

function sqliteState(dir, synchronous) {
  const db = openQueueDb(join(dir, "queue.db"), synchronous);
  return { db, close: () => db.close() };
}

/** Single-writer appends, fast durability: Spool and its baselines. `shared.capacity` is set. */
export function singleAppendCases(cfg, events, texts, shared) {
  const common = { count: cfg.appendCount, warm: cfg.warm, maxMs: cfg.maxMs };
  const sqliteCommon = { count: cfg.sqliteCount, warm: cfg.warm, maxMs: cfg.maxMs };
  return [
    steadyCase("spool append (fast)", {
      ...common,
      open: () => spoolState("spool-fast", cfg, texts, shared),
      body: (s) => (i) => s.pool.append(events[i % events.length]),
    }),
    steadyCase("floor: stringify + pwrite", {
      ...common,
      open: () => floorState("floor", cfg),
      body: (s) => floorBody(s, events, false),
    }),
    freshCase("jsonl: fs.writeSync lines", {
      ...common,
      open: (dir) => {
        const fd = openSync(join(dir, "log.jsonl"), "a");
        return { fd, close: () => closeFd(fd) };
      },
      body: (s) => (i) => writeSync(s.fd, `${JSON.stringify(events[i % events.length])}\n`),
    }),
    freshCase("sqlite insert (WAL, NORMAL)", {
      ...sqliteCommon,
      open: (dir) => sqliteState(dir, "NORMAL"),
      body: (s) => {
        const insert = s.db.prepare("INSERT INTO queue (data) VALUES (?)");
        return (i) => insert.run(JSON.stringify(events[i % events.length]));
      },
    }),
    steadyCase("sqlite bounded insert+delete", {
      ...sqliteCommon,
      open: () => {
        const dir = freshDir("sqlite-bounded");
        const s = sqliteState(dir, "NORMAL");
        const capacity = shared.capacity;
        const insert = s.db.prepare("INSERT INTO queue (data) VALUES (?)");
        s.db.transaction(() => {
          for (let i = 0; i < capacity; i++) insert.run(texts[i % texts.length]);
        })();
        s.db.pragma("wal_checkpoint(TRUNCATE)");
        const close = () => {
          s.db.close();
          removeDir(dir);
        };
        return { ...s, oldest: 1, close };
      },
      body: (s) => {
        const insert = s.db.prepare("INSERT INTO queue (data) VALUES (?)");
        const remove = s.db.prepare("DELETE FROM queue WHERE id = ?");
        const append = s.db.transaction((text) => {
          insert.run(text);
          remove.run(s.oldest++);
        });
        return (i) => append(JSON.stringify(events[i % events.length]));
      },
    }),
  ];
}

/** Already-encoded JSON text: Spool's appendJson(trusted) against one pwrite of the bytes. */
export function encodedAppendCases(cfg, texts, shared) {
  const common = { count: cfg.appendCount, warm: cfg.warm, maxMs: cfg.maxMs };
  return [
    steadyCase("spool appendJson (trusted)", {
      ...common,
      open: () => spoolState("spool-encoded", cfg, texts, shared),
      body: (s) => (i) => s.pool.appendJson(texts[i % texts.length], { trusted: true }),
    }),
    steadyCase("floor: pwrite of encoded text", {
      ...common,
      open: () => floorState("floor-encoded", cfg),
      body: (s) => floorBody(s, texts, false, true),
    }),
  ];
}

/** Batches of 100: one appendBatch against one SQLite transaction of 100 inserts. */
export function batchCases(cfg, events, texts, shared) {
  const batches = [];
  for (let b = 0; b < 50; b++) {
    const batch = [];
    for (let k = 0; k < 100; k++) batch.push(events[(b * 100 + k) % events.length]);
    batches.push(batch);
  }
  const inputs = batches.map((batch) => batch.map((data) => ({ data })));
  const common = {
    count: cfg.batchCount,
    warm: Math.ceil(cfg.warm / 100),
    maxMs: cfg.maxMs,
    perCall: 100,
  };
  return [
    steadyCase("spool appendBatch(100)", {
      ...common,
      open: () => spoolState("spool-batch", cfg, texts, shared),
      body: (s) => (i) => s.pool.appendBatch(inputs[i % inputs.length]),
    }),
    freshCase("sqlite tx of 100 inserts", {
      ...common,
      open: (dir) => sqliteState(dir, "NORMAL"),
      body: (s) => {
        const insert = s.db.prepare("INSERT INTO queue (data) VALUES (?)");
        const tx = s.db.transaction((batch) => {
          for (const event of batch) insert.run(JSON.stringify(event));
        });
        return (i) => tx(batches[i % batches.length]);
      },
    }),
  ];
}

/** Flush durability: each append durable on return. */
export function flushCases(cfg, events, texts, shared) {
  const common = { count: cfg.flushCount, warm: cfg.flushWarm, maxMs: cfg.flushMaxMs };
  return [
    steadyCase("spool append (flush)", {
      ...common,
      open: () => spoolState("spool-flush", cfg, texts, shared),
      body: (s) => (i) => s.pool.append(events[i % events.length], { durability: "flush" }),
    }),
    freshCase("sqlite insert (WAL, FULL)", {
      ...common,
      open: (dir) => sqliteState(dir, "FULL"),
      body: (s) => {
        const insert = s.db.prepare("INSERT INTO queue (data) VALUES (?)");
        return (i) => insert.run(JSON.stringify(events[i % events.length]));
      },
    }),
    steadyCase("pwrite + fdatasync", {
      ...common,
      open: () => floorState("fdatasync", cfg),
      body: (s) => floorBody(s, events, true),
    }),
    // Group commit (core's append queue): concurrent async flush appends share fdatasyncs.
    windowedCase("spool appendAsync (flush), one at a time", {
      ...common,
      window: 1,
      open: () => spoolState("spool-flush-async-1", cfg, texts, shared),
      op: (s, i) => s.pool.appendAsync(events[i % events.length], { durability: "flush" }),
    }),
    windowedCase("spool appendAsync (flush), 16 concurrent", {
      ...common,
      window: 16,
      open: () => spoolState("spool-flush-async-16", cfg, texts, shared),
      op: (s, i) => s.pool.appendAsync(events[i % events.length], { durability: "flush" }),
    }),
  ];
}

/**
 * Group commit of fast async appends: `appendAsync` with 256 in flight (an HTTP server's or a
 * producer's concurrent appends) against the same appends each awaited, each on a full pool.
 */
export function asyncAppendCases(cfg, events, texts, shared) {
  const common = { count: cfg.appendCount, warm: cfg.warm, maxMs: cfg.maxMs };
  return [
    windowedCase("spool appendAsync, each awaited", {
      ...common,
      window: 1,
      open: () => spoolState("spool-async-1", cfg, texts, shared),
      op: (s, i) => s.pool.appendAsync(events[i % events.length]),
    }),
    windowedCase("spool appendAsync, 256 in flight", {
      ...common,
      window: 256,
      open: () => spoolState("spool-async-256", cfg, texts, shared),
      op: (s, i) => s.pool.appendAsync(events[i % events.length]),
    }),
  ];
}

/**
 * Idempotent producers: `pool.producer(id)`'s appends (each numbered by the helper, its state
 * committed into the pool's ledger with the frame) against plain appends of the same events, on
 * pools prepared alike (each its own full 64 MiB pool); single appends (also through the append
 * option with an explicit seq) and batches of 100.
 */
export function producerCases(cfg, events, texts, shared) {
  const single = { count: cfg.appendCount, warm: cfg.warm, maxMs: cfg.maxMs };
  const inputs = [];
  for (let b = 0; b < 50; b++) {
    const batch = [];
    for (let k = 0; k < 100; k++) batch.push({ data: events[(b * 100 + k) % events.length] });
    inputs.push(batch);
  }
  const batch = {
    count: cfg.batchCount,
    warm: Math.ceil(cfg.warm / 100),
    maxMs: cfg.maxMs,
    perCall: 100,
  };
  /** A full pool with the producer `bench` taken from it (new: it starts at seq 1). */
  const producerState = (label) => {
    const s = spoolState(label, cfg, texts, shared);
    return { ...s, producer: s.pool.producer("bench"), sent: 0 };
  };
  /** Every message was committed once under the producer: its ledger state is the helper's count. */
  const checkProducer = (perCall) => (s, calls) => {
    s.sent += calls * perCall;
    const lastSeq = s.pool.producerState("bench")?.lastSeq;
    if (lastSeq !== s.sent || s.producer.nextSeq !== s.sent + 1)
      throw new Error(
        `producer bench: ledger lastSeq ${lastSeq}, helper nextSeq ${s.producer.nextSeq}, expected ${s.sent} messages`,
      );
  };
  return [
    steadyCase("plain append", {
      ...single,
      open: () => spoolState("plain-single", cfg, texts, shared),
      body: (s) => (i) => s.pool.append(events[i % events.length]),
    }),
    steadyCase("producer append", {
      ...single,
      open: () => producerState("producer-single"),
      body: (s) => (i) => s.producer.append(events[i % events.length]),
      check: checkProducer(1),
    }),
    // The same through the append option with the caller's own seq (no helper): tells the
    // ledger write apart from the helper's way there (its single append is a batch of one).
    steadyCase("producer option append", {
      ...single,
      open: () => ({ ...spoolState("producer-option", cfg, texts, shared), seq: 0 }),
      body: (s) => (i) =>
        s.pool.append(events[i % events.length], { producer: { id: "bench", seq: ++s.seq } }),
      check: (s) => {
        const lastSeq = s.pool.producerState("bench")?.lastSeq;
        if (lastSeq !== s.seq)
          throw new Error(`producer bench: ledger lastSeq ${lastSeq}, expected ${s.seq} messages`);
      },
    }),
    steadyCase("plain appendBatch(100)", {
      ...batch,
      open: () => spoolState("plain-batch", cfg, texts, shared),
      body: (s) => (i) => s.pool.appendBatch(inputs[i % inputs.length]),
    }),
    steadyCase("producer appendBatch(100)", {
      ...batch,
      open: () => producerState("producer-batch"),
      body: (s) => (i) => s.producer.appendBatch(inputs[i % inputs.length]),
      check: checkProducer(100),
    }),
  ];
}
