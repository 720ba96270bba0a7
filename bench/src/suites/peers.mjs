// The peers suite (issue 16): Spool side by side with the stores a user would otherwise reach
// for to carry a stream of events, measured in one run on the same machine. Redis Streams
// (redis-server started here on a loopback port, AOF on with appendfsync no: the page-cache
// durability of Spool's `fast`): XADD one by one and pipelined against Spool's appendAsync in
// process (each awaited, and a window in flight) and its HTTP append (1 connection, and
// several); XRANGE of N entries in pages against Spool's replay in process and its JSONL tail
// over HTTP. The Durable Streams reference server (@durable-streams/server, in a child process
// of its own, once with its in-memory store and once with its file-backed one): its JSON-mode
// append against Spool's HTTP append of the matching durability (`fast` against the in-memory
// store, `flush` against the file-backed store, which fdatasyncs each append), and its catch-up
// read of N messages against Spool's JSONL tail of N. A peer that cannot start is logged and
// reported as one SKIPPED row and a note; the rest goes on. Invariants: every server, child,
// connection and pool opened here is stopped or closed in `finally`, the temp dirs removed;
// every loop is bounded by its count (or autocannon's duration); every read checks its count.
import { mkdirSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { appendBody } from "../cases/http-requests.mjs";
import {
  createStream,
  DS_STORES,
  fillStream,
  startDurableStreams,
} from "../lib/durable-streams.mjs";
import { forkChild } from "../lib/ipc.mjs";
import { formatCount, formatMs, median, nowMs, runRounds } from "../lib/measure.mjs";
import { startRedis } from "../lib/redis-server.mjs";
import {
  pageCachePersistence,
  xaddCommand,
  xaddPipelined,
  xrangeAll,
} from "../lib/redis-streams.mjs";
import { buildRow, rate } from "../lib/report.mjs";
import { RespClient, text } from "../lib/resp.mjs";
import { createFullPool, createPoolWith } from "../lib/spool.mjs";
import { freshDir, removeDir } from "../lib/tmp.mjs";

const SERVER = fileURLToPath(new URL("../children/http-server.mjs", import.meta.url));
const LOAD = fileURLToPath(new URL("../children/http-load.mjs", import.meta.url));
const READER = fileURLToPath(new URL("../children/peer-reader.mjs", import.meta.url));

export function peersConfig(quick) {
  const scale = quick ? 0.1 : 1;
  const n = (count) => Math.max(100, Math.round(count * scale));
  return {
    rounds: quick ? 1 : 3,
    /** Appends per round of the one-at-a-time cases in process and on Redis. */
    seqCount: n(5000),
    /** Appends per round of the windowed / pipelined cases. */
    pipeCount: n(50_000),
    /** Appends in flight (Spool) and XADDs per pipeline write (Redis). */
    window: 256,
    /** Untimed appends per in-process / Redis case before the first round. */
    warm: n(1000),
    /** Connection counts of the HTTP append cases (autocannon, pipelining 1). */
    connections: [1, 16],
    seconds: quick ? 1 : 2,
    warmSeconds: quick ? 0 : 1,
    poolSize: quick ? "16M" : "64M",
    /** Messages of every replay / catch-up read. */
    readCount: n(50_000),
    readPoolSize: quick ? "16M" : "128M",
    xrangePage: 1000,
    readTimeoutMs: 60_000,
  };
}

/** "5.21k msg/s (192 µs/msg)". */
function rateUs(value) {
  return `${rate(value)} (${(1e6 / value).toFixed(1)} µs/msg)`;
}

/** Runs `op(i)` for i = 0..count-1 with at most `window` in flight; answers seconds. */
async function inFlight(count, window, op) {
  let next = 0;
  const start = nowMs();
  const lanes = Array.from({ length: Math.min(window, count) }, async () => {
    while (next < count) await op(next++);
  });
  await Promise.all(lanes);
  return (nowMs() - start) / 1000;
}

async function timed(fn) {
  const start = nowMs();
  const value = await fn();
  return { value, seconds: (nowMs() - start) / 1000 };
}

/** Redis's own CPU seconds (user + sys) from INFO cpu. */
async function redisCpu(client) {
  const info = text(await client.call("INFO", "cpu"));
  const field = (name) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? Number.NaN);
  return field("used_cpu_user") + field("used_cpu_sys");
}

const cpuSeconds = (before, after) =>
  (after.user - before.user + after.system - before.system) / 1e6;

/** The in-process Spool and Redis cases (appends and replays); `fx` holds pools and the client. */
function inProcessCases(cfg, fx) {
  const { appendPool, replayPool, redis, ev, json } = fx;
  const cmd = (i) => xaddCommand(fx.appendKey, fx.cap, json(i));
  const redisCase = (key, ops, run) => ({
    key,
    run: async () => {
      const before = await redisCpu(redis);
      const { seconds } = await timed(run);
      const cpu = (await redisCpu(redis)) - before;
      return { ops, seconds, serverUsPerOp: (cpu * 1e6) / ops };
    },
  });
  return [
    {
      key: "spool appendAsync, each awaited",
      setup: () => inFlight(cfg.warm, 1, (i) => appendPool.appendAsync(ev(i))),
      run: async () => {
        const { seconds } = await timed(() =>
          inFlight(cfg.seqCount, 1, (i) => appendPool.appendAsync(ev(i))),
        );
        return { ops: cfg.seqCount, seconds };
      },
    },
    {
      ...redisCase("redis XADD, each awaited", cfg.seqCount, () =>
        inFlight(cfg.seqCount, 1, (i) => redis.call(...cmd(i))),
      ),
      setup: () => inFlight(cfg.warm, 1, (i) => redis.call(...cmd(i))),
    },
    {
      key: `spool appendAsync, ${cfg.window} in flight`,
      run: async () => {
        const { seconds } = await timed(() =>
          inFlight(cfg.pipeCount, cfg.window, (i) => appendPool.appendAsync(ev(i))),
        );
        return { ops: cfg.pipeCount, seconds };
      },
    },
    redisCase(`redis XADD pipelined ${cfg.window}`, cfg.pipeCount, () =>
      xaddPipelined(redis, fx.appendKey, fx.cap, cfg.pipeCount, cfg.window, json),
    ),
    {
      key: "spool tail replay",
      run: async () => {
        const { value, seconds } = await timed(async () => {
          let seen = 0;
          for await (const m of replayPool.tail({ since: 1, follow: false })) {
            if (m.seq !== ++seen) throw new Error(`spool tail: seq ${m.seq}, expected ${seen}`);
          }
          return seen;
        });
        if (value !== cfg.readCount)
          throw new Error(`spool tail: ${value} messages, expected ${cfg.readCount}`);
        return { ops: value, seconds };
      },
    },
    redisCase("redis XRANGE pages", cfg.readCount, () =>
      xrangeAll(redis, fx.replayKey, cfg.readCount, cfg.xrangePage),
    ),
  ];
}

/**
 * An autocannon case against `url` on `target` (a forked server answering `cpu`): an untimed
 * warm-up in setup, one timed run per round with the server's CPU read around it.
 */
function cannonCase(key, env, target, { url, body, connections }) {
  const { cfg, load } = env;
  const options = {
    url,
    method: "POST",
    body,
    headers: { "content-type": "application/json" },
    connections,
  };
  return {
    key,
    setup: async () => {
      if (cfg.warmSeconds > 0) await load.call("cannon", { ...options, duration: cfg.warmSeconds });
    },
    run: async () => {
      const before = await target.call("cpu");
      const r = await load.call("cannon", { ...options, duration: cfg.seconds });
      const cpu = cpuSeconds(before, await target.call("cpu"));
      return {
        ops: r.requests,
        seconds: r.seconds,
        p50: r.p50,
        p99: r.p99,
        serverUsPerOp: (cpu * 1e6) / r.requests,
      };
    },
  };
}

/** A catch-up read case: the reader child GETs `url` and checks `expect` messages of `format`. */
function readCase(key, env, target, { url, format }) {
  const { cfg, reader } = env;
  const job = { url, format, expect: cfg.readCount, timeoutMs: cfg.readTimeoutMs };
  return {
    key,
    setup: () => reader.call("read", job),
    run: async () => {
      const before = await target.call("cpu");
      const r = await reader.call("read", job);
      const cpu = cpuSeconds(before, await target.call("cpu"));
      return {
        ops: r.messages,
        seconds: r.seconds,
        bytes: r.bytes,
        serverUsPerOp: (cpu * 1e6) / r.messages,
      };
    },
  };
}

/** The HTTP cases: Spool's appends and tail, and each started Durable Streams store's. */
function httpCases(cfg, env, ds) {
  const { spool, spoolUrl, texts } = env;
  const cases = [];
  const fastBody = appendBody(texts[0]);
  const flushBody = `{"data":${texts[0]},"durability":"flush"}`;
  for (const c of cfg.connections) {
    cases.push(
      cannonCase(`spool append fast, ${c} conns`, env, spool, {
        url: `${spoolUrl}/v0/pools/append/append`,
        body: fastBody,
        connections: c,
      }),
    );
    if (ds.file) {
      cases.push(
        cannonCase(`spool append flush, ${c} conns`, env, spool, {
          url: `${spoolUrl}/v0/pools/append-flush/append`,
          body: flushBody,
          connections: c,
        }),
      );
    }
    for (const store of Object.values(ds)) {
      cases.push(
        cannonCase(`ds ${store.mode} append, ${c} conns`, env, store.server, {
          url: store.appendUrl,
          body: texts[0],
          connections: c,
        }),
      );
    }
  }
  cases.push(
    readCase("spool http tail", env, spool, {
      url: `${spoolUrl}/v0/pools/replay/tail?since_seq=1&max=${cfg.readCount}`,
      format: "jsonl",
    }),
  );
  for (const store of Object.values(ds)) {
    cases.push(
      readCase(`ds ${store.mode} catch-up read`, env, store.server, {
        url: `${store.replayUrl}?offset=-1`,
        format: "json-array",
      }),
    );
  }
  return cases;
}

/** Starts both Durable Streams stores and prepares their streams; answers { stores, skipped }. */
async function startDsStores(cfg, dir, texts, started, log) {
  const stores = {};
  const skipped = [];
  for (const mode of Object.keys(DS_STORES)) {
    const dataDir = join(dir, `ds-${mode}`);
    mkdirSync(dataDir);
    const ds = await startDurableStreams(mode, dataDir);
    if (ds.skipped) {
      log(`  Durable Streams (${DS_STORES[mode].label}): SKIPPED, ${ds.skipped}`);
      skipped.push({ mode, why: ds.skipped });
      continue;
    }
    started.push(ds.server);
    log(`  @durable-streams/server ${ds.version} (${ds.label}) on ${ds.url}`);
    ds.appendUrl = await createStream(ds.url, "append");
    ds.replayUrl = await createStream(ds.url, "replay");
    await fillStream(ds.replayUrl, texts, cfg.readCount);
    stores[mode] = ds;
  }
  return { stores, skipped };
}

const skippedRow = (name, why) => ({ name, spool: Number.NaN, spoolText: `SKIPPED: ${why}` });

/** Runs the peers suite; `ctx` = { cfg, events, texts, log }. Returns { rows, notes }. */
export async function runPeersSuite({ cfg, events, texts, log }) {
  const dir = freshDir("peers");
  const started = [];
  const pools = [];
  const rows = [];
  const notes = [];
  const loadStart = loadavg()[0];
  let redis;
  try {
    const ev = (i) => events[i % events.length];
    const json = (i) => JSON.stringify(ev(i));
    const readTexts = Array.from({ length: cfg.readCount }, (_, i) => texts[i % texts.length]);

    // Spool pools: in process, and the HTTP server's directory.
    log("peers: preparing pools");
    const appendPool = createFullPool(join(dir, "append.spool"), cfg.poolSize, texts);
    pools.push(appendPool);
    const cap = appendPool.info().messageCount;
    const replayPool = createPoolWith(join(dir, "replay.spool"), cfg.readPoolSize, readTexts);
    pools.push(replayPool);
    const httpDir = join(dir, "http");
    mkdirSync(httpDir);
    createFullPool(join(httpDir, "append.spool"), cfg.poolSize, texts).close();
    createFullPool(join(httpDir, "append-flush.spool"), cfg.poolSize, texts).close();
    createPoolWith(join(httpDir, "replay.spool"), cfg.readPoolSize, readTexts).close();

    // Redis.
    log("peers: starting redis-server");
    const r = await startRedis("aof");
    let redisInfo;
    if (r.skipped) {
      log(`  Redis: SKIPPED, ${r.skipped}`);
      rows.push(skippedRow("Redis Streams rows", r.skipped));
      notes.push(`- peers: Redis Streams rows SKIPPED: ${r.skipped}`);
    } else {
      started.push(r);
      redis = await RespClient.connect(r.port);
      const setting = await pageCachePersistence(redis);
      redisInfo = { ...r, setting };
      log(
        `  redis-server ${r.version} on 127.0.0.1:${r.port}, appendonly ${setting.appendonly}, appendfsync ${setting.appendfsync}`,
      );
    }

    let inProc;
    if (redisInfo) {
      const fx = { appendPool, replayPool, redis, ev, json, cap };
      fx.appendKey = "peers:append";
      fx.replayKey = "peers:replay";
      log(`  filling Redis streams: ${formatCount(cap)} + ${formatCount(cfg.readCount)} entries`);
      await xaddPipelined(redis, fx.appendKey, cap, cap, 1000, json);
      await xaddPipelined(
        redis,
        fx.replayKey,
        cfg.readCount * 2,
        cfg.readCount,
        1000,
        (i) => readTexts[i],
      );
      log("peers: in process and Redis, interleaved rounds:");
      inProc = await runRounds(inProcessCases(cfg, fx), cfg.rounds, log);
    }

    // HTTP: the Durable Streams stores, Spool's server, the load generator, the reader.
    log("peers: starting the Durable Streams reference server");
    const ds = await startDsStores(cfg, dir, readTexts, started, log);
    for (const s of ds.skipped) {
      rows.push(skippedRow(`Durable Streams rows (${DS_STORES[s.mode].label})`, s.why));
      notes.push(`- peers: Durable Streams rows (${DS_STORES[s.mode].label}) SKIPPED: ${s.why}`);
    }
    if (!redisInfo && Object.keys(ds.stores).length === 0) {
      log("peers: no peer started; nothing to compare Spool's HTTP figures with");
      return { rows: rows.map(buildRow), notes };
    }
    log("peers: starting the Spool HTTP server, the load generator, the reader");
    const spool = await forkChild(SERVER, [httpDir], { name: "http server" });
    started.push(spool);
    const load = await forkChild(LOAD, [], { name: "load generator" });
    started.push(load);
    const reader = await forkChild(READER, [], { name: "peer reader" });
    started.push(reader);
    const env = {
      cfg,
      spool,
      load,
      reader,
      texts,
      spoolUrl: `http://127.0.0.1:${spool.info.spoolPort}`,
    };
    log(`peers: HTTP appends (${cfg.seconds} s per run) and catch-up reads, interleaved rounds:`);
    const overHttp = await runRounds(httpCases(cfg, env, ds.stores), cfg.rounds, log);

    addRows(rows, cfg, { inProc, overHttp, redisInfo, ds: ds.stores });
    addNotes(notes, cfg, { inProc, overHttp, redisInfo, ds: ds.stores, cap, loadStart });
  } finally {
    redis?.close();
    for (const pool of pools) pool.close();
    await Promise.all(started.map((s) => s.stop()));
    removeDir(dir);
  }
  return { rows: rows.map(buildRow), notes };
}

const med = (results, key, field) => median(results.get(key).details.map((d) => d[field]));

function addRows(rows, cfg, { inProc, overHttp, redisInfo, ds }) {
  const [one, many] = cfg.connections;
  const h = (key) => overHttp.get(key).rate;
  const httpText = (key) => `${rate(h(key), "req/s")} (p50 ${formatMs(med(overHttp, key, "p50"))})`;
  const readText = (results, key) => {
    const mbs = med(results, key, "bytes") / med(results, key, "seconds") / 1e6;
    return `${rateUs(results.get(key).rate)}, ${mbs.toFixed(0)} MB/s`;
  };
  const spoolFast = (c) => `spool append fast, ${c} conns`;
  const n = formatCount(cfg.readCount);

  if (redisInfo) {
    const p = (key) => inProc.get(key).rate;
    const peer = `Redis ${redisInfo.version} Streams (AOF, appendfsync no)`;
    const xaddOne = {
      baselineName: `${peer}: XADD, each awaited`,
      key: "redis XADD, each awaited",
    };
    const xaddPipe = {
      baselineName: `${peer}: XADD pipelined, ${cfg.window} per write`,
      key: `redis XADD pipelined ${cfg.window}`,
    };
    const xrange = {
      baselineName: `${peer}: XRANGE, COUNT ${cfg.xrangePage} pages`,
      key: "redis XRANGE pages",
    };
    const vs = ({ baselineName, key }) => ({
      baselineName,
      baseline: p(key),
      baselineText: rateUs(p(key)),
    });
    const spoolRow = (name, value, spoolText) => ({ name, spool: value, spoolText });
    rows.push(
      {
        ...spoolRow(
          "peers: append in process, each awaited (appendAsync)",
          p("spool appendAsync, each awaited"),
          rateUs(p("spool appendAsync, each awaited")),
        ),
        ...vs(xaddOne),
      },
      {
        ...spoolRow(
          `peers: append in process, ${cfg.window} in flight (appendAsync)`,
          p(`spool appendAsync, ${cfg.window} in flight`),
          rateUs(p(`spool appendAsync, ${cfg.window} in flight`)),
        ),
        ...vs(xaddPipe),
      },
      {
        ...spoolRow(
          `peers: append over HTTP, ${one} connection`,
          h(spoolFast(one)),
          httpText(spoolFast(one)),
        ),
        ...vs(xaddOne),
      },
      {
        ...spoolRow(
          `peers: append over HTTP, ${many} connections`,
          h(spoolFast(many)),
          httpText(spoolFast(many)),
        ),
        ...vs(xaddPipe),
      },
      {
        ...spoolRow(
          `peers: replay ${n} in process, tail({ since: 1, follow: false })`,
          p("spool tail replay"),
          rateUs(p("spool tail replay")),
        ),
        ...vs(xrange),
      },
      {
        ...spoolRow(
          `peers: replay ${n} over HTTP, JSONL tail`,
          h("spool http tail"),
          readText(overHttp, "spool http tail"),
        ),
        ...vs(xrange),
      },
    );
  }

  const ahead = { kind: "ratioAtLeast", value: 1.0 };
  for (const store of Object.values(ds)) {
    const peer = `Durable Streams ${store.version} (${store.label})`;
    const durability = store.mode === "file" ? "flush" : "fast";
    for (const c of cfg.connections) {
      const spoolKey = `spool append ${durability}, ${c} conns`;
      const dsKey = `ds ${store.mode} append, ${c} conns`;
      rows.push({
        name: `peers: HTTP append (${durability}), ${c} connection${c === 1 ? "" : "s"}`,
        spool: h(spoolKey),
        spoolText: httpText(spoolKey),
        baselineName: `${peer}: POST JSON, ${c} connection${c === 1 ? "" : "s"}`,
        baseline: h(dsKey),
        baselineText: httpText(dsKey),
        target: ahead,
      });
    }
    const dsRead = `ds ${store.mode} catch-up read`;
    rows.push({
      name: `peers: catch-up read of ${n} over HTTP, Spool JSONL tail`,
      spool: h("spool http tail"),
      spoolText: readText(overHttp, "spool http tail"),
      baselineName: `${peer}: GET ?offset=-1 (one JSON array)`,
      baseline: h(dsRead),
      baselineText: readText(overHttp, dsRead),
      target: ahead,
    });
  }
}

function addNotes(notes, cfg, { inProc, overHttp, redisInfo, ds, cap, loadStart }) {
  const us = (results, key) => `${med(results, key, "serverUsPerOp").toFixed(1)} µs`;
  const perRound = (results, key) =>
    results
      .get(key)
      .rates.map((x) => formatCount(x))
      .join("/");
  notes.push(
    `- peers: Spool pools of ${cfg.poolSize} filled until they wrapped (appends evict, as in a full pool; ${formatCount(cap)} events each) and of ${cfg.readPoolSize} holding exactly the ${formatCount(cfg.readCount)} events replayed; durability fast (page cache, no fsync) unless a row says flush; ${cfg.rounds} interleaved round(s), median shown; 1-min load average ${loadStart.toFixed(2)} at the suite's start, ${loadavg()[0].toFixed(2)} at its end (other work on the machine shares the cores)`,
  );
  if (redisInfo) {
    const s = redisInfo.setting;
    notes.push(
      `- peers, Redis: redis-server ${redisInfo.version} started by the bench on 127.0.0.1 (a free port) as \`--appendonly yes --appendfsync everysec --save "" --auto-aof-rewrite-percentage 0\`, then \`CONFIG SET appendfsync no\`; the server then reported appendonly ${s.appendonly}, appendfsync ${s.appendfsync}, save "${s.save}", auto-aof-rewrite-percentage ${s.rewrite}: every XADD is written to the AOF (the page cache) before its reply and never fsynced by Redis, no RDB snapshot and no rewrite fork in a timed run — the durability class of Spool's fast. Entries: \`XADD key MAXLEN ~ ${formatCount(cap)} * data <JSON.stringify(event)>\` (the stream kept about as long as the pool, pre-filled untimed to that length so trimming runs from the first timed XADD); ${formatCount(cfg.seqCount)} awaited one by one and ${formatCount(cfg.pipeCount)} in pipelines of ${cfg.window} (one write, then its replies) per round; replay: \`XRANGE key - + COUNT ${cfg.xrangePage}\` then from \`(lastId\` over ${formatCount(cfg.readCount)} entries, values not decoded. Client: the bench's RESP2 client (src/lib/resp.mjs) in the bench process, next to Spool's in-process pools (Spool makes no round trip in process; Redis one per command or pipeline). Redis CPU per entry (INFO cpu): ${us(inProc, "redis XADD, each awaited")} awaited, ${us(inProc, `redis XADD pipelined ${cfg.window}`)} pipelined, ${us(inProc, "redis XRANGE pages")} per entry read. Per round: XADD awaited ${perRound(inProc, "redis XADD, each awaited")}, Spool awaited ${perRound(inProc, "spool appendAsync, each awaited")} msg/s`,
    );
  }
  const [one, many] = cfg.connections;
  const spoolUs = cfg.connections
    .map((c) => `${us(overHttp, `spool append fast, ${c} conns`)} (fast, ${c} conn.)`)
    .join(", ");
  notes.push(
    `- peers, HTTP: Spool = @spool/http-server (createApp) on @hono/node-server in a child process (as the HTTP suite starts it), \`POST /v0/pools/{pool}/append\` with \`{"data": event}\` (flush rows add \`"durability":"flush"\`: fdatasync before the answer); load from autocannon in another child (${one} and ${many} connections, pipelining 1, the same ~1 KB event in every request, ${cfg.seconds} s per run after a ${cfg.warmSeconds} s warm-up), all on 127.0.0.1, not pinned; catch-up reads by a reader child of their own (node's http.get, no Accept-Encoding), timed to the last byte, the count checked afterwards (Spool: \`GET /v0/pools/{pool}/tail?since_seq=1&max=${cfg.readCount}\`, JSONL; Durable Streams: one JSON array). Server CPU per request: Spool ${spoolUs}, ${us(overHttp, "spool http tail")} per message tailed${ds.file ? `; flush ${cfg.connections.map((c) => `${us(overHttp, `spool append flush, ${c} conns`)} (${c} conn.)`).join(", ")}` : ""}`,
  );
  const stores = Object.values(ds);
  if (stores.length > 0) {
    const version = stores[0].version;
    const cpu = stores
      .map(
        (s) =>
          `${s.label}: ${cfg.connections.map((c) => `${us(overHttp, `ds ${s.mode} append, ${c} conns`)} (${c} conn.)`).join(", ")} per append, ${us(overHttp, `ds ${s.mode} catch-up read`)} per message read`,
      )
      .join("; ");
    notes.push(
      `- peers, Durable Streams: @durable-streams/server ${version} (the protocol's Node.js reference server, \`new DurableStreamTestServer({ host: "127.0.0.1", port: 0 })\`, otherwise its defaults) in a child process of its own, started twice: ${stores.map((s) => DS_STORES[s.mode].persistence).join("; and ")}. Streams created in JSON mode (\`PUT /{name}\`, content-type application/json), appends \`POST /{name}\` with the event as the body (one JSON value = one message; the server parses and re-serialises it, answers 204), catch-up read \`GET /{name}?offset=-1\` of a stream filled untimed with the same ${formatCount(cfg.readCount)} events (the whole stream in one response, a JSON array). Spool's fast append is compared with the in-memory store (Spool keeps more: the page cache survives a crash of the server process) and its flush append with the file-backed store (both sync each append before answering). Server CPU: ${cpu}`,
    );
  }
}
