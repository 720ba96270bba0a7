// Durable cursors of JetStream pools on a real single-node nats-server: a tail creating its cursor
// at its start − 1, resuming after the committed seq, autoAck never acking the message a loop
// broke on, monotonic acks from two handles at once, reset by seq and by time, delete, the error
// kinds, the cursor surviving a new connection, and the state stream going with the pool.

import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { type EngineCursor, type EnginePool, isSpoolError, type TailOptions } from "@spool/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { connectJetStream, type JetStreamEngine } from "../src/index.js";
import { stateStream } from "../src/state.js";
import { describeNats, type NatsFixture, startNats } from "./nats-fixture.js";

async function seqs(pool: EnginePool, options: TailOptions, stopAt?: number): Promise<number[]> {
  const out: number[] = [];
  for await (const m of pool.tail({ follow: false, ...options })) {
    out.push(m.seq);
    if (stopAt !== undefined && m.seq === stopAt) break;
  }
  return out;
}

async function kindOf(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    if (isSpoolError(error)) return error.kind;
    throw error;
  }
  return "none";
}

function cursorOf(pool: EnginePool, name: string): EngineCursor {
  if (pool.cursor === undefined) throw new Error("JetStream pools have cursors");
  return pool.cursor(name);
}

describeNats("durable cursors on JetStream pools", () => {
  let nats: NatsFixture;
  let engine: JetStreamEngine;
  let pool: EnginePool;

  beforeAll(async () => {
    nats = await startNats();
    engine = await connectJetStream(nats.url);
    pool = await engine.create("cursors", { size: "64K" });
    await pool.appendBatch([1, 2, 3, 4, 5].map((n) => ({ data: { n } })));
  }, 90_000);
  afterAll(async () => {
    await engine?.close();
    await nats?.stop();
  });

  it("a tail creates its cursor at its start − 1 and resumes after the committed seq", async () => {
    expect(await seqs(pool, { cursor: "a", since: 2, max: 2, autoAck: true })).toEqual([2, 3]);
    const info = await cursorOf(pool, "a").info();
    expect(info).toMatchObject({ name: "a", committed: 3, lag: 2 });
    expect(info.ackTime).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    // The start options only place a new cursor.
    expect(await seqs(pool, { cursor: "a", since: 1, autoAck: true })).toEqual([4, 5]);
    expect(await cursorOf(pool, "a").info()).toMatchObject({ committed: 5, lag: 0 });
    // Without a start: the next new message; created before anything is delivered.
    expect(await seqs(pool, { cursor: "fresh" })).toEqual([]);
    expect(await cursorOf(pool, "fresh").info()).toMatchObject({ committed: 5, ackTime: null });
  });

  it("autoAck never acks the message the loop broke on", async () => {
    expect(await seqs(pool, { cursor: "brk", since: 1, autoAck: true }, 3)).toEqual([1, 2, 3]);
    expect((await cursorOf(pool, "brk").info()).committed).toBe(2);
    expect(await seqs(pool, { cursor: "brk", autoAck: true }, 3)).toEqual([3]);
    // Without autoAck the cursor stays where it was created.
    expect(await seqs(pool, { cursor: "manual", last: 2 })).toEqual([4, 5]);
    expect((await cursorOf(pool, "manual").info()).committed).toBe(3);
  });

  it("acks are monotonic, also from two connections at once; past the newest is Usage", async () => {
    await cursorOf(pool, "race").reset({ seq: 1 });
    const other = await connectJetStream(nats.url);
    try {
      const theirs = cursorOf(await other.open("cursors"), "race");
      const mine = cursorOf(pool, "race");
      await Promise.all([mine.ack(4), theirs.ack(2), mine.ack(3), theirs.ack(5), mine.ack(1)]);
      expect((await theirs.info()).committed).toBe(5);
      expect((await mine.ack(2)).committed).toBe(5);
    } finally {
      await other.close();
    }
    expect(await kindOf(() => cursorOf(pool, "race").ack(6))).toBe("Usage");
    expect(await kindOf(() => cursorOf(pool, "race").ack(0))).toBe("Usage");
    expect(await kindOf(() => cursorOf(pool, "race").ack(1, { durability: "x" as never }))).toBe(
      "Usage",
    );
    expect(await kindOf(() => cursorOf(pool, "nobody").ack(1))).toBe("NotFound");
    expect(await kindOf(async () => cursorOf(pool, "bad/name"))).toBe("Usage");
    expect(await kindOf(() => seqs(pool, { since: 1, autoAck: true }))).toBe("Usage");
  });

  it("reset by seq and by time, both ways, creating an absent cursor; delete", async () => {
    const third = await pool.get(3);
    const c = cursorOf(pool, "moved");
    expect(await c.reset({ seq: 6 })).toMatchObject({ committed: 5, lag: 0, ackTime: null });
    expect(await c.reset({ time: third.time })).toMatchObject({ committed: 2 });
    expect(await seqs(pool, { cursor: "moved", autoAck: true })).toEqual([3, 4, 5]);
    expect(await c.reset({ time: "2999-01-01T00:00:00Z" })).toMatchObject({ committed: 5 });
    expect(await kindOf(() => c.reset({ seq: 7 }))).toBe("Usage");
    expect(await kindOf(() => c.reset({ time: "not a time" }))).toBe("Usage");
    const names = (await pool.cursors?.())?.map((x) => x.name);
    expect(names).toEqual(["a", "brk", "fresh", "manual", "moved", "race"]);
    expect((await pool.info()).cursors.map((x) => x.name)).toEqual(names);
    expect(await c.delete()).toMatchObject({ name: "moved", committed: 5 });
    expect(await kindOf(() => c.info())).toBe("NotFound");
    expect(await kindOf(() => c.delete())).toBe("NotFound");
  });

  it("a cursor whose next message was overwritten meets the gap policy", async () => {
    const small = await engine.create("cursor-gaps", { size: "16K" });
    const big = "x".repeat(3000);
    await small.append({ n: 1, big });
    await small.append({ n: 2, big });
    expect(await seqs(small, { cursor: "slow", since: 1, max: 1, autoAck: true })).toEqual([1]);
    // Append until the ring (16 KiB of stream bytes) has overwritten seq 2.
    let newest = 2;
    for (; ((await small.info()).bounds?.oldest ?? 0) <= 2 && newest < 20; newest++)
      await small.append({ n: newest + 1, big });
    const { bounds } = await small.info();
    expect(bounds?.oldest).toBeGreaterThan(2);
    expect(await kindOf(() => seqs(small, { cursor: "slow", gapPolicy: "error" }))).toBe(
      "RetentionGap",
    );
    const gaps: unknown[] = [];
    const got = await seqs(small, { cursor: "slow", autoAck: true, onGap: (g) => gaps.push(g) });
    expect(got[0]).toBe(bounds?.oldest);
    expect(gaps).toEqual([
      { from: 2, to: (bounds?.oldest ?? 0) - 1, count: (bounds?.oldest ?? 0) - 2 },
    ]);
    expect((await cursorOf(small, "slow").info()).committed).toBe(newest);
  });

  it("deleting the pool deletes its cursors' state stream", async () => {
    const gone = await engine.create("cursor-gone");
    await gone.append(1);
    await cursorOf(gone, "c").reset({ seq: 1 });
    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      await expect(jsm.streams.info(stateStream("cursor-gone"))).resolves.toBeDefined();
      await engine.delete("cursor-gone");
      await expect(jsm.streams.info(stateStream("cursor-gone"))).rejects.toThrow();
    } finally {
      await nc.close();
    }
    const again = await engine.create("cursor-gone");
    expect(await again.cursors?.()).toEqual([]);
  });
});
