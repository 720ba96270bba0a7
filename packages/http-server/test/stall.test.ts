/**
 * No request stalls the server (issue 10), on a real server on 127.0.0.1 port 0, measured as
 * `/healthz` latency while the slow thing happens:
 * - creating a 1 GiB pool: /healthz and a live tail on another pool keep answering while the
 *   file is written and synced, and the pool is fully written;
 * - another process (flock(1)) holding a pool's lock for 3 s: /healthz and a live tail on another
 *   pool keep answering while an append to the locked pool waits, the append commits once the
 *   lock is free, and a server with a short lock timeout answers 423 Busy with a hint;
 * - the create limits: the largest pool (400 with a hint naming --max-pool-size) and the bytes
 *   of every pool of the directory (400 naming --max-total-pool-bytes; 409 still wins for an
 *   existing pool).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createApp } from "../src/index.js";
import { type Fixture, makeApp, send, serveApp } from "./helpers/fixtures.js";

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response JSON
type Json = any;

/** A generous bound for "answered promptly": a blocked server here stalls for 2 s or more. */
const PROMPT_MS = 300;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function served(
  options: Parameters<typeof makeApp>[0] = {},
): Promise<Fixture & { url: string }> {
  const f = makeApp(options);
  const server = await serveApp(f.app);
  cleanups.push(
    () => f.dispose(),
    () => server.dispose(),
  );
  return { ...f, url: server.url };
}

async function post(url: string, body: unknown): Promise<{ status: number; json: Json }> {
  const res = await fetch(url, { method: "POST", body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

/** Asks /healthz every 20 ms until `work` settles; answers the slowest /healthz in ms. */
async function slowestHealthz(url: string, work: Promise<unknown>): Promise<number> {
  let settled = false;
  void work.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  let slowest = 0;
  let asked = 0;
  while (!settled) {
    const started = performance.now();
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    await res.text();
    slowest = Math.max(slowest, performance.now() - started);
    asked++;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(asked).toBeGreaterThan(5); // the work lasted long enough to be measured
  return slowest;
}

/** A live JSONL tail: `next()` resolves with the next envelope line. */
async function liveTail(
  url: string,
  pool: string,
): Promise<{ next(): Promise<Json>; close(): void }> {
  const controller = new AbortController();
  const res = await fetch(`${url}/v0/pools/${pool}/tail`, { signal: controller.signal });
  expect(res.status).toBe(200);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  cleanups.push(() => controller.abort());
  return {
    async next() {
      for (;;) {
        const newline = buffered.indexOf("\n");
        if (newline >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          return JSON.parse(line);
        }
        const { value, done } = await reader.read();
        if (done) throw new Error("the tail ended");
        buffered += decoder.decode(value, { stream: true });
      }
    },
    close: () => controller.abort(),
  };
}

/** Appends to `pool` and answers how long until the live tail delivered it, in ms. */
async function deliveryMs(
  url: string,
  pool: string,
  tail: { next(): Promise<Json> },
  n: number,
): Promise<number> {
  const started = performance.now();
  const appended = await post(`${url}/v0/pools/${pool}/append`, { data: { n } });
  expect(appended.status).toBe(200);
  expect((await tail.next()).data).toEqual({ n });
  return performance.now() - started;
}

describe("creating a large pool", () => {
  it("keeps /healthz and live tails prompt while 1 GiB is written, and writes every byte", async () => {
    const f = await served();
    expect((await post(`${f.url}/v0/pools`, { pool: "live" })).status).toBe(200);
    const tail = await liveTail(f.url, "live");

    const started = performance.now();
    const create = post(`${f.url}/v0/pools`, { pool: "big", size_bytes: 1024 ** 3 });
    const delivered = deliveryMs(f.url, "live", tail, 1);
    const healthz = await slowestHealthz(f.url, create);
    const created = await create;
    const createMs = performance.now() - started;
    console.log(
      `1 GiB create took ${createMs.toFixed(0)} ms; slowest /healthz ${healthz.toFixed(1)} ms; tail delivery ${(await delivered).toFixed(1)} ms`,
    );

    expect(created.status).toBe(200);
    expect(created.json.pool).toMatchObject({ name: "big", file_size: 1024 ** 3, bounds: {} });
    expect(healthz).toBeLessThan(PROMPT_MS);
    expect(await delivered).toBeLessThan(PROMPT_MS);
    const stat = statSync(join(f.dir, "big.spool"));
    expect(stat.size).toBe(1024 ** 3);
    expect(stat.blocks * 512).toBeGreaterThanOrEqual(1024 ** 3); // not sparse
    const appended = await post(`${f.url}/v0/pools/big/append`, { data: "after" });
    expect(appended.json.message.seq).toBe(1);
  });
});

describe("a pool locked by another process", () => {
  let holder: ChildProcess | undefined;
  afterEach(() => {
    if (holder && holder.exitCode === null) holder.kill("SIGKILL");
    holder = undefined;
  });

  /** flock(1) takes the pool file's lock (as a writer would) and keeps it for `seconds`. */
  async function holdLock(path: string, seconds: number): Promise<{ released: Promise<void> }> {
    // --close: only the flock process holds the lock, so killing it frees the lock at once.
    const child = spawn(
      "flock",
      ["--exclusive", "--close", path, "-c", `echo locked; sleep ${seconds}`],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    holder = child;
    const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("flock did not take the lock")), 10_000);
      child.stdout.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("locked")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on("error", reject);
    });
    return { released: exited }; // (not the promise itself: an async function would await it)
  }

  it("keeps /healthz and tails prompt while an append waits; a short lock timeout is 423 Busy", async () => {
    const patient = await served(); // core's default lock timeout, 10 s
    const impatient = await served({ dir: patient.dir, limits: { lockTimeoutMs: 300 } });
    for (const pool of ["locked", "free"]) {
      expect((await post(`${patient.url}/v0/pools`, { pool })).status).toBe(200);
    }
    const tail = await liveTail(patient.url, "free");
    const { released } = await holdLock(join(patient.dir, "locked.spool"), 3);

    const started = performance.now();
    const waiting = post(`${patient.url}/v0/pools/locked/append`, { data: { waited: true } });
    const batch = post(`${patient.url}/v0/pools/locked/append_batch`, {
      messages: [{ data: 1 }, { data: 2 }],
    });
    const delivered = deliveryMs(patient.url, "free", tail, 1);
    const busyStarted = performance.now();
    const busy = await post(`${impatient.url}/v0/pools/locked/append`, { data: "no" });
    const busyMs = performance.now() - busyStarted;
    const healthz = await slowestHealthz(patient.url, waiting);
    const appended = await waiting;
    const appendMs = performance.now() - started;
    console.log(
      `append under a 3 s foreign lock took ${appendMs.toFixed(0)} ms; slowest /healthz ${healthz.toFixed(1)} ms; tail delivery ${(await delivered).toFixed(1)} ms; 423 after ${busyMs.toFixed(0)} ms`,
    );

    expect(busy.status).toBe(423);
    expect(busy.json.error).toMatchObject({ kind: "Busy", hint: expect.stringMatching(/retry/) });
    expect(busyMs).toBeGreaterThanOrEqual(280);
    expect(busyMs).toBeLessThan(2000);
    expect(healthz).toBeLessThan(PROMPT_MS);
    expect(await delivered).toBeLessThan(PROMPT_MS);
    await released;
    expect(appendMs).toBeGreaterThan(2000); // it did wait for the other process
    expect(appended.status).toBe(200);
    const batched = await batch;
    expect(batched.status).toBe(200);
    const seqs = [appended.json.message.seq, ...batched.json.messages.map((m: Json) => m.seq)];
    expect(seqs.sort()).toEqual([1, 2, 3]);
    const info: Json = await fetch(`${patient.url}/v0/pools/locked/info`).then((r) => r.json());
    expect(info.pool.bounds).toEqual({ oldest: 1, newest: 3 });
  });

  it("fails appends still waiting at shutdown with Busy", async () => {
    const f = await served();
    expect((await post(`${f.url}/v0/pools`, { pool: "locked" })).status).toBe(200);
    await holdLock(join(f.dir, "locked.spool"), 3);
    const waiting = post(`${f.url}/v0/pools/locked/append`, { data: 1 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = performance.now();
    await f.app.close();
    const answered = await waiting;
    expect(performance.now() - started).toBeLessThan(1000);
    expect(answered.status).toBe(423);
    expect(answered.json.error).toMatchObject({ kind: "Busy", hint: expect.any(String) });
  });
});

describe("create limits", () => {
  it("refuses pools above --max-pool-size and beyond --max-total-pool-bytes, with hints", async () => {
    const f = makeApp({ limits: { maxPoolSize: 1024 ** 2, maxTotalPoolBytes: 3 * 1024 ** 2 } });
    cleanups.push(() => f.dispose());
    const create = (pool: string, size_bytes?: number) =>
      send(f.app, "POST", "/v0/pools", size_bytes === undefined ? { pool } : { pool, size_bytes });

    const large = await create("large", 1024 ** 2 + 4096);
    expect(large.status).toBe(400);
    expect(large.json.error).toMatchObject({
      kind: "Usage",
      hint: expect.stringMatching(/--max-pool-size/),
    });
    // The limit is on the pool file, which is the size rounded down to 4 KiB.
    expect((await create("rounded", 1024 ** 2 + 4095)).status).toBe(200);

    // Every *.spool of the directory counts, whoever wrote it; dot-files (temporary) do not.
    writeFileSync(join(f.dir, "foreign.spool"), Buffer.alloc(1024 ** 2));
    writeFileSync(join(f.dir, ".half-written.spool.1.x.tmp"), Buffer.alloc(4 * 1024 ** 2));
    expect((await create("a")).status).toBe(200);
    const over = await create("b", 16384);
    expect(over.status).toBe(400);
    expect(over.json.error).toMatchObject({
      kind: "Usage",
      hint: expect.stringMatching(/--max-total-pool-bytes/),
    });
    expect((await create("a")).status).toBe(409); // an existing pool is AlreadyExists, not over budget
    expect((await send(f.app, "DELETE", "/v0/pools/a")).status).toBe(200);
    expect((await create("b", 16384)).status).toBe(200);
  });

  it("refuses a default pool size above the maximum when the app is made", () => {
    expect(() => createApp({ defaultPoolSize: "2M", limits: { maxPoolSize: 1024 ** 2 } })).toThrow(
      expect.objectContaining({ kind: "Usage", hint: expect.stringMatching(/--max-pool-size/) }),
    );
  });
});
