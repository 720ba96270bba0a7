/**
 * Durable cursors and consumer groups in one process (api spec §3.11–3.12, format spec §15.4):
 * where a cursor tail starts, monotonic acks, reset and delete; a group's claims, leases,
 * redeliveries, nacks with delay, attempts, dead letters and exhaustion, both retention
 * policies, a full ledger, pools without a ledger, records of kinds a later version adds; and
 * every bad input with its kind. Two handles on one file stand in for two processes (they share
 * nothing but the file); the kill -9 proofs are in cursor-kill and group-kill.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type Delivery, type Message, Pool, verifyPool } from "../src/index.js";
import { expectSpoolError } from "./helpers/expect-error.js";
import { useTempDirs } from "./helpers/temp-dir.js";

const tempDir = useTempDirs();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function filled(n: number, size = "1M"): { pool: Pool; dir: string } {
  const dir = tempDir();
  const pool = Pool.create(join(dir, "jobs.spool"), { size });
  for (let i = 1; i <= n; i++) pool.append({ i }, { tags: i % 2 ? ["odd"] : [] });
  return { pool, dir };
}

async function seqs(tail: AsyncIterable<Message>): Promise<number[]> {
  const out: number[] = [];
  for await (const m of tail) out.push(m.seq);
  return out;
}

describe("durable cursors", () => {
  it("a new cursor starts where the tail says and is kept before the first message", async () => {
    const { pool } = filled(10);
    // Created at the tail's start, before anything is delivered: a crash before the first ack
    // restarts at the same place.
    const tail = pool.tail({ cursor: "a", last: 3, follow: false });
    expect(pool.cursor("a").info()).toMatchObject({ committed: 7, lag: 3, ackTime: null });
    expect(await seqs(tail)).toEqual([8, 9, 10]);
    pool.tail({ cursor: "b", follow: false }); // default: the next new message
    expect(pool.cursor("b").info().committed).toBe(10);
    pool.tail({ cursor: "c", since: 4, follow: false });
    expect(pool.cursor("c").info().committed).toBe(3);
    const fifth = pool.get(5).time;
    pool.tail({ cursor: "d", sinceTime: fifth, follow: false });
    expect(pool.cursor("d").info().committed).toBe(4);
    expect(pool.cursors().map((c) => c.name)).toEqual(["a", "b", "c", "d"]);
  });

  it("an existing cursor ignores the tail's start; acks are monotonic and shared by handles", async () => {
    const { pool } = filled(10);
    const other = Pool.open(pool.path);
    pool.tail({ cursor: "w", since: 1, follow: false });
    pool.cursor("w").ack(6);
    other.cursor("w").ack(4); // lower: changes nothing
    expect(pool.cursor("w").info()).toMatchObject({ committed: 6, lag: 4 });
    expect(pool.cursor("w").info().ackTime).toMatch(/Z$/);
    expect(await seqs(other.tail({ cursor: "w", last: 1, follow: false }))).toEqual([7, 8, 9, 10]);
    await other.cursor("w").ackAsync(10);
    expect(pool.info().cursors).toEqual([
      expect.objectContaining({ name: "w", committed: 10, lag: 0 }),
    ]);
    other.close();
  });

  it("autoAck acks a message when the next one is asked for, never the one a loop broke on", async () => {
    const { pool } = filled(6);
    for await (const m of pool.tail({ cursor: "auto", since: 1, autoAck: true, follow: false })) {
      if (m.seq === 4) break; // 4 was not handled: 3 is the last acked
    }
    expect(pool.cursor("auto").info().committed).toBe(3);
    expect(await seqs(pool.tail({ cursor: "auto", autoAck: true, follow: false }))).toEqual([
      4, 5, 6,
    ]);
    expect(pool.cursor("auto").info().committed).toBe(6);
  });

  it("reset moves a cursor by seq or time (backwards too); delete removes it", async () => {
    const { pool } = filled(10);
    pool.tail({ cursor: "r", follow: false });
    expect(pool.cursor("r").reset({ seq: 3 }).committed).toBe(2);
    expect(await seqs(pool.tail({ cursor: "r", follow: false, max: 2 }))).toEqual([3, 4]);
    expect(pool.cursor("r").reset({ time: pool.get(8).time }).committed).toBe(7);
    expect(pool.cursor("r").reset({ time: "2999-01-01T00:00:00Z" }).committed).toBe(10);
    expect(pool.cursor("fresh").reset({ seq: 5 }).committed).toBe(4); // creates
    expect(pool.cursor("r").delete().name).toBe("r");
    expectSpoolError(() => pool.cursor("r").info(), "NotFound", /cursor r not found/);
    expectSpoolError(() => pool.cursor("r").delete(), "NotFound");
  });

  it("a cursor whose next message was overwritten meets the gap policy", async () => {
    const dir = tempDir();
    const pool = Pool.create(join(dir, "small.spool"), { size: "64K" });
    pool.append({ first: true });
    pool.tail({ cursor: "slow", since: 1, follow: false });
    for (let i = 0; i < 2000; i++) pool.append({ pad: "x".repeat(100), i });
    const oldest = pool.readState().oldest;
    expect(oldest).toBeGreaterThan(2);
    const gaps: number[] = [];
    const got = await seqs(
      pool.tail({ cursor: "slow", follow: false, max: 1, onGap: (g) => gaps.push(g.count) }),
    );
    expect(got).toEqual([oldest]);
    expect(gaps).toEqual([oldest - 1]);
    await expect(
      seqs(pool.tail({ cursor: "slow", follow: false, gapPolicy: "error" })),
    ).rejects.toMatchObject({
      kind: "RetentionGap",
    });
    expect(pool.cursor("slow").info().lag).toBe(pool.readState().newest);
  });

  it("refuses bad input with the right kind", () => {
    const { pool } = filled(3);
    for (const bad of ["", "-x", "a/b", "x".repeat(65), "spaces no", 7]) {
      expectSpoolError(() => pool.cursor(bad as string), "Usage", /cursor name/);
      expectSpoolError(() => pool.tail({ cursor: bad as string }), "Usage", /cursor name/);
    }
    expectSpoolError(() => pool.cursor("nope").ack(1), "NotFound", /cursor nope not found/);
    pool.tail({ cursor: "c", follow: false });
    expectSpoolError(() => pool.cursor("c").ack(4), "Usage", /newest seq is 3/);
    for (const bad of [0, -1, 1.5, "2"])
      expectSpoolError(() => pool.cursor("c").ack(bad as number), "Usage");
    expectSpoolError(() => pool.tail({ autoAck: true }), "Usage", /autoAck needs a cursor/);
    expectSpoolError(() => pool.cursor("c").reset({ seq: 0 }), "Usage");
    expectSpoolError(() => pool.cursor("c").reset({ seq: 5 }), "Usage", /the pool's next seq is 4/);
    expect(pool.cursor("c").reset({ seq: 4 }).committed).toBe(3);
    expectSpoolError(() => pool.cursor("c").reset({ time: "yesterday" }), "Usage");
    expectSpoolError(() => pool.cursor("c").reset({} as { seq: number }), "Usage");
    // Usage before anything is written: a bad start option creates no cursor.
    expectSpoolError(() => pool.tail({ cursor: "never", since: 1, last: 2 }), "Usage");
    expect(pool.cursors().map((c) => c.name)).toEqual(["c"]);
    const readOnly = Pool.open(pool.path, { readOnly: true });
    expectSpoolError(() => readOnly.tail({ cursor: "ro" }), "Permission");
    expectSpoolError(() => readOnly.cursor("c").ack(2), "Permission");
    expect(readOnly.cursor("c").info().committed).toBe(3); // reading needs no write access
    readOnly.close();
  });
});

describe("consumer groups", () => {
  it("claims redeliveries first, then the frontier; ack finishes; info counts", () => {
    const { pool } = filled(10);
    const g = pool.group("w", { since: "oldest" });
    const first = g.claim({ max: 3, leaseMs: 60_000, member: "m1" });
    expect(first.map((d) => [d.seq, d.attempt, d.member])).toEqual([
      [1, 1, "m1"],
      [2, 1, "m1"],
      [3, 1, "m1"],
    ]);
    expect(first[0]?.message.data).toEqual({ i: 1 });
    expect(first[0]?.message.tags).toEqual(["odd"]);
    expect(Date.parse(first[0]?.leaseUntil ?? "")).toBeGreaterThan(Date.now() + 50_000);
    expect(g.ack([first[0] as Delivery, first[2] as Delivery])).toBe(2);
    g.nack(first[1] as Delivery, { error: "boom" });
    // Another handle (another process) sees the same state.
    const other = Pool.open(pool.path).group("w");
    expect(other.claim({ max: 2, member: "m2" }).map((d) => [d.seq, d.attempt])).toEqual([
      [2, 2],
      [4, 1],
    ]);
    expect(other.info()).toMatchObject({
      next: 5,
      lag: 8,
      inFlight: 2,
      waiting: 0,
      members: [{ member: "m2", inFlight: 2 }],
      oldestUnfinished: 2,
      delivered: 4,
      redelivered: 1,
      acked: 2,
    });
    expect(pool.groups().map((x) => x.name)).toEqual(["w"]);
  });

  it("a claim acks the deliveries it is given in the same commit, all or none", async () => {
    const { pool } = filled(5);
    const g = pool.group("g", { since: "oldest" });
    let [d] = g.claim({ member: "w" });
    for (let seq = 2; seq <= 5; seq++) {
      const next = g.claim({ member: "w", ack: [d as Delivery] });
      expect(next.map((x) => x.seq)).toEqual([seq]);
      d = next[0];
    }
    expect(g.info()).toMatchObject({ acked: 4, inFlight: 1, lag: 1 });
    // A bad ack refuses the whole claim: nothing is claimed, nothing acked.
    expectSpoolError(
      () => g.claim({ ack: [{ seq: 1, attempt: 1 }] }),
      "Conflict",
      /no longer pending/,
    );
    expect(g.info()).toMatchObject({ acked: 4, inFlight: 1 });
    expect(await g.claimAsync({ ack: [d as Delivery], waitMs: 50 })).toEqual([]);
    expect(g.info()).toMatchObject({ acked: 5, lag: 0 });
    expectSpoolError(() => g.claim({ ack: {} as never }), "Usage", /list of deliveries/);
    expectSpoolError(() => pool.group("none").claim({ ack: [{ seq: 1, attempt: 1 }] }), "NotFound");
  });

  it("an expired lease makes a message claimable again; the old attempt can no longer finish it", async () => {
    const { pool } = filled(2);
    const g = pool.group("g", { since: "oldest" });
    const [d] = g.claim({ leaseMs: 30 });
    await sleep(40);
    expectSpoolError(() => g.ack(d as Delivery), "Conflict", /lease expired/);
    const [again] = g.claim({ leaseMs: 60_000 });
    expect([again?.seq, again?.attempt]).toEqual([1, 2]);
    expectSpoolError(() => g.ack(d as Delivery), "Conflict", /delivered again since \(attempt 2\)/);
    expectSpoolError(() => g.extend(d as Delivery), "Conflict");
    expectSpoolError(
      () => g.extend({ seq: 1, attempt: 3 }),
      "Conflict",
      /delivered it 2 times \(attempt 2 is the latest\)/,
    );
    const until = g.extend(again as Delivery, { leaseMs: 120_000 });
    expect(Date.parse(until)).toBeGreaterThan(Date.now() + 100_000);
    g.ack(again as Delivery);
    expectSpoolError(() => g.ack(again as Delivery), "Conflict", /no longer pending/);
    expectSpoolError(() => g.ack({ seq: 2, attempt: 1 }), "NotFound", /never delivered seq 2/);
    expect(g.info()).toMatchObject({ redelivered: 1, acked: 1, lag: 1 });
  });

  it("a nack's delay holds a message back; claimAsync waits for it, or for an append", async () => {
    const { pool } = filled(1);
    const g = pool.group("g", { since: "oldest" });
    const [d] = g.claim();
    g.nack(d as Delivery, { delayMs: 150, error: "later" });
    expect(g.claim()).toEqual([]);
    expect(g.info()).toMatchObject({ waiting: 1, inFlight: 0 });
    const started = Date.now();
    const [again] = await g.claimAsync({ waitMs: 2000 });
    expect(again?.seq).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(120);
    g.ack(again as Delivery);
    const waiting = g.claimAsync({ waitMs: 5000 });
    setTimeout(() => Pool.open(pool.path).append({ late: true }), 50);
    expect((await waiting).map((x) => x.message.data)).toEqual([{ late: true }]);
    const t0 = Date.now();
    expect(await g.claimAsync({ waitMs: 100 })).toEqual([]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    expect(await g.claimAsync({ waitMs: 10_000, signal: ac.signal })).toEqual([]);
  });

  it("gives a message up after maxAttempts: into the dead-letter pool once, with its origin", async () => {
    const { pool, dir } = filled(3);
    const dead = Pool.create(join(dir, "dead.spool"), { size: "1M" });
    const g = pool.group("g", { since: "oldest", maxAttempts: 2, deadLetter: "dead" });
    for (let round = 0; round < 2; round++) {
      const ds = g.claim({ max: 10, leaseMs: 20 });
      g.nack(ds.find((d) => d.seq === 1) as Delivery, { error: `failed ${round + 1}` });
      for (const d of ds) if (d.seq === 3) g.ack(d);
    }
    // seq 1 was nacked on its last attempt: moved at once. seq 2 is leased out again once its
    // first lease ended, and given up when its second (last) one ends.
    await sleep(30);
    expect(g.claim({ max: 10, leaseMs: 20 }).map((d) => [d.seq, d.attempt])).toEqual([[2, 2]]);
    await sleep(30);
    expect(g.claim({ max: 10 })).toEqual([]);
    const letters = await seqs(dead.tail({ since: 1, follow: false }));
    expect(letters).toEqual([1, 2]);
    expect(dead.get(1).data).toEqual({
      pool: "jobs",
      group: "g",
      seq: 1,
      time: pool.get(1).time,
      attempts: 2,
      error: "failed 2",
      data: { i: 1 },
    });
    expect(dead.get(1).tags).toEqual(["odd"]);
    expect(dead.get(2).data).toMatchObject({ seq: 2, attempts: 2, error: "lease expired" });
    expect(g.info()).toMatchObject({ deadLettered: 2, lag: 0, acked: 1, oldestUnfinished: null });
    // The move is idempotent: the dead-letter producer answers a repeat as duplicates.
    expect(dead.producers()).toHaveLength(1);
    expect(dead.producers()[0]?.lastSeq).toBe(2);
  });

  it("without a dead-letter pool, a given-up message is counted as exhausted", () => {
    const { pool } = filled(1);
    const g = pool.group("g", { since: "oldest", maxAttempts: 1 });
    const [d] = g.claim();
    g.nack(d as Delivery, { error: "no" });
    expect(g.info()).toMatchObject({ exhausted: 1, lag: 0, deadLettered: 0 });
  });

  it("retention lost: what the ring overwrote is counted, never delivered", () => {
    const dir = tempDir();
    const pool = Pool.create(join(dir, "small.spool"), { size: "64K" });
    pool.append({ n: 0 });
    const g = pool.group("g", { since: "oldest" });
    const [held] = g.claim({ leaseMs: 10 });
    expect(held?.seq).toBe(1);
    for (let i = 0; i < 2000; i++) pool.append({ pad: "x".repeat(100), i });
    const { oldest } = pool.readState();
    expect(g.info().lostToRetention).toBe(oldest - 1); // seq 1 (delivered) and 2..oldest−1
    const [next] = g.claim();
    expect(next?.seq).toBe(oldest);
    expect(g.info().lostToRetention).toBe(oldest - 1);
  });

  it("retention block: an append that would overwrite an unfinished message is Busy", async () => {
    const dir = tempDir();
    const pool = Pool.create(join(dir, "small.spool"), { size: "64K" });
    const g = pool.group("g", { since: "oldest", retention: "block" });
    g.ensure();
    let appended = 0;
    const error = expectSpoolError(
      () => {
        for (;;) {
          pool.append({ pad: "x".repeat(100), n: appended });
          appended++;
        }
      },
      "Busy",
      /would overwrite message 1, which group g \(retention block\) has not finished/,
    );
    expect(error.seq).toBe(1);
    expect(pool.readState().newest).toBe(appended);
    // Finishing the oldest messages makes room again.
    const ds = g.claim({ max: 20 });
    g.ack(ds);
    pool.append({ after: true });
    expect(pool.readState().newest).toBe(appended + 1);
    // retention lost lifts the block (ensureAsync stores settings like ensure).
    const info = await pool.group("g", { retention: "lost" }).ensureAsync();
    expect(info.retention).toBe("lost");
    for (let i = 0; i < 500; i++) pool.append({ pad: "x".repeat(100) });
  });

  it("a full ledger refuses one more delivery with Busy, never silently", () => {
    const dir = tempDir();
    const pool = Pool.create(join(dir, "tiny.spool"), { size: "64K" });
    for (let i = 0; i < 200; i++) pool.append({ i });
    const g = pool.group("g", { since: "oldest" });
    const got: Delivery[] = [];
    let error: unknown;
    try {
      for (;;) got.push(...g.claim({ max: 5, leaseMs: 60_000 }));
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ kind: "Busy", message: expect.stringMatching(/no room/) });
    expect(got.length).toBeGreaterThan(0);
    g.ack(got);
    expect(g.claim({ max: 2 })).toHaveLength(2); // room again
    expect(verifyPool(pool.path).ok).toBe(true);
  });

  it("refuses bad input with the right kind", () => {
    const { pool, dir } = filled(2);
    for (const bad of ["", "a/b", "x".repeat(65)])
      expectSpoolError(() => pool.group(bad), "Usage", /group name/);
    const g = pool.group("g", { since: "oldest" });
    for (const leaseMs of [0, -1, 1.5, 24 * 3600 * 1000 + 1, "5s"])
      expectSpoolError(() => g.claim({ leaseMs: leaseMs as number }), "Usage", /leaseMs/);
    for (const max of [0, 1001, 2.5]) expectSpoolError(() => g.claim({ max }), "Usage", /max/);
    expectSpoolError(() => g.claim({ member: "has space" }), "Usage", /member/);
    expectSpoolError(
      () => pool.group("g", { maxAttempt: 3 } as never),
      "Usage",
      /unknown group setting "maxAttempt"/,
    );
    expectSpoolError(() => pool.group("g", { retention: "keep" } as never), "Usage", /retention/);
    expectSpoolError(() => pool.group("g", { since: 0 }), "Usage", /since/);
    expectSpoolError(() => pool.group("later", { since: 4 }).claim(), "Usage", /next seq is 3/);
    expectSpoolError(() => pool.group("g", { deadLetter: "jobs" }), "Usage", /its own pool/);
    expectSpoolError(
      () => pool.group("g", { deadLetter: "missing" }).claim(),
      "NotFound",
      /pool not found/,
    );
    expectSpoolError(
      () => pool.group("nope").ack({ seq: 1, attempt: 1 }),
      "NotFound",
      /group nope not found/,
    );
    expectSpoolError(() => pool.group("nope").info(), "NotFound");
    expectSpoolError(() => pool.group("nope").delete(), "NotFound");
    const [d] = g.claim({ leaseMs: 60_000 });
    expectSpoolError(() => g.ack({ seq: 1 } as never), "Usage", /attempt/);
    expectSpoolError(() => g.ack([]), "Usage");
    expectSpoolError(() => g.ack([d as Delivery, d as Delivery]), "Usage", /named twice/);
    expectSpoolError(() => g.nack(d as Delivery, { delayMs: -5 }), "Usage", /delayMs/);
    expectSpoolError(() => g.nack(d as Delivery, { error: 42 as never }), "Usage");
    expectSpoolError(() => g.ack({ seq: 1, attempt: 2 }), "Conflict", /delivered again|attempt/);
    // A long error is kept cut to 512 bytes.
    g.nack(d as Delivery, { error: "é".repeat(400) });
    expect(g.info().waiting).toBe(1);
    const readOnly = Pool.open(pool.path, { readOnly: true });
    expectSpoolError(() => readOnly.group("g").claim(), "Permission");
    expect(readOnly.group("g").info().name).toBe("g");
    readOnly.close();
    expect(pool.group("g").delete().name).toBe("g");
    expect(pool.groups()).toEqual([]);
    expect(dir).toBeTruthy();
  });

  it("a pool made before the ledger refuses consumers with Usage and lists none", () => {
    const dir = tempDir();
    const path = join(dir, "old.spool");
    Pool.create(path, { size: "1M" }).close();
    const fd = openSync(path, "r+");
    writeSync(fd, Buffer.alloc(64), 0, 64, 192); // no ledger descriptor, as before format §15
    closeSync(fd);
    const pool = Pool.open(path);
    pool.append({ still: "works" });
    expect(pool.cursors()).toEqual([]);
    expect(pool.groups()).toEqual([]);
    expectSpoolError(() => pool.tail({ cursor: "c" }), "Usage", /created before/);
    expectSpoolError(() => pool.group("g").claim(), "Usage", /created before/);
  });

  it("verify accepts a ledger with cursors, groups and deliveries", () => {
    const { pool } = filled(5);
    pool.tail({ cursor: "c", follow: false });
    pool.group("g", { since: "oldest" }).claim({ max: 3 });
    const report = verifyPool(pool.path);
    expect(report.issues).toEqual([]);
    expect(report.ok).toBe(true);
  });
});
