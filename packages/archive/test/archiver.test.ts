// The archiver against a real PostgreSQL: kill -9 at random moments during sustained appends
// (every message exactly once up to the watermark; restarts continue without a duplicate or a
// hole), a PostgreSQL restart mid-run (nothing lost), a pool that wraps many times while the
// archiver is stopped (the archive gap is exact), two archivers of one pool at once (every seq
// once), and a pool deleted and created again (a new incarnation, archived apart).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createPool, FileEngine, isSpoolError, type Pool } from "@spool/core";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { archivePool } from "../src/index.js";
import { describePg, type PgFixture, startPostgres } from "./pg-fixture.js";

const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));

let fixture: PgFixture;
let db: pg.Pool;
let dir: string;

beforeAll(async () => {
  fixture = await startPostgres();
  db = new pg.Pool({ connectionString: fixture.url, max: 2 });
  db.on("error", () => {});
  dir = mkdtempSync(join(tmpdir(), "spool-archive-"));
});

afterAll(async () => {
  await db?.end().catch(() => {});
  fixture?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function archived(name: string) {
  const pools = await db.query<{ id: string; watermark: string }>(
    "SELECT id, watermark FROM spool_archive.pools WHERE name = $1 ORDER BY id",
    [name],
  );
  const last = pools.rows.at(-1);
  if (!last) return { watermark: 0, seqs: [] as number[], gaps: [] as [number, number][] };
  const rows = await db.query<{ seq: string }>(
    "SELECT seq FROM spool_archive.messages WHERE pool_id = $1 ORDER BY seq",
    [last.id],
  );
  const gaps = await db.query<{ first_seq: string; last_seq: string }>(
    "SELECT first_seq, last_seq FROM spool_archive.gaps WHERE pool_id = $1 ORDER BY first_seq",
    [last.id],
  );
  return {
    id: Number(last.id),
    incarnations: pools.rows.length,
    watermark: Number(last.watermark),
    seqs: rows.rows.map((r) => Number(r.seq)),
    gaps: gaps.rows.map((g) => [Number(g.first_seq), Number(g.last_seq)] as [number, number]),
  };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

/** Appends batches until stopped; answers the newest seq. */
function appender(pool: Pool) {
  let running = true;
  let n = 0;
  const done = (async () => {
    while (running) {
      pool.appendBatch(
        Array.from({ length: 20 }, () => ({ data: { n: n++, text: "x".repeat(40) }, tags: ["t"] })),
      );
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
      return pool.info().bounds?.newest ?? 0;
    },
  };
}

function spawnArchiver(name: string): ChildProcess {
  return spawn(process.execPath, [BIN, "--to", fixture.url, "--dir", dir, name], {
    stdio: ["ignore", "pipe", "inherit"],
  });
}

async function waitFor(check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describePg("archiver", () => {
  it("kill -9 at random moments over 100 rounds: every message once up to the watermark", async () => {
    const pool = createPool("crash", { dir, size: "64M" });
    const writes = appender(pool);
    let previous = 0;
    for (let round = 0; round < 100; round++) {
      const child = spawnArchiver("crash");
      const exited = new Promise((r) => child.once("exit", r));
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 250));
      child.kill("SIGKILL");
      await exited;
      if (round % 10 === 9) {
        const state = await archived("crash");
        expect(state.watermark).toBeGreaterThanOrEqual(previous);
        previous = state.watermark;
        expect(state.seqs.filter((s) => s <= state.watermark)).toEqual(range(1, state.watermark));
      }
    }
    const newest = await writes.stop();
    const mid = await archived("crash");
    expect(mid.watermark).toBeGreaterThan(0);
    expect(mid.seqs.slice(0, mid.watermark)).toEqual(range(1, mid.watermark));
    // a restarted archiver continues to the newest without a duplicate or a hole
    const child = spawnArchiver("crash");
    await waitFor(async () => (await archived("crash")).watermark === newest);
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    const end = await archived("crash");
    expect(end.incarnations).toBe(1);
    expect(end.seqs).toEqual(range(1, newest));
    expect(end.gaps).toEqual([]);
    // the archived text is the ring's
    const text = await db.query<{ data_text: string; tags: string[] }>(
      "SELECT data_text, tags FROM spool_archive.messages WHERE pool_id = $1 AND seq = $2",
      [end.id, newest],
    );
    expect(text.rows[0]?.data_text).toBe(Buffer.from(pool.get(newest).dataBytes).toString());
    expect(text.rows[0]?.tags).toEqual(["t"]);
    pool.close();
  }, 90_000);

  it("two archivers of one pool at once: every message once, no gap, the watermark at the newest", async () => {
    const pool = createPool("twice", { dir, size: "16M" });
    const writes = appender(pool);
    const first = spawnArchiver("twice");
    const second = spawnArchiver("twice");
    await new Promise((r) => setTimeout(r, 1500));
    const newest = await writes.stop();
    await waitFor(async () => (await archived("twice")).watermark === newest);
    for (const child of [first, second]) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    }
    const end = await archived("twice");
    expect(end.incarnations).toBe(1);
    expect(end.seqs).toEqual(range(1, newest));
    expect(end.gaps).toEqual([]);
    pool.close();
  }, 60_000);

  it("reconnects after a PostgreSQL restart and loses nothing", async () => {
    const pool = createPool("restart", { dir, size: "16M" });
    const stop = new AbortController();
    const retries: unknown[] = [];
    const engine = new FileEngine({ dir });
    const run = archivePool(() => engine.open("restart"), {
      connection: fixture.url,
      signal: stop.signal,
      onEvent: (e) => {
        if (e.type === "retry") retries.push(e.error);
      },
    });
    const writes = appender(pool);
    await waitFor(
      async () => (await archived("restart").catch(() => ({ watermark: 0 }))).watermark > 100,
    );
    await db.end();
    fixture.restart();
    db = new pg.Pool({ connectionString: fixture.url, max: 2 });
    db.on("error", () => {});
    await new Promise((r) => setTimeout(r, 300));
    const newest = await writes.stop();
    await waitFor(async () => (await archived("restart")).watermark === newest);
    stop.abort();
    await run;
    const end = await archived("restart");
    expect(end.seqs).toEqual(range(1, newest));
    expect(retries.length).toBeGreaterThan(0);
    pool.close();
    await engine.close();
  }, 60_000);

  it("policy required: appends are Busy while they would overwrite an unarchived message", async () => {
    const pool = createPool("required", { dir, size: "64K" });
    const engine = new FileEngine({ dir });
    const run = (signal: AbortSignal, onBatch: (w: number) => void) =>
      archivePool(() => engine.open("required"), {
        connection: fixture.url,
        policy: "required",
        signal,
        onEvent: (e) => {
          if (e.type === "batch") onBatch(e.watermark);
        },
      });
    let stop = new AbortController();
    let watermark = 0;
    let running = run(stop.signal, (w) => {
      watermark = w;
    });
    pool.appendBatch([{ data: 1 }, { data: 2 }]);
    await waitFor(async () => watermark === 2);
    stop.abort();
    await running;
    // the archiver is down: the ring fills, then appends are refused, and nothing is lost
    let refusal: unknown;
    for (let i = 0; i < 5000 && refusal === undefined; i++) {
      try {
        pool.append({ i, pad: "z".repeat(100) });
      } catch (error) {
        refusal = error;
      }
    }
    expect(isSpoolError(refusal, "Busy")).toBe(true);
    expect((refusal as { seq: number }).seq).toBe(3);
    expect((refusal as { hint: string }).hint).toContain("archive");
    const held = pool.info().bounds;
    expect(held?.oldest).toBe(1);
    // the archiver back: it catches up, and the ring takes appends again
    stop = new AbortController();
    running = run(stop.signal, (w) => {
      watermark = w;
    });
    await waitFor(async () => watermark === held?.newest);
    // a writer that retries on Busy goes on at the archiver's pace, and the ring wraps again
    for (let i = 0; i < 1000; i++) {
      for (;;) {
        try {
          pool.append({ more: i, pad: "z".repeat(100) });
          break;
        } catch (error) {
          if (!isSpoolError(error, "Busy")) throw error;
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    }
    const newest = pool.info().bounds?.newest ?? 0;
    expect(pool.info().bounds?.oldest).toBeGreaterThan(1);
    await waitFor(async () => watermark === newest);
    stop.abort();
    await running;
    const end = await archived("required");
    expect(end.seqs).toEqual(range(1, newest));
    expect(end.gaps).toEqual([]);
    pool.close();
    await engine.close();
  }, 60_000);
});
