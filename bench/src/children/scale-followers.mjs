// Child process: many in-process core followers of one pool for the scale suite's followers
// curve. `start` opens `count` tails of one `kind`, each its own iterator on the process's one
// Pool handle: `tail` (`pool.tail({ since: 1, max: total, timeoutMs })`, a message object per
// delivery) or `jsonl` (`pool.tailJsonl` of the same with `sharedChunks`, as the HTTP server
// runs its tails: followers at the live edge share one formatted chunk). It answers after
// giving them time to make their first read (they start at seq 1, so none can miss a message
// however late it starts); `finish` waits for them to end and reports. Each follower checks
// every seq against the one it expects (no gap, no duplicate, no reordering) and takes the
// delivery delay as its arrival time minus the writer's send time, both read from the bytes
// (the seq from the JSONL line, `{"sentAt":…` from the data rate-writer.mjs wrote), never
// JSON.parse'd, so the followers cost about what core's tail costs. Delays of the first `warm`
// seqs are not recorded. Bounded: every tail ends after `total` messages or `idleMs` without
// one, and `finish` aborts whatever is still open at its deadline.
// Args: poolPath.
import { setMaxListeners } from "node:events";
import { Pool } from "@spool/core";
import { newHistogram, record } from "../lib/histogram.mjs";
import { serveParent } from "../lib/ipc.mjs";
import { wallMs } from "../lib/measure.mjs";

const SENT_AT = Buffer.from('"sentAt":');
const [poolPath] = process.argv.slice(2);
const pool = Pool.open(poolPath);
const histogram = newHistogram();
const abort = new AbortController();
setMaxListeners(100_000, abort.signal); // one listener per tail
const followers = [];
let cpuAtStart;
let startedAt = 0;

/** The number after `"sentAt":` in the stored data bytes (NaN without one). */
function sentAtOf(data) {
  const bytes = Buffer.isBuffer(data)
    ? data
    : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const from = bytes.indexOf(SENT_AT);
  if (from < 0) return Number.NaN;
  let end = from + SENT_AT.length;
  for (let c = bytes[end]; (c >= 48 && c <= 57) || c === 46; c = bytes[++end]);
  return Number(bytes.toString("latin1", from + SENT_AT.length, end));
}

/** One delivery of `seq` (sent at `sentAt`, NaN when missing) to follower `f`. */
function deliver(f, seq, sentAt, arrival, warm) {
  if (seq !== f.expected) f.problem ??= `got seq ${seq} where ${f.expected} was expected`;
  f.expected = seq + 1;
  f.received++;
  if (seq <= warm) return;
  if (Number.isNaN(sentAt)) f.problem ??= `seq ${seq} has no sentAt`;
  else record(histogram, arrival - sentAt);
}

/** The lines of a JSONL chunk (`{"seq":N,…"sentAt":T…}\n` each), read from the raw bytes. */
function deliverLines(f, chunk, arrival, warm) {
  const buf = f.rest ? Buffer.concat([f.rest, chunk]) : chunk;
  f.rest = undefined;
  let start = 0;
  for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10, start)) {
    if (buf[start + 2] !== 0x73 /* s of {"seq": */) {
      f.problem ??= `unexpected line: ${buf.toString("utf8", start, Math.min(nl, start + 200))}`;
    } else {
      let seq = 0;
      let i = start + 7;
      for (let c = buf[i]; c >= 48 && c <= 57; c = buf[++i]) seq = seq * 10 + (c - 48);
      deliver(f, seq, sentAtOf(buf.subarray(i, nl)), arrival, warm);
    }
    start = nl + 1;
  }
  if (start < buf.length) f.rest = Buffer.from(buf.subarray(start));
}

async function follow(f, { kind, total, warm, idleMs }) {
  const options = { since: 1, max: total, timeoutMs: idleMs, signal: abort.signal };
  try {
    if (kind === "jsonl") {
      for await (const chunk of pool.tailJsonl({ ...options, sharedChunks: true }))
        deliverLines(f, chunk, wallMs(), warm);
    } else {
      for await (const msg of pool.tail(options))
        deliver(f, msg.seq, sentAtOf(msg.dataBytes), wallMs(), warm);
    }
  } catch (error) {
    f.problem ??= `tail failed: ${error.message}`;
  }
}

serveParent({
  start: async ({ kind, count, total, warm, idleMs }) => {
    cpuAtStart = process.cpuUsage();
    startedAt = wallMs();
    for (let i = 0; i < count; i++) {
      const f = { expected: 1, received: 0, problem: undefined, rest: undefined };
      f.ended = follow(f, { kind, total, warm, idleMs });
      followers.push(f);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    return followers.length;
  },
  finish: async ({ total, waitMs }) => {
    let timer;
    const all = Promise.all(followers.map((f) => f.ended));
    await Promise.race([
      all,
      new Promise((resolve) => {
        timer = setTimeout(resolve, waitMs);
      }),
    ]);
    clearTimeout(timer);
    abort.abort();
    await all;
    for (const f of followers)
      if (f.received !== total) f.problem ??= `received ${f.received} of ${total} messages`;
    const failed = followers.filter((f) => f.problem !== undefined);
    const cpu = process.cpuUsage(cpuAtStart);
    return {
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      wallSeconds: (wallMs() - startedAt) / 1000,
      followers: followers.length,
      complete: followers.length - failed.length,
      deliveries: followers.reduce((sum, f) => sum + f.received, 0),
      problems: failed.slice(0, 5).map((f) => f.problem),
      histogram,
    };
  },
  exit: () => {
    abort.abort();
    pool.close();
  },
});
