// Scale curve: followers of one pool (1 … 1,000) at a fixed total append rate. Per count, a
// fresh pool; the followers are in-process core tails (`pool.tail({ since: 1 })`) spread over
// up to `cfg.followerProcesses` child processes (children/scale-followers.mjs); once they are
// following, a writer process (children/rate-writer.mjs) appends `cfg.followTotal` small
// messages through core at `cfg.followRate` msg/s, each carrying its send time. Every follower
// must receive seqs 1..total exactly once and in order (counted and checked per message; a
// failure is reported, never averaged away); the delivery delay is the arrival in the follower
// − the send time in the writer, over every delivery after the first `cfg.followWarm` seqs,
// merged across processes. Bounded: the writer by its count, the followers by an idle timeout
// and a drain deadline. Every child is stopped and the pool removed in `finally`.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Pool } from "@spool/core";
import { merge, newHistogram, quantile } from "../lib/histogram.mjs";
import { forkChild, loadCpu } from "../lib/ipc.mjs";
import { nowMs } from "../lib/measure.mjs";
import { freshDir, removeDir } from "../lib/tmp.mjs";

const FOLLOWERS = fileURLToPath(new URL("../children/scale-followers.mjs", import.meta.url));
const WRITER = fileURLToPath(new URL("../children/rate-writer.mjs", import.meta.url));

/**
 * One point of the curve: `count` followers of `kind` (`tail` or `jsonl`, see
 * children/scale-followers.mjs), `total` messages.
 */
export async function followersPoint(cfg, { kind, count, total }) {
  const dir = freshDir(`scale-followers-${kind}-${count}`);
  const path = join(dir, "follow.spool");
  Pool.create(path, { size: cfg.followPoolSize }).close();
  const procs = Math.min(cfg.followerProcesses, count);
  const children = [];
  try {
    const followers = [];
    for (let p = 0; p < procs; p++) {
      const child = await forkChild(FOLLOWERS, [path], {
        name: `followers ${p}`,
        ...loadCpu(cfg),
      });
      children.push(child);
      followers.push(child);
    }
    const writer = await forkChild(WRITER, [path], { name: "writer", ...loadCpu(cfg) });
    children.push(writer);
    const shares = followers.map((_, p) => Math.floor(count / procs) + (p < count % procs ? 1 : 0));
    await Promise.all(
      followers.map((child, p) =>
        child.call("start", {
          kind,
          count: shares[p],
          total,
          warm: Math.round(total * cfg.followWarmShare),
          idleMs: cfg.followIdleMs,
        }),
      ),
    );
    const began = nowMs();
    const written = await writer.callWithin((total / cfg.followRate) * 1000 + 30_000, "run", {
      rate: cfg.followRate,
      total,
    });
    const reports = await Promise.all(
      followers.map((child) =>
        child.callWithin(cfg.followDrainMs + 10_000, "finish", {
          total,
          waitMs: cfg.followDrainMs,
        }),
      ),
    );
    const drainSeconds = (nowMs() - began) / 1000;
    const histogram = newHistogram();
    for (const r of reports) merge(histogram, r.histogram);
    return {
      kind,
      followers: count,
      processes: procs,
      complete: reports.reduce((sum, r) => sum + r.complete, 0),
      problems: reports.flatMap((r) => r.problems),
      deliveries: reports.reduce((sum, r) => sum + r.deliveries, 0),
      total,
      rate: written.sent / written.seconds,
      writeSeconds: written.seconds,
      drainSeconds,
      measured: histogram.count,
      p50: quantile(histogram, 50),
      p99: quantile(histogram, 99),
      max: histogram.max,
      followerCpu: Math.max(...reports.map((r) => (r.cpuSeconds / r.wallSeconds) * 100)),
      followerCpuSeconds: reports.reduce((sum, r) => sum + r.cpuSeconds, 0),
    };
  } finally {
    await Promise.all(children.map((child) => child.stop()));
    removeDir(dir);
  }
}
