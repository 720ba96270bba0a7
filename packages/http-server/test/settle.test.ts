// Every way a tail stream ends releases its pool lease and its tail slot exactly once and reports
// its end exactly once (streaming.ts's `settle`).
//
// Two levels: `tailStream` itself over a real pool with a counting lease and slot (so "exactly
// once" is counted, not inferred), and the app over a socket, where the releases are observable
// as the app's `openTails`, the `spool_tails_open` gauge, `spool_errors_total` and a DELETE that
// answers 200 only once no lease is left.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPool, FileEnginePool, type Pool, SpoolError, type TailOptions } from "@spool/core";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { jsonlFraming } from "../src/framing.js";
import { TailSlots } from "../src/limits.js";
import { type SettleReason, tailStream } from "../src/streaming.js";
import { type Fixture, makeApp, type Served, send, serveApp, until } from "./helpers/fixtures.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

describe("tailStream: each end releases lease and slot exactly once", () => {
  let dir: string;
  let pool: Pool;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "spool-settle-"));
    pool = createPool("p", { dir, size: 4 * 1024 * 1024 });
  });
  afterEach(() => {
    pool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function open(
    options: Omit<TailOptions, "signal" | "onGap" | "onEnd">,
    target: Pool = pool,
    requestSignal?: AbortSignal,
  ) {
    const slots = new TailSlots(4);
    const taken = slots.acquire();
    const counts = { lease: 0, slot: 0, errors: [] as string[], ends: [] as SettleReason[] };
    const slot = {
      signal: taken.signal,
      abort: (reason?: unknown) => taken.abort(reason),
      release: () => {
        counts.slot++;
        taken.release();
      },
    };
    const stream = tailStream({
      lease: { pool: new FileEnginePool(target), file: target, release: () => counts.lease++ },
      slot,
      framing: jsonlFraming({ gapLines: false }),
      options,
      requestSignal,
      onError: (error) => counts.errors.push(error.kind),
      onEnd: (reason) => counts.ends.push(reason),
    });
    const done = () => counts.ends.length > 0;
    return { stream, slot, slots, counts, done };
  }

  async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
    let out = "";
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return out;
      out += text(value);
    }
  }

  /** After the end, every other cause fires too: nothing is released or reported twice. */
  async function expectOnce(t: ReturnType<typeof open>, type: SettleReason["type"]) {
    await until(t.done, 2000, "settle");
    t.slot.abort(new SpoolError("Busy", "late shutdown"));
    await t.stream.cancel().catch(() => {});
    await sleep(20);
    expect(t.counts.lease).toBe(1);
    expect(t.counts.slot).toBe(1);
    expect(t.counts.ends.map((r) => r.type)).toEqual([type]);
    expect(t.slots.count).toBe(0);
  }

  test("end: max", async () => {
    for (let i = 1; i <= 3; i++) pool.append(i);
    const t = open({ since: 1, max: 2 });
    expect((await readAll(t.stream)).trimEnd().split("\n")).toHaveLength(2);
    await expectOnce(t, "end");
    expect(t.counts.ends[0]).toEqual({ type: "end", end: "max" });
  });

  test("end: timeout", async () => {
    const t = open({ timeoutMs: 20 });
    expect(await readAll(t.stream)).toBe("");
    await expectOnce(t, "end");
    expect(t.counts.ends[0]).toEqual({ type: "end", end: "timeout" });
  });

  test("end: caught up (follow: false)", async () => {
    pool.append(1);
    const t = open({ since: 1, follow: false });
    expect(JSON.parse(await readAll(t.stream)).seq).toBe(1);
    await expectOnce(t, "end");
    expect(t.counts.ends[0]).toEqual({ type: "end", end: "caught-up" });
  });

  test("error: gap_policy=error finds overwritten messages mid-stream", async () => {
    const small = createPool("small", { dir, size: 16384 });
    small.append(1);
    const t = open({ since: 1, gapPolicy: "error" }, small);
    const reader = t.stream.getReader();
    expect(JSON.parse(text((await reader.read()).value)).seq).toBe(1);
    for (let i = 0; i < 20; i++) small.append("w".repeat(2000));
    const rest = text((await reader.read()).value);
    expect(JSON.parse(rest)).toMatchObject({ error: { kind: "RetentionGap", seq: 2 } });
    expect((await reader.read()).done).toBe(true);
    reader.releaseLock();
    await expectOnce(t, "error");
    expect(t.counts.errors).toEqual(["RetentionGap"]);
    small.close();
  });

  test("client: cancel during replay", async () => {
    pool.appendBatch(
      Array.from({ length: 3000 }, (_, i) => ({ data: { i, pad: "x".repeat(80) } })),
    );
    const t = open({ since: 1 });
    const reader = t.stream.getReader();
    expect((await reader.read()).done).toBe(false); // one chunk of several
    await reader.cancel();
    await expectOnce(t, "client");
    expect(t.counts.errors).toEqual([]);
  });

  test("client: request abort during replay", async () => {
    pool.appendBatch(
      Array.from({ length: 3000 }, (_, i) => ({ data: { i, pad: "x".repeat(80) } })),
    );
    const request = new AbortController();
    const t = open({ since: 1 }, pool, request.signal);
    const reader = t.stream.getReader();
    expect((await reader.read()).done).toBe(false);
    request.abort();
    await expectOnce(t, "client");
  });

  test("client: cancel while waiting at the live edge", async () => {
    const t = open({});
    await sleep(30); // the eager pull now waits in core for a new message
    expect(t.counts.lease).toBe(0);
    await t.stream.cancel();
    await expectOnce(t, "client");
  });

  test("client: request abort while waiting at the live edge", async () => {
    const request = new AbortController();
    const t = open({}, pool, request.signal);
    await sleep(30);
    request.abort();
    await expectOnce(t, "client");
  });

  test("client: a request already aborted when the stream starts", async () => {
    const request = new AbortController();
    request.abort();
    const t = open({}, pool, request.signal);
    await expectOnce(t, "client");
  });

  test("shutdown while streaming: one final Busy record", async () => {
    pool.append("before");
    const t = open({ since: 1 });
    const reader = t.stream.getReader();
    expect(JSON.parse(text((await reader.read()).value)).data).toBe("before");
    await sleep(20); // waiting at the live edge
    t.slot.abort(new SpoolError("Busy", "the server is shutting down"));
    expect(JSON.parse(text((await reader.read()).value))).toMatchObject({
      error: { kind: "Busy" },
    });
    expect((await reader.read()).done).toBe(true);
    reader.releaseLock();
    await expectOnce(t, "shutdown");
    expect(t.counts.errors).toEqual(["Busy"]);
  });
});

describe("the app: each end frees the slot, the gauge and the pool", () => {
  let f: Fixture;
  let server: Served;
  beforeEach(async () => {
    f = makeApp();
    server = await serveApp(f.app);
    await send(f.app, "POST", "/v0/pools", { pool: "a", size_bytes: 4 * 1024 * 1024 });
  });
  afterEach(async () => {
    await server.dispose();
    await f.dispose();
  });

  const gauge = async (): Promise<number> => {
    const metrics = await send(f.app, "GET", "/metrics");
    const line = metrics.text.split("\n").find((l) => l.startsWith("spool_tails_open "));
    return Number(line?.split(" ")[1]);
  };
  const errorsOf = (kind: string): number => f.app.metrics!.snapshot().errors[kind as "Busy"] ?? 0;

  /** Nothing held: no slot, a zero gauge, and the pool deletable (no lease left). */
  async function expectFreed(pool = "a"): Promise<void> {
    await until(() => f.app.openTails === 0, 2000, "slot release");
    expect(await gauge()).toBe(0);
    expect((await send(f.app, "DELETE", `/v0/pools/${pool}`)).status).toBe(200);
  }

  test("abort during replay", async () => {
    await send(f.app, "POST", "/v0/pools/a/append_batch", {
      messages: Array.from({ length: 3000 }, (_, i) => ({ data: { i, pad: "x".repeat(80) } })),
    });
    const abort = new AbortController();
    const res = await fetch(`${server.url}/v0/pools/a/tail?since_seq=1`, { signal: abort.signal });
    const reader = res.body!.getReader();
    await reader.read();
    expect(f.app.openTails).toBe(1);
    expect(await gauge()).toBe(1);
    abort.abort();
    await expectFreed();
  });

  test("abort while waiting at the live edge", async () => {
    const abort = new AbortController();
    const res = await fetch(`${server.url}/v0/pools/a/tail`, { signal: abort.signal });
    expect(res.status).toBe(200);
    await until(() => f.app.openTails === 1, 2000, "tail open");
    abort.abort();
    await expectFreed();
  });

  test("SSE: abort while waiting at the live edge", async () => {
    const abort = new AbortController();
    const res = await fetch(`${server.url}/v0/pools/a/events`, { signal: abort.signal });
    expect(res.status).toBe(200);
    await until(() => f.app.openTails === 1, 2000, "tail open");
    abort.abort();
    await expectFreed();
  });

  test("error under gap_policy=error mid-stream: one error counted", async () => {
    await send(f.app, "POST", "/v0/pools", { pool: "small", size_bytes: 16384 });
    await send(f.app, "POST", "/v0/pools/small/append", { data: 1 });
    const before = errorsOf("RetentionGap");
    const res = await fetch(`${server.url}/v0/pools/small/tail?since_seq=1&gap_policy=error`);
    const reader = res.body!.getReader();
    expect(JSON.parse(text((await reader.read()).value)).seq).toBe(1);
    for (let i = 0; i < 20; i++) {
      await send(f.app, "POST", "/v0/pools/small/append", { data: "w".repeat(2000) });
    }
    let rest = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += text(value);
    }
    expect(JSON.parse(rest)).toMatchObject({ error: { kind: "RetentionGap" } });
    await expectFreed("small");
    expect(errorsOf("RetentionGap")).toBe(before + 1);
  });

  test("shutdown while streaming: slots drained, one Busy per tail", async () => {
    await send(f.app, "POST", "/v0/pools/a/append", { data: "x" });
    const before = errorsOf("Busy");
    const tails = await Promise.all(
      [1, 2].map(() => fetch(`${server.url}/v0/pools/a/tail?since_seq=1`)),
    );
    await until(() => f.app.openTails === 2, 2000, "tails open");
    await f.app.close();
    expect(f.app.openTails).toBe(0);
    for (const res of tails) expect(await res.text()).toContain('"kind":"Busy"');
    expect(errorsOf("Busy")).toBe(before + 2);
  });

  test("HEAD takes no slot and no lease", async () => {
    const started = f.app.metrics!.snapshot().tailsStarted.jsonl;
    const head = await fetch(`${server.url}/v0/pools/a/tail?since_seq=1`, { method: "HEAD" });
    expect(head.status).toBe(200);
    const sse = await fetch(`${server.url}/v0/pools/a/events`, { method: "HEAD" });
    expect(sse.status).toBe(200);
    expect(f.app.metrics!.snapshot().tailsStarted.jsonl).toBe(started);
    await expectFreed();
  });

  test("a refusal after the slot was taken (410 before the stream) frees both", async () => {
    await send(f.app, "POST", "/v0/pools", { pool: "small", size_bytes: 16384 });
    for (let i = 0; i < 20; i++) {
      await send(f.app, "POST", "/v0/pools/small/append", { data: "w".repeat(2000) });
    }
    const res = await send(f.app, "GET", "/v0/pools/small/tail?since_seq=1&gap_policy=error");
    expect(res.status).toBe(410);
    await expectFreed("small");
  });
});
