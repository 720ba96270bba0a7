// Consumer groups of JetStream pools on a real single-node nats-server: claims shared by two
// competing members (no message delivered to two at once), a member that dies (its lease runs
// out: redelivered with attempt 2), nack with a delay, extend, the Conflict and NotFound rules of
// (seq, attempt), dead letters after maxAttempts (exactly once, with the original's tags and
// data), exhausted without a dead-letter pool, retention "block" refused, list and delete.

import type { EngineGroup, EnginePool, GroupSettings } from "@spool/core";
import { isSpoolError } from "@spool/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { connectJetStream, type JetStreamEngine } from "../src/index.js";
import { describeNats, type NatsFixture, startNats } from "./nats-fixture.js";

function groupOf(pool: EnginePool, name: string, settings?: GroupSettings): EngineGroup {
  if (pool.group === undefined) throw new Error("JetStream pools have groups");
  return pool.group(name, settings);
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeNats("consumer groups on JetStream pools", () => {
  let nats: NatsFixture;
  let engine: JetStreamEngine;

  beforeAll(async () => {
    nats = await startNats();
    engine = await connectJetStream(nats.url);
  }, 90_000);
  afterAll(async () => {
    await engine?.close();
    await nats?.stop();
  });

  it("two members on two connections share the messages: each delivered to one at a time", async () => {
    const pool = await engine.create("shared", { size: "1M" });
    await pool.appendBatch(Array.from({ length: 40 }, (_, n) => ({ data: { n } })));
    const other = await connectJetStream(nats.url);
    try {
      const theirs = groupOf(await other.open("shared"), "w", { since: "oldest" });
      const mine = groupOf(pool, "w", { since: "oldest" });
      const seen = new Map<number, string>();
      const work = async (g: EngineGroup, member: string) => {
        for (;;) {
          const got = await g.claim({ max: 3, member, leaseMs: 60_000 });
          if (got.length === 0) return;
          for (const d of got) {
            expect(seen.has(d.seq), `seq ${d.seq} twice`).toBe(false);
            seen.set(d.seq, member);
            expect(d.attempt).toBe(1);
            expect(d.message.data).toEqual({ n: d.seq - 1 });
          }
          await g.ack(got);
        }
      };
      await Promise.all([work(mine, "m-1"), work(theirs, "m-2")]);
      expect([...seen.keys()].sort((a, b) => a - b)).toEqual(
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
      const info = await mine.info();
      expect(info).toMatchObject({ next: 41, lag: 0, inFlight: 0, delivered: 40, acked: 40 });
      expect(info.oldestUnfinished).toBeNull();
    } finally {
      await other.close();
    }
  }, 60_000);

  it("a member that dies: its lease runs out and the message comes back with attempt 2", async () => {
    const pool = await engine.create("dies");
    await pool.append({ job: 1 });
    const g = groupOf(pool, "w", { since: "oldest" });
    const [first] = await g.claim({ member: "doomed", leaseMs: 2000 });
    expect(first).toMatchObject({ seq: 1, attempt: 1, member: "doomed" });
    expect(await g.claim({ member: "other" })).toEqual([]);
    expect((await g.info()).members).toEqual([{ member: "doomed", inFlight: 1 }]);
    await sleep(2100);
    expect((await g.info()).waiting).toBe(1);
    // The dead member's late ack is refused: its lease expired.
    expect(await kindOf(() => g.ack(first as never))).toBe("Conflict");
    const again = await g.claim({ member: "other", waitMs: 3000 });
    expect(again.map((d) => [d.seq, d.attempt, d.member])).toEqual([[1, 2, "other"]]);
    expect(await kindOf(() => g.ack({ seq: 1, attempt: 1 }))).toBe("Conflict");
    expect(await g.ack(again)).toBe(1);
    expect(await g.info()).toMatchObject({ delivered: 1, redelivered: 1, acked: 1, lag: 0 });
  }, 30_000);

  it("a claim waits for an append; nack with a delay; extend; the (seq, attempt) rules", async () => {
    const pool = await engine.create("rules");
    const g = groupOf(pool, "w");
    await g.ensure();
    const started = Date.now();
    setTimeout(() => void pool.append({ late: true }), 200);
    const [d] = await g.claim({ member: "m", waitMs: 5000, leaseMs: 60_000 });
    expect(d?.seq).toBe(1);
    expect(Date.now() - started).toBeLessThan(4000);
    const lease = await g.extend(d as never, { leaseMs: 120_000 });
    expect(Date.parse(lease)).toBeGreaterThan(Date.now() + 100_000);
    expect(await kindOf(() => g.extend({ seq: 1, attempt: 2 }))).toBe("Conflict");
    expect(await kindOf(() => g.extend({ seq: 9, attempt: 1 }))).toBe("NotFound");
    expect(await kindOf(() => g.ack({ seq: 0, attempt: 1 }))).toBe("Usage");
    await g.nack(d as never, { delayMs: 2000, error: "later" });
    expect(await kindOf(() => g.ack(d as never))).toBe("Conflict");
    expect(await g.claim({ member: "m" })).toEqual([]);
    const [back] = await g.claim({ member: "m", waitMs: 5000 });
    expect(back).toMatchObject({ seq: 1, attempt: 2 });
    // Acked within the next claim (all or none).
    expect(await kindOf(() => g.claim({ ack: [{ seq: 1, attempt: 1 }] }))).toBe("Conflict");
    expect(await g.claim({ member: "m", ack: [back as never] })).toEqual([]);
    expect(await kindOf(() => g.ack(back as never))).toBe("Conflict");
    expect(await kindOf(() => groupOf(pool, "nobody").ack({ seq: 1, attempt: 1 }))).toBe(
      "NotFound",
    );
    expect(await kindOf(() => groupOf(pool, "nobody").info())).toBe("NotFound");
    expect(await kindOf(async () => groupOf(pool, "bad/name"))).toBe("Usage");
  }, 30_000);

  it("dead letters after maxAttempts, exactly once, with the original's tags and data", async () => {
    const pool = await engine.create("jobs");
    const dlq = await engine.create("jobs-dlq");
    await pool.append({ job: "a" }, { tags: ["t"] });
    await pool.append({ job: "b" });
    const g = groupOf(pool, "w", { since: "oldest", maxAttempts: 2, deadLetter: "jobs-dlq" });
    const [a1] = await g.claim({ member: "m", leaseMs: 60_000 });
    await g.nack(a1 as never, { error: "boom" });
    const [a2] = await g.claim({ member: "m", leaseMs: 60_000 });
    expect(a2).toMatchObject({ seq: 1, attempt: 2 });
    await g.nack(a2 as never, { error: "boom again" });
    expect(await kindOf(() => g.ack(a2 as never))).toBe("Conflict");
    // seq 2's last attempt runs out of lease instead: given up by the next claim.
    const single = groupOf(pool, "w", { maxAttempts: 1 });
    const [b1] = await single.claim({ member: "m", leaseMs: 200 });
    expect(b1).toMatchObject({ seq: 2, attempt: 1 });
    await sleep(300);
    expect(await single.claim({ member: "m", waitMs: 2000 })).toEqual([]);
    const info = await g.info();
    expect(info).toMatchObject({ deadLettered: 2, exhausted: 0, lag: 0, maxAttempts: 1 });
    const letters: unknown[] = [];
    for await (const m of dlq.tail({ since: 1, follow: false })) letters.push([m.tags, m.data]);
    expect(letters).toMatchObject([
      [
        ["t"],
        { pool: "jobs", group: "w", seq: 1, attempts: 2, error: "boom again", data: { job: "a" } },
      ],
      [
        [],
        {
          pool: "jobs",
          group: "w",
          seq: 2,
          attempts: 1,
          error: "lease expired",
          data: { job: "b" },
        },
      ],
    ]);
    // Without a dead-letter pool a given-up message is counted as exhausted.
    const plain = groupOf(pool, "plain", { since: "oldest", maxAttempts: 1 });
    const [p1] = await plain.claim({ member: "m" });
    await plain.nack(p1 as never);
    expect(await plain.info()).toMatchObject({ exhausted: 1, deadLettered: 0 });
  }, 30_000);

  it("settings: block is Usage, a missing or own dead-letter pool refused; list and delete", async () => {
    const pool = await engine.create("settings");
    expect(await kindOf(async () => groupOf(pool, "b", { retention: "block" }).ensure())).toBe(
      "Usage",
    );
    expect(await kindOf(() => groupOf(pool, "d", { deadLetter: "missing" }).ensure())).toBe(
      "NotFound",
    );
    expect(await kindOf(async () => groupOf(pool, "d", { deadLetter: "settings" }).ensure())).toBe(
      "Usage",
    );
    await groupOf(pool, "x").ensure();
    await groupOf(pool, "a.b_c").ensure();
    expect((await pool.groups?.())?.map((g) => g.name)).toEqual(["a.b_c", "x"]);
    expect((await pool.info()).groups.map((g) => g.name)).toEqual(["a.b_c", "x"]);
    // A group's durable consumer does not make the pool busy.
    expect((await groupOf(pool, "x").delete()).name).toBe("x");
    expect(await kindOf(() => groupOf(pool, "x").delete())).toBe("NotFound");
    await engine.delete("settings");
    expect(await kindOf(() => engine.open("settings"))).toBe("NotFound");
  }, 30_000);
});
