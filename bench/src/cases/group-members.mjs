// Competing members: N child processes (children/group-member.mjs) consume one group at once,
// each claiming batches of 100 with the previous batch acked in the same step, until nothing is
// left; the figure is all messages / (last end − first start), every child warmed up and
// started together. Spool with 4 and with 1 member process (same setup, same pool), a Redis
// Streams group with 4 consumer processes per Redis server started, and the SQLite job queue
// with 4 processes. Before each round the parent prepares N unconsumed messages (a new Spool
// group from seq 1; a refilled Redis stream or SQLite table), after it checks that the members
// claimed N in all and that nothing is left in flight (a wrong count fails the run).
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { openJobQueue } from "../lib/job-queue.mjs";
import { createGroup, pendingCount, prefillStream } from "../lib/redis-queue.mjs";
import { RespClient } from "../lib/resp.mjs";

const MEMBER = fileURLToPath(new URL("../children/group-member.mjs", import.meta.url));

let rounds = 0;

/** Forks `n` members of `kind` on `target`/`group`; resolves { ops, seconds, perMember }. */
function runMembers(kind, target, group, n, cfg) {
  return new Promise((resolve, reject) => {
    const children = [];
    const results = [];
    let ready = 0;
    let failed = false;
    const fail = (error) => {
      if (failed) return;
      failed = true;
      clearTimeout(timer);
      for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
      reject(error);
    };
    const timer = setTimeout(
      () => fail(new Error(`${kind} members did not finish within ${cfg.childTimeoutMs} ms`)),
      cfg.childTimeoutMs,
    );
    for (let c = 0; c < n; c++) {
      const child = fork(MEMBER, [kind, String(target), group, `member-${c}`, String(cfg.warm)], {
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      });
      children.push(child);
      child.on("error", fail);
      child.on("exit", (code) => {
        if (code !== 0 && !failed) fail(new Error(`${kind} member ${c} exited with ${code}`));
      });
      child.on("message", (msg) => {
        if (msg === "ready") {
          if (++ready === n) for (const ch of children) ch.send("go");
          return;
        }
        results.push(msg);
        if (results.length === n) {
          clearTimeout(timer);
          const start = Math.min(...results.map((r) => r.start));
          const end = Math.max(...results.map((r) => r.end));
          const ops = results.reduce((sum, r) => sum + r.calls, 0);
          Promise.all(
            children.map((ch) =>
              ch.exitCode === null ? new Promise((res) => ch.once("exit", res)) : null,
            ),
          ).then(() =>
            resolve({ ops, seconds: (end - start) / 1000, perMember: results.map((r) => r.calls) }),
          );
        }
      });
    }
  });
}

function expect(key, what, got, want) {
  if (got !== want) throw new Error(`${key}: ${what} ${got}, expected ${want}`);
}

function spoolMembers(cfg, fx, n) {
  const key = `spool ${n} member process${n > 1 ? "es" : ""}`;
  return {
    key,
    run: async () => {
      const name = `bench-members-${++rounds}`;
      fx.pool.group(name, { since: 1 }).ensure();
      const r = await runMembers("spool", fx.poolPath, name, n, cfg);
      const info = fx.pool.group(name).info();
      expect(key, "claimed", r.ops, fx.count);
      expect(key, "acked", info.acked, fx.count);
      expect(key, "in flight", info.inFlight, 0);
      fx.pool.group(name).delete();
      return r;
    },
  };
}

function redisMembers(cfg, fx, redis, n) {
  const key = `redis ${redis.persistence} ${n} consumer processes`;
  let client;
  return {
    key,
    setup: async () => {
      client = await RespClient.connect(redis.port);
    },
    run: async () => {
      const stream = `bench-members-${++rounds}`;
      await prefillStream(client, stream, fx.texts, fx.count);
      await createGroup(client, stream, "g");
      const r = await runMembers("redis", redis.port, stream, n, cfg);
      expect(key, "claimed", r.ops, fx.count);
      expect(key, "pending", await pendingCount(client, stream, "g"), 0);
      await client.call("DEL", stream);
      return r;
    },
    close: () => client?.close(),
  };
}

function sqliteMembers(cfg, fx, n) {
  const key = `sqlite ${n} processes`;
  const path = fx.dbPath("jobs-members");
  return {
    key,
    run: async () => {
      const q = openJobQueue(path);
      try {
        q.fill(fx.texts, fx.count);
        const r = await runMembers("sqlite", path, "jobs", n, cfg);
        expect(key, "claimed", r.ops, fx.count);
        expect(key, "jobs left", q.count(), 0);
        return r;
      } finally {
        q.close();
      }
    },
  };
}

/** The competing-member cases; `fx` = { pool, poolPath, count, texts, dbPath(tag) }. */
export function memberCases(cfg, fx, redisServers) {
  const n = cfg.members;
  return [
    spoolMembers(cfg, fx, 1),
    spoolMembers(cfg, fx, n),
    sqliteMembers(cfg, fx, n),
    ...redisServers.map((r) => redisMembers(cfg, fx, r, n)),
  ];
}
