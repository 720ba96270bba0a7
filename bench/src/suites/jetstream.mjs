// The jetstream suite (issue 15): Spool pools on NATS JetStream (@spool/jetstream) side by side
// with raw nats.js on the same server, and with a Spool file pool. Rows: sequential appends
// (each awaited) and appends with a window in flight, Spool `pool.append` / `appendBatch`
// against raw `js.publish`; a replay of N messages, Spool `pool.tail({ since: 1, follow: false })`
// against a raw ordered consumer; and the price of replication: the same sequential appends on
// a file pool (@spool/core), on JetStream R1 and on a 3-node R3 cluster. nats-server is started
// here on free loopback ports (src/lib/nats-server.mjs); without it the suite answers one
// skipped row and a note. Invariants: every connection, stream and server made here is closed,
// deleted or stopped in `finally`; the temp dirs are removed; every loop is bounded by its count.
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { createPool } from "@spool/core";
import { connectJetStream } from "@spool/jetstream";
import { formatCount, nowMs, runRounds } from "../lib/measure.mjs";
import { natsServerBinary, startNats } from "../lib/nats-server.mjs";
import { buildRow, rate } from "../lib/report.mjs";
import { freshDir, removeDir } from "../lib/tmp.mjs";

export function jetstreamConfig(quick) {
  const scale = quick ? 0.1 : 1;
  const n = (count) => Math.max(100, Math.round(count * scale));
  return {
    rounds: quick ? 1 : 3,
    /** Sequential appends (each awaited) per round and case. */
    seqCount: n(2000),
    /** Appends per round of the windowed cases. */
    pipeCount: n(20_000),
    /** Appends in flight in the windowed cases. */
    window: 256,
    /** appendBatch size, and messages per round of the batch case. */
    batchSize: 100,
    batchCount: n(2000),
    /** Messages replayed per round by the tail cases. */
    tailCount: n(20_000),
    /** Untimed appends per case before the first round. */
    warm: n(200),
    poolSize: "256M",
    maxBytes: 256 * 1024 * 1024,
  };
}

/** "5.21k msg/s (192 µs/msg)". */
function rateUs(value) {
  return `${rate(value)} (${(1e6 / value).toFixed(0)} µs/msg)`;
}

/** Runs `op(i)` for i = 0..count-1 with at most `window` in flight; answers seconds. */
async function windowed(count, window, op) {
  let next = 0;
  const start = nowMs();
  await Promise.all(
    Array.from({ length: Math.min(window, count) }, async () => {
      while (next < count) await op(next++);
    }),
  );
  return (nowMs() - start) / 1000;
}

async function sequential(count, op) {
  const start = nowMs();
  for (let i = 0; i < count; i++) await op(i);
  return (nowMs() - start) / 1000;
}

/** One raw nats.js connection with a stream of its own on `url` (replicas `replicas`). */
async function rawSide(url, stream, replicas, maxBytes) {
  // The same client option Spool's engine sets (no stack capture per request), so the ratio is
  // Spool's own work and not a client setting.
  const nc = await connect({ servers: url, noAsyncTraces: true });
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const subject = `raw.${stream.toLowerCase()}`;
  await jsm.streams.add({
    name: stream,
    subjects: [subject],
    max_bytes: maxBytes,
    num_replicas: replicas,
    storage: "file",
    discard: "old",
  });
  return {
    js,
    subject,
    stream,
    close: async () => {
      await jsm.streams.delete(stream).catch(() => {});
      await nc.close();
    },
  };
}

/** Replays the raw stream from seq 1 with an ordered consumer until `count` messages arrived. */
async function rawReplay(js, stream, count) {
  const consumer = await js.consumers.get(stream, { opt_start_seq: 1 });
  const messages = await consumer.consume({ max_messages: 256 });
  let seen = 0;
  try {
    for await (const m of messages) {
      if (m.seq !== ++seen) throw new Error(`raw replay: seq ${m.seq}, expected ${seen}`);
      if (seen >= count) break;
    }
  } finally {
    messages.stop();
    await consumer.delete().catch(() => {});
  }
  return seen;
}

async function spoolReplay(pool, count) {
  let seen = 0;
  for await (const m of pool.tail({ since: 1, follow: false })) {
    if (m.seq !== ++seen) throw new Error(`spool tail: seq ${m.seq}, expected ${seen}`);
  }
  if (seen !== count) throw new Error(`spool tail: ${seen} messages, expected ${count}`);
  return seen;
}

/** Runs the jetstream suite; `ctx` = { cfg, events, log }. Returns { rows, notes }. */
export async function runJetStreamSuite({ cfg, events, log }) {
  const rows = [];
  const notes = [];
  const closers = [];
  const servers = [];
  const dir = freshDir("jetstream");
  const ev = (i) => events[i % events.length];
  // What a nats.js user publishing these events writes: JSON.stringify, then js.publish (which
  // encodes the text), so the baseline includes serialising like the core suite's floor does.
  const raw = (i) => JSON.stringify(ev(i));
  try {
    log("jetstream: starting nats-server (1 node, then a 3-node cluster)");
    const single = await startNats(1);
    if (single.skipped) {
      log(`  JetStream: SKIPPED, ${single.skipped}`);
      rows.push({
        name: "JetStream rows",
        spool: Number.NaN,
        spoolText: `SKIPPED: ${single.skipped}`,
      });
      notes.push(`- JetStream rows SKIPPED: ${single.skipped}`);
      return { rows: rows.map(buildRow), notes };
    }
    servers.push(single);
    log(`  nats-server ${single.version}, single node on ${single.url}`);
    const cluster = await startNats(3);
    if (cluster.skipped) log(`  R3 cluster: SKIPPED, ${cluster.skipped}`);
    else {
      servers.push(cluster);
      log(`  nats-server ${cluster.version}, 3-node cluster on ${cluster.urls}`);
    }

    // Raw nats.js peers and Spool pools.
    const raw1 = await rawSide(single.url, "RAW_BENCH", 1, cfg.maxBytes);
    closers.push(raw1.close);
    const rawTail = await rawSide(single.url, "RAW_TAIL", 1, cfg.maxBytes);
    closers.push(rawTail.close);
    const engine1 = await connectJetStream(single.url);
    closers.push(() => engine1.close());
    const pool1 = await engine1.create("bench", { size: cfg.poolSize, replicas: 1 });
    closers.push(() => engine1.delete("bench", { force: true }).catch(() => {}));
    const tailPool = await engine1.create("bench-tail", { size: cfg.poolSize, replicas: 1 });
    closers.push(() => engine1.delete("bench-tail", { force: true }).catch(() => {}));
    const filePool = createPool("bench", { dir, size: cfg.poolSize });
    closers.push(() => filePool.close());
    let raw3;
    let pool3;
    if (!cluster.skipped) {
      raw3 = await rawSide(cluster.url, "RAW_BENCH3", 3, cfg.maxBytes);
      closers.push(raw3.close);
      const engine3 = await connectJetStream(cluster.url);
      closers.push(() => engine3.close());
      pool3 = await engine3.create("bench3", { size: cfg.poolSize, replicas: 3 });
      closers.push(() => engine3.delete("bench3", { force: true }).catch(() => {}));
    }

    // Untimed warm-up, and the tail streams filled with the same events.
    const warm = async (op) => sequential(cfg.warm, op);
    await warm((i) => raw1.js.publish(raw1.subject, raw(i)));
    await warm((i) => pool1.append(ev(i)));
    await warm((i) => filePool.appendAsync(ev(i)));
    if (raw3) await warm((i) => raw3.js.publish(raw3.subject, raw(i)));
    if (pool3) await warm((i) => pool3.append(ev(i)));
    log(`  filling the tail streams with ${formatCount(cfg.tailCount)} messages each`);
    await windowed(cfg.tailCount, cfg.window, (i) => rawTail.js.publish(rawTail.subject, raw(i)));
    await windowed(cfg.tailCount, cfg.window, (i) => tailPool.append(ev(i)));

    const seqCase = (key, op) => ({
      key,
      run: async () => ({ ops: cfg.seqCount, seconds: await sequential(cfg.seqCount, op) }),
    });
    const pipeCase = (key, op) => ({
      key,
      run: async () => ({
        ops: cfg.pipeCount,
        seconds: await windowed(cfg.pipeCount, cfg.window, op),
      }),
    });
    const batches = Math.ceil(cfg.batchCount / cfg.batchSize);
    const cases = [
      seqCase("raw publish R1, sequential", (i) => raw1.js.publish(raw1.subject, raw(i))),
      seqCase("spool append R1, sequential", (i) => pool1.append(ev(i))),
      seqCase("file pool appendAsync", (i) => filePool.appendAsync(ev(i))),
      ...(raw3
        ? [seqCase("raw publish R3, sequential", (i) => raw3.js.publish(raw3.subject, raw(i)))]
        : []),
      ...(pool3 ? [seqCase("spool append R3, sequential", (i) => pool3.append(ev(i)))] : []),
      pipeCase("raw publish R1, windowed", (i) => raw1.js.publish(raw1.subject, raw(i))),
      pipeCase("spool append R1, windowed", (i) => pool1.append(ev(i))),
      {
        key: "spool appendBatch R1",
        run: async () => ({
          ops: batches * cfg.batchSize,
          seconds: await sequential(batches, (b) =>
            pool1.appendBatch(
              Array.from({ length: cfg.batchSize }, (_, k) => ({
                data: ev(b * cfg.batchSize + k),
              })),
            ),
          ),
        }),
      },
      {
        key: "raw ordered consumer replay",
        run: async () => {
          const start = nowMs();
          const ops = await rawReplay(rawTail.js, rawTail.stream, cfg.tailCount);
          return { ops, seconds: (nowMs() - start) / 1000 };
        },
      },
      {
        key: "spool tail replay",
        run: async () => {
          const start = nowMs();
          const ops = await spoolReplay(tailPool, cfg.tailCount);
          return { ops, seconds: (nowMs() - start) / 1000 };
        },
      },
    ];
    log("jetstream: appends and replays, interleaved rounds:");
    const results = await runRounds(cases, cfg.rounds, log);
    const r = (key) => results.get(key).rate;

    // Rows.
    const rawSeq = r("raw publish R1, sequential");
    const spoolSeq = r("spool append R1, sequential");
    rows.push({
      name: "JetStream R1: append sequential (await each)",
      spool: spoolSeq,
      spoolText: rateUs(spoolSeq),
      baselineName: "raw nats.js js.publish, awaited",
      baseline: rawSeq,
      baselineText: rateUs(rawSeq),
      target: { kind: "ratioAtLeast", value: 0.8 },
    });
    const rawPipe = r("raw publish R1, windowed");
    const spoolPipe = r("spool append R1, windowed");
    rows.push({
      name: `JetStream R1: append, ${cfg.window} in flight`,
      spool: spoolPipe,
      spoolText: rateUs(spoolPipe),
      baselineName: `raw js.publish, ${cfg.window} in flight`,
      baseline: rawPipe,
      baselineText: rateUs(rawPipe),
      target: { kind: "ratioAtLeast", value: 0.8 },
    });
    const spoolBatch = r("spool appendBatch R1");
    rows.push({
      name: `JetStream R1: appendBatch of ${cfg.batchSize} (awaited)`,
      spool: spoolBatch,
      spoolText: rateUs(spoolBatch),
      baselineName: "raw js.publish, awaited one by one",
      baseline: rawSeq,
      baselineText: rateUs(rawSeq),
    });
    const rawReplayRate = r("raw ordered consumer replay");
    const spoolReplayRate = r("spool tail replay");
    rows.push({
      name: `JetStream R1: replay ${formatCount(cfg.tailCount)} messages, tail({ since: 1, follow: false })`,
      spool: spoolReplayRate,
      spoolText: rateUs(spoolReplayRate),
      baselineName: "raw ordered consumer from seq 1, consume()",
      baseline: rawReplayRate,
      baselineText: rateUs(rawReplayRate),
      target: { kind: "ratioAtLeast", value: 0.8 },
    });
    const fileSeq = r("file pool appendAsync");
    rows.push({
      name: "price of replication: Spool on JetStream R1, sequential append",
      spool: spoolSeq,
      spoolText: rateUs(spoolSeq),
      baselineName: "Spool file pool appendAsync (fast), sequential",
      baseline: fileSeq,
      baselineText: rateUs(fileSeq),
    });
    if (pool3) {
      const spool3 = r("spool append R3, sequential");
      const raw3Seq = r("raw publish R3, sequential");
      rows.push({
        name: "price of replication: Spool on JetStream R3 (3 nodes), sequential append",
        spool: spool3,
        spoolText: rateUs(spool3),
        baselineName: "Spool file pool appendAsync (fast), sequential",
        baseline: fileSeq,
        baselineText: rateUs(fileSeq),
      });
      rows.push({
        name: "price of replication: Spool on JetStream R3, sequential append",
        spool: spool3,
        spoolText: rateUs(spool3),
        baselineName: "Spool on JetStream R1",
        baseline: spoolSeq,
        baselineText: rateUs(spoolSeq),
      });
      rows.push({
        name: "JetStream R3: append sequential (await each)",
        spool: spool3,
        spoolText: rateUs(spool3),
        baselineName: "raw js.publish R3, awaited",
        baseline: raw3Seq,
        baselineText: rateUs(raw3Seq),
      });
    } else {
      rows.push({
        name: "price of replication: JetStream R3",
        spool: Number.NaN,
        spoolText: `SKIPPED: ${cluster.skipped}`,
      });
    }

    // Notes.
    const binary = natsServerBinary();
    const perRound = (key) =>
      results
        .get(key)
        .rates.map((x) => formatCount(x))
        .join("/");
    notes.push(
      `- jetstream: nats-server ${single.version} (${binary?.path ?? "nats-server"}) started by the bench on free 127.0.0.1 ports: one node \`-js -sd DIR -a 127.0.0.1 -p PORT\`${pool3 ? " and a 3-node cluster with routes on loopback (the R3 stream's leader may be any node; the client connects to the first)" : ""}; file store, the server's default sync (no fsync per message: the filestore syncs on its own interval, 2 min by default in 2.9), so an ack means the message is in the leader's (R1) or a quorum's (R3) page cache, not on disk; streams of ${cfg.poolSize}, discard old; stopped by pid and their dirs removed at the end`,
    );
    notes.push(
      `- jetstream clients: raw = @nats-io/transport-node + @nats-io/jetstream 3.4 (\`noAsyncTraces: true\`, as Spool's engine connects) publishing \`JSON.stringify(event)\` to the stream's subject (serialising counts in the baseline, as in the core suite's floor); Spool = @spool/jetstream \`pool.append(event)\` (stringifies the event, adds Spool's headers, publishes, and takes the stored time from the delivery of its seq to the connection's headers-only stamps consumer, which arrives with the PubAck: no second request; the consumer is made by the first append, in the untimed warm-up), \`appendBatch\` (on 2.9 a chain of ${cfg.batchSize} publishes each expecting the previous seq, awaited in order, times from the same stamps); file pool = @spool/core \`createPool\` + \`appendAsync\` (durability fast, page cache) in a temp dir. ${formatCount(cfg.seqCount)} sequential, ${formatCount(cfg.pipeCount)} windowed (${cfg.window} in flight), ${formatCount(batches * cfg.batchSize)} batched appends per round; replay: ${formatCount(cfg.tailCount)} messages from seq 1 of a stream holding exactly those (raw: ordered consumer, consume({ max_messages: 256 }), data not decoded; Spool: the messages its tail yields, seqs checked); ${cfg.rounds} interleaved round(s), median shown (per round: raw seq ${perRound("raw publish R1, sequential")}, Spool seq ${perRound("spool append R1, sequential")} msg/s), after ${formatCount(cfg.warm)} untimed appends per case`,
    );
    log(`  Spool/raw sequential: ${(spoolSeq / rawSeq).toFixed(2)}x`);
  } finally {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch {
        // best effort: the servers are stopped below anyway
      }
    }
    await Promise.all(servers.map((s) => s.stop()));
    removeDir(dir);
  }
  return { rows: rows.map(buildRow), notes };
}
