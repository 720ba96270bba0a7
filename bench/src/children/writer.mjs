// Child process for the multi-writer case: opens the pool, warms up, reports ready, waits for
// "go", appends its share of events (bounded by count and time), reports its wall-clock start
// and end, and exits. Args: poolPath count warm maxMs seed.
import { Pool } from "@spool/core";
import { timeLoop, wallMs } from "../lib/measure.mjs";
import { makeEvents } from "../lib/payload.mjs";

const [poolPath, countArg, warmArg, maxMsArg, seedArg] = process.argv.slice(2);
const count = Number(countArg);
const warm = Number(warmArg);
const maxMs = Number(maxMsArg);
const events = makeEvents(1000, Number(seedArg));
const pool = Pool.open(poolPath);
for (let i = 0; i < warm; i++) pool.append(events[i % events.length]);

// Never outlive the parent: give up if no "go" arrives in time.
const guard = setTimeout(() => process.exit(3), 60_000);
process.on("message", (msg) => {
  if (msg !== "go") return;
  clearTimeout(guard);
  const start = wallMs();
  const { calls } = timeLoop(count, maxMs, (i) => pool.append(events[i % events.length]));
  const end = wallMs();
  pool.close();
  process.send({ start, end, calls }, () => process.disconnect());
});
process.send("ready");
