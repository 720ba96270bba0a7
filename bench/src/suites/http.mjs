// The HTTP suite: @spool/http-server served by @hono/node-server in its own child process, the
// load from other child processes (autocannon for requests, node's http client for tails), all
// on 127.0.0.1 with port 0. Groups: `append` (single appends against no-op routes of the same
// server process), `batch` (append_batch of 100 and 1,000 against core's appendBatch in
// process), `tail` (JSONL tail throughput of one connection against core's tailJsonl in
// process) and `follow` (many HTTP followers of a steady append stream: completeness and
// delivery delay) and `producer` (the SDK's idempotent producer against plain SDK appends,
// 16 concurrent callers, from an SDK load-generator child). Pools are prepared through @spool/core before the server starts; the server
// and the load generator are stopped in `finally`.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Pool } from "@spool/core";
import { followersCase } from "../cases/http-followers.mjs";
import { batchRequestCases, singleRequestCases } from "../cases/http-requests.mjs";
import { sdkProducerCases } from "../cases/http-sdk.mjs";
import { tailCases } from "../cases/http-tail.mjs";
import { forkChild, loadCpu, serverCpu } from "../lib/ipc.mjs";
import { formatCount, formatMs, median, runRounds } from "../lib/measure.mjs";
import { buildRow, rate } from "../lib/report.mjs";
import { createFullPool, createPoolWith } from "../lib/spool.mjs";
import { freshDir, removeDir } from "../lib/tmp.mjs";

const SERVER = fileURLToPath(new URL("../children/http-server.mjs", import.meta.url));
const LOAD = fileURLToPath(new URL("../children/http-load.mjs", import.meta.url));
const SDK_LOAD = fileURLToPath(new URL("../children/sdk-load.mjs", import.meta.url));

export const HTTP_GROUPS = ["append", "batch", "tail", "follow", "producer"];

export function httpConfig(quick) {
  const scale = quick ? 0.1 : 1;
  return {
    rounds: quick ? 1 : 3,
    seconds: quick ? 1 : 2,
    warmSeconds: quick ? 0 : 1,
    connections: [16, 64],
    batchSizes: [100, 1000],
    batchConnections: 4,
    sdkCallers: 16,
    poolSize: quick ? "16M" : "64M",
    tailSmallCount: Math.round(500_000 * scale),
    tailEventCount: Math.round(100_000 * scale),
    tailPoolSize: "128M",
    tailPasses: 1,
    tailTimeoutMs: 60_000,
    followers: 200,
    followerProcesses: 1,
    followRate: 2000,
    followTotal: Math.round(10_000 * scale),
    followWarm: Math.round(1000 * scale),
    followIdleMs: 10_000,
    followPoolSize: "16M",
    /** BENCH_PIN=1: the server on CPU 0, every load process on CPU 1 (taskset). */
    pin: process.env.BENCH_PIN === "1",
  };
}

/** A small message for the tail case (~60 B of data, ~140 B as an envelope line). */
function smallText(i) {
  return `{"n":${i},"kind":"tick","host":"web-${String(i % 16).padStart(2, "0")}","ok":true,"ms":${(i % 977) / 10}}`;
}

/** Creates the pools the selected groups need, in `dir`; returns the tail fixtures. */
export function preparePools(cfg, dir, groups, texts) {
  const path = (name) => join(dir, `${name}.spool`);
  const tails = [];
  if (groups.has("append")) createFullPool(path("append"), cfg.poolSize, texts).close();
  if (groups.has("batch")) createFullPool(path("batch"), cfg.poolSize, texts).close();
  if (groups.has("producer")) {
    createFullPool(path("sdk-plain"), cfg.poolSize, texts).close();
    createFullPool(path("sdk-producer"), cfg.poolSize, texts).close();
  }
  if (groups.has("tail")) {
    const small = Array.from({ length: cfg.tailSmallCount }, (_, i) => smallText(i));
    createPoolWith(path("tail-small"), cfg.tailPoolSize, small).close();
    tails.push({ name: "tail-small", count: small.length, label: "small" });
    const events = Array.from({ length: cfg.tailEventCount }, (_, i) => texts[i % texts.length]);
    createPoolWith(path("tail-events"), cfg.tailPoolSize, events).close();
    tails.push({ name: "tail-events", count: events.length, label: "1 KB" });
  }
  if (groups.has("follow")) Pool.create(path("follow"), { size: cfg.followPoolSize }).close();
  return tails;
}

/** The median of one numeric field over a case's rounds. */
function med(results, key, field) {
  return median(results.get(key).details.map((d) => d[field]));
}

const pct = (value) => (value === undefined ? "—" : `${value.toFixed(0)}%`);

/**
 * Runs the selected HTTP groups; `ctx` = { cfg, texts, groups: Set, log }. Returns { rows,
 * notes, details } (details: a markdown table of per-case latency and CPU figures).
 */
export async function runHttpSuite({ cfg, texts, groups, log }) {
  const dir = freshDir("http");
  const started = [];
  const rows = [];
  const detail = [];
  const notes = [];
  try {
    log("HTTP: preparing pools");
    const tailFixtures = preparePools(cfg, dir, groups, texts);
    const server = await forkChild(SERVER, [dir], { name: "http server", ...serverCpu(cfg) });
    started.push(server);
    const load = await forkChild(LOAD, [], { name: "load generator", ...loadCpu(cfg) });
    started.push(load);
    const env = {
      cfg,
      server,
      load,
      texts,
      log,
      spoolUrl: `http://127.0.0.1:${server.info.spoolPort}`,
      noopUrl: `http://127.0.0.1:${server.info.noopPort}`,
      appendPool: "append",
      batchPool: "batch",
      sdkPlainPool: "sdk-plain",
      sdkProducerPool: "sdk-producer",
      followPool: "follow",
      poolPath: (name) => join(dir, `${name}.spool`),
    };
    const addDetail = (results, key, what) => {
      const d = results.get(key);
      detail.push({
        what,
        rate: d.rate,
        p50: med(results, key, "p50"),
        p99: med(results, key, "p99"),
        serverCpu: med(results, key, "serverCpu"),
        serverUs: med(results, key, "serverUsPerRequest"),
        clientCpu: med(results, key, "clientCpu"),
      });
    };

    if (groups.has("append")) {
      log(`HTTP single appends against no-op routes (${cfg.seconds} s per run):`);
      const res = await runRounds(singleRequestCases(env), cfg.rounds, log);
      for (const c of cfg.connections) {
        const latency = (key) =>
          `p50 ${formatMs(med(res, key, "p50"))}, p99 ${formatMs(med(res, key, "p99"))}`;
        const text = (key) => `${rate(res.get(key).rate, "req/s")} (${latency(key)})`;
        const append = `append, ${c} conns`;
        rows.push(
          {
            name: `HTTP append, ${c} connections`,
            spool: res.get(append).rate,
            spoolText: text(append),
            baselineName: "no-op GET route, same process",
            baseline: res.get(`noop GET, ${c} conns`).rate,
            baselineText: text(`noop GET, ${c} conns`),
            target: { kind: "ratioAtLeast", value: 0.6 },
          },
          {
            name: `HTTP append, ${c} connections`,
            spool: res.get(append).rate,
            spoolText: rate(res.get(append).rate, "req/s"),
            baselineName: "no-op POST receiving the same body",
            baseline: res.get(`noop POST 1 KB, ${c} conns`).rate,
            baselineText: text(`noop POST 1 KB, ${c} conns`),
          },
        );
        addDetail(res, `noop GET, ${c} conns`, `no-op GET, ${c} connections`);
        addDetail(res, `noop POST 1 KB, ${c} conns`, `no-op POST 1 KB body, ${c} connections`);
        addDetail(res, append, `append, ${c} connections`);
      }
    }

    if (groups.has("batch")) {
      log(`HTTP batch appends (${cfg.batchConnections} connections, ${cfg.seconds} s per run):`);
      const res = await runRounds(batchRequestCases(env), cfg.rounds, log);
      for (const size of cfg.batchSizes) {
        const key = `append_batch(${size}), ${cfg.batchConnections} conns`;
        rows.push({
          name: `HTTP append_batch of ${size}, ${cfg.batchConnections} connections`,
          spool: res.get(key).rate,
          spoolText: `${rate(res.get(key).rate)} (p50 ${formatMs(med(res, key, "p50"))}/request)`,
          baselineName: `core appendBatch(${size}) in the server process`,
          baseline: res.get(`core appendBatch(${size})`).rate,
        });
        addDetail(res, key, `append_batch of ${size} (rate in msg/s)`);
      }
    }

    if (groups.has("tail")) {
      log("HTTP JSONL tail, one connection:");
      const cases = tailFixtures.flatMap((fixture) => tailCases(env, fixture));
      const res = await runRounds(cases, cfg.rounds, log);
      for (const fixture of tailFixtures) {
        const key = `http tail ${fixture.label}`;
        const core = `core tailJsonl ${fixture.label}`;
        const mbs = (k) => med(res, k, "bytes") / med(res, k, "seconds") / 1e6;
        const small = fixture.label === "small";
        rows.push({
          name: `HTTP tail JSONL, 1 connection, ${formatCount(fixture.count)} ${small ? "small messages" : "1 KB events"}`,
          spool: res.get(key).rate,
          spoolText: `${rate(res.get(key).rate)} (${mbs(key).toFixed(0)} MB/s)`,
          baselineName: "core tailJsonl in the server process",
          baseline: res.get(core).rate,
          baselineText: `${rate(res.get(core).rate)} (${mbs(core).toFixed(0)} MB/s)`,
          ...(small ? { target: { kind: "atLeast", value: 300_000, label: "300k msg/s" } } : {}),
        });
        detail.push({
          what: `tail ${fixture.label} (rate in msg/s)`,
          rate: res.get(key).rate,
          serverCpu: med(res, key, "serverCpu"),
          clientCpu: med(res, key, "clientCpu"),
        });
      }
    }

    if (groups.has("producer")) {
      const sdk = await forkChild(SDK_LOAD, [], { name: "SDK load generator", ...loadCpu(cfg) });
      started.push(sdk);
      if (!sdk.info.hasProducer) {
        log("HTTP SDK producer: SKIPPED, the built @spool/client has no pool.producer()");
        notes.push(
          "- HTTP SDK producer rows: SKIPPED, the built @spool/client (packages/client/dist) has no `pool.producer()`; build the client with its producer and rerun",
        );
      } else {
        const c = cfg.sdkCallers;
        log(
          `HTTP SDK producer against plain SDK appends (${c} callers, ${cfg.seconds} s per run):`,
        );
        const res = await runRounds(sdkProducerCases({ ...env, sdk }), cfg.rounds, log);
        const plain = `sdk plain append, ${c} callers`;
        const producer = `sdk producer append, ${c} callers`;
        const latency = (key) =>
          `p50 ${formatMs(med(res, key, "p50"))}, p99 ${formatMs(med(res, key, "p99"))}`;
        rows.push({
          name: `HTTP SDK producer.append, ${c} concurrent callers`,
          spool: res.get(producer).rate,
          spoolText: `${rate(res.get(producer).rate)} (${latency(producer)})`,
          baselineName: `SDK pool.append, ${c} concurrent callers`,
          baseline: res.get(plain).rate,
          baselineText: `${rate(res.get(plain).rate)} (${latency(plain)})`,
        });
        addDetail(res, plain, `SDK pool.append, ${c} callers (rate in msg/s)`);
        addDetail(
          res,
          producer,
          `SDK producer.append, ${c} callers (rate in msg/s, CPU per message)`,
        );
        const retries = res.get(producer).details.reduce((sum, d) => sum + d.retries, 0);
        notes.push(
          `- HTTP SDK rows: @spool/client (built dist) in its own load process, ${c} concurrent callers each awaiting one append at a time of the ~1 KB events; producer: one \`pool.producer(id)\` shared by the callers, a new id per run, the server's state for it checked after each run to count every answered append once; plain: \`pool.append\`; each on its own full ${cfg.poolSize} pool; producer retries in the timed runs: ${retries}`,
        );
      }
    }

    if (groups.has("follow")) {
      log(`HTTP followers (${cfg.followers}) of a steady append stream:`);
      const f = await followersCase(env);
      const ok = f.complete === f.followers;
      const line = `  ${f.complete}/${f.followers} complete, ${f.deliveries} deliveries; ${formatCount(f.rate)} msg/s written; delay p50 ${formatMs(f.p50)}, p99 ${formatMs(f.p99)}, max ${formatMs(f.max)}; server CPU ${((f.serverCpu / f.windowSeconds) * 100).toFixed(0)}%, busiest client process ${f.clientCpu.toFixed(0)}%`;
      log(line);
      if (!ok) {
        log(
          `  FOLLOWER FAILURE: ${f.followers - f.complete} of ${f.followers} followers did not receive every message once and in order:`,
        );
        for (const p of f.problems) log(`    ${p}`);
      }
      const name = `${f.followers} HTTP followers × ${formatCount(f.rate)} msg/s`;
      rows.push(
        {
          name: `${name}: every message, once, in order`,
          spool: f.complete,
          spoolText: `${f.complete}/${f.followers} followers complete (${formatCount(f.deliveries)} deliveries)`,
          target: { kind: "check", pass: ok, label: "all delivered" },
        },
        { name: `${name}: delivery delay p50`, spool: f.p50, spoolText: formatMs(f.p50) },
        { name: `${name}: delivery delay p99`, spool: f.p99, spoolText: formatMs(f.p99) },
        { name: `${name}: delivery delay max`, spool: f.max, spoolText: formatMs(f.max) },
      );
      notes.push(
        `- HTTP followers: ${f.followers} tails from ${cfg.followerProcesses} client process(es), ${f.total} messages written by another process through core at ${formatCount(f.rate)} msg/s (${f.seconds.toFixed(1)} s); delays over ${f.measured} deliveries after the first ${cfg.followWarm} seqs; server CPU ${((f.serverCpu / f.windowSeconds) * 100).toFixed(0)}% of one core (from the first append until every follower finished), ${((f.serverCpu * 1e6) / Math.max(1, f.deliveries)).toFixed(1)} µs per delivery; busiest follower process ${f.clientCpu.toFixed(0)}% of one core${ok ? "" : `; FAILURES: ${f.problems.join("; ")}`}`,
      );
    }
  } finally {
    await Promise.all(started.map((child) => child.stop()));
    removeDir(dir);
  }

  notes.unshift(
    `- HTTP: @spool/http-server (createApp) on @hono/node-server in a child process, load from other child processes (autocannon ${cfg.connections.join("/")} connections, pipelining 1, ${cfg.seconds} s per run after a ${cfg.warmSeconds} s warm-up; tails read with node's http.get, newlines counted), all on 127.0.0.1; ${cfg.pin ? "server pinned to CPU 0, load processes to CPU 1" : "server and load processes share the machine's cores (not pinned)"}; ${cfg.rounds} interleaved round(s), median shown`,
  );
  return { rows: rows.map(buildRow), notes, details: detailTable(detail) };
}

function detailTable(detail) {
  if (detail.length === 0) return undefined;
  const lines = [
    "| HTTP case | rate | p50 | p99 | server CPU | server CPU per request | load generator CPU |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const d of detail) {
    const ms = (v) => (v === undefined || Number.isNaN(v) ? "—" : formatMs(v));
    const us = d.serverUs === undefined ? "—" : `${d.serverUs.toFixed(0)} µs`;
    lines.push(
      `| ${d.what} | ${formatCount(d.rate)}/s | ${ms(d.p50)} | ${ms(d.p99)} | ${pct(d.serverCpu)} | ${us} | ${pct(d.clientCpu)} |`,
    );
  }
  return lines.join("\n");
}
