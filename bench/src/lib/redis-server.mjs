// A redis-server started and stopped by the benchmark, on a free loopback port, with its files
// in a fresh temporary directory: the Redis Streams peer of the consumer rows. Two persistence
// settings: `aof` (appendonly yes, appendfsync everysec: the log is written on every command
// and fsynced once a second, the nearest to Spool's `fast`) and `none` (no AOF, no RDB
// snapshots). Both disable RDB saves and automatic AOF rewrites, so no background fork lands
// in a timed run. Invariants: a server never outlives the bench process (it runs under a shell
// that kills it when its stdin, a pipe from this process, closes); `start` resolves only once
// the server answers PING, and answers { skipped: why } instead of throwing when redis-server is
// missing or does not start, so the run goes on without the Redis rows.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "./free-port.mjs";
import { RespClient, text } from "./resp.mjs";
import { freshDir, removeDir } from "./tmp.mjs";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The persistence settings, as redis-server arguments. */
export const REDIS_PERSISTENCE = {
  aof: {
    label: "AOF, appendfsync everysec",
    args: ["--appendonly", "yes", "--appendfsync", "everysec"],
  },
  none: { label: "no persistence", args: ["--appendonly", "no"] },
};

/** `redis-server --version`'s `v=…`, or undefined when it is not installed. */
export function redisVersion() {
  const r = spawnSync("redis-server", ["--version"], { encoding: "utf8", timeout: 5000 });
  if (r.error || r.status !== 0) return undefined;
  return /v=([\d.]+)/.exec(r.stdout)?.[1] ?? r.stdout.trim();
}

/**
 * Starts redis-server with `persistence` (a key of REDIS_PERSISTENCE). Resolves { port,
 * version, label, stop() } or { skipped: reason }.
 */
export async function startRedis(persistence, { readyMs = 10_000 } = {}) {
  const version = redisVersion();
  if (version === undefined) {
    return {
      skipped: "redis-server is not installed (Debian: apt-get install -y redis-server)",
    };
  }
  const setting = REDIS_PERSISTENCE[persistence];
  const dir = freshDir(`redis-${persistence}`);
  const log = join(dir, "redis.log");
  const port = await freePort();
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--logfile",
    log,
    "--daemonize",
    "no",
    "--save",
    "",
    "--auto-aof-rewrite-percentage",
    "0",
    ...setting.args,
  ];
  // The shell starts redis, waits for its stdin to close (this process ending or stop()), then
  // stops redis and waits for it.
  const child = spawn(
    "sh",
    [
      "-c",
      'redis-server "$@" & pid=$!; read _ignored; kill "$pid" 2>/dev/null; wait "$pid"',
      "sh",
      ...args,
    ],
    { stdio: ["pipe", "ignore", "ignore"] },
  );
  const exited = new Promise((resolve) => child.once("exit", resolve));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    child.stdin.end();
    await Promise.race([exited, sleep(5000)]);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    removeDir(dir);
  };
  const deadline = Date.now() + readyMs;
  let lastError;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const client = await RespClient.connect(port, { timeoutMs: 1000 });
      try {
        if (text(await client.call("PING")) === "PONG") {
          return { port, version, label: setting.label, persistence, stop };
        }
      } finally {
        client.close();
      }
    } catch (error) {
      lastError = error;
    }
    await sleep(50);
  }
  let tail = "";
  try {
    tail = readFileSync(log, "utf8").trim().split("\n").slice(-3).join(" | ");
  } catch {
    // no log written
  }
  await stop();
  return {
    skipped: `redis-server ${version} (${setting.label}) did not start on 127.0.0.1:${port}: ${lastError?.message ?? "exited"}${tail ? `; log: ${tail}` : ""}`,
  };
}
