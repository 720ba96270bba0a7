/**
 * Many followers of one pool in one process (the HTTP server's case): change events coalesced
 * into one wake per waiter per turn without ever losing one, the published state read once per
 * change for every follower, frames read at the live edge shared between followers as a
 * validated copy, and JSONL chunks sized to their lines. Every follower must still get every
 * message exactly once, in order, byte for byte what a fresh replay returns.
 */
import { appendFileSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FrameReader } from "../src/engine/reader.js";
import { shareRun, takeSharedRun } from "../src/engine/shared-runs.js";
import { createPool, isSpoolError, openPool, type Pool } from "../src/index.js";
import { PoolFile } from "../src/platform/file.js";
import { activeWatchCount, subscribe } from "../src/platform/notify.js";
import { useTempDirs } from "./helpers/temp-dir.js";

const tempDir = useTempDirs("spool-fanout-");
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits (bounded) until `sub`'s change counter moves past `mark`. */
async function eventAfter(sub: { mark(): number }, mark: number): Promise<void> {
  for (let i = 0; i < 2000 && sub.mark() === mark; i++) await sleep(1);
  expect(sub.mark()).not.toBe(mark);
}

/** Every line of JSONL chunks, as text. */
async function lines(chunks: AsyncIterable<Buffer>): Promise<string[]> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(Buffer.from(chunk));
  const text = Buffer.concat(parts).toString("utf8");
  return text.length === 0 ? [] : text.slice(0, -1).split("\n");
}

describe("change notification with many waiters", () => {
  const envBefore = process.env.SPOOL_NO_WATCH;
  afterEach(() => {
    if (envBefore === undefined) delete process.env.SPOOL_NO_WATCH;
    else process.env.SPOOL_NO_WATCH = envBefore;
  });

  it("a burst of changes wakes every waiter (each waits far longer than the test may run)", async () => {
    const path = join(tempDir(), "f");
    writeFileSync(path, "x");
    const subs = Array.from({ length: 50 }, () => subscribe(path));
    const first = subs[0] as (typeof subs)[number];
    const mark = first.mark();
    const woken = subs.map((sub) => sub.wait(600_000, mark).then(() => sub.mark()));
    for (let i = 0; i < 20; i++) appendFileSync(path, "y");
    const marks = await Promise.all(woken);
    for (const m of marks) expect(m).not.toBe(mark);
    for (const sub of subs) sub.release();
    expect(activeWatchCount()).toBe(0);
  }, 20_000);

  it("never loses a wake: a waiter whose mark predates an event returns at once, even after the event's wake ran", async () => {
    const path = join(tempDir(), "f");
    writeFileSync(path, "x");
    const sub = subscribe(path);
    const mark = sub.mark();
    appendFileSync(path, "y");
    await eventAfter(sub, mark);
    await turn(); // the coalesced wake of that event has run by now
    await sub.wait(600_000, mark); // would hang (and fail the test) if the event were lost
    sub.release();
  }, 20_000);

  it("marks of different watchers never coincide (versions are unique in the process)", () => {
    const a = join(tempDir(), "a");
    const b = join(tempDir(), "b");
    writeFileSync(a, "x");
    writeFileSync(b, "x");
    const subA = subscribe(a);
    const subB = subscribe(b);
    expect(subA.mark()).not.toBe(subB.mark());
    subA.release();
    subB.release();
    const again = subscribe(a);
    expect(again.mark()).not.toBe(subA.mark());
    again.release();
  });

  it("shares a read among the subscribers of a file until the next change, per key", async () => {
    const path = join(tempDir(), "f");
    writeFileSync(path, "x");
    const one = subscribe(path);
    const two = subscribe(path);
    const key = {};
    let reads = 0;
    const read = () => ++reads;
    // A long age bound, so only the change counter decides (the default bound is 1 ms).
    const age = 600_000;
    expect(one.shared(key, read, age)).toBe(1);
    expect(two.shared(key, read, age)).toBe(1);
    expect(one.shared({}, read, age)).toBe(2); // another key: its own read
    const mark = one.mark();
    appendFileSync(path, "y");
    await eventAfter(one, mark);
    expect(two.shared(key, read, age)).toBe(3); // a change: read again
    expect(one.shared(key, read, age)).toBe(3);
    expect(one.shared(key, read, 0)).toBe(4); // expired by age even without a change
    one.release();
    two.release();
  }, 20_000);

  it("without a watcher every shared read is a fresh read", () => {
    process.env.SPOOL_NO_WATCH = "1";
    const path = join(tempDir(), "f");
    writeFileSync(path, "x");
    const sub = subscribe(path);
    let reads = 0;
    const key = {};
    sub.shared(key, () => ++reads, 600_000);
    sub.shared(key, () => ++reads, 600_000);
    expect(reads).toBe(2);
    sub.release();
  });
});

/** Appends `total` messages in bursts of 1-4, letting the followers run between bursts. */
async function feed(pool: Pool, total: number, from = 1): Promise<void> {
  let n = from;
  while (n < from + total) {
    const burst = Math.min(1 + (n % 4), from + total - n);
    for (let i = 0; i < burst; i++, n++) {
      pool.append({ n, pad: "p".repeat(n % 300) }, { tags: n % 3 === 0 ? ["three"] : [] });
    }
    await sleep(n % 5 === 0 ? 2 : 0);
  }
}

describe("many followers of one open pool", () => {
  it("every follower gets every message once, in order, byte for byte what a replay returns", async () => {
    const path = join(tempDir(), "p.spool");
    const pool = createPool(path, { size: "1M" });
    pool.append({ n: 0 });
    const total = 400;
    const jsonl = Array.from({ length: 12 }, () =>
      lines(pool.tailJsonl({ since: 2, max: total, timeoutMs: 20_000 })),
    );
    const threeCount = Math.floor(total / 3); // n = 1..total, tagged when n % 3 === 0
    const tagged = Array.from({ length: 3 }, async () => {
      const seqs: number[] = [];
      for await (const m of pool.tail({ since: 2, tags: ["three"], max: threeCount })) {
        seqs.push(m.seq);
      }
      return seqs;
    });
    const limited = lines(pool.tailJsonl({ since: 2, max: 7, timeoutMs: 20_000 }));
    await sleep(20);
    await feed(pool, total);
    // The reference: a fresh pool object (its own file handle, nothing shared) replaying.
    const fresh = openPool(path);
    const expected = await lines(fresh.tailJsonl({ since: 2, max: total, follow: false }));
    expect(expected).toHaveLength(total);
    for (const got of await Promise.all(jsonl)) expect(got).toEqual(expected);
    expect(await limited).toEqual(expected.slice(0, 7));
    const threes = expected
      .map((line) => JSON.parse(line) as { seq: number; meta: { tags: string[] } })
      .filter((m) => m.meta.tags.includes("three"))
      .map((m) => m.seq);
    expect(threes).toHaveLength(threeCount);
    for (const seqs of await Promise.all(tagged)) expect(seqs).toEqual(threes);
    fresh.close();
    pool.close();
    expect(activeWatchCount()).toBe(0);
  }, 60_000);

  it("followers of a small pool across many wraps: every seq once, in order, or reported as a gap", async () => {
    const path = join(tempDir(), "p.spool");
    const pool = createPool(path, { size: "64K" });
    const total = 600; // ~300 KiB of messages through a 64 KiB ring
    const followers = Array.from({ length: 8 }, async (_, i) => {
      const seen: number[] = [];
      let gaps = 0;
      for await (const m of pool.tail({
        since: 1,
        timeoutMs: 20_000,
        onGap: (gap) => {
          gaps += gap.count;
          for (let s = gap.from; s <= gap.to; s++) seen.push(-s);
        },
      })) {
        seen.push(m.seq);
        expect((m.data as { n: number }).n).toBe(m.seq);
        if (m.seq === total) break;
        if (i === 0 && m.seq % 50 === 0) await sleep(1); // one slower follower
      }
      return { seen, gaps };
    });
    await sleep(20);
    await feed(pool, total);
    for (const { seen } of await Promise.all(followers)) {
      expect(seen.map(Math.abs)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    }
    pool.close();
  }, 60_000);

  it("a caught-up follower never delivers bytes that did not validate; a fresh read of a damaged frame fails", async () => {
    const path = join(tempDir(), "p.spool");
    const pool = createPool(path, { size: "1M" });
    pool.append({ n: 1 });
    const a = pool.tailJsonl({ since: 2, max: 3, timeoutMs: 20_000 });
    const b = pool.tailJsonl({ since: 2, max: 3, timeoutMs: 20_000 });
    const got = Promise.all([lines(a), lines(b)]);
    await sleep(20);
    for (let n = 2; n <= 4; n++) pool.append({ n, marker: `MARK-${n}-MARK` });
    const [fromA, fromB] = await got;
    expect(fromA).toEqual(fromB);
    expect(fromA.map((l) => (JSON.parse(l) as { data: { n: number } }).data.n)).toEqual([2, 3, 4]);
    // Damage message 3's data in the file: a replay through a fresh handle must refuse it.
    const bytes = readFileSync(path);
    const at = bytes.indexOf("MARK-3-MARK");
    expect(at).toBeGreaterThan(0);
    const fd = openSync(path, "r+");
    writeSync(fd, Buffer.from("X"), 0, 1, at);
    const fresh = openPool(path);
    await expect(lines(fresh.tailJsonl({ since: 3, follow: false }))).rejects.toSatisfy((e) =>
      isSpoolError(e, "Corrupt"),
    );
    fresh.close();
    pool.close();
  }, 30_000);
});

describe("shared live runs (reader)", () => {
  it("keeps only whole, small runs that end at the published newest; hands out suffixes of frames that were published", () => {
    const path = join(tempDir(), "p.spool");
    const pool = createPool(path, { size: "1M" });
    pool.appendBatch(Array.from({ length: 5 }, (_, i) => ({ data: { i } })));
    const file = PoolFile.open(path, true);
    const reader = new FrameReader(file, pool.layout);
    const state = pool.readState();
    // A run that stops short of the newest seq is not shared.
    const partial = reader.readRun(1, state.tail, state, 3);
    shareRun(file, partial, state);
    expect(takeSharedRun(file, 1, state)).toBeUndefined();
    const whole = reader.readRun(1, state.tail, state, 100);
    shareRun(file, whole, state);
    const taken = takeSharedRun(file, 3, state);
    expect(taken?.frames.map((f) => f.seq)).toEqual([3, 4, 5]);
    expect(taken?.from).toBe(2);
    expect(taken?.nextSeq).toBe(6);
    expect(taken?.nextOffset).toBe(whole.nextOffset);
    // Its bytes are a copy: the reader's own buffer being reused does not change them.
    const frame = taken?.frames[0];
    const payload = (f: typeof frame) =>
      f && taken ? taken.buf.toString("utf8", f.at + 48, f.at + 48 + f.head.dataLen + 20) : "";
    const before = payload(frame);
    reader.readRun(1, state.tail, state, 1);
    expect(payload(frame)).toBe(before);
    expect(before).toContain('{"i":2}');
    // Outside the run, or a seq the taker knows was overwritten: no.
    expect(takeSharedRun(file, 6, state)).toBeUndefined();
    expect(takeSharedRun(file, 3, { ...state, oldest: 4 })).toBeUndefined();
    // A taker whose state is older than the run still gets the whole (published) rest.
    expect(takeSharedRun(file, 1, { ...state, newest: 2 })?.frames.map((f) => f.seq)).toEqual([
      1, 2, 3, 4, 5,
    ]);
    // Another open file of the same pool shares nothing with this one.
    const other = PoolFile.open(path, true);
    expect(takeSharedRun(other, 3, state)).toBeUndefined();
    other.close();
    file.close();
    pool.close();
  });
});

describe("shared live runs: a few kept per file", () => {
  it("keeps the last runs, drops the ones a newer run covers, and hands out the one reaching furthest", () => {
    const path = join(tempDir(), "p.spool");
    const pool = createPool(path, { size: "1M" });
    pool.appendBatch(Array.from({ length: 10 }, (_, i) => ({ data: { i } })));
    const file = PoolFile.open(path, true);
    const reader = new FrameReader(file, pool.layout);
    const state = pool.readState();
    const seqs = (seq: number, at = state) =>
      takeSharedRun(file, seq, at)?.frames.map((f) => f.seq);
    const upTo5 = { ...state, newest: 5 };
    const first = reader.readRun(1, state.tail, upTo5, 100);
    shareRun(file, first, upTo5);
    const second = reader.readRun(6, first.nextOffset, state, 100);
    shareRun(file, second, state);
    expect(seqs(3)).toEqual([3, 4, 5]);
    expect(seqs(7)).toEqual([7, 8, 9, 10]);
    const whole = reader.readRun(1, state.tail, state, 100);
    shareRun(file, whole, state);
    expect(seqs(3)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    // A run a kept one covers adds nothing; the covering run still serves its seqs.
    shareRun(file, reader.readRun(6, first.nextOffset, state, 100), state);
    expect(takeSharedRun(file, 7, state)?.from).toBe(6);
    file.close();
    pool.close();
  });
});

describe("shared JSONL chunks (sharedChunks: true)", () => {
  it("caught-up followers get the same bytes, formatted once; each still gets every line once, in order", async () => {
    const path = join(tempDir(), "p.spool");
    const pool = createPool(path, { size: "1M" });
    pool.append({ n: 0 });
    const total = 300;
    const seen: Buffer[][] = [];
    const sharing = Array.from({ length: 10 }, async (_, i) => {
      const chunks: Buffer[] = [];
      seen[i] = chunks;
      for await (const c of pool.tailJsonl({ since: 2, max: total, sharedChunks: true })) {
        chunks.push(c);
      }
      return Buffer.concat(chunks).toString("utf8").slice(0, -1).split("\n");
    });
    const plain = lines(pool.tailJsonl({ since: 2, max: total }));
    await sleep(20);
    await feed(pool, total);
    const fresh = openPool(path);
    const expected = await lines(fresh.tailJsonl({ since: 2, max: total, follow: false }));
    expect(expected).toHaveLength(total);
    for (const got of await Promise.all(sharing)) expect(got).toEqual(expected);
    expect(await plain).toEqual(expected);
    // Some chunks are the very memory another follower got (the same view of the same bytes).
    const owners = new Map<ArrayBufferLike, Map<string, Set<number>>>();
    seen.forEach((chunks, follower) => {
      for (const c of chunks) {
        const views = owners.get(c.buffer) ?? new Map<string, Set<number>>();
        owners.set(c.buffer, views);
        const key = `${c.byteOffset}:${c.length}`;
        views.set(key, (views.get(key) ?? new Set<number>()).add(follower));
      }
    });
    const sharedViews = [...owners.values()]
      .flatMap((views) => [...views.values()])
      .filter((followers) => followers.size > 1);
    expect(sharedViews.length).toBeGreaterThan(0);
    fresh.close();
    pool.close();
  }, 60_000);
});

describe("JSONL chunk sizes", () => {
  it("a live batch of a few lines is a small chunk; a replay's chunks stay at most 64 KiB of whole lines; a huge line gets its own chunk", async () => {
    const path = join(tempDir(), "p.spool");
    const pool = createPool(path, { size: "4M" });
    const live = pool.tailJsonl({ max: 1, timeoutMs: 20_000 })[Symbol.asyncIterator]();
    const next = live.next();
    await sleep(20);
    pool.append({ small: true });
    const first = await next;
    expect(first.done).toBe(false);
    const chunk = first.value as Buffer;
    expect(chunk.toString()).toMatch(/^\{"seq":1,.*"data":\{"small":true\}\}\n$/);
    // Sized to its line: backed by a small allocation, not a 64 KiB buffer.
    expect(chunk.buffer.byteLength).toBeLessThan(16 * 1024);
    await live.return?.();

    pool.appendBatch(
      Array.from({ length: 300 }, (_, i) => ({ data: { i, pad: "z".repeat(900) } })),
    );
    pool.append({ huge: "h".repeat(200_000) });
    pool.append({ after: true });
    const sizes: number[] = [];
    const all: Buffer[] = [];
    for await (const c of pool.tailJsonl({ since: 1, follow: false })) {
      sizes.push(c.length);
      all.push(Buffer.from(c));
      expect(c[c.length - 1]).toBe(0x0a);
    }
    const text = Buffer.concat(all).toString();
    const seqs = text
      .slice(0, -1)
      .split("\n")
      .map((l) => (JSON.parse(l) as { seq: number }).seq);
    expect(seqs).toEqual(Array.from({ length: 303 }, (_, i) => i + 1));
    const big = sizes.filter((s) => s > 64 * 1024);
    expect(big).toHaveLength(1); // only the huge line's own chunk
    expect(big[0]).toBeGreaterThan(200_000);
    expect(sizes.length).toBeGreaterThan(3);
    pool.close();
  }, 30_000);
});
