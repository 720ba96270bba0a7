/**
 * Conditional appends (`expectedLastSeq`, api spec §3.6): the append commits only when the pool's
 * newest seq is the expected one, checked under the writer lock; otherwise Conflict carrying the
 * actual newest seq, and nothing is written. Proven in one process (every append form, empty
 * batches, bad input) and across processes: 4 writers in a compare-and-append loop lose no
 * update (every message names its predecessor) and every Conflict carries a newer seq.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Pool, verifyPool } from "../src/index.js";
import { type Child, fixture, killAllChildren, startChild, waitExit } from "./helpers/children.js";
import { conflictOf, expectSpoolError } from "./helpers/expect-error.js";
import { useTempDirs } from "./helpers/temp-dir.js";

const tempDir = useTempDirs();
afterEach(killAllChildren);

describe("expectedLastSeq", () => {
  it("commits only on the expected newest seq; a Conflict carries the newest and writes nothing", async () => {
    const pool = Pool.create(join(tempDir(), "c.spool"), { size: "64K" });
    expect(pool.append("first", { expectedLastSeq: 0 }).seq).toBe(1);
    const stale = conflictOf(() => pool.append("again", { expectedLastSeq: 0 }));
    expect(stale.newestSeq).toBe(1);
    expect(stale.exitCode).toBe(10);
    expect(stale.httpStatus).toBe(409);
    expect(stale.hint).toBeTruthy();
    expect(stale.toJSON()).toMatchObject({ kind: "Conflict", newest_seq: 1 });
    expect(conflictOf(() => pool.append("future", { expectedLastSeq: 5 })).newestSeq).toBe(1);
    expect(pool.appendJson('{"n":2}', { expectedLastSeq: 1 }).seq).toBe(2);
    const batch = pool.appendBatch([{ data: 3 }, { data: 4 }], { expectedLastSeq: 2 });
    expect(batch.map((m) => m.seq)).toEqual([3, 4]);
    conflictOf(() => pool.appendBatch([{ data: 5 }, { data: 6 }], { expectedLastSeq: 2 }));
    await expect(pool.appendAsync("x", { expectedLastSeq: 3 })).rejects.toMatchObject({
      kind: "Conflict",
      newestSeq: 4,
    });
    expect((await pool.appendBatchAsync([{ data: 5 }], { expectedLastSeq: 4 }))[0]?.seq).toBe(5);
    expect(pool.info().bounds).toEqual({ oldest: 1, newest: 5 });
    expect(pool.append("plain").seq).toBe(6); // no condition: appends as before
    pool.close();
  });

  it("answers an empty batch's condition without appending, and refuses bad expected seqs", () => {
    const pool = Pool.create(join(tempDir(), "e.spool"), { size: "64K" });
    pool.append(1);
    expect(pool.appendBatch([], { expectedLastSeq: 1 })).toEqual([]);
    expect(conflictOf(() => pool.appendBatch([], { expectedLastSeq: 0 })).newestSeq).toBe(1);
    for (const bad of [-1, 1.5, "1", Number.NaN, 2 ** 53]) {
      expectSpoolError(() => pool.append(2, { expectedLastSeq: bad as number }), "Usage");
    }
    expect(pool.info().bounds).toEqual({ oldest: 1, newest: 1 });
    pool.close();
  });

  it("keeps working across the ring's wrap (the condition is on the newest seq, not the bounds)", () => {
    const pool = Pool.create(join(tempDir(), "w.spool"), { size: "16K" });
    let newest = 0;
    for (let i = 0; i < 500; i++)
      newest = pool.append("x".repeat(100), { expectedLastSeq: newest }).seq;
    expect(newest).toBe(500);
    expect(pool.info().bounds?.oldest).toBeGreaterThan(1);
    expect(conflictOf(() => pool.append("y", { expectedLastSeq: 499 })).newestSeq).toBe(500);
    pool.close();
  });

  it("4 processes in a compare-and-append loop: no lost update, every Conflict names a newer seq", async () => {
    const path = join(tempDir(), "cas.spool");
    Pool.create(path, { size: "4M" }).close();
    const count = 300;
    const writers: Child[] = [];
    for (let id = 0; id < 4; id++) {
      writers.push(startChild(fixture("cas-writer.mjs"), [path, JSON.stringify({ id, count })]));
    }
    await Promise.all(writers.map((w) => w.waitForLine((l) => l === "ready", 20_000)));
    for (const w of writers) w.send("go\n");
    const exits = await Promise.all(writers.map((w) => waitExit(w, 120_000)));
    exits.forEach((exit, i) => {
      expect(exit, `writer ${i}: ${writers[i]?.stderr()}`).toEqual({ code: 0, signal: null });
    });
    const results = writers.map(
      (w) => JSON.parse(w.lines[w.lines.length - 1] as string) as Record<string, number>,
    );
    for (const r of results) {
      expect(r.appended).toBe(count);
      expect(r.badConflicts).toBe(0);
    }
    // the writers really raced: some appends lost the race and were refused
    expect(results.reduce((sum, r) => sum + (r.conflicts as number), 0)).toBeGreaterThan(0);
    const pool = Pool.open(path, { readOnly: true });
    expect(pool.info().bounds).toEqual({ oldest: 1, newest: 4 * count });
    const perWriter = [0, 0, 0, 0];
    for (let seq = 1; seq <= 4 * count; seq++) {
      const { writer, prev } = pool.get<{ writer: number; prev: number }>(seq).data;
      expect(prev).toBe(seq - 1); // each append saw exactly the message before it
      perWriter[writer] = (perWriter[writer] as number) + 1;
    }
    expect(perWriter).toEqual([count, count, count, count]);
    pool.close();
    expect(verifyPool(path).ok).toBe(true);
  }, 150_000);

  it("is refused on a read-only handle with Permission, before the condition", () => {
    const path = join(tempDir(), "ro.spool");
    Pool.create(path, { size: "64K" }).close();
    const pool = Pool.open(path, { readOnly: true });
    expectSpoolError(() => pool.append(1, { expectedLastSeq: 0 }), "Permission");
    pool.close();
  });
});
