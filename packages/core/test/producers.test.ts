/**
 * Idempotent producers (api spec §3.7, format spec §15): every row of the semantics table in one
 * process; the producer state kept in the ledger across reopen, the ring's wrap, rewrites of the
 * table into the other half and least-recently-used eviction; bad input of every field; and
 * across processes: 4 producers that resend what they are not sure of, racing 4
 * compare-and-append writers, and 200 rounds of kill -9 against a producer that restarts with
 * the same id. Afterwards every message is in the pool exactly once and in producer order.
 */
import { closeSync, openSync, readSync, writeSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Appended, DuplicateReceipt, type Message, Pool, verifyPool } from "../src/index.js";
import {
  assertBuilt,
  type Child,
  fixture,
  killAllChildren,
  sleep,
  startChild,
  waitExit,
} from "./helpers/children.js";
import { conflictOf, expectSpoolError } from "./helpers/expect-error.js";
import { useTempDirs } from "./helpers/temp-dir.js";

const tempDir = useTempDirs();
afterEach(killAllChildren);

const lines = (answers: readonly Appended[]) =>
  answers.map((a) => Buffer.from(a.toJsonLine()).toString("utf8"));

describe("producers in one process", () => {
  it("appends the next seq, answers committed seqs as duplicates, and refuses gaps and stale epochs", () => {
    const pool = Pool.create(join(tempDir(), "p.spool"), { size: "1M" });
    const first = pool.append({ n: 1 }, { producer: { id: "ingest", seq: 7 } }); // any start
    expect(first.seq).toBe(1);
    expect(first.duplicate).toBeUndefined();
    expect(pool.append({ n: 2 }, { producer: { id: "ingest", seq: 8 } }).seq).toBe(2);
    // A retry of seq 8: not written again, answered with the original, marked.
    const retry = pool.append({ n: "retried" }, { producer: { id: "ingest", seq: 8 } }) as Message;
    expect(retry.duplicate).toBe(true);
    expect(retry.seq).toBe(2);
    expect(retry.data).toEqual({ n: 2 });
    expect(JSON.parse(lines([retry])[0] as string)).toEqual({
      ...JSON.parse(JSON.stringify(pool.get(2))),
      duplicate: true,
    });
    expect(JSON.stringify(retry)).toBe(lines([retry])[0]?.trimEnd());
    // Beyond the next: Conflict carrying the expected seq, nothing written.
    const gap = conflictOf(() => pool.append("x", { producer: { id: "ingest", seq: 10 } }));
    expect(gap.expectedSeq).toBe(9);
    expect(gap.toJSON()).toMatchObject({ kind: "Conflict", expected_seq: 9 });
    expect(gap.exitCode).toBe(10);
    // A batch that overlaps: the committed prefix is duplicates, the rest appended.
    const overlap = pool.appendBatch([{ data: "a" }, { data: "b" }, { data: "c" }], {
      producer: { id: "ingest", seq: 8 },
    });
    expect(overlap.map((a) => [a.seq, a.duplicate ?? false])).toEqual([
      [2, true],
      [3, false],
      [4, false],
    ]);
    // A higher epoch starts afresh (any seq) and fences the older one off.
    expect(pool.append("e1", { producer: { id: "ingest", epoch: 1, seq: 1 } }).seq).toBe(5);
    const stale = conflictOf(() => pool.append("e0", { producer: { id: "ingest", seq: 11 } }));
    expect(stale.epoch).toBe(1);
    expect(stale.toJSON()).toMatchObject({ kind: "Conflict", epoch: 1 });
    expect(pool.info().bounds).toEqual({ oldest: 1, newest: 5 });
    expect(pool.producerState("ingest")).toMatchObject({ epoch: 1, lastSeq: 1, lastPoolSeq: 5 });
    pool.close();
  });

  it("answers a duplicate older than the producer's last commit, or overwritten, with a receipt", () => {
    const pool = Pool.create(join(tempDir(), "r.spool"), { size: "16K" });
    pool.appendBatch([{ data: 1 }, { data: 2 }], { producer: { id: "p", seq: 1 } });
    pool.append(3, { producer: { id: "p", seq: 3 } });
    const [old] = pool.appendBatch([{ data: 1 }], { producer: { id: "p", seq: 1 } });
    expect(old).toBeInstanceOf(DuplicateReceipt);
    expect(lines([old as Appended])).toEqual(['{"seq":null,"duplicate":true}\n']);
    // The last commit's seq is known by pool seq; once the ring overwrote it, a receipt names it.
    for (let i = 0; i < 200; i++) pool.append("x".repeat(200));
    const [gone] = pool.appendBatch([{ data: 3 }], { producer: { id: "p", seq: 3 } });
    expect(gone?.toJSON()).toEqual({ seq: 3, duplicate: true });
    pool.close();
  });

  it("a retried conditional append that committed is a duplicate, not a Conflict", () => {
    const pool = Pool.create(join(tempDir(), "c.spool"), { size: "64K" });
    const options = { producer: { id: "w", seq: 1 }, expectedLastSeq: 0 };
    expect(pool.append("once", options).seq).toBe(1);
    expect(pool.append("once", options).duplicate).toBe(true);
    // The next seq is still held to the condition.
    expect(
      conflictOf(() => pool.append("two", { producer: { id: "w", seq: 2 }, expectedLastSeq: 0 }))
        .newestSeq,
    ).toBe(1);
    pool.close();
  });

  it("keeps the state across reopen, the ring's wrap and many rewrites of the table, and drops the least recently used", async () => {
    const path = join(tempDir(), "k.spool");
    const pool = Pool.create(path, { size: "64K", ledgerSize: "2K" });
    const capacity = pool.info().producerCapacity;
    expect(capacity).toBe(3);
    const next: Record<string, number> = { a: 1, b: 1, c: 1 };
    for (let round = 0; round < 400; round++) {
      const id = ["a", "b", "c"][round % 3] as string;
      const seq = next[id] as number;
      const answers = pool.appendBatch([{ data: { id, seq } }, { data: { id, seq: seq + 1 } }], {
        producer: { id, seq },
      });
      expect(answers.every((a) => !a.duplicate)).toBe(true);
      next[id] = seq + 2;
      if (round % 50 === 0) await pool.appendAsync("plain"); // plain appends keep the state
    }
    expect(pool.readState().ledgerTurn).toBeGreaterThan(10); // the table moved halves many times
    expect(pool.info().bounds?.oldest).toBeGreaterThan(1); // and the ring wrapped
    const reopened = Pool.open(path);
    expect(
      reopened
        .producers()
        .map((p) => [p.id, p.lastSeq])
        .sort(),
    ).toEqual([
      ["a", 268],
      ["b", 266],
      ["c", 266],
    ]);
    expect(reopened.append("dup", { producer: { id: "a", seq: 268 } }).duplicate).toBe(true);
    // A fourth producer drops the least recently used one (b committed before c and a).
    reopened.append("d", { producer: { id: "d", seq: 1 } });
    expect(reopened.producers().map((p) => p.id)).toEqual(["d", "a", "c"]);
    expect(reopened.producerState("b")).toBeNull();
    expect(reopened.info()).toMatchObject({ producerCount: 3, producerCapacity: 3 });
    expect(verifyPool(path).ok).toBe(true);
    pool.close();
    reopened.close();
  });

  it("a handle that read the empty ledger reads it again whole once another handle wrote it", () => {
    const path = join(tempDir(), "two.spool");
    const a = Pool.create(path, { size: "64K" });
    const b = Pool.open(path);
    expect(a.producerState("x")).toBeNull(); // caches the empty table
    b.append(1, { producer: { id: "x", seq: 1 } }); // writes the half header and a record
    expect(a.producerState("x")?.lastSeq).toBe(1);
    expect(a.append(2, { producer: { id: "x", seq: 2 } }).seq).toBe(2);
    expect(b.append(2, { producer: { id: "x", seq: 2 } }).duplicate).toBe(true);
    a.close();
    b.close();
  });

  it("pool.producer numbers its appends and continues after the pool's last seq", async () => {
    const path = join(tempDir(), "h.spool");
    const pool = Pool.create(path, { size: "1M" });
    const ingest = pool.producer("ingest");
    expect(ingest.nextSeq).toBe(1);
    ingest.append({ line: 1 });
    ingest.appendBatch([{ data: { line: 2 } }, { data: { line: 3 } }]);
    await Promise.all([ingest.appendAsync({ line: 4 }), ingest.appendAsync({ line: 5 })]);
    expect(pool.producerState("ingest")?.lastSeq).toBe(5);
    const again = Pool.open(path).producer("ingest");
    expect(again.nextSeq).toBe(6);
    expect(() => pool.producer("bad id")).toThrow(expect.objectContaining({ kind: "Usage" }));
    pool.close();
  });

  it("refuses bad producers with Usage, and on a read-only handle with Permission", () => {
    const path = join(tempDir(), "b.spool");
    const pool = Pool.create(path, { size: "64K" });
    const bad: unknown[] = [
      { id: "", seq: 1 },
      { id: "x".repeat(65), seq: 1 },
      { id: "has space", seq: 1 },
      { id: "é", seq: 1 },
      { id: "a", seq: -1 },
      { id: "a", seq: 1.5 },
      { id: "a", seq: "1" },
      { id: "a" },
      { id: "a", seq: 1, epoch: -1 },
      { id: "a", seq: 1, epoch: 0.5 },
      { id: "a", seq: 2 ** 53 },
      { id: "a", seq: 1, extra: true },
      "a",
      null,
    ];
    for (const producer of bad) {
      const error = expectSpoolError(
        () => pool.append(1, { producer: producer as { id: string; seq: number } }),
        "Usage",
      );
      expect(error.hint).toBeTruthy();
    }
    expect(pool.append(1, { producer: { id: "x".repeat(64), seq: 0 } }).seq).toBe(1);
    expect(pool.info().messageCount).toBe(1);
    const readOnly = Pool.open(path, { readOnly: true });
    expectSpoolError(() => readOnly.append(1, { producer: { id: "a", seq: 1 } }), "Permission");
    expectSpoolError(() => readOnly.producerState(""), "Usage");
    readOnly.close();
    pool.close();
  });

  it("a pool without a ledger refuses producers with Usage; a damaged descriptor is Corrupt for producers only", () => {
    for (const [fill, kind] of [
      [0, "Usage"],
      [0x5a, "Corrupt"],
    ] as const) {
      const path = join(tempDir(), `l${fill}.spool`);
      Pool.create(path, { size: "64K" }).close();
      const fd = openSync(path, "r+");
      writeSync(fd, Buffer.alloc(64, fill), 0, 64, 192); // the ledger descriptor
      closeSync(fd);
      const pool = Pool.open(path);
      expect(pool.append("plain").seq).toBe(1); // messages are unaffected
      expectSpoolError(() => pool.append(1, { producer: { id: "a", seq: 1 } }), kind);
      expect(pool.info().producerCapacity).toBe(0);
      pool.close();
    }
  });

  it("a damaged ledger record is Corrupt for producers, never a fresh start", () => {
    const path = join(tempDir(), "d.spool");
    const pool = Pool.create(path, { size: "64K" });
    pool.append(1, { producer: { id: "a", seq: 1 } });
    const ledger = pool.layout.ledger;
    if (!ledger) throw new Error("no ledger");
    pool.close();
    const fd = openSync(path, "r+");
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, ledger.offset + 30); // inside the first record of half 0
    byte[0] = (byte[0] as number) ^ 0xff;
    writeSync(fd, byte, 0, 1, ledger.offset + 30);
    closeSync(fd);
    const damaged = Pool.open(path);
    expectSpoolError(() => damaged.append(2, { producer: { id: "a", seq: 1 } }), "Corrupt");
    expectSpoolError(() => damaged.producerState("a"), "Corrupt");
    expect(damaged.append("plain").seq).toBe(2);
    const report = verifyPool(path);
    expect(report.ok).toBe(false);
    expect(report.issues.some((i) => /ledger/.test(i.message))).toBe(true);
    damaged.close();
  });
});

interface Seen {
  id: string;
  p: number;
}

/** Every producer message in the pool, in pool order, grouped by producer. */
function producerOrder(path: string): Map<string, number[]> {
  const pool = Pool.open(path, { readOnly: true });
  const bounds = pool.info().bounds;
  const byId = new Map<string, number[]>();
  if (bounds) {
    for (let seq = bounds.oldest; seq <= bounds.newest; seq++) {
      const data = pool.get<Seen | Record<string, unknown>>(seq).data as Partial<Seen>;
      if (typeof data.id !== "string" || typeof data.p !== "number") continue;
      const list = byId.get(data.id) ?? [];
      list.push(data.p);
      byId.set(data.id, list);
    }
  }
  pool.close();
  return byId;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe("producers across processes", () => {
  it("4 producers resending what they are unsure of, racing 4 compare-and-append writers", async () => {
    assertBuilt();
    const dir = tempDir();
    const path = join(dir, "mp.spool");
    Pool.create(path, { size: "8M", ledgerSize: "4K" }).close();
    const target = 400;
    const children: Child[] = [];
    for (let i = 0; i < 4; i++) {
      const args = {
        id: `prod-${i}`,
        target,
        checkpoint: join(dir, `ck${i}`),
        go: true,
        seed: i + 1,
      };
      children.push(startChild(fixture("producer-writer.mjs"), [path, JSON.stringify(args)]));
    }
    for (let id = 0; id < 4; id++) {
      children.push(
        startChild(fixture("cas-writer.mjs"), [path, JSON.stringify({ id, count: 150 })]),
      );
    }
    await Promise.all(children.map((c) => c.waitForLine((l) => l === "ready", 20_000)));
    for (const c of children) c.send("go\n");
    const exits = await Promise.all(children.map((c) => waitExit(c, 120_000)));
    exits.forEach((exit, i) => {
      expect(exit, `child ${i}: ${children[i]?.stderr()}`).toEqual({ code: 0, signal: null });
    });
    // Rerun each producer from its lagging checkpoint: what it resends is answered as duplicates.
    for (let i = 0; i < 4; i++) {
      const args = {
        id: `prod-${i}`,
        target: target + 20,
        checkpoint: join(dir, `ck${i}`),
        go: false,
        seed: 9,
      };
      const child = startChild(fixture("producer-writer.mjs"), [path, JSON.stringify(args)]);
      expect(await waitExit(child, 30_000)).toEqual({ code: 0, signal: null });
      expect(child.lines.at(-1)).toMatch(/^done 420 dup [1-9]/);
    }
    const order = producerOrder(path);
    for (let i = 0; i < 4; i++) expect(order.get(`prod-${i}`)).toEqual(range(target + 20));
    const pool = Pool.open(path, { readOnly: true });
    const cas = results(children.slice(4));
    for (const r of cas) expect(r.badConflicts).toBe(0);
    // Every compare-and-append message names the message right before it: no lost update.
    const bounds = pool.info().bounds ?? { oldest: 1, newest: 0 };
    let casCount = 0;
    for (let seq = bounds.oldest; seq <= bounds.newest; seq++) {
      const data = pool.get<{ writer?: number; prev?: number }>(seq).data;
      if (typeof data.writer !== "number") continue;
      casCount++;
      expect(data.prev).toBe(seq - 1);
    }
    expect(casCount).toBe(4 * 150);
    pool.close();
    expect(verifyPool(path).ok).toBe(true);
  }, 180_000);

  it("200 rounds of kill -9 against a producer restarting with the same id: each message once, in order", async () => {
    assertBuilt();
    const dir = tempDir();
    const path = join(dir, "crash.spool");
    // A small ledger: the table moves to the other half every few commits, so kills land there too.
    Pool.create(path, { size: "4M", ledgerSize: "2K" }).close();
    const checkpoint = join(dir, "ck");
    const target = 6000;
    let kills = 0;
    for (let round = 0; round < 200; round++) {
      const args = { id: "crashy", target, checkpoint, go: false, seed: round + 1 };
      const child = startChild(fixture("producer-writer.mjs"), [path, JSON.stringify(args)]);
      await child.waitForLine((l) => l === "ready", 20_000);
      await sleep(2 + Math.floor(Math.random() * 25));
      if (!child.done()) {
        child.kill("SIGKILL");
        kills++;
      }
      const exit = await waitExit(child, 20_000);
      if (exit.signal === null) expect(exit.code, child.stderr()).toBe(0);
      // Both or neither: the kept state always names a message that carries its last seq.
      const pool = Pool.open(path, { readOnly: true });
      const kept = pool.producerState("crashy");
      if (kept) expect(pool.get<Seen>(kept.lastPoolSeq).data.p).toBe(kept.lastSeq);
      pool.close();
    }
    expect(kills).toBeGreaterThan(150);
    const finish = startChild(fixture("producer-writer.mjs"), [
      path,
      JSON.stringify({ id: "crashy", target, checkpoint, go: false }),
    ]);
    expect(await waitExit(finish, 60_000)).toEqual({ code: 0, signal: null });
    expect(producerOrder(path).get("crashy")).toEqual(range(target));
    expect(verifyPool(path).ok).toBe(true);
  }, 240_000);
});

function results(children: Child[]): Record<string, number>[] {
  return children.map((c) => JSON.parse(c.lines.at(-1) as string) as Record<string, number>);
}
