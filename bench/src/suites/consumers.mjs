// The consumers suite: durable cursors and consumer groups (issue 14), side by side with the
// queues a user would otherwise pick. In process: a tail with a cursor acking each message,
// every 100th or by autoAck, against the plain tail; a group consumed one message at a time,
// in claims of 100 then an ack, and with the ack in the next claim, against a SQLite job queue
// and a Redis Streams consumer group (redis-server started here on a loopback port, once with
// AOF everysec and once without persistence; skipped with a note when it cannot start);
// competing member processes on one group; and the group routes of the HTTP server (its child
// process as in the HTTP suite). Every server and child is stopped in `finally`.
import { mkdirSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cursorCases } from "../cases/cursor.mjs";
import { groupCases, groupKeys, LOOPS } from "../cases/group.mjs";
import { memberCases } from "../cases/group-members.mjs";
import { httpGroupCases } from "../cases/http-group.mjs";
import { forkChild } from "../lib/ipc.mjs";
import { formatCount, median, nowMs, runRounds } from "../lib/measure.mjs";
import { REDIS_PERSISTENCE, redisVersion, startRedis } from "../lib/redis-server.mjs";
import { buildRow, rate } from "../lib/report.mjs";
import { RespClient } from "../lib/resp.mjs";
import { createPoolWith } from "../lib/spool.mjs";
import { freshDir, removeDir } from "../lib/tmp.mjs";

const SERVER = fileURLToPath(new URL("../children/http-server.mjs", import.meta.url));

export function consumersConfig(quick) {
  const scale = quick ? 0.1 : 1;
  const n = (count) => Math.max(200, Math.round(count * scale));
  return {
    rounds: quick ? 1 : 3,
    /** Messages of the shared pool: what the batch, member and HTTP cases consume per round. */
    count: n(40_000),
    /** Messages per round of the one-at-a-time loops (two commits or round trips each). */
    singleCount: n(5000),
    /** Untimed messages consumed before the first round of each case. */
    warm: n(2000),
    /** Tails of N per round in the cursor cases. */
    cursorPasses: quick ? 1 : 3,
    members: 4,
    poolSize: "64M",
    childTimeoutMs: 60_000,
  };
}

/** "83.5k msg/s (12.0 µs/msg)". */
function rateUs(value) {
  return `${rate(value)} (${(1e6 / value).toFixed(1)} µs/msg)`;
}

/** The median of 5 × 500 sequential PINGs, in µs: what one round trip to redis costs here. */
async function pingRoundTrip(port) {
  const client = await RespClient.connect(port);
  try {
    const runs = [];
    for (let k = 0; k < 5; k++) {
      const start = nowMs();
      for (let i = 0; i < 500; i++) await client.call("PING");
      runs.push(((nowMs() - start) * 1000) / 500);
    }
    return median(runs);
  } finally {
    client.close();
  }
}

/** Starts the Redis servers; answers { servers, skipped: [why] }. */
async function startRedisServers(log) {
  const servers = [];
  const skipped = [];
  for (const persistence of Object.keys(REDIS_PERSISTENCE)) {
    const r = await startRedis(persistence);
    if (r.skipped) {
      skipped.push(r.skipped);
      log(`  Redis (${REDIS_PERSISTENCE[persistence].label}): SKIPPED, ${r.skipped}`);
    } else {
      servers.push(r);
      log(`  redis-server ${r.version} (${r.label}) on 127.0.0.1:${r.port}`);
    }
  }
  return { servers, skipped };
}

/** Runs the consumers suite; `ctx` = { cfg, texts, log }. Returns { rows, notes }. */
export async function runConsumersSuite({ cfg, texts, log }) {
  const dir = freshDir("consumers");
  const started = [];
  const notes = [];
  const rows = [];
  let pool;
  let agent;
  try {
    const all = Array.from({ length: cfg.count }, (_, i) => texts[i % texts.length]);
    const poolPath = join(dir, "consume.spool");
    pool = createPoolWith(poolPath, cfg.poolSize, all);
    const httpDir = join(dir, "http");
    const httpPool = "consume";
    mkdirSync(httpDir);
    createPoolWith(join(httpDir, `${httpPool}.spool`), cfg.poolSize, all).close();
    const fx = {
      pool,
      poolPath,
      count: cfg.count,
      texts,
      dbPath: (tag) => join(dir, `${tag}.db`),
    };

    log("consumers: starting redis-server");
    const redis = await startRedisServers(log);
    started.push(...redis.servers);

    const pingUs =
      redis.servers.length > 0 ? await pingRoundTrip(redis.servers[0].port) : undefined;
    if (pingUs !== undefined)
      log(`  PING round trip with the bench's client: ${pingUs.toFixed(0)} µs`);

    log(`durable cursor, tail of ${formatCount(cfg.count)} messages:`);
    const cursor = await runRounds(cursorCases(cfg, fx), cfg.rounds, log);
    log("consumer group, one consumer in process:");
    const group = await runRounds(groupCases(cfg, fx, redis.servers), cfg.rounds, log);
    log(`consumer group, ${cfg.members} competing processes:`);
    const members = await runRounds(memberCases(cfg, fx, redis.servers), cfg.rounds, log);

    log("consumer group over HTTP:");
    const server = await forkChild(SERVER, [httpDir], { name: "http server" });
    started.push(server);
    agent = new http.Agent({ keepAlive: true, maxSockets: cfg.members });
    const httpEnv = {
      cfg,
      server,
      agent,
      spoolUrl: `http://127.0.0.1:${server.info.spoolPort}`,
      pool: httpPool,
      count: cfg.count,
    };
    const overHttp = await runRounds(httpGroupCases(httpEnv), cfg.rounds, log);

    // Rows.
    const r = (results, key) => results.get(key).rate;
    const plain = r(cursor, "plain tail (no cursor)");
    for (const [key, what] of [
      ["cursor, ack each", "follow + cursor.ack(seq) per message"],
      ["cursor, ack every 100", "follow + cursor.ack every 100th message"],
      ["cursor, autoAck", "follow with autoAck (the tail acks each message)"],
    ]) {
      rows.push({
        name: `cursor: ${what}`,
        spool: r(cursor, key),
        spoolText: rateUs(r(cursor, key)),
        baselineName: "plain tail, no cursor",
        baseline: plain,
        baselineText: rateUs(plain),
      });
    }
    const redisName = (s) =>
      `Redis Streams ${s.persistence === "aof" ? "AOF everysec" : "no persistence"}`;
    const redisLoop = {
      one: "XREADGROUP COUNT 1, then XACK",
      batch: "XREADGROUP COUNT 100, then XACK",
      combined: "XACK pipelined with the next XREADGROUP COUNT 100",
    };
    const sqliteLoop = {
      one: "SQLite job queue: claim tx, then ack tx, per job",
      batch: "SQLite job queue: claim tx of 100, then ack tx of 100",
      combined: "SQLite job queue: ack previous + claim 100, one tx",
    };
    for (const loop of Object.keys(LOOPS)) {
      const keys = groupKeys(loop, redis.servers);
      const spool = r(group, keys.spool);
      const name = `group in process: ${LOOPS[loop].label}`;
      const row = { name, spool, spoolText: rateUs(spool) };
      rows.push({
        ...row,
        baselineName: sqliteLoop[loop],
        baseline: r(group, keys.sqlite),
        baselineText: rateUs(r(group, keys.sqlite)),
      });
      for (const s of redis.servers) {
        const b = r(group, keys.redis[s.persistence]);
        rows.push({
          ...row,
          baselineName: `${redisName(s)}: ${redisLoop[loop]}`,
          baseline: b,
          baselineText: rateUs(b),
        });
      }
    }
    const m = cfg.members;
    const spoolMembers = r(members, `spool ${m} member processes`);
    const memberRow = {
      name: `group, ${m} member processes competing (total)`,
      spool: spoolMembers,
      spoolText: rateUs(spoolMembers),
    };
    rows.push({
      ...memberRow,
      baselineName: "Spool, 1 member process",
      baseline: r(members, "spool 1 member process"),
      baselineText: rateUs(r(members, "spool 1 member process")),
    });
    rows.push({
      ...memberRow,
      baselineName: `SQLite job queue, ${m} processes`,
      baseline: r(members, `sqlite ${m} processes`),
      baselineText: rateUs(r(members, `sqlite ${m} processes`)),
    });
    for (const s of redis.servers) {
      const b = r(members, `redis ${s.persistence} ${m} consumer processes`);
      rows.push({
        ...memberRow,
        baselineName: `${redisName(s)}, ${m} consumer processes`,
        baseline: b,
        baselineText: rateUs(b),
      });
    }
    const h = (key) => r(overHttp, key);
    const httpCombined = h("http claim(100, ack in claim), 1 worker");
    const httpSeparate = h("http claim(100) + ack request, 1 worker");
    const httpMany = h(`http claim(100, ack in claim), ${m} workers`);
    const coreCombined = r(group, groupKeys("combined", redis.servers).spool);
    const combinedRow = {
      name: "group over HTTP: POST claim {max: 100, ack: previous}, 1 worker",
      spool: httpCombined,
      spoolText: rateUs(httpCombined),
    };
    rows.push({
      ...combinedRow,
      baselineName: "core claim(100, ack: previous) in process",
      baseline: coreCombined,
      baselineText: rateUs(coreCombined),
    });
    for (const s of redis.servers) {
      const b = r(group, groupKeys("combined", redis.servers).redis[s.persistence]);
      rows.push({
        ...combinedRow,
        baselineName: `${redisName(s)}: ${redisLoop.combined}`,
        baseline: b,
        baselineText: rateUs(b),
      });
    }
    const separateRow = {
      name: "group over HTTP: POST claim {max: 100}, then POST ack, 1 worker",
      spool: httpSeparate,
      spoolText: rateUs(httpSeparate),
    };
    rows.push({
      ...separateRow,
      baselineName: "HTTP claim with the ack in it",
      baseline: httpCombined,
      baselineText: rateUs(httpCombined),
    });
    for (const s of redis.servers) {
      const b = r(group, groupKeys("batch", redis.servers).redis[s.persistence]);
      rows.push({
        ...separateRow,
        baselineName: `${redisName(s)}: ${redisLoop.batch}`,
        baseline: b,
        baselineText: rateUs(b),
      });
    }
    rows.push({
      name: `group over HTTP: POST claim {max: 100, ack: previous}, ${m} workers (total)`,
      spool: httpMany,
      spoolText: rateUs(httpMany),
      baselineName: "the same, 1 worker",
      baseline: httpCombined,
      baselineText: rateUs(httpCombined),
    });

    // Notes.
    const serverUs = (key) =>
      median(overHttp.get(key).details.map((d) => d.serverUsPerMessage)).toFixed(1);
    const serverCpu = (key) => median(overHttp.get(key).details.map((d) => d.serverCpu)).toFixed(0);
    const version = redis.servers[0]?.version ?? redisVersion();
    const split = (key) =>
      members
        .get(key)
        .details.map((d) => d.perMember.join("/"))
        .join(", ");
    notes.push(
      `- consumers: Spool pool of ${cfg.poolSize} holding ${formatCount(cfg.count)} of the ~1 KB events (durability fast: page cache, no fsync); every round consumes ${formatCount(cfg.count)} messages (one-at-a-time loops: ${formatCount(cfg.singleCount)}) through a new cursor or group from seq 1 (cursor cases: ${cfg.cursorPasses} such tails per round); messages are not decoded (Spool hands over the stored bytes, Redis the bulk string's bytes, SQLite a JS string); ${cfg.rounds} interleaved round(s), median shown, after ${formatCount(cfg.warm)} untimed messages per case`,
    );
    notes.push(
      redis.servers.length > 0
        ? `- Redis peer: redis-server ${version} on 127.0.0.1 (a free port), started and stopped by the bench: ${redis.servers.map((s) => `${s.label}${s.persistence === "aof" ? " (appendonly yes: every command written to the log, fsynced once a second)" : " (appendonly no)"}`).join("; ")}; RDB saves off (save "") and automatic AOF rewrites off in both, so no fork lands in a timed run; client: the bench's own pipelined RESP2 client (src/lib/resp.mjs) in the bench process${pingUs === undefined ? "" : `, one PING round trip ${pingUs.toFixed(0)} µs (median of 5 × 500)`}; XADD prefill untimed; consumers have no lease (pending until XACK)${redis.skipped.length ? `; SKIPPED: ${redis.skipped.join("; ")}` : ""}`
        : `- Redis rows SKIPPED: ${[...new Set(redis.skipped)].join("; ")}`,
    );
    notes.push(
      "- SQLite job queue: better-sqlite3, WAL, synchronous=NORMAL, busy_timeout 10 s; `jobs(id INTEGER PRIMARY KEY, data, status, lease_until, attempt, member)`; claim = BEGIN IMMEDIATE + `UPDATE … WHERE id IN (SELECT id … WHERE status = 0 OR lease_until < now ORDER BY id LIMIT n) RETURNING`; ack = `DELETE … WHERE id = ? AND attempt = ?` (one transaction per batch); refilled untimed each round",
    );
    notes.push(
      `- group members: ${m} child processes, each warmed up on a group (stream, database) of its own, then started together; each claims 100 with the previous 100 acked in the same step (Spool: sync \`claim({ max: 100, ack })\`, which waits for the writer lock in core's native loop: flock retried between yields for ~100 µs, then between sleeps of 20 µs doubling to 1 ms) until nothing is left; total messages / (last end − first start); messages claimed by each member per round: ${["spool", "sqlite", ...redis.servers.map((s) => `redis ${s.persistence}`)].map((k) => `${k} ${split(k === "spool" ? `spool ${m} member processes` : k === "sqlite" ? `sqlite ${m} processes` : `${k} ${m} consumer processes`)}`).join("; ")}`,
    );
    notes.push(
      `- group over HTTP: @spool/http-server (createApp) on @hono/node-server in a child process (not pinned), workers in the bench process on keep-alive connections (node's http client, JSON answers parsed); server CPU per message: ${serverUs("http claim(100, ack in claim), 1 worker")} µs (ack in claim, 1 worker; ${serverCpu("http claim(100, ack in claim), 1 worker")}% of a core), ${serverUs("http claim(100) + ack request, 1 worker")} µs (claim + ack requests), ${serverUs(`http claim(100, ack in claim), ${m} workers`)} µs (${m} workers; ${serverCpu(`http claim(100, ack in claim), ${m} workers`)}% of a core). In-process Spool rows make no round trip; the Redis and HTTP rows make one (or two) per batch over loopback`,
    );
  } finally {
    agent?.destroy();
    pool?.close();
    await Promise.all(started.map((s) => s.stop()));
    removeDir(dir);
  }
  return { rows: rows.map(buildRow), notes };
}
