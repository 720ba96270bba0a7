// Child process for the competing-members case: one member of a consumer group, claiming
// batches of 100 with the previous batch acked in the same step until nothing is left to
// claim. Kinds: `spool` (pool.group(name).claim({ max: 100, ack })), `redis` (XACK pipelined
// with the next XREADGROUP COUNT 100) and `sqlite` (the job queue's ack + claim transaction).
// Warms up on a private resource of its own (a Spool group of its own on the same pool, a Redis
// stream or SQLite database of its own), reports ready, waits for "go", then reports its
// wall-clock start and end and how many messages it claimed, and exits. Never outlives the
// parent: exits if no "go" arrives within 60 s.
// Args: kind target group member warm  (target: pool path | redis port | database path).
import { rmSync } from "node:fs";
import { Pool } from "@spool/core";
import { openJobQueue } from "../lib/job-queue.mjs";
import { wallMs } from "../lib/measure.mjs";
import { makeEvents } from "../lib/payload.mjs";
import { ackAndRead, createGroup, prefillStream } from "../lib/redis-queue.mjs";
import { RespClient } from "../lib/resp.mjs";

const [kind, target, groupName, member, warmArg] = process.argv.slice(2);
const warm = Number(warmArg);
const BATCH = 100;

/** Spool: the loop over one group; answers how many messages it claimed. */
function spoolLoop(pool, name) {
  const group = pool.group(name);
  let claimed = 0;
  let previous = [];
  for (;;) {
    previous = group.claim({ max: BATCH, member, ack: previous });
    if (previous.length === 0) return claimed;
    claimed += previous.length;
  }
}

async function redisLoop(client, stream) {
  let claimed = 0;
  let ids = [];
  for (;;) {
    const entries = await ackAndRead(client, stream, "g", member, ids, BATCH);
    if (entries.length === 0) return claimed;
    ids = entries.map((e) => e.id);
    claimed += entries.length;
  }
}

function sqliteLoop(queue) {
  let claimed = 0;
  let previous = [];
  for (;;) {
    previous = queue.ackAndClaim(previous, BATCH, member);
    if (previous.length === 0) return claimed;
    claimed += previous.length;
  }
}

/** Opens the resource and warms up; answers { loop: () => claimed, close }. */
async function prepare() {
  const texts = makeEvents(100).map((e) => JSON.stringify(e));
  if (kind === "spool") {
    const pool = Pool.open(target);
    const warmGroup = `${groupName}-warm-${process.pid}`;
    pool.group(warmGroup, { since: 1 }).ensure();
    let left = warm;
    const g = pool.group(warmGroup);
    let previous = [];
    while (left > 0) {
      previous = g.claim({ max: Math.min(BATCH, left), member, ack: previous });
      if (previous.length === 0) break;
      left -= previous.length;
    }
    if (previous.length > 0) g.ack(previous);
    g.delete();
    return { loop: () => spoolLoop(pool, groupName), close: () => pool.close() };
  }
  if (kind === "redis") {
    const client = await RespClient.connect(Number(target));
    const warmStream = `${groupName}-warm-${process.pid}`;
    await prefillStream(client, warmStream, texts, warm);
    await createGroup(client, warmStream, "g");
    await redisLoop(client, warmStream);
    await client.call("DEL", warmStream);
    return { loop: () => redisLoop(client, groupName), close: () => client.close() };
  }
  if (kind === "sqlite") {
    const warmPath = `${target}.warm-${process.pid}`;
    const warmQueue = openJobQueue(warmPath);
    warmQueue.fill(texts, warm);
    sqliteLoop(warmQueue);
    warmQueue.close();
    for (const suffix of ["", "-wal", "-shm"]) rmSync(`${warmPath}${suffix}`, { force: true });
    const queue = openJobQueue(target);
    return { loop: () => sqliteLoop(queue), close: () => queue.close() };
  }
  throw new Error(`unknown member kind ${kind}`);
}

const worker = await prepare();
const guard = setTimeout(() => process.exit(3), 60_000);
process.on("message", async (msg) => {
  if (msg !== "go") return;
  clearTimeout(guard);
  const start = wallMs();
  const calls = await worker.loop();
  const end = wallMs();
  worker.close();
  process.send({ start, end, calls }, () => process.disconnect());
});
process.send("ready");
