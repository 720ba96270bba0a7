/**
 * Group commit of a handle's asynchronous appends (src/engine/append-queue.ts): concurrent
 * `flush` appends share a commit (one published state), fast ones commit at once unless queued
 * behind others (then they share one), seqs follow the call order, conditional and producer appends keep their exact semantics in their place,
 * a group the ring cannot hold at once splits into appends that each fit, and while another
 * handle holds the lock each append waits on its own (an aborted one appends nothing).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createPool, isSpoolError, type Message, openPool } from "../src/index.js";
import { PoolFile } from "../src/platform/file.js";
import { lockFile, unlockFile } from "../src/platform/lock.js";
import { useTempDirs } from "./helpers/temp-dir.js";

const tempDir = useTempDirs("spool-append-queue-");

describe("group commit of async appends", () => {
  it("commits fast appends at once, and those queued behind a flush one together", async () => {
    const pool = createPool(join(tempDir(), "p.spool"), { size: "4M" });
    let before = pool.readState().generation;
    const alone = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.appendAsync({ i })));
    expect(alone.map((m) => m.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // Nothing queued and the lock free: each commits at once, as the synchronous append does.
    expect(pool.readState().generation - before).toBe(20);
    before = pool.readState().generation;
    const answers = await Promise.all([
      pool.appendAsync({ flushed: true }, { durability: "flush" }),
      ...Array.from({ length: 300 }, (_, i) => pool.appendAsync({ i }, { tags: [`t${i % 3}`] })),
    ]);
    expect(answers.map((m) => m.seq)).toEqual(Array.from({ length: 301 }, (_, i) => i + 21));
    expect(answers.slice(1).map((m) => (m.data as { i: number }).i)).toEqual(
      Array.from({ length: 300 }, (_, i) => i),
    );
    // The flush append's commit, then one for the 300 queued behind it.
    expect(pool.readState().generation - before).toBe(2);
    for (const m of [answers[0], answers[150], answers[300]] as Message[]) {
      expect(pool.get(m.seq).toJSON()).toEqual(m.toJSON());
    }
    pool.close();
  });

  it("shares one commit between concurrent flush appends, never with fast ones", async () => {
    const pool = createPool(join(tempDir(), "f.spool"), { size: "1M" });
    const before = pool.readState().generation;
    const flushed = Array.from({ length: 16 }, (_, i) =>
      pool.appendAsync({ i }, { durability: "flush" }),
    );
    const fast = pool.appendAsync({ fast: true });
    const more = pool.appendAsync({ i: 16 }, { durability: "flush" });
    const all = await Promise.all([...flushed, fast, more]);
    expect(all.map((m) => m.seq)).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
    // 16 flush appends, then the fast one (queued behind them), then the last flush one.
    expect(pool.readState().generation - before).toBe(3);
    pool.close();
  });

  it("keeps conditional and producer appends exact, in their place in the order", async () => {
    const pool = createPool(join(tempDir(), "c.spool"), { size: "1M" });
    const results = await Promise.allSettled([
      pool.appendAsync("a"),
      pool.appendAsync("b", { expectedLastSeq: 1 }),
      pool.appendAsync("c"),
      pool.appendAsync("d", { expectedLastSeq: 2 }), // newest is 3 by then: Conflict
      pool.appendAsync("e", { producer: { id: "p", seq: 1 } }),
      pool.appendAsync("e", { producer: { id: "p", seq: 1 } }), // a duplicate
      pool.appendAsync("f"),
    ]);
    const seqs = results.map((r) =>
      r.status === "fulfilled" ? (r.value as Message).seq : (r.reason as Error).name,
    );
    expect(seqs.slice(0, 3)).toEqual([1, 2, 3]);
    const conflict = results[3] as PromiseRejectedResult;
    expect(isSpoolError(conflict.reason, "Conflict")).toBe(true);
    expect(seqs.slice(4, 5)).toEqual([4]);
    const duplicate = (results[5] as PromiseFulfilledResult<Message>).value;
    expect(duplicate.seq).toBe(4);
    expect(duplicate.duplicate).toBe(true);
    expect(seqs[6]).toBe(5);
    expect(pool.readState().newest).toBe(5);
    pool.close();
  });

  it("splits a group the ring cannot hold at once into appends that each fit", async () => {
    const pool = createPool(join(tempDir(), "s.spool"), { size: "16K" });
    const ring = pool.layout.ringSize;
    const big = "x".repeat(Math.floor(ring / 3));
    const answers = await Promise.all([
      pool.appendAsync(big),
      pool.appendAsync(big),
      pool.appendAsync(big),
    ]);
    expect(answers.map((m) => m.seq)).toEqual([1, 2, 3]);
    // Each fit alone; together they would have overwritten themselves.
    expect(pool.readState().newest).toBe(3);
    expect(pool.get(3).data).toBe(big);
    pool.close();
  });

  it("waits on its own while another handle holds the lock; an aborted append appends nothing", async () => {
    const path = join(tempDir(), "l.spool");
    createPool(path, { size: "1M" }).close();
    const pool = openPool(path);
    const other = PoolFile.open(path, false);
    lockFile(other.fd, 1000, path);
    const aborter = new AbortController();
    const pending = [
      pool.appendAsync("one"),
      pool.appendAsync("two", { signal: aborter.signal }),
      pool.appendAsync("three"),
    ].map((p) =>
      p.then(
        (m) => m.seq,
        (e: Error) => (isSpoolError(e, "Busy") ? "Busy" : e.name),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 30));
    aborter.abort();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(pool.readState().newest).toBe(0);
    unlockFile(other.fd);
    other.close();
    expect(await Promise.all(pending)).toEqual([1, "Busy", 2]);
    expect(pool.get(2).data).toBe("three");
    pool.close();
  });
});
