/**
 * Tail options `where` and `sinceTime` (spec/api/v0 §4.1, §4.6): where filters after gap
 * accounting, `max` counts delivered messages, `last` counts before filters, a failing
 * expression drops one message and reports it, compile errors are Usage before anything is
 * read; `sinceTime` starts at the first message committed at or after an instant and excludes
 * `since`/`last`.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createPool, isSpoolError, type Pool, type WhereError } from "../src/index.js";
import { measureLoop } from "./helpers/loop-lag.js";
import { useTempDirs } from "./helpers/temp-dir.js";

const tempDir = useTempDirs("spool-tail-where-");

function filled(values: unknown[], size = "1M"): Pool {
  const pool = createPool(join(tempDir(), "p.spool"), { size });
  pool.appendBatch(values.map((data, i) => ({ data, tags: i % 2 === 0 ? ["even"] : [] })));
  return pool;
}

async function seqs(pool: Pool, options: Parameters<Pool["tail"]>[0]): Promise<number[]> {
  const out: number[] = [];
  for await (const m of pool.tail({ follow: false, ...options })) out.push(m.seq);
  return out;
}

async function jsonlSeqs(pool: Pool, options: Parameters<Pool["tail"]>[0]): Promise<number[]> {
  const out: number[] = [];
  for await (const chunk of pool.tailJsonl({ follow: false, ...options })) {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (line) out.push((JSON.parse(line) as { seq: number }).seq);
    }
  }
  return out;
}

describe("tail: where", () => {
  it("keeps the messages every expression holds for, in both forms", async () => {
    const pool = filled([{ n: 1 }, { n: 2 }, { n: 3 }, "text", { n: 5 }]);
    for (const read of [seqs, jsonlSeqs]) {
      expect(await read(pool, { since: 1, where: ".data.n > 1" })).toEqual([2, 3, 5]);
      expect(
        await read(pool, { since: 1, where: [".data.n > 1", '.meta.tags | index("even")'] }),
      ).toEqual([3, 5]);
      expect(await read(pool, { since: 1, where: '.seq == 4 or .data == "text"' })).toEqual([4]);
      expect(await read(pool, { since: 1, where: '.time > "2000"', tags: ["even"] })).toEqual([
        1, 3, 5,
      ]);
      expect(await read(pool, { since: 1, where: [] })).toEqual([1, 2, 3, 4, 5]);
    }
    pool.close();
  });

  it("drops a message the expression fails on and reports it", async () => {
    const pool = filled([{ n: 1 }, "text", { n: 3 }]);
    for (const read of [seqs, jsonlSeqs]) {
      const errors: WhereError[] = [];
      expect(
        await read(pool, { since: 1, where: ".data.n >= 1", onWhereError: (e) => errors.push(e) }),
      ).toEqual([1, 3]);
      expect(errors).toEqual([{ seq: 2, message: 'Cannot index string with "n"' }]);
      const budget: WhereError[] = [];
      expect(
        await read(pool, { since: 1, where: "[range(1e9)]", onWhereError: (e) => budget.push(e) }),
      ).toEqual([]);
      expect(budget.map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(budget[0]?.message).toMatch(/budget/);
    }
    // without a callback they are dropped silently
    expect(await seqs(pool, { since: 1, where: ".data.n >= 1" })).toEqual([1, 3]);
    pool.close();
  });

  it("expensive expressions never hold the event loop for long, and an abort ends them", async () => {
    const pool = filled(Array.from({ length: 60 }, (_, i) => i));
    const errors: WhereError[] = [];
    const measured = await measureLoop(() =>
      seqs(pool, { since: 1, where: "[range(1e9)]", onWhereError: (e) => errors.push(e) }),
    );
    expect(measured.value).toEqual([]);
    expect(errors).toHaveLength(60);
    expect(measured.maxGapMs).toBeLessThan(500);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    await seqs(pool, { since: 1, where: "[range(1e9)]", signal: controller.signal });
    expect(Date.now() - started).toBeLessThan(1500);
    pool.close();
  });

  it("max counts delivered messages; last counts before the filter", async () => {
    const pool = filled(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(await seqs(pool, { since: 1, where: ".data % 3 == 0", max: 2 })).toEqual([3, 6]);
    expect(await seqs(pool, { last: 4, where: ".data % 2 == 0" })).toEqual([8, 10]);
    pool.close();
  });

  it("never hides a gap", async () => {
    const pool = createPool(join(tempDir(), "g.spool"), { size: "16K" });
    for (let i = 0; i < 200; i++) pool.append({ i, pad: "x".repeat(100) });
    const gaps: number[] = [];
    const out = await seqs(pool, {
      since: 1,
      where: ".data.i % 5 == 0",
      onGap: (g) => gaps.push(g.from),
    });
    expect(gaps).toEqual([1]);
    expect(out.length).toBeGreaterThan(0);
    pool.close();
  });

  it("a bad expression is Usage when iteration begins, before anything is read", async () => {
    const pool = filled([1]);
    const it = pool.tail({ since: 1, where: ".data >" })[Symbol.asyncIterator]();
    await expect(it.next()).rejects.toSatisfy((e: unknown) => isSpoolError(e, "Usage"));
    await expect(seqs(pool, { where: "input" })).rejects.toThrow(/`input` is not available/);
    await expect(seqs(pool, { where: 5 as unknown as string })).rejects.toThrow(
      /string or an array/,
    );
    pool.close();
  });
});

describe("tail: sinceTime", () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it("starts at the first message committed at or after the instant", async () => {
    const pool = createPool(join(tempDir(), "t.spool"), { size: "1M" });
    pool.append(1);
    pool.append(2);
    await sleep(20);
    const cut = new Date();
    await sleep(20);
    pool.append(3);
    pool.append(4);
    const third = pool.get(3).time;
    expect(await seqs(pool, { sinceTime: cut })).toEqual([3, 4]);
    expect(await seqs(pool, { sinceTime: cut.toISOString() })).toEqual([3, 4]);
    expect(await seqs(pool, { sinceTime: third })).toEqual([3, 4]);
    expect(await seqs(pool, { sinceTime: "2000-01-01T00:00:00Z" })).toEqual([1, 2, 3, 4]);
    expect(await jsonlSeqs(pool, { sinceTime: cut, where: ".data > 3" })).toEqual([4]);
    // nothing that recent: the next new message
    const later = pool.tail({ sinceTime: "2999-01-01T00:00:00Z", max: 1, timeoutMs: 2000 });
    const got: number[] = [];
    const reading = (async () => {
      for await (const m of later) got.push(m.seq);
    })();
    await sleep(100);
    pool.append(5);
    await reading;
    expect(got).toEqual([5]);
    pool.close();
  });

  it("on an empty pool starts at the next new message", async () => {
    const pool = createPool(join(tempDir(), "e.spool"), { size: "1M" });
    expect(await seqs(pool, { sinceTime: "2000-01-01T00:00:00Z" })).toEqual([]);
    pool.close();
  });

  it("excludes since and last; a bad time is Usage", async () => {
    const pool = filled([1]);
    await expect(seqs(pool, { since: 1, sinceTime: new Date() })).rejects.toThrow(
      /since and sinceTime/,
    );
    await expect(seqs(pool, { last: 1, sinceTime: new Date() })).rejects.toThrow(
      /sinceTime and last/,
    );
    await expect(seqs(pool, { sinceTime: "2026-04-31T00:00:00Z" })).rejects.toThrow(
      /April has 30 days/,
    );
    await expect(seqs(pool, { sinceTime: new Date(Number.NaN) })).rejects.toThrow(/invalid Date/);
    await expect(seqs(pool, { sinceTime: 5 as unknown as string })).rejects.toThrow(
      /RFC 3339 text or a Date/,
    );
    pool.close();
  });
});
