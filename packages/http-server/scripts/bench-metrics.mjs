// Measures what metrics collection costs an append through `app.fetch` (no socket): the same
// workload against an app with metrics on (the default) and one with `metrics: false`,
// interleaved in short rounds so drift and other load hit both alike. Prints the median and best
// round in µs per append (medians resist a busy machine better than totals).
//
// Usage (after `pnpm build`): node packages/http-server/scripts/bench-metrics.mjs [appends-per-round]
// Not a test: it asserts nothing and is not run by CI.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../dist/index.js";

const perRound = Number(process.argv[2] ?? 1000);
const rounds = 40;
const body = JSON.stringify({ data: { step: "lint", ok: true, pad: "x".repeat(200) } });

function setup(metrics) {
  const dir = mkdtempSync(join(tmpdir(), "spool-bench-metrics-"));
  const app = createApp({ dir, ...(metrics ? {} : { metrics: false }) });
  return { dir, app };
}

async function run(app, n) {
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const res = await app.fetch(
      new Request("http://spool.test/v0/pools/b/append", { method: "POST", body }),
    );
    if (res.status !== 200) throw new Error(`append answered ${res.status}`);
    await res.arrayBuffer();
  }
  return performance.now() - started;
}

const variants = { on: setup(true), off: setup(false) };
for (const { app } of Object.values(variants)) {
  const res = await app.fetch(
    new Request("http://spool.test/v0/pools", {
      method: "POST",
      body: JSON.stringify({ pool: "b", size_bytes: 64 * 1024 * 1024 }),
    }),
  );
  if (res.status !== 200) throw new Error(`create answered ${res.status}`);
  await run(app, 2000); // warm-up
}
/** µs per append of every round, per variant. */
const samples = { on: [], off: [] };
for (let r = 0; r < rounds; r++) {
  for (const name of r % 2 === 0 ? ["off", "on"] : ["on", "off"]) {
    samples[name].push(((await run(variants[name].app, perRound)) * 1000) / perRound);
  }
}
const stats = {};
for (const [name, list] of Object.entries(samples)) {
  list.sort((a, b) => a - b);
  stats[name] = { median: list[Math.floor(list.length / 2)], min: list[0] };
  console.log(
    `metrics ${name.padEnd(3)}: median ${stats[name].median.toFixed(1)} µs/append (${Math.round(1e6 / stats[name].median)}/s), best round ${stats[name].min.toFixed(1)} µs`,
  );
}
console.log(
  `difference on - off: median ${(stats.on.median - stats.off.median).toFixed(1)} µs, best round ${(stats.on.min - stats.off.min).toFixed(1)} µs`,
);
for (const { app, dir } of Object.values(variants)) {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
}
