/**
 * Retention: a small pool (16K) wrapped many times keeps exactly a contiguous window of the
 * newest messages, and readers are told, never silently, about what fell out of it.
 *
 * Proves: the bounds (oldest, newest, messageCount) match an independent reading of the file and
 * the bytes the frames need; eviction happens only when the ring is full; overwritten seqs and
 * seqs past the newest are NotFound carrying `seq`; a stale `since` reports the gap and resumes at
 * the oldest (policy continue) or fails with RetentionGap at the first missing seq (policy error);
 * a tag filter, even one that matches nothing, cannot hide a gap, at the start or while
 * following; a slow live follower overrun by a writer sees the gap, then continues in order.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Gap,
  isSpoolError,
  type Message,
  Pool,
  type SpoolError,
  verifyPool,
} from "../src/index.js";
import { describePool } from "./helpers/corrupt-format.js";
import { expectSpoolError } from "./helpers/expect-error.js";
import { Prng } from "./helpers/prng.js";

/** Bytes a frame needs in the ring for `dataBytes` of JSON data and no tags (format v0). */
function frameBytes(dataBytes: number, tagsBytes = 2): number {
  return Math.ceil((48 + tagsBytes + 9 + dataBytes + 2) / 8) * 8 + 8;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Written {
  seq: number;
  text: string;
  frame: number;
}

/** Appends `count` messages `{seq, pad}`; checks the returned seqs and the bounds after each. */
function fill(
  pool: Pool,
  count: number,
  padLength: (i: number) => number,
  written: Map<number, Written>,
): void {
  const ringSize = pool.layout.ringSize;
  const reserve = Math.min(64 * 1024, Math.floor(ringSize / 16 / 8) * 8);
  let before = pool.info();
  for (let i = 0; i < count; i++) {
    const seq = (before.bounds?.newest ?? 0) + 1;
    const data = { seq, pad: "p".repeat(padLength(i)) };
    const text = JSON.stringify(data);
    const m = pool.append(data);
    expect(m.seq).toBe(seq);
    written.set(seq, { seq, text, frame: frameBytes(Buffer.byteLength(text)) });
    const after = pool.info();
    const bounds = after.bounds;
    if (!bounds) throw new Error("a pool with messages has bounds");
    expect(bounds.newest).toBe(seq);
    expect(after.messageCount).toBe(bounds.newest - bounds.oldest + 1);
    expect(bounds.oldest).toBeGreaterThanOrEqual(before.bounds?.oldest ?? 1);
    // The live frames fit the ring, and at most the eviction reserve plus one frame and the
    // wasted end of the ring is left unused: nothing is evicted before it has to be.
    let live = 0;
    let biggest = 0;
    for (let s = bounds.oldest; s <= bounds.newest; s++) {
      const w = written.get(s) as Written;
      live += w.frame;
      biggest = Math.max(biggest, w.frame);
    }
    expect(live).toBeLessThanOrEqual(ringSize);
    expect(after.bytesUsed).toBeGreaterThanOrEqual(live);
    expect(after.bytesUsed + after.bytesFree).toBe(ringSize);
    if (bounds.oldest > 1) expect(live).toBeGreaterThan(ringSize - reserve - 3 * biggest);
    // The very first eviction happens only when the new frame no longer fits after the others.
    if (before.bounds?.oldest === 1 && bounds.oldest > 1) {
      let used = 0;
      for (let s = 1; s < seq; s++) used += (written.get(s) as Written).frame;
      expect(used + (written.get(seq) as Written).frame).toBeGreaterThan(ringSize);
    }
    before = after;
  }
}

async function collect(
  iterable: AsyncIterable<Message>,
): Promise<{ seqs: number[]; messages: Message[]; error: unknown }> {
  const messages: Message[] = [];
  try {
    for await (const m of iterable) messages.push(m);
  } catch (error) {
    return { seqs: messages.map((m) => m.seq), messages, error };
  }
  return { seqs: messages.map((m) => m.seq), messages, error: undefined };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

describe("retention in a small pool wrapped many times", () => {
  let dir: string;
  let pool: Pool;
  const written = new Map<number, Written>();
  const TAGGED_EVERY = 7;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "spool-retention-"));
    pool = Pool.create(join(dir, "small.spool"), { size: "16K" });
    const prng = new Prng(0x7e7e);
    fill(pool, 3000, () => prng.int(0, 240), written);
    // Tagged tail end, for the filter tests: every 7th message carries "seven".
    for (let i = 0; i < 40; i++) {
      const seq = (pool.info().bounds?.newest ?? 0) + 1;
      const data = { seq, pad: "t".repeat(prng.int(0, 100)) };
      pool.append(data, { tags: seq % TAGGED_EVERY === 0 ? ["seven"] : ["other"] });
      written.set(seq, { seq, text: JSON.stringify(data), frame: 0 });
    }
  });

  afterAll(() => {
    pool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("bounds, messageCount and every live payload agree with an independent reading of the file", () => {
    const info = pool.info();
    const bounds = info.bounds as { oldest: number; newest: number };
    expect(bounds.newest).toBe(3040);
    expect(bounds.oldest).toBeGreaterThan(2900); // ~60 messages fit 8 KiB of ring
    expect(info.messageCount).toBe(bounds.newest - bounds.oldest + 1);
    const view = describePool(readFileSync(pool.path));
    expect(view.frames.map((f) => f.seq)).toEqual(range(bounds.oldest, bounds.newest));
    for (let s = bounds.oldest; s <= bounds.newest; s++) {
      const m = pool.get(s);
      expect(m.seq).toBe(s);
      expect(Buffer.from(m.dataBytes).toString("utf8")).toBe(written.get(s)?.text);
    }
    const report = verifyPool(pool.path);
    expect(report.ok).toBe(true);
    expect(report.messages).toBe(info.messageCount);
  });

  it("overwritten seqs and seqs past the newest are NotFound carrying the seq", () => {
    const { oldest, newest } = pool.info().bounds as { oldest: number; newest: number };
    for (const s of [1, 2, 100, oldest - 2, oldest - 1]) {
      const e = expectSpoolError(() => pool.get(s), "NotFound");
      expect(e.seq).toBe(s);
      expect(e.message).toMatch(/overwritten/);
    }
    for (const s of [newest + 1, newest + 2, newest + 1_000_000]) {
      const e = expectSpoolError(() => pool.get(s), "NotFound");
      expect(e.seq).toBe(s);
      expect(e.message).toMatch(/does not exist/);
    }
    expect(pool.get(oldest).seq).toBe(oldest);
    expect(pool.get(newest).seq).toBe(newest);
  });

  it("a stale since continues by default: onGap gets the overwritten range, delivery resumes at the oldest", async () => {
    const { oldest, newest } = pool.info().bounds as { oldest: number; newest: number };
    for (const since of [1, 57, oldest - 1]) {
      const gaps: Gap[] = [];
      const ends: string[] = [];
      const { seqs, messages, error } = await collect(
        pool.tail({ since, follow: false, onGap: (g) => gaps.push(g), onEnd: (r) => ends.push(r) }),
      );
      expect(error).toBeUndefined();
      expect(gaps).toEqual([{ from: since, to: oldest - 1, count: oldest - since }]);
      expect(seqs).toEqual(range(oldest, newest));
      expect(messages.map((m) => (m.data as { seq: number }).seq)).toEqual(seqs);
      expect(ends).toEqual(["caught-up"]);
    }
    // The JSONL form reports the same gap and starts at the oldest too.
    const gaps: Gap[] = [];
    const lines: string[] = [];
    for await (const chunk of pool.tailJsonl({
      since: 3,
      follow: false,
      onGap: (g) => gaps.push(g),
    }))
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    expect(gaps).toEqual([{ from: 3, to: oldest - 1, count: oldest - 3 }]);
    expect(lines.map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual(range(oldest, newest));
    // No gap when since is exactly the oldest.
    const none: Gap[] = [];
    const exact = await collect(
      pool.tail({ since: oldest, follow: false, onGap: (g) => none.push(g) }),
    );
    expect(none).toEqual([]);
    expect(exact.seqs).toEqual(range(oldest, newest));
  });

  it("gapPolicy error fails a stale since with RetentionGap whose seq is the first missing one", async () => {
    const { oldest } = pool.info().bounds as { oldest: number; newest: number };
    for (const since of [1, 42, oldest - 1]) {
      const { seqs, error } = await collect(
        pool.tail({ since, follow: false, gapPolicy: "error" }),
      );
      expect(seqs).toEqual([]);
      expect(isSpoolError(error, "RetentionGap")).toBe(true);
      expect((error as SpoolError).seq).toBe(since);
      expect((error as SpoolError).hint ?? "").not.toBe("");
    }
    const jsonl: Buffer[] = [];
    let error: unknown;
    try {
      for await (const chunk of pool.tailJsonl({ since: 9, follow: false, gapPolicy: "error" }))
        jsonl.push(chunk);
    } catch (e) {
      error = e;
    }
    expect(jsonl).toEqual([]);
    expect(isSpoolError(error, "RetentionGap") && error.seq).toBe(9);
  });

  it("a tag filter cannot hide a stale since: matching nothing still reports the gap", async () => {
    const { oldest, newest } = pool.info().bounds as { oldest: number; newest: number };
    const strict = await collect(
      pool.tail({ since: 5, follow: false, tags: ["no-message-has-this"], gapPolicy: "error" }),
    );
    expect(strict.seqs).toEqual([]);
    expect(isSpoolError(strict.error, "RetentionGap") && strict.error.seq).toBe(5);

    const gaps: Gap[] = [];
    const lenient = await collect(
      pool.tail({
        since: 5,
        follow: false,
        tags: ["no-message-has-this"],
        onGap: (g) => gaps.push(g),
      }),
    );
    expect(lenient.error).toBeUndefined();
    expect(lenient.seqs).toEqual([]);
    expect(gaps).toEqual([{ from: 5, to: oldest - 1, count: oldest - 5 }]);

    // A filter that matches some messages: the gap is reported and only those are delivered.
    const someGaps: Gap[] = [];
    const some = await collect(
      pool.tail({ since: 5, follow: false, tags: ["seven"], onGap: (g) => someGaps.push(g) }),
    );
    expect(someGaps).toHaveLength(1);
    const want = range(oldest, newest).filter((s) => s > 3000 && s % TAGGED_EVERY === 0);
    expect(want.length).toBeGreaterThan(0);
    expect(some.seqs).toEqual(want);
  });
});

describe("followers overrun by a writer", () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "spool-overrun-"));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("equal-sized frames that tile the ring exactly wrap 50 times with correct bounds", () => {
    // 128-byte frames, 64 per 8 KiB ring: old and new frame boundaries coincide on every lap,
    // and the ring's end is filled exactly (no wrap marker).
    const pool = Pool.create(join(dir, "tiled.spool"), { size: "16K" });
    try {
      // `{"seq":N,"pad":"…"}` is 17 + digits(N) + pad bytes; keep it at 55 (a 128-byte frame).
      const padFor = (seq: number): number => 38 - String(seq).length;
      expect(frameBytes(17 + 1 + padFor(1))).toBe(128);
      fill(pool, 3200, (i) => padFor(i + 1), new Map<number, Written>());
      const info = pool.info();
      expect(info.bounds?.newest).toBe(3200);
      const view = describePool(readFileSync(pool.path));
      expect(view.frames.every((f) => f.length === 128)).toBe(true);
      expect(view.frames.map((f) => f.seq)).toEqual(range(info.bounds?.oldest ?? 0, 3200));
      expect(info.messageCount).toBe(64);
      expect(verifyPool(pool.path).ok).toBe(true);
    } finally {
      pool.close();
    }
  });

  it("a slow live follower sees the gap, then continues in order (deterministic)", async () => {
    const pool = Pool.create(join(dir, "slow.spool"), { size: "16K" });
    const writer = Pool.open(pool.path);
    try {
      writer.append({ seq: 1, pad: "" });
      const gaps: Gap[] = [];
      const it = pool
        .tail({ timeoutMs: 10_000, onGap: (g) => gaps.push(g) })
        [Symbol.asyncIterator]();
      const first = it.next(); // starts at seq 2, the next new message
      writer.append({ seq: 2, pad: "" });
      expect((await first).value?.seq).toBe(2);
      // The follower stalls while the writer laps the ring twice.
      for (let s = 3; s <= 400; s++) writer.append({ seq: s, pad: "x".repeat(60) });
      const { oldest, newest } = pool.info().bounds as { oldest: number; newest: number };
      expect(oldest).toBeGreaterThan(3);
      const seen: number[] = [];
      while (seen.length === 0 || (seen.at(-1) as number) < newest) {
        const next = await it.next();
        if (next.done) throw new Error("tail ended early");
        seen.push(next.value.seq);
        expect((next.value.data as { seq: number }).seq).toBe(next.value.seq);
      }
      expect(gaps).toEqual([{ from: 3, to: oldest - 1, count: oldest - 3 }]);
      expect(seen).toEqual(range(oldest, newest));
      // Live delivery goes on, in order, after the gap.
      writer.append({ seq: 401, pad: "" });
      writer.append({ seq: 402, pad: "" });
      expect((await it.next()).value?.seq).toBe(401);
      expect((await it.next()).value?.seq).toBe(402);
      await it.return?.();
    } finally {
      writer.close();
      pool.close();
    }
  });

  it("a live follower with a filter that matches nothing still sees the gap", async () => {
    const pool = Pool.create(join(dir, "filtered.spool"), { size: "16K" });
    try {
      pool.append({ seq: 1 });
      const gaps: Gap[] = [];
      const lenient = pool
        .tail({ tags: ["rare"], timeoutMs: 10_000, onGap: (g) => gaps.push(g) })
        [Symbol.asyncIterator]();
      const strict = pool
        .tail({ tags: ["rare"], timeoutMs: 10_000, gapPolicy: "error" })
        [Symbol.asyncIterator]();
      const lenientNext = lenient.next();
      const strictNext = strict.next().then(
        (r) => ({ value: r.value as Message | undefined, error: undefined as unknown }),
        (error: unknown) => ({ value: undefined, error }),
      );
      await sleep(20); // both followers are now waiting for seq 2
      for (let s = 2; s <= 300; s++)
        pool.append({ seq: s, pad: "y".repeat(80) }, { tags: ["common"] });
      const rare = pool.append({ seq: 301 }, { tags: ["rare"] });
      const { oldest } = pool.info().bounds as { oldest: number; newest: number };
      expect(oldest).toBeGreaterThan(2);
      expect((await lenientNext).value?.seq).toBe(rare.seq);
      expect(gaps).toEqual([{ from: 2, to: oldest - 1, count: oldest - 2 }]);
      const s = await strictNext;
      expect(s.value).toBeUndefined();
      expect(isSpoolError(s.error, "RetentionGap") && s.error.seq).toBe(2);
      await lenient.return?.();
    } finally {
      pool.close();
    }
  });

  it("a follower slower than a bursty writer: every jump in seqs is exactly a reported gap", async () => {
    const pool = Pool.create(join(dir, "race.spool"), { size: "16K" });
    const writer = Pool.open(pool.path);
    const prng = new Prng(0x51ae);
    try {
      const gaps: Gap[] = [];
      const seen: Message[] = [];
      let last = 0;
      // The tail is created first: it starts at seq 1, the next new message.
      const controller = new AbortController();
      const tail = pool.tail({
        signal: controller.signal,
        onGap: (g) => gaps.push(g),
        timeoutMs: 10_000,
      });
      const writes = (async () => {
        const until = Date.now() + 1500;
        while (Date.now() < until) {
          const burst = prng.int(1, 150);
          for (let i = 0; i < burst; i++) {
            last++;
            writer.append({ seq: last, pad: "z".repeat(prng.int(0, 120)) });
          }
          await sleep(prng.int(0, 3));
        }
      })();
      const reading = (async () => {
        for await (const m of tail) {
          seen.push(m);
          if (prng.chance(0.2)) await sleep(prng.int(1, 4)); // slow consumer
        }
      })();
      await writes;
      // Once the writer stops, the follower catches up with the last message; then stop it.
      const deadline = Date.now() + 10_000;
      while (seen.at(-1)?.seq !== last && Date.now() < deadline) await sleep(5);
      controller.abort();
      await reading;

      expect(last).toBeGreaterThan(1000);
      expect(gaps.length).toBeGreaterThan(0);
      expect(seen.at(-1)?.seq).toBe(last);
      let gapIndex = 0;
      let prev = 0;
      for (const m of seen) {
        expect((m.data as { seq: number }).seq).toBe(m.seq);
        if (m.seq !== prev + 1) {
          // A jump: it must be exactly the next reported gap.
          expect(m.seq).toBeGreaterThan(prev + 1);
          expect(gaps[gapIndex]).toEqual({
            from: prev + 1,
            to: m.seq - 1,
            count: m.seq - prev - 1,
          });
          gapIndex++;
        }
        prev = m.seq;
      }
      expect(gapIndex).toBe(gaps.length);
    } finally {
      writer.close();
      pool.close();
    }
  });
});
