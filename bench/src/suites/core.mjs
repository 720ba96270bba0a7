// The core suite: Spool's in-process API (appends, batches, writer processes, flush, replay,
// random gets, follow latency) side by side with the baselines (a plain file, JSONL, SQLite as a
// queue). Returns the report rows and the notes that describe what was measured.
import {
  asyncAppendCases,
  batchCases,
  encodedAppendCases,
  flushCases,
  producerCases,
  singleAppendCases,
} from "../cases/append.mjs";
import { followLatency } from "../cases/follow.mjs";
import { getCases, replayCases, replayFixture } from "../cases/replay.mjs";
import { writerCases } from "../cases/writers.mjs";
import { formatCount, formatMs, runRounds } from "../lib/measure.mjs";
import { buildRow, rate } from "../lib/report.mjs";

export function coreConfig(quick) {
  const scale = quick ? 0.1 : 1;
  const n = (count) => Math.max(100, Math.round(count * scale));
  return {
    poolSize: "64M",
    poolBytes: 64 * 1024 * 1024,
    rounds: quick ? 1 : 3,
    /** The producer rows judge a ratio near 1 (≥ 0.85×): more rounds for a steadier median. */
    producerRounds: quick ? 1 : 5,
    warm: 2000,
    maxMs: 10_000,
    appendCount: n(100_000),
    sqliteCount: n(20_000),
    batchCount: n(1000),
    flushCount: n(2000),
    flushWarm: 20,
    flushMaxMs: quick ? 500 : 2500,
    replayCount: n(100_000),
    replayPoolSize: "128M",
    getCount: n(100_000),
    rawPasses: 3,
    followCount: n(3000),
    followWarm: 200,
    followIntervalMs: 1,
    followIdleMs: 5000,
    followMaxMs: 20_000,
    followPoolSize: "16M",
    childTimeoutMs: 60_000,
  };
}

/** Runs the core suite; `ctx` = { cfg, events, texts, log }. Returns { rows, notes }. */
export async function runCoreSuite({ cfg, events, texts, log }) {
  const shared = {};
  log("single-writer appends, fast durability:");
  const single = await runRounds(singleAppendCases(cfg, events, texts, shared), cfg.rounds, log);
  log("already-encoded JSON text, fast durability:");
  const encoded = await runRounds(encodedAppendCases(cfg, texts, shared), cfg.rounds, log);
  log("batches of 100:");
  const batch = await runRounds(batchCases(cfg, events, texts, shared), cfg.rounds, log);
  log("idempotent producer against plain appends:");
  const producer = await runRounds(
    producerCases(cfg, events, texts, shared),
    cfg.producerRounds,
    log,
  );
  log("writer processes on one pool:");
  const writers = await runRounds(writerCases(cfg, texts), cfg.rounds, log);
  log("async appends (group commit):");
  const asyncAppends = await runRounds(
    asyncAppendCases(cfg, events, texts, shared),
    cfg.rounds,
    log,
  );
  log("flush durability:");
  const flush = await runRounds(flushCases(cfg, events, texts, shared), cfg.rounds, log);
  log("reads:");
  const fx = replayFixture(cfg, texts);
  let reads;
  try {
    fx.setup();
    reads = await runRounds([...replayCases(cfg, fx), ...getCases(cfg, fx)], cfg.rounds, log);
  } finally {
    fx.close();
  }
  const rawMBs = fx.rawBytes / fx.rawSeconds / 1e6;
  log("follow latency:");
  const follow = await followLatency(cfg, events);
  log(
    `  ${follow.sent} messages at ${formatCount(follow.rate)}/s; p50 ${formatMs(follow.p50)}, p99 ${formatMs(follow.p99)}, max ${formatMs(follow.max)}`,
  );

  const r = (results, key) => results.get(key).rate;
  const spoolFast = r(single, "spool append (fast)");
  const rows = [
    {
      name: "append, 1 writer, fast",
      spool: spoolFast,
      target: { kind: "atLeast", value: 60_000, label: "60k msg/s" },
    },
    {
      name: "append, 1 writer, fast",
      spool: spoolFast,
      baselineName: "floor: stringify + pwrite",
      baseline: r(single, "floor: stringify + pwrite"),
      target: { kind: "ratioAtLeast", value: 0.8 },
    },
    {
      name: "append, 1 writer, fast",
      spool: spoolFast,
      baselineName: "JSONL fs.writeSync",
      baseline: r(single, "jsonl: fs.writeSync lines"),
    },
    {
      name: "append, 1 writer, fast",
      spool: spoolFast,
      baselineName: "SQLite insert (WAL, NORMAL)",
      baseline: r(single, "sqlite insert (WAL, NORMAL)"),
      target: { kind: "ratioAtLeast", value: 2.5 },
    },
    {
      name: "append, 1 writer, fast",
      spool: spoolFast,
      baselineName: "SQLite kept bounded (insert + delete oldest, 1 tx)",
      baseline: r(single, "sqlite bounded insert+delete"),
      target: { kind: "ratioAtLeast", value: 5 },
    },
    {
      name: "append pre-encoded JSON (appendJson trusted), 1 writer",
      spool: r(encoded, "spool appendJson (trusted)"),
      baselineName: "pwrite of the same text",
      baseline: r(encoded, "floor: pwrite of encoded text"),
    },
    {
      name: "append, 4 writer processes (total)",
      spool: r(writers, "spool 4 writer processes"),
      baselineName: "Spool, 1 writer process",
      baseline: r(writers, "spool 1 writer process"),
      target: { kind: "ratioAtLeast", value: 1 },
    },
    {
      name: "append, batches of 100",
      spool: r(batch, "spool appendBatch(100)"),
      baselineName: "SQLite tx of 100 inserts",
      baseline: r(batch, "sqlite tx of 100 inserts"),
      target: { kind: "ratioAtLeast", value: 1.5 },
    },
    {
      name: "append with a producer (pool.producer(id).append), 1 writer, fast",
      spool: r(producer, "producer append"),
      baselineName: "plain pool.append, same run",
      baseline: r(producer, "plain append"),
      target: { kind: "ratioAtLeast", value: 0.85 },
    },
    {
      name: "append with the producer option (explicit seq, no helper), 1 writer, fast",
      spool: r(producer, "producer option append"),
      baselineName: "plain pool.append, same run",
      baseline: r(producer, "plain append"),
    },
    {
      name: "appendBatch(100) with a producer",
      spool: r(producer, "producer appendBatch(100)"),
      baselineName: "plain appendBatch(100), same run",
      baseline: r(producer, "plain appendBatch(100)"),
    },
    {
      name: "append, flush",
      spool: r(flush, "spool append (flush)"),
      baselineName: "SQLite insert (WAL, FULL)",
      baseline: r(flush, "sqlite insert (WAL, FULL)"),
    },
    {
      name: "append, flush",
      spool: r(flush, "spool append (flush)"),
      baselineName: "pwrite + fdatasync",
      baseline: r(flush, "pwrite + fdatasync"),
    },
    {
      name: "appendAsync (flush), 16 concurrent: group commit",
      spool: r(flush, "spool appendAsync (flush), 16 concurrent"),
      baselineName: "appendAsync (flush), one at a time",
      baseline: r(flush, "spool appendAsync (flush), one at a time"),
      target: { kind: "ratioAtLeast", value: 5 },
    },
    {
      name: "appendAsync, 256 in flight: group commit",
      spool: r(asyncAppends, "spool appendAsync, 256 in flight"),
      baselineName: "appendAsync, each awaited",
      baseline: r(asyncAppends, "spool appendAsync, each awaited"),
    },
    {
      name: "appendAsync, 256 in flight",
      spool: r(asyncAppends, "spool appendAsync, 256 in flight"),
      baselineName: "floor: stringify + pwrite",
      baseline: r(single, "floor: stringify + pwrite"),
    },
    {
      name: "replay raw (tailJsonl)",
      spool: r(reads, "spool replay raw (tailJsonl)"),
      spoolText: `${rate(r(reads, "spool replay raw (tailJsonl)"))} (${rawMBs.toFixed(0)} MB/s)`,
      baselineName: "SQLite select all in order",
      baseline: r(reads, "sqlite select all (text)"),
      target: { kind: "atLeast", value: 1_000_000, label: "1M msg/s" },
    },
    {
      name: "replay decoded (tail + .data)",
      spool: r(reads, "spool replay decoded (.data)"),
      baselineName: "SQLite select all + JSON.parse",
      baseline: r(reads, "sqlite select + JSON.parse"),
    },
    {
      name: "get by random seq",
      spool: r(reads, "spool get(random seq)"),
      spoolText: rate(r(reads, "spool get(random seq)"), "get/s"),
      baselineName: "SQLite select by id",
      baseline: r(reads, "sqlite select by id"),
      baselineText: rate(r(reads, "sqlite select by id"), "get/s"),
      target: { kind: "atLeast", value: 300_000, label: "300k get/s" },
    },
    {
      name: "follow latency p50, writer → follower process",
      spool: follow.p50,
      spoolText: formatMs(follow.p50),
    },
    {
      name: "follow latency p99, writer → follower process",
      spool: follow.p99,
      spoolText: formatMs(follow.p99),
      target: { kind: "atMost", value: 5, label: "5 ms" },
    },
  ].map(buildRow);

  const notes = [];
  notes.push(
    `- Spool pools: ${cfg.poolSize}, filled until wrapped before timing (every timed append evicts, as in a long-lived bounded pool); no tags; single appends with pool.append(object) (stringify included)`,
  );
  const perRound = (key, base) =>
    producer
      .get(key)
      .rates.map((x, i) => (x / producer.get(base).rates[i]).toFixed(2))
      .join(" ");
  notes.push(
    `- producer ÷ plain per round (the spread behind the medians): helper append ${perRound("producer append", "plain append")}; option append ${perRound("producer option append", "plain append")}; appendBatch(100) ${perRound("producer appendBatch(100)", "plain appendBatch(100)")}`,
  );
  notes.push(
    `- producer rows: producer \`bench\` (epoch 0, new at the first warm-up append) on its own full pool, against plain appends on another pool prepared alike; ${cfg.producerRounds} interleaved round(s), median shown; after each round the pool's ledger is checked to hold the producer's last seq = every message appended`,
  );
  notes.push(
    `- counts per round: ${cfg.appendCount} single appends, ${cfg.sqliteCount} SQLite single inserts, ${cfg.batchCount} batches of 100, up to ${cfg.flushCount} flush appends (≤ ${cfg.flushMaxMs} ms), ${cfg.replayCount} messages replayed (raw and SQLite text: ${cfg.rawPasses} passes), ${cfg.getCount} random gets; ${cfg.rounds} interleaved round(s), median shown`,
  );
  notes.push(
    `- follow: ${follow.measured} measured messages (after ${cfg.followWarm} warm-up) at ${formatCount(follow.rate)} msg/s; max ${formatMs(follow.max)}`,
  );
  return { rows, notes };
}
