// Tails of JetStream pools on a real single-node nats-server: replay, follow, max, last, since,
// sinceTime, tags, where, gaps from the ring (max_bytes) under both policies, abort and break.

import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import type { EnginePool } from "@spool/core";
import { type Gap, isSpoolError, type TailEnd, type TailOptions } from "@spool/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { connectJetStream, type JetStreamEngine } from "../src/index.js";
import { describeNats, type NatsFixture, startNats } from "./nats-fixture.js";

async function collect(
  pool: EnginePool,
  options: TailOptions,
): Promise<{ seqs: number[]; data: unknown[]; end: TailEnd | undefined; gaps: Gap[] }> {
  const seqs: number[] = [];
  const data: unknown[] = [];
  const gaps: Gap[] = [];
  let end: TailEnd | undefined;
  for await (const m of pool.tail({
    ...options,
    onEnd: (r) => {
      end = r;
    },
    onGap: (g) => gaps.push(g),
  })) {
    seqs.push(m.seq);
    data.push(m.data);
  }
  return { seqs, data, end, gaps };
}

describeNats("JetStream tails (single node)", () => {
  let nats: NatsFixture;
  let engine: JetStreamEngine;
  let pool: EnginePool;

  beforeAll(async () => {
    nats = await startNats();
    engine = await connectJetStream(nats.url);
    pool = await engine.create("tails");
    await pool.appendBatch(
      Array.from({ length: 10 }, (_, i) => ({
        data: { n: i + 1, level: i % 3 === 0 ? "error" : "info" },
        tags: i % 2 === 0 ? ["even-index"] : [],
      })),
    );
  });
  afterAll(async () => {
    await engine?.close();
    await nats?.stop();
  });

  it("replays from since and ends caught-up without follow", async () => {
    const r = await collect(pool, { since: 1, follow: false });
    expect(r.seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(r.end).toBe("caught-up");
    expect((await collect(pool, { since: 8, follow: false })).seqs).toEqual([8, 9, 10]);
    expect((await collect(pool, { follow: false })).seqs).toEqual([]);
  });

  it("starts at last N, stops at max, filters by tags and where after gap accounting", async () => {
    expect((await collect(pool, { last: 3, follow: false })).seqs).toEqual([8, 9, 10]);
    const max = await collect(pool, { since: 2, max: 2 });
    expect(max).toMatchObject({ seqs: [2, 3], end: "max" });
    const tags = await collect(pool, { since: 1, follow: false, tags: ["even-index"] });
    expect(tags.seqs).toEqual([1, 3, 5, 7, 9]);
    const where = await collect(pool, { since: 1, follow: false, where: '.data.level == "error"' });
    expect(where.seqs).toEqual([1, 4, 7, 10]);
    await expect(
      collect(pool, { since: 1, follow: false, where: ".data |||" }),
    ).rejects.toMatchObject({
      kind: "Usage",
    });
    await expect(collect(pool, { since: 0 })).rejects.toMatchObject({ kind: "Usage" });
    await expect(collect(pool, { since: 1, last: 2 })).rejects.toMatchObject({ kind: "Usage" });
  });

  it("starts at sinceTime", async () => {
    const m5 = await pool.get(5);
    expect((await collect(pool, { sinceTime: m5.time, follow: false })).seqs).toEqual([
      5, 6, 7, 8, 9, 10,
    ]);
    expect(
      (await collect(pool, { sinceTime: "2000-01-01T00:00:00Z", follow: false })).seqs,
    ).toHaveLength(10);
  });

  it("follows new messages, ends on timeout, and on abort at once", async () => {
    const follower = await engine.create("follow");
    const got: number[] = [];
    let end: TailEnd | undefined;
    const done = (async () => {
      for await (const m of follower.tail({
        timeoutMs: 1500,
        onEnd: (r) => {
          end = r;
        },
      })) {
        got.push(m.seq);
        if (got.length === 1) await follower.append("second");
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    await follower.append("first");
    await done;
    expect(got).toEqual([1, 2]);
    expect(end).toBe("timeout");

    const controller = new AbortController();
    let aborted: TailEnd | undefined;
    const tail = (async () => {
      const seen: number[] = [];
      for await (const m of follower.tail({
        since: 1,
        signal: controller.signal,
        onEnd: (r) => {
          aborted = r;
        },
      })) {
        seen.push(m.seq);
        if (seen.length === 2) controller.abort();
      }
      return seen;
    })();
    expect(await tail).toEqual([1, 2]);
    expect(aborted).toBe("aborted");
  });

  it("frees the consumer on break, so the pool can be deleted without force", async () => {
    const p = await engine.create("breaks");
    await p.appendBatch([{ data: 1 }, { data: 2 }]);
    for await (const m of p.tail({ since: 1 })) {
      expect(m.seq).toBe(1);
      break;
    }
    const deadline = Date.now() + 5000;
    for (;;) {
      try {
        await engine.delete("breaks");
        break;
      } catch (error) {
        if (!isSpoolError(error, "Busy") || Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });

  it("reports the exact gap when the ring discarded messages, or throws RetentionGap", async () => {
    const ring = await engine.create("ring", { size: "16K" });
    const big = "x".repeat(1000);
    for (let i = 0; i < 40; i++) await ring.append({ i, big });
    const info = await ring.info();
    const oldest = info.bounds?.oldest as number;
    expect(oldest).toBeGreaterThan(1);
    expect(info.bounds?.newest).toBe(40);
    expect(info.bytesUsed).toBeLessThanOrEqual(16 * 1024);
    expect(await ring.get(oldest - 1).catch((e: unknown) => (e as { kind: string }).kind)).toBe(
      "NotFound",
    );
    const r = await collect(ring, { since: 1, follow: false });
    expect(r.gaps).toEqual([{ from: 1, to: oldest - 1, count: oldest - 1 }]);
    expect(r.seqs[0]).toBe(oldest);
    expect(r.seqs.at(-1)).toBe(40);
    // Filters come after gap accounting: the gap is reported even if nothing matches.
    const filtered = await collect(ring, { since: 1, follow: false, tags: ["none"] });
    expect(filtered.gaps).toEqual(r.gaps);
    expect(filtered.seqs).toEqual([]);
    await expect(collect(ring, { since: 1, gapPolicy: "error" })).rejects.toMatchObject({
      kind: "RetentionGap",
      seq: 1,
    });
  });

  it("detects a gap by the seq jump, and a follower misses nothing else", async () => {
    const live = await engine.create("ring-live", { size: "16K" });
    const big = "y".repeat(1000);
    await live.append({ i: 0, big });
    const seen: number[] = [];
    const gaps: Gap[] = [];
    for await (const m of live.tail({ since: 1, timeoutMs: 5000, onGap: (g) => gaps.push(g) })) {
      seen.push(m.seq);
      if (m.seq === 1) for (let i = 1; i < 40; i++) await live.append({ i, big });
      if (m.seq === 40) break;
    }
    // Every seq is delivered or inside a reported gap, exactly once.
    const covered = [
      ...seen,
      ...gaps.flatMap((g) => Array.from({ length: g.count }, (_, k) => g.from + k)),
    ].sort((a, b) => a - b);
    expect(covered).toEqual(Array.from({ length: 40 }, (_, k) => k + 1));

    // A hole inside the stream (a message removed by a NATS admin) is a seq jump: a gap.
    const plain = await engine.create("holes");
    await plain.appendBatch(Array.from({ length: 6 }, (_, i) => ({ data: i + 1 })));
    const nc = await connect({ servers: nats.url });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.deleteMessage("SPOOL_holes", 4);
    await nc.close();
    const r = await collect(plain, { since: 1, follow: false, where: ".data > 100" });
    expect(r).toMatchObject({ seqs: [], gaps: [{ from: 4, to: 4, count: 1 }], end: "caught-up" });
    await expect(
      collect(plain, { since: 1, follow: false, gapPolicy: "error" }),
    ).rejects.toMatchObject({
      kind: "RetentionGap",
      seq: 4,
    });
  });
});
