// Child process for the follow-latency case: follows the pool from its next new message,
// reports ready once its tail is waiting, and for each message computes the delay between the
// writer's send timestamp (data.sentAt, wall-clock ms) and now. Sends the measured delays back
// and exits. Bounded: stops after `total` messages or `idleMs` without one.
// Args: poolPath total idleMs.
import { Pool } from "@spool/core";
import { wallMs } from "../lib/measure.mjs";

const [poolPath, totalArg, idleArg] = process.argv.slice(2);
const total = Number(totalArg);
const pool = Pool.open(poolPath);
const delays = [];
let received = 0;
const iterator = pool.tail({ max: total, timeoutMs: Number(idleArg) })[Symbol.asyncIterator]();

// The first next() runs the tail up to its first wait, so it is subscribed before "ready".
let pending = iterator.next();
process.send("ready");
for (;;) {
  const { value: msg, done } = await pending;
  if (done) break;
  const delay = wallMs() - msg.data.sentAt;
  received++;
  if (msg.data.phase === "measure") delays.push(delay);
  pending = iterator.next();
}
pool.close();
process.send({ received, delays }, () => process.disconnect());
