// Child process: many concurrent HTTP followers of one pool (JSONL tail connections), each of
// which must receive every message exactly once and in order. For every line a follower checks
// the seq against the one it expects (no gap, no duplicate, no reordering) and computes the
// delivery delay from the writer's send time in `data.sentAt` (wall-clock ms,
// performance.timeOrigin + performance.now(), comparable across processes). Lines are read from
// the raw bytes (the seq prefix and the sentAt number), not JSON.parse'd, so the clients stay
// cheap next to the server under test. Delays go into a mergeable histogram; the first `warm`
// seqs are checked but not timed. Bounded: every follower asks for `max=total` with an idle
// timeout, and `finish` destroys whatever is still open at its deadline.
import http from "node:http";
import { newHistogram, record } from "../lib/histogram.mjs";
import { serveParent } from "../lib/ipc.mjs";
import { wallMs } from "../lib/measure.mjs";

const SENT_AT = Buffer.from('"sentAt":');
const agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
const followers = [];
const histogram = newHistogram();
let warm = 0;
let cpuAtStart;
let startedAt = 0;

function problem(f, text) {
  f.problem ??= text;
}

function onLine(f, buf, start, end, arrival) {
  if (buf[start + 2] !== 0x73 /* s of {"seq": */) {
    return problem(
      f,
      `unexpected line: ${buf.toString("utf8", start, Math.min(end, start + 300))}`,
    );
  }
  let seq = 0;
  let i = start + 7;
  for (let c = buf[i]; c >= 48 && c <= 57; c = buf[++i]) seq = seq * 10 + (c - 48);
  if (seq !== f.expected) problem(f, `got seq ${seq} where ${f.expected} was expected`);
  f.expected = seq + 1;
  f.received++;
  const at = buf.indexOf(SENT_AT, i);
  if (at < 0 || at >= end) return problem(f, `seq ${seq} has no data.sentAt`);
  let j = at + SENT_AT.length;
  const from = j;
  for (let c = buf[j]; (c >= 48 && c <= 57) || c === 46 || c === 101 || c === 43; c = buf[++j]);
  const sentAt = Number(buf.toString("latin1", from, j));
  if (seq > warm) record(histogram, arrival - sentAt);
}

function onData(f, chunk) {
  const arrival = wallMs();
  const buf = f.rest ? Buffer.concat([f.rest, chunk]) : chunk;
  f.rest = undefined;
  let start = 0;
  for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10, start)) {
    onLine(f, buf, start, nl, arrival);
    start = nl + 1;
  }
  if (start < buf.length) f.rest = buf.subarray(start);
}

function follow(url) {
  const f = { expected: 1, received: 0, problem: undefined, rest: undefined, done: false };
  f.ended = new Promise((resolve) => {
    const end = (text) => {
      if (text) problem(f, text);
      f.done = true;
      resolve();
    };
    f.req = http.get(url, { agent }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return end(`status ${res.statusCode}`);
      }
      res.on("data", (chunk) => onData(f, chunk));
      res.on("end", () => end(f.rest ? "stream ended inside a line" : undefined));
      res.on("error", (error) => end(`response error: ${error.message}`));
    });
    f.req.on("error", (error) => end(`request error: ${error.message}`));
  });
  return f;
}

serveParent({
  /** Opens `count` tails of `url` (which carries since_seq, max and timeout_ms). */
  start: ({ url, count, warm: warmCount }) => {
    warm = warmCount;
    cpuAtStart = process.cpuUsage();
    startedAt = wallMs();
    for (let i = 0; i < count; i++) followers.push(follow(url));
    return followers.length;
  },
  /** Waits for every follower to end (at most `waitMs`), then reports. */
  finish: async ({ total, waitMs }) => {
    let timer;
    await Promise.race([
      Promise.all(followers.map((f) => f.ended)),
      new Promise((resolve) => {
        timer = setTimeout(resolve, waitMs);
      }),
    ]);
    clearTimeout(timer);
    for (const f of followers) {
      if (!f.done) {
        problem(f, `still open after ${waitMs} ms`);
        f.req.destroy();
      }
      if (f.received !== total) problem(f, `received ${f.received} of ${total} messages`);
    }
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
});
