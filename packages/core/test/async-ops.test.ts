/**
 * The asynchronous operations keep the event loop free while they wait, with real files and a
 * real second process:
 * - `Pool.createAsync` of a 512 MiB pool: the loop keeps ticking while the bytes are written and
 *   synced, the file is fully written (not sparse) and opens as an empty pool, and it keeps the
 *   create rules (AlreadyExists without touching the existing file, one winner when two race,
 *   Usage for a bad size, no temporary file left behind);
 * - `appendAsync`/`appendBatchAsync` while another process holds the pool's flock: the loop keeps
 *   ticking, the appends commit once the lock is free (several waiting appends on one handle each
 *   keep their own bytes), a short lock timeout gives Busy with a hint, and an aborted signal
 *   stops the wait with nothing appended;
 * - a create killed mid-write (SIGKILL) leaves its temporary file, and the next create of the same
 *   pool removes it (only files of dead creators of that pool).
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createPoolAsync, isSpoolError, Pool, SpoolError, verifyPool } from "../src/index.js";
import { type Child, fixture, killAllChildren, startChild, waitExit } from "./helpers/children.js";
import { measureLoop } from "./helpers/loop-lag.js";
import { useTempDirs } from "./helpers/temp-dir.js";

const tempDir = useTempDirs();
afterEach(killAllChildren);

/** A generous bound for "the loop was not blocked": a blocked loop here takes 1 s or more. */
const FREE_LOOP_MS = 250;

/** Starts a process that holds `path`'s writer lock for `ms`; resolves once it holds it. */
async function holdLock(path: string, ms: number): Promise<Child> {
  const child = startChild(fixture("hold-lock.mjs"), [path, String(ms)]);
  await child.waitForLine((line) => line === "locked", 10_000);
  return child;
}

describe("Pool.createAsync", () => {
  it("writes a large pool without blocking the event loop, fully and synced", async () => {
    const dir = tempDir();
    const path = join(dir, "big.spool");
    const size = 512 * 1024 * 1024;
    const { value: pool, maxGapMs } = await measureLoop(() => Pool.createAsync(path, { size }));
    try {
      expect(maxGapMs).toBeLessThan(FREE_LOOP_MS);
      const stat = statSync(path);
      expect(stat.size).toBe(size);
      // Every byte is allocated (never sparse), so appends cannot hit ENOSPC.
      expect(stat.blocks * 512).toBeGreaterThanOrEqual(size);
      expect(pool.info()).toMatchObject({ fileSize: size, bounds: null, messageCount: 0 });
      expect(pool.append({ ok: true }).seq).toBe(1);
      expect(verifyPool(path)).toMatchObject({ ok: true, messages: 1 });
      expect(readdirSync(dir)).toEqual(["big.spool"]);
    } finally {
      pool.close();
    }
  });

  it("keeps the create rules: AlreadyExists untouched, one winner in a race, Usage for bad sizes", async () => {
    const dir = tempDir();
    const taken = join(dir, "taken.spool");
    writeFileSync(taken, "not a pool, and must stay so");
    await expect(Pool.createAsync(taken, { size: "64K" })).rejects.toMatchObject({
      kind: "AlreadyExists",
      path: taken,
      hint: expect.any(String),
    });
    expect(readFileSync(taken, "utf8")).toBe("not a pool, and must stay so");

    const raced = await Promise.allSettled([
      createPoolAsync("race", { dir, size: "8M" }),
      createPoolAsync("race", { dir, size: "8M" }),
    ]);
    const won = raced.filter((r) => r.status === "fulfilled");
    const lost = raced.filter((r) => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(isSpoolError((lost[0] as PromiseRejectedResult).reason, "AlreadyExists")).toBe(true);
    (won[0] as PromiseFulfilledResult<Pool>).value.close();

    await expect(createPoolAsync("tiny", { dir, size: 1000 })).rejects.toMatchObject({
      kind: "Usage",
      hint: expect.any(String),
    });
    await expect(createPoolAsync("a..b", { dir })).rejects.toMatchObject({ kind: "Usage" });
    expect(readdirSync(dir).sort()).toEqual(["race.spool", "taken.spool"]);
  });
});

describe("the temporary file of a killed create", () => {
  it("is removed by the next create of the same pool, sync or async; live and other pools' files stay", async () => {
    const dir = tempDir();
    const path = join(dir, "big.spool");
    const creator = startChild(fixture("create-pool.mjs"), [path, "1G"]);
    const deadline = Date.now() + 20_000;
    while (!readdirSync(dir).some((n) => n.endsWith(".tmp")) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
    creator.kill("SIGKILL");
    await waitExit(creator, 10_000);
    const left = readdirSync(dir);
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/^\.big\.spool\.\d+\.[0-9a-z]+\.tmp$/);
    const deadPid = Number((left[0] as string).split(".")[3]);

    // a live creator's file (pid 1 always runs), our own, and another pool's stay
    const keep = [
      `.big.spool.1.live.tmp`,
      `.big.spool.${process.pid}.mine.tmp`,
      `.other.spool.${deadPid}.x.tmp`,
    ];
    for (const name of keep) writeFileSync(join(dir, name), "");
    Pool.create(path, { size: "64K" }).close();
    expect(readdirSync(dir).sort()).toEqual([...keep, "big.spool"].sort());

    // the async create sweeps the same way
    writeFileSync(join(dir, `.small.spool.${deadPid}.y.tmp`), "stale");
    (await createPoolAsync("small", { dir, size: "64K" })).close();
    expect(readdirSync(dir)).not.toContain(`.small.spool.${deadPid}.y.tmp`);
    expect(readdirSync(dir)).toContain("small.spool");
  }, 60_000);
});

describe("appendAsync under another process's lock", () => {
  it("waits without blocking the loop, then commits every waiting append with its own data", async () => {
    const dir = tempDir();
    const pool = Pool.create(join(dir, "p.spool"), { size: "1M" });
    try {
      pool.append({ before: true });
      await holdLock(pool.path, 1500);
      const { value, maxGapMs, elapsedMs } = await measureLoop(() =>
        Promise.all([
          pool.appendAsync({ n: 1 }, { tags: ["a"] }),
          pool.appendJsonAsync('{"n":2}', { trusted: true }),
          pool.appendBatchAsync([{ data: { n: 3 } }, { data: { n: 4 }, tags: ["b"] }]),
        ]),
      );
      expect(maxGapMs).toBeLessThan(FREE_LOOP_MS);
      expect(elapsedMs).toBeGreaterThan(1000); // nothing committed while the other process held it
      const [one, two, batch] = value;
      const returned = [one, two, ...batch].map((m) => ({
        seq: m.seq,
        data: m.data,
        tags: m.tags,
      }));
      expect(returned.map((m) => m.data)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
      expect(returned.map((m) => m.seq).sort()).toEqual([2, 3, 4, 5]);
      for (const m of returned)
        expect(pool.get(m.seq)).toMatchObject({ data: m.data, tags: m.tags });
    } finally {
      pool.close();
    }
  });

  it("fails with Busy and a hint at the lock timeout, and stops at an aborted signal", async () => {
    const dir = tempDir();
    const path = join(dir, "p.spool");
    Pool.create(path, { size: "1M" }).close();
    const pool = Pool.open(path, { lockTimeoutMs: 200 });
    try {
      await holdLock(path, 3000);
      const started = performance.now();
      const busy = await pool.appendAsync({ x: 1 }).catch((error: unknown) => error);
      const waited = performance.now() - started;
      expect(busy).toMatchObject({ kind: "Busy", path, hint: expect.stringMatching(/retry/) });
      expect(waited).toBeGreaterThanOrEqual(190);
      expect(waited).toBeLessThan(1500);

      const patient = Pool.open(path);
      try {
        const controller = new AbortController();
        const reason = new SpoolError("Busy", "shutting down", { hint: "retry later" });
        const pending = patient.appendAsync({ x: 2 }, { signal: controller.signal });
        setTimeout(() => controller.abort(reason), 100);
        await expect(pending).rejects.toBe(reason);
        const plain = new AbortController();
        plain.abort();
        await expect(patient.appendAsync({ x: 3 }, { signal: plain.signal })).rejects.toMatchObject(
          {
            kind: "Busy",
            hint: expect.any(String),
          },
        );
      } finally {
        patient.close();
      }
      expect(pool.info().bounds).toBeNull();
    } finally {
      pool.close();
    }
  });

  it("commits at once when the lock is free, and refuses bad input before any wait", async () => {
    const dir = tempDir();
    const pool = Pool.create(join(dir, "p.spool"), { size: "64K" });
    try {
      expect((await pool.appendAsync({ a: 1 })).seq).toBe(1);
      expect(await pool.appendBatchAsync([])).toEqual([]);
      await expect(pool.appendJsonAsync("{nope")).rejects.toMatchObject({ kind: "Usage" });
      await expect(pool.appendAsync("x".repeat(70_000))).rejects.toMatchObject({ kind: "Usage" });
      const readOnly = Pool.open(pool.path, { readOnly: true });
      await expect(readOnly.appendAsync(1)).rejects.toMatchObject({ kind: "Permission" });
      readOnly.close();
      expect(pool.info().bounds).toEqual({ oldest: 1, newest: 1 });
    } finally {
      pool.close();
    }
  });
});
