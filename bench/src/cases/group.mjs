// Consumer-group cases in process, one consumer: Spool's `pool.group(name)` (claim + ack one
// message at a time; claim({ max: 100 }) then ack of the batch; claim({ max: 100, ack:
// previous }), one commit per batch), against the same three loops on a SQLite job queue (one
// transaction per claim, per ack, or per ack + next claim) and on a Redis Streams consumer
// group (XREADGROUP COUNT 1|100 then XACK: two round trips; XACK pipelined with the next
// XREADGROUP: one), for each Redis server started (AOF everysec, no persistence). Every round
// starts from N unconsumed messages (a new Spool group from seq 1 on the shared pool; SQLite
// and Redis refilled untimed) and checks after it that everything claimed was acked and nothing
// is left in flight (a wrong count fails the run). Messages are not decoded.

import { openJobQueue } from "../lib/job-queue.mjs";
import { nowMs } from "../lib/measure.mjs";
import {
  ackAndRead,
  ackEntries,
  createGroup,
  pendingCount,
  prefillStream,
  readGroup,
} from "../lib/redis-queue.mjs";
import { RespClient } from "../lib/resp.mjs";

let groups = 0;

/** The three loops: `one` (1 at a time), `batch` (100, then ack), `combined` (ack in the claim). */
export const LOOPS = {
  one: { label: "claim + ack, one at a time", max: 1 },
  batch: { label: "claim(100) then ack(100)", max: 100 },
  combined: { label: "claim(100, ack: previous)", max: 100 },
};

function expect(key, what, got, want) {
  if (got !== want) throw new Error(`${key}: ${what} ${got}, expected ${want}`);
}

/** A Spool case: each run claims `count` messages of `fx.pool` through a new group. */
function spoolCase(key, fx, loop, count, warm) {
  const consume = (n) => {
    const group = fx.pool.group(`bench-group-${++groups}`, { since: 1 });
    group.ensure();
    const max = LOOPS[loop].max;
    let claimed = 0;
    const start = nowMs();
    if (loop === "one") {
      while (claimed < n) {
        const [d] = group.claim({ member: "bench" });
        if (!d) break;
        group.ack(d);
        claimed++;
      }
    } else if (loop === "batch") {
      while (claimed < n) {
        const batch = group.claim({ max: Math.min(max, n - claimed), member: "bench" });
        if (batch.length === 0) break;
        group.ack(batch);
        claimed += batch.length;
      }
    } else {
      let previous = [];
      while (claimed < n) {
        previous = group.claim({ max: Math.min(max, n - claimed), member: "bench", ack: previous });
        claimed += previous.length;
        if (previous.length === 0) break;
      }
      if (previous.length > 0) group.ack(previous);
    }
    const seconds = (nowMs() - start) / 1000;
    const info = group.info();
    expect(key, "claimed", claimed, n);
    expect(key, "acked", info.acked, n);
    expect(key, "in flight", info.inFlight, 0);
    group.delete();
    return { ops: claimed, seconds };
  };
  return { key, setup: () => consume(warm), run: () => consume(count) };
}

/** A SQLite job-queue case on its own database (`fx.dbPath(tag)`), refilled every run. */
function sqliteCase(key, fx, loop, count, warm) {
  let q;
  const consume = (n) => {
    q.fill(fx.texts, n);
    const max = LOOPS[loop].max;
    let claimed = 0;
    const start = nowMs();
    if (loop === "combined") {
      let previous = [];
      for (;;) {
        previous = q.ackAndClaim(previous, max);
        if (previous.length === 0) break;
        claimed += previous.length;
      }
    } else {
      for (;;) {
        const batch = q.claim(max);
        if (batch.length === 0) break;
        q.ack(batch);
        claimed += batch.length;
      }
    }
    const seconds = (nowMs() - start) / 1000;
    expect(key, "claimed", claimed, n);
    expect(key, "jobs left", q.count(), 0);
    return { ops: claimed, seconds };
  };
  return {
    key,
    setup: () => {
      q = openJobQueue(fx.dbPath(`jobs-${loop}`));
      consume(warm);
    },
    run: () => consume(count),
    close: () => q?.close(),
  };
}

/** A Redis case against `redis` (a started server), on its own connection. */
function redisCase(key, fx, redis, loop, count, warm) {
  let client;
  const consume = async (n) => {
    const stream = `bench-stream-${++groups}`;
    await prefillStream(client, stream, fx.texts, n);
    await createGroup(client, stream, "g");
    const max = LOOPS[loop].max;
    let claimed = 0;
    const start = nowMs();
    if (loop === "combined") {
      let ids = [];
      for (;;) {
        const entries = await ackAndRead(client, stream, "g", "bench", ids, max);
        if (entries.length === 0) break;
        ids = entries.map((e) => e.id);
        claimed += entries.length;
      }
    } else {
      for (;;) {
        const entries = await readGroup(client, stream, "g", "bench", max);
        if (entries.length === 0) break;
        await ackEntries(
          client,
          stream,
          "g",
          entries.map((e) => e.id),
        );
        claimed += entries.length;
      }
    }
    const seconds = (nowMs() - start) / 1000;
    expect(key, "claimed", claimed, n);
    expect(key, "pending", await pendingCount(client, stream, "g"), 0);
    await client.call("DEL", stream);
    return { ops: claimed, seconds };
  };
  return {
    key,
    setup: async () => {
      client = await RespClient.connect(redis.port);
      await consume(warm);
    },
    run: () => consume(count),
    close: () => client?.close(),
  };
}

/** The case keys of one loop, for the suite's rows. */
export function groupKeys(loop, redisServers) {
  return {
    spool: `spool ${LOOPS[loop].label}`,
    sqlite: `sqlite ${LOOPS[loop].label}`,
    redis: Object.fromEntries(
      redisServers.map((r) => [r.persistence, `redis ${r.persistence} ${LOOPS[loop].label}`]),
    ),
  };
}

/**
 * Every in-process group case: `fx` = { pool, texts, dbPath(tag) }; `redisServers` = the
 * started Redis servers (possibly none).
 */
export function groupCases(cfg, fx, redisServers) {
  const cases = [];
  for (const loop of Object.keys(LOOPS)) {
    const count = loop === "one" ? cfg.singleCount : cfg.count;
    const warm = cfg.warm;
    const keys = groupKeys(loop, redisServers);
    cases.push(spoolCase(keys.spool, fx, loop, count, warm));
    cases.push(sqliteCase(keys.sqlite, fx, loop, count, warm));
    for (const r of redisServers)
      cases.push(redisCase(keys.redis[r.persistence], fx, r, loop, count, warm));
  }
  return cases;
}
