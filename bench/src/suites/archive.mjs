// The archive suite (issue 18, `--only archive`): the PostgreSQL archive tier against a real
// PostgreSQL 15 started here (lib/postgres.mjs). Rows: the archiver's catch-up throughput into
// PostgreSQL (N messages already in the ring, from watermark 0) against a raw COPY of the same
// rows by the bench itself (pg-copy-streams, into a table of the same columns and indexes; target
// ≥ 0.5×); a tail since seq 1 read across the archive (the ring holds only the newest ~2%)
// against the same tail read from a ring that holds everything; appends (batches of 100 ~1 KB
// messages) with an archiver process (`@spool/archive`'s bin, as `spool archive` runs it)
// following the pool against the same appends with none. Without PostgreSQL: one SKIPPED row.
// Invariants: PostgreSQL, the archiver child and every pool are stopped or closed in `finally`,
// the temp dirs removed; every loop is bounded by its count or duration; every read checks its
// count.
import { spawn } from "node:child_process";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { ArchivedPool, ArchiveReader, archivePool } from "@spool/archive";
import { FileEngine, FileEnginePool, Pool } from "@spool/core";
import pg from "pg";
import pgCopy from "pg-copy-streams";
import { formatCount, nowMs } from "../lib/measure.mjs";
import { startPostgres } from "../lib/postgres.mjs";
import { buildRow } from "../lib/report.mjs";
import { createPoolWith } from "../lib/spool.mjs";
import { freshDir, removeDir } from "../lib/tmp.mjs";

const ARCHIVER = fileURLToPath(new URL("../../../packages/archive/dist/bin.js", import.meta.url));

export function archiveConfig(quick) {
  return {
    /** Messages archived, copied and read back. */
    count: quick ? 5000 : 50_000,
    poolSize: quick ? "16M" : "128M",
    /** The small ring of the read-across case. */
    smallPool: "1M",
    appendSeconds: quick ? 1 : 3,
    appendPoolSize: "64M",
  };
}

function waitUntil(check, ms, what) {
  return new Promise((resolve, reject) => {
    const until = Date.now() + ms;
    const tick = async () => {
      if (await check()) return resolve();
      if (Date.now() > until) return reject(new Error(`timed out: ${what}`));
      setTimeout(tick, 5);
    };
    tick();
  });
}

/** COPY text format: backslash, tab, newline and CR escaped. */
function copyText(value) {
  return value.replace(/[\\\t\n\r]/g, (c) =>
    c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r",
  );
}

/** Archives `name` from watermark 0 until the watermark is `count`; answers seconds. */
async function archiveCatchUp(url, dir, name, count) {
  const engine = new FileEngine({ dir });
  const stop = new AbortController();
  let watermark = 0;
  const start = nowMs();
  const running = archivePool(() => engine.open(name), {
    connection: url,
    signal: stop.signal,
    onEvent: (e) => {
      if (e.type === "batch") watermark = e.watermark;
      if (e.type === "retry") throw e.error;
    },
  });
  try {
    await waitUntil(async () => watermark >= count, 300_000, "archive catch-up");
    return (nowMs() - start) / 1000;
  } finally {
    stop.abort();
    await running;
    await engine.close();
  }
}

/** COPYs the pool's messages (built before timing) into a table like the archive's. */
async function rawCopy(url, pool, count) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE TABLE bench_copy (seq bigint PRIMARY KEY, time timestamptz NOT NULL,
      time_text text NOT NULL, tags text[] NOT NULL, data jsonb, data_text text NOT NULL)`);
    await client.query("CREATE INDEX bench_copy_time ON bench_copy (time)");
    await client.query("CREATE INDEX bench_copy_tags ON bench_copy USING gin (tags)");
    const lines = [];
    const decoder = new TextDecoder();
    for (let seq = 1; seq <= count; seq++) {
      const m = pool.get(seq);
      const data = copyText(decoder.decode(m.dataBytes));
      lines.push(`${seq}\t${m.time}\t${m.time}\t{}\t${data}\t${data}\n`);
    }
    const chunks = [];
    for (let i = 0; i < lines.length; i += 1000) chunks.push(lines.slice(i, i + 1000).join(""));
    const start = nowMs();
    await pipeline(Readable.from(chunks), client.query(pgCopy.from("COPY bench_copy FROM STDIN")));
    const seconds = (nowMs() - start) / 1000;
    const n = Number((await client.query("SELECT count(*) AS n FROM bench_copy")).rows[0].n);
    if (n !== count) throw new Error(`raw COPY wrote ${n} rows, not ${count}`);
    return seconds;
  } finally {
    await client.end();
  }
}

/** Reads a tail since 1 of `handle` to the end; answers seconds (checks the count and order). */
async function readAll(handle, count) {
  const start = nowMs();
  let expected = 1;
  for await (const m of handle.tail({ since: 1, follow: false })) {
    if (m.seq !== expected) throw new Error(`read seq ${m.seq}, expected ${expected}`);
    expected++;
  }
  if (expected - 1 !== count) throw new Error(`read ${expected - 1} messages, not ${count}`);
  return (nowMs() - start) / 1000;
}

/** Appends batches of 100 for `seconds`; answers messages/s. */
function appendFor(pool, texts, seconds) {
  const until = nowMs() + seconds * 1000;
  const start = nowMs();
  let n = 0;
  while (nowMs() < until) {
    const batch = [];
    for (let k = 0; k < 100; k++)
      batch.push({ json: texts[(n + k) % texts.length], trusted: true });
    pool.appendBatch(batch);
    n += 100;
  }
  return n / ((nowMs() - start) / 1000);
}

/** Appends like appendFor, yielding to the event loop between batches (the archiver is a child). */
async function appendForYielding(pool, texts, seconds) {
  const until = nowMs() + seconds * 1000;
  const start = nowMs();
  let n = 0;
  while (nowMs() < until) {
    const batch = [];
    for (let k = 0; k < 100; k++)
      batch.push({ json: texts[(n + k) % texts.length], trusted: true });
    pool.appendBatch(batch);
    n += 100;
    if (n % 10_000 === 0) await new Promise((r) => setImmediate(r));
  }
  return n / ((nowMs() - start) / 1000);
}

export async function runArchiveSuite({ cfg, texts, log }) {
  const pgServer = await startPostgres();
  if (pgServer.skipped) {
    log(`archive: SKIPPED, ${pgServer.skipped}`);
    return {
      rows: [
        buildRow({ name: "archive suite", spool: 0, spoolText: `SKIPPED (${pgServer.skipped})` }),
      ],
      notes: [`- archive: SKIPPED, ${pgServer.skipped}`],
    };
  }
  const dir = freshDir("archive");
  const pools = [];
  let child;
  try {
    const url = pgServer.url;
    const all = Array.from({ length: cfg.count }, (_, i) => texts[i % texts.length]);
    log(`archive: PostgreSQL on ${url}; ${formatCount(cfg.count)} messages`);
    const big = createPoolWith(`${dir}/big.spool`, cfg.poolSize, all);
    pools.push(big);

    const archiveSeconds = await archiveCatchUp(url, dir, "big", cfg.count);
    log(`  archiver catch-up: ${formatCount(cfg.count / archiveSeconds)}/s`);
    const copySeconds = await rawCopy(url, big, cfg.count);
    log(`  raw COPY: ${formatCount(cfg.count / copySeconds)}/s`);

    // A small ring that wrapped ~50 times while an archiver kept up: the read crosses the seam.
    const small = Pool.create(`${dir}/small.spool`, { size: cfg.smallPool });
    pools.push(small);
    const engine = new FileEngine({ dir });
    const stop = new AbortController();
    let watermark = 0;
    const running = archivePool(() => engine.open("small"), {
      connection: url,
      signal: stop.signal,
      onEvent: (e) => {
        if (e.type === "batch") watermark = e.watermark;
      },
    });
    for (let i = 0; i < cfg.count; i += 500) {
      small.appendBatch(all.slice(i, i + 500).map((json) => ({ json, trusted: true })));
      const upTo = Math.min(i + 500, cfg.count);
      await waitUntil(async () => watermark >= upTo, 60_000, "the small pool's archiver");
    }
    stop.abort();
    await running;
    await engine.close();
    const ringShare = small.info().messageCount / cfg.count;
    const reader = new ArchiveReader(url);
    const across = new ArchivedPool(new FileEnginePool(Pool.open(`${dir}/small.spool`)), reader);
    const ring = new FileEnginePool(Pool.open(`${dir}/big.spool`));
    const archiveReads = [];
    const ringReads = [];
    for (let round = 0; round < 3; round++) {
      archiveReads.push(cfg.count / (await readAll(across, cfg.count)));
      ringReads.push(cfg.count / (await readAll(ring, cfg.count)));
    }
    await across.close();
    await ring.close();
    await reader.close();
    const med = (xs) => [...xs].sort((a, b) => a - b)[1];
    log(
      `  read across the archive: ${formatCount(med(archiveReads))}/s; ring: ${formatCount(med(ringReads))}/s`,
    );

    // Appends with and without an archiver process following the pool.
    const target = Pool.create(`${dir}/appends.spool`, { size: cfg.appendPoolSize });
    pools.push(target);
    appendFor(target, texts, 0.5); // warm
    const without = appendFor(target, texts, cfg.appendSeconds);
    child = spawn(process.execPath, [ARCHIVER, "--to", url, "--dir", dir, "appends"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let childWatermark = 0;
    let gapMessages = 0;
    let buffered = "";
    child.stdout.on("data", (chunk) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        const event = JSON.parse(line);
        if (event.type === "batch") childWatermark = event.watermark;
        if (event.type === "gap") gapMessages += event.count;
      }
    });
    const newestBefore = target.info().bounds?.newest ?? 0;
    await waitUntil(async () => childWatermark >= newestBefore, 120_000, "the archiver's catch-up");
    const withArchiver = await appendForYielding(target, texts, cfg.appendSeconds);
    const newest = target.info().bounds?.newest ?? 0;
    await waitUntil(async () => childWatermark >= newest, 120_000, "the archiver's catch-up");
    log(
      `  appends: ${formatCount(without)}/s alone, ${formatCount(withArchiver)}/s with an archiver`,
    );

    const rows = [
      {
        name: `archive: archiver catch-up into PostgreSQL (${formatCount(cfg.count)} msgs)`,
        spool: cfg.count / archiveSeconds,
        baselineName: "raw COPY of the same rows",
        baseline: cfg.count / copySeconds,
        target: { kind: "ratioAtLeast", value: 0.5 },
      },
      {
        name: `archive: tail since 1 across the archive (${(ringShare * 100).toFixed(1)}% in the ring)`,
        spool: med(archiveReads),
        baselineName: "the same tail from the ring",
        baseline: med(ringReads),
      },
      {
        name: "archive: appends (batches of 100) with an archiver following",
        spool: withArchiver,
        baselineName: "no archiver",
        baseline: without,
      },
    ];
    const notes = [
      `- archive: PostgreSQL 15 on loopback (fsync on, synchronous_commit off); the archiver commits batches of up to 2,000 rows (COPY into a session staging table, then INSERT … SELECT … ON CONFLICT DO NOTHING, gaps and watermark in the same transaction) into a table with a primary key, a time index and a GIN index on tags; the raw COPY writes the same columns into a table with the same indexes, from rows built before timing.`,
      `- archive: with the archiver following the append case, it ${gapMessages === 0 ? "kept up (no archive gap)" : `fell behind by ${formatCount(gapMessages)} messages overwritten unarchived (best-effort)`}, and caught up to seq ${formatCount(newest)} afterwards.`,
    ];
    return { rows: rows.map(buildRow), notes };
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    for (const pool of pools) pool.close();
    pgServer.stop();
    removeDir(dir);
  }
}
