// Append times from the stamps consumer (src/stamps.ts) on a real nats-server: every append's
// time is exactly the stored timestamp `get` reads, without a read-back request per append
// (counted on the wire), for single appends, batches, producers and many in flight; the
// consumer never makes `delete` Busy; and stamps of a deleted stream are never used for a
// recreated one with the same seqs.

import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Message } from "@spool/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectJetStream, type JetStreamEngine, streamName } from "../src/index.js";
import { deliveryStamp } from "../src/stamps.js";
import { describeNats, type NatsFixture, startNats } from "./nats-fixture.js";

describe("deliveryStamp", () => {
  it("reads the seq and the nanosecond time of both reply subject forms", () => {
    expect(deliveryStamp("$JS.ACK.S.c.1.42.7.1796304988715220211.0")).toEqual({
      seq: 42,
      time: { sec: 1796304988, nanos: 715220211 },
    });
    expect(deliveryStamp("$JS.ACK.dom.HASH.S.c.1.42.7.1796304988000000005.3.rnd")).toEqual({
      seq: 42,
      time: { sec: 1796304988, nanos: 5 },
    });
    expect(deliveryStamp("$JS.ACK.S.c.1.42.7")).toBeUndefined();
    expect(deliveryStamp("$JS.ACK.S.c.1.x.7.1796304988715220211.0")).toBeUndefined();
  });
});

describeNats("append times from the stamps consumer", () => {
  let nats: NatsFixture;
  let engine: JetStreamEngine;
  let other: JetStreamEngine;
  let spy: NatsConnection;
  const gets: string[] = [];

  beforeAll(async () => {
    nats = await startNats();
    engine = await connectJetStream(nats.url);
    other = await connectJetStream(nats.url);
    // A plain subscriber to the API subject sees every read-back request (it never answers).
    spy = await connect({ servers: nats.url });
    spy.subscribe("$JS.API.STREAM.MSG.GET.>", {
      callback: (_e, m) => {
        gets.push(m.subject);
      },
    });
    await spy.flush();
  }, 90_000);
  afterAll(async () => {
    await spy?.close();
    await engine?.close();
    await other?.close();
    await nats?.stop();
  });

  async function expectStoredTimes(
    pool: Awaited<ReturnType<JetStreamEngine["open"]>>,
    answered: readonly Message[],
  ) {
    for (const m of answered) expect(m.time, `seq ${m.seq}`).toBe((await pool.get(m.seq)).time);
  }

  it("answers the stored time of every append without reading it back", async () => {
    const pool = await engine.create("stamped");
    const first = await pool.append({ n: 0 });
    gets.length = 0;
    const one = await pool.append({ n: 1 }, { tags: ["a"] });
    const batch = (await pool.appendBatch([{ data: 2 }, { data: 3, tags: ["b"] }])) as Message[];
    const produced = (await pool.append({ n: 4 }, { producer: { id: "p", seq: 1 } })) as Message;
    const window = await Promise.all(Array.from({ length: 200 }, (_, i) => pool.append({ w: i })));
    await spy.flush();
    // The producer append reads its producer's state (one get); no append reads itself back.
    expect(gets.length, gets.join(", ")).toBeLessThanOrEqual(1);
    const all = [first, one, ...batch, produced, ...window];
    expect(all.map((m) => m.seq)).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
    expect(one.toJSON()).toMatchObject({ seq: 2, meta: { tags: ["a"] }, data: { n: 1 } });
    expect(batch[1]?.toJSON()).toMatchObject({ seq: 4, meta: { tags: ["b"] }, data: 3 });
    await expectStoredTimes(pool, all);
    // The stamps consumer is no reader: the pool deletes without force.
    await engine.delete("stamped");
  });

  it("never uses a deleted stream's stamps for a recreated pool with the same seqs", async () => {
    const mine = await engine.create("again");
    for (let i = 0; i < 3; i++) await mine.append({ mine: i });
    // Another connection's messages reach this connection's stamps consumer unasked.
    const theirs = await other.open("again");
    for (let i = 0; i < 5; i++) await theirs.append({ theirs: i });
    await new Promise((r) => setTimeout(r, 50));
    // The other connection deletes the pool and makes it again: seqs start over at 1.
    await other.delete("again", { force: true });
    const fresh = await other.create("again");
    for (let i = 0; i < 3; i++) await fresh.append({ fresh: i });
    // This connection's old handle appends seq 4..6: the stamps it holds for 4..8 are stale.
    const answered: Message[] = [];
    for (let i = 0; i < 3; i++) answered.push(await mine.append({ late: i }));
    expect(answered.map((m) => m.seq)).toEqual([4, 5, 6]);
    await expectStoredTimes(fresh, answered);
    expect(streamName("again")).toBe("SPOOL_again");
    await other.delete("again", { force: true });
  });

  it("answers exact times again after its own engine deleted and recreated the pool", async () => {
    const a = await engine.create("cycle");
    for (let i = 0; i < 4; i++) await a.append({ i });
    await engine.delete("cycle");
    const b = await engine.create("cycle");
    const answered = [await b.append({ again: 1 }), await b.append({ again: 2 })];
    expect(answered.map((m) => m.seq)).toEqual([1, 2]);
    await expectStoredTimes(b, answered);
    await engine.delete("cycle");
  });
});
