// Lifecycle, appends, gets and producers of JetStream pools on a real single-node nats-server.
import { DuplicateReceipt, isSpoolError, type Message, type SpoolError } from "@spool/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  committedPrefix,
  connectJetStream,
  decodeName,
  encodeName,
  type JetStreamEngine,
} from "../src/index.js";
import { describeNats, type NatsFixture, startNats } from "./nats-fixture.js";

async function kindOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    if (!isSpoolError(error)) throw error;
    return error.kind;
  }
}

async function errorOf(promise: Promise<unknown>): Promise<SpoolError> {
  try {
    await promise;
  } catch (error) {
    if (isSpoolError(error)) return error;
    throw error;
  }
  throw new Error("expected a SpoolError");
}

describeNats("JetStream pools (single node)", () => {
  let nats: NatsFixture;
  let engine: JetStreamEngine;

  beforeAll(async () => {
    nats = await startNats();
    engine = await connectJetStream(nats.url);
  });
  afterAll(async () => {
    await engine?.close();
    await nats?.stop();
  });

  it("encodes pool names reversibly into stream-name characters", () => {
    for (const name of ["build-log", "a_b", "x.y@z+w", "ünï", "_41"]) {
      const enc = encodeName(name);
      expect(enc).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeName(enc)).toBe(name);
    }
    expect(encodeName("a.b_c")).toBe("a_2Eb_5Fc");
    expect(decodeName("a.b")).toBeUndefined();
  });

  it("creates, opens, lists and deletes pools", async () => {
    const pool = await engine.create("life.cycle", { size: "64K" });
    expect(pool.name).toBe("life.cycle");
    expect(pool.engine).toBe("jetstream");
    expect(await kindOf(engine.create("life.cycle"))).toBe("AlreadyExists");
    const opened = await engine.open("life.cycle");
    const info = await opened.info();
    expect(info).toMatchObject({
      name: "life.cycle",
      path: `${nats.url}/life.cycle`,
      ringSize: 65536,
      bounds: null,
      messageCount: 0,
      oldestTime: null,
      producers: [],
      cursors: [],
      groups: [],
    });
    await engine.create("another", { size: 20_000 });
    expect((await engine.open("another.spool")).name).toBe("another");
    expect((await (await engine.open("another")).info()).ringSize).toBe(16384);
    const names = (await engine.list()).map((e) => e.name);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(["another", "life.cycle"]));
    await engine.delete("life.cycle");
    expect(await kindOf(engine.open("life.cycle"))).toBe("NotFound");
    expect(await kindOf(engine.delete("life.cycle"))).toBe("NotFound");
    expect(await kindOf(engine.create("bad/name"))).toBe("Usage");
    expect(await kindOf(engine.create("r2", { replicas: 2 }))).toBe("Usage");
  });

  it("appends with seqs from 1 and gets them back exactly", async () => {
    const pool = await engine.create("appends");
    const first = await pool.append({ n: 1 }, { tags: ["a", "b"] });
    expect(first.seq).toBe(1);
    expect(first.tags).toEqual(["a", "b"]);
    expect(first.data).toEqual({ n: 1 });
    expect(first.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    const json = (await pool.appendJson('{"big": 12345678901234567890,\n "x": 1.50}')) as Message;
    expect(json.seq).toBe(2);
    expect(new TextDecoder().decode(json.dataBytes)).toBe(
      '{"big": 12345678901234567890, "x": 1.50}',
    );
    const batch = (await pool.appendBatch([{ data: 3 }, { json: "4", tags: ["t"] }])) as Message[];
    expect(batch.map((m) => m.seq)).toEqual([3, 4]);
    const got = await pool.get(2);
    expect(new TextDecoder().decode(got.toJsonLine())).toBe(
      `{"seq":2,"time":"${json.time}","meta":{"tags":[]},"data":{"big": 12345678901234567890, "x": 1.50}}\n`,
    );
    expect((await pool.get(4)).toJSON()).toMatchObject({ seq: 4, meta: { tags: ["t"] }, data: 4 });
    expect(await kindOf(pool.get(5))).toBe("NotFound");
    expect(await kindOf(pool.get(0))).toBe("Usage");
    expect(await kindOf(pool.appendJson("{bad"))).toBe("Usage");
    expect(await kindOf(pool.append(1, { tags: [""] }))).toBe("Usage");
    expect(await kindOf(pool.append(() => 1))).toBe("Usage");
    expect(await kindOf(pool.append("x".repeat(2 * 1024 * 1024)))).toBe("Usage");
    const info = await pool.info();
    expect(info.bounds).toEqual({ oldest: 1, newest: 4 });
    expect(info.messageCount).toBe(4);
    expect(info.newestTime).toBe(batch[1]?.time);
    expect(info.oldestTime).toBe(first.time);
    expect(info.bytesUsed).toBeGreaterThan(0);
  });

  it("refuses a batch the ring cannot hold at once, appending nothing", async () => {
    const pool = await engine.create("small", { size: "16K" });
    const big = "z".repeat(1000);
    const batch = Array.from({ length: 20 }, (_, i) => ({ data: { i, big } }));
    expect(await kindOf(pool.appendBatch(batch))).toBe("Usage");
    expect((await pool.info()).bounds).toBeNull();
    expect((await pool.appendBatch(batch.slice(0, 5))).length).toBe(5);
  });

  it("refuses a conditional append whose expected last seq is not the newest", async () => {
    const pool = await engine.create("conditional");
    expect((await pool.append(1, { expectedLastSeq: 0 })).seq).toBe(1);
    expect((await pool.append(2, { expectedLastSeq: 1 })).seq).toBe(2);
    const conflict = await errorOf(pool.append(3, { expectedLastSeq: 1 }));
    expect(conflict.kind).toBe("Conflict");
    expect(conflict.newestSeq).toBe(2);
    expect(await kindOf(pool.appendBatch([{ data: 1 }], { expectedLastSeq: 7 }))).toBe("Conflict");
    expect(await kindOf(pool.appendBatch([], { expectedLastSeq: 7 }))).toBe("Conflict");
    expect((await pool.info()).bounds?.newest).toBe(2);
  });

  it("keeps a producer's seqs exact: duplicates answer the original, gaps and stale epochs conflict", async () => {
    const pool = await engine.create("producers");
    const a = (await pool.append({ v: 1 }, { producer: { id: "ingest", seq: 1 } })) as Message;
    expect(a.seq).toBe(1);
    expect(a.duplicate).toBeUndefined();
    const again = (await pool.append({ v: 1 }, { producer: { id: "ingest", seq: 1 } })) as Message;
    expect(again.seq).toBe(1);
    expect(again.duplicate).toBe(true);
    expect(again.toJSON()).toMatchObject({ seq: 1, data: { v: 1 }, duplicate: true });
    const gap = await errorOf(pool.append(3, { producer: { id: "ingest", seq: 3 } }));
    expect(gap.kind).toBe("Conflict");
    expect(gap.expectedSeq).toBe(2);
    const batch = await pool.appendBatch([{ data: 1 }, { data: 2 }, { data: 3 }], {
      producer: { id: "ingest", seq: 1 },
    });
    expect(batch.map((m) => [m.seq, m.duplicate])).toEqual([
      [1, true],
      [2, undefined],
      [3, undefined],
    ]);
    // The first seq of the last commit is known; an older one gets a receipt.
    const older = await pool.appendBatch([{ data: 1 }, { data: 2 }], {
      producer: { id: "ingest", seq: 1 },
    });
    expect(older[0]).toBeInstanceOf(DuplicateReceipt);
    expect(older[1]).toMatchObject({ seq: 2, duplicate: true });
    await pool.append("new epoch", { producer: { id: "ingest", seq: 1, epoch: 1 } });
    const fenced = await errorOf(pool.append("old", { producer: { id: "ingest", seq: 4 } }));
    expect(fenced.kind).toBe("Conflict");
    expect(fenced.epoch).toBe(1);
    expect(await pool.producerState("ingest")).toMatchObject({
      id: "ingest",
      epoch: 1,
      lastSeq: 1,
      lastPoolSeq: 4,
    });
    expect(await pool.producerState("nobody")).toBeNull();
    expect((await pool.info()).producers.map((p) => p.id)).toEqual(["ingest"]);
    expect(await kindOf(pool.append(1, { producer: { id: "bad id", seq: 1 } }))).toBe("Usage");
  });

  it("reports the committed prefix when a batch is interrupted by another writer", async () => {
    const pool = await engine.create("interleaved");
    await pool.append(0);
    // Two batches racing: each message after the first expects its predecessor as the last.
    const results = await Promise.allSettled([
      pool.appendBatch(Array.from({ length: 20 }, (_, i) => ({ data: i }))),
      pool.appendBatch(Array.from({ length: 20 }, (_, i) => ({ data: i }))),
    ]);
    const failed = results.filter((r) => r.status === "rejected");
    // Both chains share one connection, so their publishes interleave: one stops, reporting
    // the exact prefix it committed; whatever committed is contiguous.
    expect(failed.length).toBeGreaterThanOrEqual(1);
    for (const result of results) {
      if (result.status === "fulfilled") {
        const seqs = result.value.map((m) => m.seq as number);
        expect(seqs).toEqual(seqs.map((_, i) => (seqs[0] as number) + i));
      } else {
        const error = result.reason as SpoolError;
        expect(error.kind).toBe("Conflict");
        const prefix = committedPrefix(error);
        expect(prefix?.of).toBe(20);
        const seqs = prefix?.seqs ?? [];
        expect(seqs.length).toBeGreaterThanOrEqual(1);
        expect(seqs).toEqual(seqs.map((_, i) => (seqs[0] as number) + i));
        expect(error.seq).toBe(seqs.at(-1));
        expect(error.message).toContain(`seqs ${seqs[0]}..${seqs.at(-1)} are committed`);
        for (const seq of seqs) expect((await pool.get(seq)).seq).toBe(seq);
      }
    }
  });

  it("answers Io naming the URL when the server cannot be reached", async () => {
    const error = await errorOf(connectJetStream("nats://127.0.0.1:1", { timeoutMs: 2000 }));
    expect(error.kind).toBe("Io");
    expect(error.hint).toContain("nats://127.0.0.1:1");
    expect(error.message).toContain("nats://127.0.0.1:1");
  });
});
