// Follow latency: this process writes at a modest, bounded rate (one message per timer tick of
// ~1 ms), putting its wall-clock send time in each message; a follower in a child process
// computes each message's delay on arrival. The first `followWarm` messages warm both sides up
// and are not counted.
import { fork } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Pool } from "@spool/core";
import { breathe, nowMs, percentile, wallMs } from "../lib/measure.mjs";
import { freshDir, removeDir } from "../lib/tmp.mjs";

const FOLLOWER = fileURLToPath(new URL("../children/follower.mjs", import.meta.url));

export async function followLatency(cfg, events) {
  const dir = freshDir("follow");
  const pool = Pool.create(join(dir, "follow.spool"), { size: cfg.followPoolSize });
  const total = cfg.followWarm + cfg.followCount;
  const child = fork(FOLLOWER, [pool.path, String(total), String(cfg.followIdleMs)], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const killTimer = setTimeout(() => child.kill("SIGKILL"), cfg.childTimeoutMs);
  try {
    const result = new Promise((resolve, reject) => {
      child.on("message", (msg) => {
        if (msg !== "ready") resolve(msg);
      });
      child.on("error", reject);
      child.on("exit", (code) =>
        reject(new Error(`follower exited with ${code} before reporting`)),
      );
    });
    result.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
    await new Promise((resolve, reject) => {
      child.once("message", resolve);
      child.once("exit", () => reject(new Error("follower exited before it was ready")));
    });
    await breathe(100);

    const start = nowMs();
    const deadline = start + cfg.followMaxMs;
    let sent = 0;
    while (sent < total && nowMs() < deadline) {
      const event = {
        ...events[sent % events.length],
        phase: sent < cfg.followWarm ? "warm" : "measure",
        sentAt: 0,
      };
      event.sentAt = wallMs();
      pool.append(event);
      sent++;
      await breathe(cfg.followIntervalMs);
    }
    const seconds = (nowMs() - start) / 1000;
    const { received, delays } = await result;
    if (received !== sent) throw new Error(`follower received ${received} of ${sent} messages`);
    return {
      sent,
      measured: delays.length,
      rate: sent / seconds,
      p50: percentile(delays, 50),
      p99: percentile(delays, 99),
      max: Math.max(...delays),
    };
  } finally {
    clearTimeout(killTimer);
    if (child.exitCode === null) {
      await Promise.race([
        new Promise((resolve) => child.once("exit", resolve)),
        breathe(cfg.followIdleMs + 1000),
      ]);
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    pool.close();
    removeDir(dir);
  }
}
