#!/usr/bin/env node
// Spool's main job, through the core API: create a pool in the default pool directory
// (SPOOL_DIR, else ~/.spool/pools), feed it messages, and follow it while another feeder
// appends. Prints every step. Run with `node packages/core/examples/round-trip.mjs` from the
// repository root after a build (`npx -y pnpm@10.34.8 build`).
import { createPool, defaultPoolDir, isSpoolError, openPool, verifyPool } from "../dist/index.js";

const dir = defaultPoolDir();
const name = "demo";
let pool;
try {
  pool = createPool(name, { size: "1M" });
  console.log(`created pool ${name} at ${pool.path}`);
} catch (error) {
  if (!isSpoolError(error, "AlreadyExists")) throw error;
  pool = openPool(name);
  console.log(`opened existing pool ${name} at ${pool.path}`);
}
console.log(`pool directory: ${dir}`);

const first = pool.append({ step: "lint", ok: true }, { tags: ["build"] });
console.log(`fed seq ${first.seq} at ${first.time}`);
const batch = pool.appendBatch([
  { data: { step: "test", ok: true }, tags: ["build"] },
  { data: { step: "deploy", ok: false }, tags: ["build", "deploy"] },
]);
console.log(`fed a batch: seqs ${batch.map((m) => m.seq).join(", ")}`);

// Follow: replay the last 3, then live messages fed on a timer, until 2 live ones arrived.
const live = setInterval(() => pool.append({ heartbeat: Date.now() }, { tags: ["live"] }), 50);
let count = 0;
for await (const message of pool.tail({ last: 3, max: 5, timeoutMs: 5000 })) {
  process.stdout.write(`follow: ${JSON.stringify(message)}\n`);
  count++;
}
clearInterval(live);
console.log(`followed ${count} messages`);
console.log("info:", JSON.stringify(pool.info()));
const report = verifyPool(pool.path);
console.log(
  `verify: ${report.ok ? "ok" : "problems"} (${report.messages} messages, ${report.issues.length} issues)`,
);
pool.close();
