// Fan-out: many concurrent HTTP followers of one pool, each receiving every message of a steady
// append stream. Followers connect first (GET …/tail?since_seq=1&max=TOTAL from
// `cfg.followerProcesses` client processes) and the case waits until the server holds all
// their tails; then a writer process appends TOTAL messages through @spool/core at
// `cfg.followRate` msg/s, each carrying its send time. Every follower must receive seqs
// 1..TOTAL exactly once and in order (any failure is reported, never averaged away); delivery
// delays (arrival in the client process − send time in the writer process) are merged across
// processes. Every child is stopped in `finally`.
import { fileURLToPath } from "node:url";
import { merge, newHistogram, quantile } from "../lib/histogram.mjs";
import { forkChild, loadCpu } from "../lib/ipc.mjs";
import { breathe, nowMs } from "../lib/measure.mjs";

const FOLLOWERS = fileURLToPath(new URL("../children/http-followers.mjs", import.meta.url));
const WRITER = fileURLToPath(new URL("../children/rate-writer.mjs", import.meta.url));

async function waitFor(what, ms, check) {
  const deadline = nowMs() + ms;
  while (!(await check())) {
    if (nowMs() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await breathe(20);
  }
}

export async function followersCase(env) {
  const { cfg, server, spoolUrl, log } = env;
  const total = cfg.followTotal;
  const procs = cfg.followerProcesses;
  const url = `${spoolUrl}/v0/pools/${env.followPool}/tail?since_seq=1&max=${total}&timeout_ms=${cfg.followIdleMs}`;
  const children = [];
  try {
    for (let p = 0; p < procs; p++) {
      children.push(await forkChild(FOLLOWERS, [], { name: `followers ${p}`, ...loadCpu(cfg) }));
    }
    const writer = await forkChild(WRITER, [env.poolPath(env.followPool)], {
      name: "writer",
      ...loadCpu(cfg),
    });
    children.push(writer);
    const counts = children.slice(0, procs).map((_, p) => {
      const share = Math.floor(cfg.followers / procs);
      return p < cfg.followers % procs ? share + 1 : share;
    });
    await Promise.all(
      counts.map((count, p) => children[p].call("start", { url, count, warm: cfg.followWarm })),
    );
    await waitFor(`${cfg.followers} open tails`, 20_000, async () => {
      return (await server.call("openTails")) >= cfg.followers;
    });
    log(`  ${cfg.followers} followers connected; writing ${total} messages at ${cfg.followRate}/s`);
    const before = await server.call("cpu");
    const began = nowMs();
    const written = await writer.callWithin((total / cfg.followRate) * 1000 + 30_000, "run", {
      rate: cfg.followRate,
      total,
    });
    const waitMs = cfg.followIdleMs + 10_000;
    const reports = await Promise.all(
      children
        .slice(0, procs)
        .map((child) => child.callWithin(waitMs + 5000, "finish", { total, waitMs })),
    );
    const after = await server.call("cpu");
    const windowSeconds = (nowMs() - began) / 1000;
    const histogram = newHistogram();
    for (const r of reports) merge(histogram, r.histogram);
    const complete = reports.reduce((sum, r) => sum + r.complete, 0);
    const problems = reports.flatMap((r) => r.problems);
    const serverCpu = (after.user - before.user + after.system - before.system) / 1e6;
    return {
      followers: cfg.followers,
      complete,
      problems,
      deliveries: reports.reduce((sum, r) => sum + r.deliveries, 0),
      total,
      rate: written.sent / written.seconds,
      seconds: written.seconds,
      measured: histogram.count,
      p50: quantile(histogram, 50),
      p99: quantile(histogram, 99),
      max: histogram.max,
      serverCpu,
      windowSeconds,
      clientCpu: Math.max(...reports.map((r) => (r.cpuSeconds / r.wallSeconds) * 100)),
    };
  } finally {
    await Promise.all(children.map((child) => child.stop()));
  }
}
