/**
 * Idempotent producers through the SDK: the `producer` option of append, appendJson and
 * appendBatch (checked before sending), duplicates (the original message, `duplicate: true`) and
 * receipts (`{ seq, duplicate: true }`), Conflicts with `expectedSeq` / `epoch`,
 * `pool.producerState(id)`, and `pool.producer(id)`: it continues after the server's state,
 * numbers messages itself, coalesces concurrent appends into batches (one in flight) and retries
 * until acknowledged, proven by a loopback proxy that drops answers after the server committed.
 */
import type { Appended as CoreAppended, Message } from "@spool/core/shared";
import { afterEach, describe, expect, it } from "vitest";
import {
  createClient,
  type DuplicateReceipt,
  isDuplicateReceipt,
  isSpoolError,
  type RemotePool,
  SpoolHttpError,
} from "../src/index.js";
import { dropProxy } from "./helpers/drop-proxy.js";
import { offlineClient } from "./helpers/offline.js";
import { rejection, startServer, type TestServer } from "./helpers/server.js";

// The SDK's receipt is core's receipt JSON, both ways (a compile-time check).
type CoreReceiptJson = ReturnType<Exclude<CoreAppended, Message>["toJSON"]>;
const receiptInStep: [
  CoreReceiptJson extends DuplicateReceipt ? true : false,
  DuplicateReceipt extends CoreReceiptJson ? true : false,
] = [true, true];

let servers: TestServer[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await Promise.all(servers.map((s) => s.dispose()));
  servers = [];
});

async function freshPool(name = "p"): Promise<{ server: TestServer; pool: RemotePool }> {
  const server = await startServer();
  servers.push(server);
  const pool = await createClient({ baseUrl: server.url }).createPool(name);
  return { server, pool };
}

/** Every message of the pool, in order. */
async function everything(pool: RemotePool): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const m of pool.tail({ since: 1, follow: false })) out.push(m.data);
  return out;
}

describe("the producer option", () => {
  it("dedupes retries: the original marked duplicate, a receipt where it is not shown", async () => {
    expect(receiptInStep).toEqual([true, true]);
    const { pool } = await freshPool();
    const first = await pool.append({ n: 1 }, { tags: ["t"], producer: { id: "ingest", seq: 1 } });
    expect(first.duplicate).toBeUndefined();
    const again = await pool.append({ n: 1 }, { producer: { id: "ingest", seq: 1 } });
    expect(isDuplicateReceipt(again)).toBe(false);
    if (isDuplicateReceipt(again) || isDuplicateReceipt(first)) throw new Error("unexpected");
    expect(again.duplicate).toBe(true);
    expect(again.seq).toBe(first.seq);
    expect(again.data).toEqual({ n: 1 });
    expect(again.tags).toEqual(["t"]);
    expect(again.toJSON()).toEqual({ ...first.toJSON(), duplicate: true });
    const line = new TextDecoder().decode(again.toJsonLine());
    expect(line.endsWith(',"duplicate":true}\n')).toBe(true);

    const json = await pool.appendJson('{"big":12345678901234567890}', {
      producer: { id: "ingest", seq: 2 },
    });
    const batch = await pool.appendBatch([{ data: "x" }, { data: "y" }, { data: "z" }], {
      producer: { id: "ingest", seq: 2 },
    });
    // seq 2 was the producer's last commit then: shown as the original; 3 and 4 are new.
    expect(batch.map((m) => m.duplicate)).toEqual([true, undefined, undefined]);
    expect(batch[0]?.seq).toBe(json.seq);
    const big = await pool.appendJson('{"big":1}', { producer: { id: "ingest", seq: 4 } });
    // The stored bytes come back as stored, without the mark.
    expect(big.duplicate).toBe(true);
    expect(new TextDecoder().decode((big as { dataBytes: Uint8Array }).dataBytes)).toBe('"z"');
    const bigAgain = await pool.appendJson("0", { producer: { id: "ingest", seq: 2 } });
    expect(bigAgain).toEqual({ seq: null, duplicate: true });
    // seq 1 is older than the producer's last commit: a receipt.
    const receipt = await pool.append({ n: 1 }, { producer: { id: "ingest", seq: 1 } });
    expect(isDuplicateReceipt(receipt)).toBe(true);
    expect(receipt).toEqual({ seq: null, duplicate: true });
    // A batch from seq 2: a receipt (before the last commit), then the originals of 3 and 4.
    const mixed = await pool.appendBatch([{ data: 0 }, { data: "y" }, { data: "z" }], {
      producer: { id: "ingest", seq: 2 },
    });
    expect(isDuplicateReceipt(mixed[0] as never)).toBe(true);
    expect(mixed.slice(1)).toMatchObject([
      { duplicate: true, data: "y" },
      { duplicate: true, data: "z" },
    ]);
    expect(await everything(pool)).toEqual([{ n: 1 }, { big: 12345678901234567e3 }, "y", "z"]);
  });

  it("a gap is Conflict with expectedSeq, a stale epoch Conflict with epoch", async () => {
    const { pool } = await freshPool();
    await pool.append(1, { producer: { id: "w", seq: 1, epoch: 2 } });
    const gap = await rejection(pool.append(3, { producer: { id: "w", seq: 3, epoch: 2 } }));
    expect(gap).toBeInstanceOf(SpoolHttpError);
    expect(gap).toMatchObject({ kind: "Conflict", status: 409, expectedSeq: 2 });
    const stale = await rejection(
      pool.appendBatch([{ data: 2 }], { producer: { id: "w", seq: 2 } }),
    );
    expect(stale).toMatchObject({ kind: "Conflict", status: 409, epoch: 2 });
    expect(await everything(pool)).toEqual([1]);
  });

  it("producerState answers the kept state, null for an unknown producer", async () => {
    const { pool } = await freshPool();
    expect(await pool.producerState("nobody")).toBeNull();
    const m = await pool.append("a", { producer: { id: "host:w/1@x", seq: 5, epoch: 1 } });
    const state = await pool.producerState("host:w/1@x");
    expect(state).toEqual({
      id: "host:w/1@x",
      epoch: 1,
      lastSeq: 5,
      lastPoolSeq: m.seq,
      lastTime: (m as { time: string }).time,
    });
    const missing = await rejection(
      createClient({ baseUrl: servers[0]?.url as string })
        .pool("nope")
        .producerState("a"),
    );
    expect(missing).toMatchObject({ kind: "NotFound", status: 404 });
  });

  it("refuses bad producers and misspellings before sending", async () => {
    const { client, requests } = offlineClient();
    const pool = client.pool("c");
    const bad: unknown[] = [
      { id: "", seq: 1 },
      { id: "x".repeat(65), seq: 1 },
      { id: "a b", seq: 1 },
      { id: "a", seq: -1 },
      { id: "a", seq: 1.5 },
      { id: "a", seq: "1" },
      { id: "a", seq: 1, epoch: -1 },
      { id: "a" },
      { id: "a", seq: 1, sequence: 2 },
      "a",
    ];
    for (const producer of bad) {
      for (const call of [
        () => pool.append(1, { producer } as never),
        () => pool.appendJson("1", { producer } as never),
        () => pool.appendBatch([{ data: 1 }], { producer } as never),
      ]) {
        const error = await rejection(call());
        expect(isSpoolError(error, "Usage"), JSON.stringify(producer)).toBe(true);
      }
    }
    const typo = await rejection(pool.append(1, { producers: { id: "a", seq: 1 } } as never));
    expect((typo as Error).message).toMatch(/producers/);
    expect(isSpoolError(await rejection(pool.producerState("a b")), "Usage")).toBe(true);
    expect(() => pool.producer("")).toThrow(/producer id/);
    expect(() => pool.producer("a", { epoch: -1 })).toThrow(/epoch/);
    expect(() => pool.producer("a", { linger: 1 } as never)).toThrow(/linger/);
    expect(requests()).toBe(0);
  });
});

describe("pool.producer()", () => {
  it("continues after the server's state, batches concurrent appends, one batch in flight", async () => {
    const server = await startServer();
    servers.push(server);
    const bodies: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const client = createClient({
      baseUrl: server.url,
      fetch: async (input, init) => {
        const url = String(input);
        if (url.endsWith("/append_batch")) {
          bodies.push(String(init?.body));
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          try {
            return await fetch(input, init);
          } finally {
            inFlight--;
          }
        }
        return fetch(input, init);
      },
    });
    const pool = await client.createPool("p");
    await pool.appendBatch([{ data: 0 }, { data: 0 }], { producer: { id: "ingest", seq: 1 } });
    const ingest = pool.producer("ingest", { maxBatchMessages: 50 });
    expect(ingest.nextSeq).toBeUndefined();
    const n = 300;
    const answers = await Promise.all(
      Array.from({ length: n }, (_, i) => ingest.append({ i }, { tags: [`t${i % 3}`] })),
    );
    expect(ingest.nextSeq).toBe(3 + n);
    answers.forEach((a, i) => {
      expect(a).toMatchObject({ data: { i }, tags: [`t${i % 3}`] });
      expect(a.duplicate).toBeUndefined();
    });
    expect(new Set(answers.map((a) => a.seq)).size).toBe(n);
    expect(maxInFlight).toBe(1);
    expect(bodies.length).toBeGreaterThanOrEqual(n / 50);
    expect(bodies.length).toBeLessThan(n);
    expect(bodies[1]).toContain('"producer_seq":3');
    // A batch of its own stays together; later appends keep the order.
    const [, batch, last] = await Promise.all([
      ingest.append("a"),
      ingest.appendBatch([{ data: "b" }, { json: '"c"' }]),
      ingest.appendJson('"d"'),
    ]);
    expect(batch?.map((m) => (m as { data: unknown }).data)).toEqual(["b", "c"]);
    expect(last).toMatchObject({ data: "d" });
    await ingest.flush();
    const data = await everything(pool);
    expect(data.slice(2, 2 + n)).toEqual(answers.map((a) => (a as { data: unknown }).data));
    expect(data.slice(2 + n)).toEqual(["a", "b", "c", "d"]);
    expect((await pool.producerState("ingest"))?.lastSeq).toBe(2 + n + 4);
    ingest.close();
    expect(isSpoolError(await rejection(ingest.append(1)), "Usage")).toBe(true);
  });

  it("one bad message fails alone; a Conflict fails its appends; close rejects the rest", async () => {
    const server = await startServer();
    servers.push(server);
    const pool = await createClient({ baseUrl: server.url }).createPool("small", {
      size: 16384,
    });
    const p = pool.producer("w");
    const [ok, tooBig, ok2] = await Promise.allSettled([
      p.append("fine"),
      p.append("x".repeat(20000)),
      p.append("also fine"),
    ]);
    expect(ok.status).toBe("fulfilled");
    expect(ok2.status).toBe("fulfilled");
    expect(tooBig.status).toBe("rejected");
    expect(isSpoolError((tooBig as PromiseRejectedResult).reason, "Usage")).toBe(true);
    expect(await everything(pool)).toEqual(["fine", "also fine"]);
    // A newer incarnation fences this one off.
    await pool.append("new", { producer: { id: "w", seq: 1, epoch: 1 } });
    const fenced = await rejection(p.append("old"));
    expect(fenced).toMatchObject({ kind: "Conflict", epoch: 1 });
    const pending = p.append("never");
    p.close();
    expect(isSpoolError(await rejection(pending), "Usage")).toBe(true);
  });

  it("retries until acknowledged: a proxy drops answers after the server committed", async () => {
    const server = await startServer();
    servers.push(server);
    const proxy = await dropProxy(server.port);
    cleanups.push(() => proxy.close());
    const retries: string[] = [];
    const pool = await createClient({ baseUrl: proxy.url }).createPool("p");
    const p = pool.producer("ingest", {
      backoff: { initialMs: 5, maxMs: 20 },
      onRetry: (error) => retries.push(error.kind),
    });
    proxy.dropNext(3);
    const n = 40;
    const first = await Promise.all(Array.from({ length: n / 2 }, (_, i) => p.append({ i })));
    proxy.dropNext(2);
    const second = await Promise.all(
      Array.from({ length: n / 2 }, (_, i) => p.append({ i: i + n / 2 })),
    );
    const answers = [...first, ...second];
    expect(proxy.dropped()).toBe(5);
    expect(retries.length).toBeGreaterThanOrEqual(5);
    expect(retries.every((kind) => kind === "Io")).toBe(true);
    // The retried batches were committed the first time: answered as duplicates.
    expect(answers.some((a) => a.duplicate === true)).toBe(true);
    answers.forEach((a, i) => {
      expect(a).toMatchObject({ data: { i } });
    });
    const direct = createClient({ baseUrl: server.url }).pool("p");
    const data = await everything(direct);
    expect(data).toEqual(Array.from({ length: n }, (_, i) => ({ i })));
    expect((await direct.producerState("ingest"))?.lastSeq).toBe(n);
  });

  it("retries while the server is down, and stops on its signal", async () => {
    const server = await startServer();
    servers.push(server);
    const pool = await createClient({ baseUrl: server.url }).createPool("p");
    const p = pool.producer("ingest", { backoff: { initialMs: 5, maxMs: 20 } });
    await p.append(1);
    await server.stop();
    const during = p.append(2);
    await new Promise((r) => setTimeout(r, 100));
    await server.restart();
    expect(await during).toMatchObject({ data: 2 });
    await server.stop();
    const controller = new AbortController();
    const q = pool.producer("other", { signal: controller.signal, backoff: { initialMs: 5 } });
    const stuck = q.append(3);
    await new Promise((r) => setTimeout(r, 50));
    controller.abort(new Error("stop"));
    expect(((await rejection(stuck)) as Error).message).toBe("stop");
    expect(q.closed).toBe(true);
  });
});
