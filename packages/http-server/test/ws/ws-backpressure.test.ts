// Backpressure and leaks of the WebSocket tail on a real server: a client that stops reading
// makes the server stop reading the pool (its buffered bytes stay near the high water mark while
// the ring wraps many times over; on resume the client sees a gap frame, then the newest
// messages in order), and 1,000 abrupt disconnects leave no tail, file descriptor or memory behind.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { openPool } from "@spool/core";
import { afterEach, expect, test } from "vitest";
import WebSocket from "ws";
import { WS_HIGH_WATER_BYTES } from "../../src/ws-tail.js";
import { createPool, serveWs, type WsServed } from "../helpers/ws.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

let s: WsServed | undefined;
afterEach(async () => {
  await s?.dispose();
  s = undefined;
});

const PAD = "x".repeat(4000);

/** Appends `n` padded messages through core's local API on the served file (no HTTP garbage). */
function appendPadded(served: WsServed, pool: string, n: number, from: number): void {
  const local = openPool(join(served.dir, `${pool}.spool`));
  try {
    for (let k = 0; k < n; k++) local.append({ i: from + k, pad: PAD });
  } finally {
    local.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("a client that stops reading: the server pauses the tail, memory stays bounded, a gap on resume", async () => {
  s = await serveWs();
  await createPool(s.app, "p", 2 * 1024 * 1024);
  const client = new WebSocket(s.wsUrl("p"));
  const frames: string[] = [];
  client.on("message", (d) => frames.push(d.toString()));
  await new Promise((resolve) => client.once("open", resolve));
  await sleep(50);
  client.pause(); // stop reading: the TCP window closes, then the server's socket buffers fill
  const server = [...s.wss.clients][0] as WebSocket;
  gc();
  const before = process.memoryUsage();
  let maxBuffered = 0;
  // 8,000 messages of ~4 KiB (32 MiB: the 2 MiB ring wraps ~16 times) while the client is stalled
  for (let k = 0; k < 40; k++) {
    appendPadded(s, "p", 200, k * 200);
    maxBuffered = Math.max(maxBuffered, server.bufferedAmount);
    await sleep(2);
  }
  await sleep(100);
  maxBuffered = Math.max(maxBuffered, server.bufferedAmount);
  gc();
  const after = process.memoryUsage();
  const grown = after.heapUsed + after.external - (before.heapUsed + before.external);
  console.log(
    `ws backpressure: max server bufferedAmount ${maxBuffered} B (high water ${WS_HIGH_WATER_BYTES}), heap+external grew ${(grown / 2 ** 20).toFixed(1)} MiB for 32 MiB appended (heap ${((after.heapUsed - before.heapUsed) / 2 ** 20).toFixed(1)}, external ${((after.external - before.external) / 2 ** 20).toFixed(1)}, arrayBuffers ${((after.arrayBuffers - before.arrayBuffers) / 2 ** 20).toFixed(1)})`,
  );
  // the high water mark plus one chunk of core's lines (~64 KiB) plus one batch's frames
  expect(maxBuffered).toBeLessThanOrEqual(WS_HIGH_WATER_BYTES + 512 * 1024);
  expect(maxBuffered).toBeGreaterThan(0); // it did fill: the kernel's buffers alone did not hold it
  // A server that buffered for the stalled client would hold the whole 32 MiB.
  expect(grown).toBeLessThan(16 * 2 ** 20);
  client.resume();
  const deadline = Date.now() + 10_000;
  const lastSeq = () => {
    const last = frames.filter((f) => f.startsWith('{"seq":')).at(-1);
    return last ? (JSON.parse(last).seq as number) : 0;
  };
  while (lastSeq() < 8000 && Date.now() < deadline) await sleep(20);
  expect(lastSeq()).toBe(8000);
  const gaps = frames.filter((f) => f.startsWith('{"gap":'));
  expect(gaps.length).toBeGreaterThanOrEqual(1);
  const seqs = frames
    .filter((f) => f.startsWith('{"seq":'))
    .map((f) => JSON.parse(f).seq as number);
  // ordered, no duplicate, and every jump is a gap frame's range
  let expected = 1;
  let g = 0;
  for (const frame of frames) {
    if (frame.startsWith('{"gap":')) {
      const gap = JSON.parse(frame).gap;
      expect(gap.from).toBe(expected);
      expected = gap.to + 1;
      g++;
    } else if (frame.startsWith('{"seq":')) {
      expect(JSON.parse(frame).seq).toBe(expected);
      expected++;
    }
  }
  expect(g).toBe(gaps.length);
  expect(seqs.length).toBeLessThan(8000); // the stalled reader fell behind instead of buffering
  client.terminate();
});

test("1,000 abrupt disconnects: tails, file descriptors and heap back to baseline", async () => {
  s = await serveWs();
  await createPool(s.app, "p");
  appendPadded(s, "p", 10, 0);
  const served = s;
  const fds = () => readdirSync("/proc/self/fd").length;
  const once = () =>
    new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(served.wsUrl("p", "since_seq=1"));
      ws.once("message", () => {
        ws.terminate(); // no close frame: the TCP connection just goes
        resolve();
      });
      ws.once("error", reject);
    });
  // warm up (lazy modules, pools, buffers), then measure
  for (let k = 0; k < 50; k++) await once();
  await sleep(100);
  gc();
  const fdBefore = fds();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = Date.now();
  for (let round = 0; round < 20; round++) await Promise.all(Array.from({ length: 50 }, once));
  const deadline = Date.now() + 5000;
  while ((s.app.openTails > 0 || fds() > fdBefore) && Date.now() < deadline) await sleep(20);
  gc();
  const heapAfter = process.memoryUsage().heapUsed;
  console.log(
    `ws leak: 1000 abrupt disconnects in ${Date.now() - started} ms; fds ${fdBefore} -> ${fds()}, open tails ${s.app.openTails}, heap ${(heapBefore / 2 ** 20).toFixed(1)} -> ${(heapAfter / 2 ** 20).toFixed(1)} MiB, ws clients ${s.wss.clients.size}`,
  );
  expect(s.app.openTails).toBe(0);
  expect(fds()).toBeLessThanOrEqual(fdBefore);
  expect(s.wss.clients.size).toBe(0);
  expect(heapAfter - heapBefore).toBeLessThan(8 * 2 ** 20);
});
