/**
 * Review findings in the tail's lifecycle (src/tail.ts): the end callback on an abort noticed in
 * the middle of a batch, `return()` while a pull is pending, and an abort while the consumer
 * holds the iterator without pulling again.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createPool, type Pool, type TailEnd } from "../src/index.js";
import { activeWatchCount } from "../src/platform/notify.js";
import { useTempDirs } from "./helpers/temp-dir.js";

const tempDir = useTempDirs("spool-review-tail-");

function filled(count: number, size = "1M", bytes = 16): Pool {
  const pool = createPool(join(tempDir(), "p.spool"), { size });
  pool.appendBatch(
    Array.from({ length: count }, (_, i) => ({ data: { i, pad: "x".repeat(bytes) } })),
  );
  return pool;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("tail end callback on abort", () => {
  it("reports `aborted` when the signal fires in the middle of a replayed batch (messages)", async () => {
    const pool = filled(100);
    const controller = new AbortController();
    const ends: TailEnd[] = [];
    const seen: number[] = [];
    for await (const m of pool.tail({
      since: 1,
      signal: controller.signal,
      onEnd: (r) => ends.push(r),
    })) {
      seen.push(m.seq);
      if (m.seq === 5) controller.abort();
    }
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(ends).toEqual(["aborted"]);
    expect(activeWatchCount()).toBe(0);
    pool.close();
  });

  it("reports `aborted` when the signal fires between JSONL chunks of one batch", async () => {
    // 100 messages of ~2 KiB: one run, several 64 KiB chunks.
    const pool = filled(100, "1M", 2000);
    const controller = new AbortController();
    const ends: TailEnd[] = [];
    let chunks = 0;
    for await (const _chunk of pool.tailJsonl({
      since: 1,
      signal: controller.signal,
      onEnd: (r) => ends.push(r),
    })) {
      chunks++;
      controller.abort();
    }
    expect(chunks).toBe(1);
    expect(ends).toEqual(["aborted"]);
    pool.close();
  });
});

describe("tail resources after return() or abort", () => {
  it("return() while a pull is pending on an idle pool ends the tail and frees the watcher", async () => {
    const pool = filled(3);
    const iterator = pool.tail()[Symbol.asyncIterator]();
    const pending = iterator.next(); // waits: nothing new is coming
    await sleep(30);
    expect(activeWatchCount()).toBe(1);
    const returned = iterator.return?.();
    const outcome = await Promise.race([
      returned?.then(() => "returned"),
      sleep(1000).then(() => "still running"),
    ]);
    expect(outcome).toBe("returned");
    expect(await Promise.race([pending, sleep(100).then(() => "pending")])).toEqual({
      done: true,
      value: undefined,
    });
    expect(activeWatchCount()).toBe(0);
    pool.close();
  });

  it("Readable.from(tail).destroy() on an idle pool completes and frees the watcher", async () => {
    const { Readable } = await import("node:stream");
    const pool = filled(3);
    const readable = Readable.from(pool.tailJsonl());
    readable.on("data", () => {});
    await sleep(30);
    const closed = new Promise<string>((resolve) =>
      readable.once("close", () => resolve("closed")),
    );
    readable.destroy();
    expect(await Promise.race([closed, sleep(1000).then(() => "not closed")])).toBe("closed");
    expect(activeWatchCount()).toBe(0);
    pool.close();
  });

  it("an abort frees the watcher even when the consumer never pulls again", async () => {
    const pool = filled(3);
    const before = activeWatchCount();
    const controller = new AbortController();
    const iterator = pool.tail({ since: 1, signal: controller.signal })[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.seq).toBe(1);
    expect(activeWatchCount()).toBe(before + 1);
    controller.abort(); // and the iterator is dropped without return()
    expect(activeWatchCount()).toBe(before);
    pool.close();
  });
});

describe("a tag filter that matches nothing in a large pool", () => {
  it("lets the event loop turn between runs, so an abort ends the replay at once", async () => {
    const pool = createPool(join(tempDir(), "big.spool"), { size: "64M" });
    const batch = Array.from({ length: 10_000 }, (_, i) => ({ data: { i }, tags: ["a"] }));
    for (let k = 0; k < 40; k++) pool.appendBatch(batch);
    // What reading every frame takes on this machine now (the replay the abort must cut short).
    const fullStart = performance.now();
    for await (const _m of pool.tail({ since: 1, tags: ["nope"], follow: false })) break;
    const fullMs = performance.now() - fullStart;
    const controller = new AbortController();
    const started = performance.now();
    let firedAfter = 0;
    setTimeout(() => {
      firedAfter = performance.now() - started;
      controller.abort();
    }, 5);
    const ends: TailEnd[] = [];
    let delivered = 0;
    for await (const _m of pool.tail({
      since: 1,
      tags: ["nope"],
      signal: controller.signal,
      onEnd: (r) => ends.push(r),
    }))
      delivered++;
    expect(delivered).toBe(0);
    expect(ends).toEqual(["aborted"]);
    // Before the fix the first pull read all 400,000 frames without awaiting (~300 ms here):
    // the 5 ms timer could only fire after that. Relative to the full read, so a loaded machine
    // (everything slower alike) cannot fail a correct build.
    expect(firedAfter).toBeLessThan(Math.max(100, fullMs / 2));
    pool.close();
  });
});
