/**
 * `pool.tail()` against a real server on 127.0.0.1: start options, tag filters, max and the idle
 * timeout, replay→live hand-over, gap policies on a wrapped ring, the final error line, and
 * cancellation by `break` and by AbortSignal (the server frees its tail: `app.openTails`).
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  createClient,
  type Gap,
  isSpoolError,
  type Message,
  type RemotePool,
  SpoolHttpError,
  type TailEnd,
} from "../src/index.js";
import { rejection, startServer, type TestServer, until } from "./helpers/server.js";

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.dispose()));
  servers = [];
});

async function setup(size?: string): Promise<{ s: TestServer; pool: RemotePool }> {
  const s = await startServer();
  servers.push(s);
  const client = createClient({ baseUrl: s.url });
  return { s, pool: await client.createPool("t", size === undefined ? {} : { size }) };
}

async function collect<T>(iterable: AsyncIterable<Message<T>>): Promise<Message<T>[]> {
  const out: Message<T>[] = [];
  for await (const m of iterable) out.push(m);
  return out;
}

describe("tail", () => {
  it("replays from since, then follows live messages, with max ending it", async () => {
    const { pool } = await setup();
    for (let i = 1; i <= 3; i++) await pool.append({ i });
    const ends: TailEnd[] = [];
    const seen: number[] = [];
    for await (const m of pool.tail<{ i: number }>({
      since: 2,
      max: 4,
      onEnd: (r) => ends.push(r),
    })) {
      seen.push(m.data.i);
      if (m.seq === 3) {
        await pool.append({ i: 4 });
        await pool.append({ i: 5 });
      }
    }
    expect(seen).toEqual([2, 3, 4, 5]);
    expect(ends).toEqual(["max"]);
  });

  it("last N, tag filters (every tag must match) and the idle timeout", async () => {
    const { pool } = await setup();
    await pool.append(1, { tags: ["a"] });
    await pool.append(2, { tags: ["a", "b"] });
    await pool.append(3, { tags: ["b"] });
    await pool.append(4, { tags: ["a", "b"] });
    const last2 = await collect(pool.tail({ last: 2, timeoutMs: 100 }));
    expect(last2.map((m) => m.seq)).toEqual([3, 4]);
    const ends: TailEnd[] = [];
    const gaps: Gap[] = [];
    const both = await collect(
      pool.tail({
        since: 1,
        tags: ["a", "b"],
        timeoutMs: 100,
        onEnd: (r) => ends.push(r),
        onGap: (g) => gaps.push(g),
      }),
    );
    expect(both.map((m) => m.data)).toEqual([2, 4]);
    expect(both[0]?.tags).toEqual(["a", "b"]);
    expect(ends).toEqual(["timeout"]);
    expect(gaps).toEqual([]); // a filter's skipped seqs are not gaps
    expect(await collect(pool.tail({ since: 1, max: 0 }))).toEqual([]);
  });

  it("without since or last starts at the next new message", async () => {
    const { s, pool } = await setup();
    await pool.append("old");
    const it = pool.tail({ max: 1 })[Symbol.asyncIterator]();
    const first = it.next();
    await until(() => s.app.openTails === 1, 5000, "the tail to start");
    await pool.append("new");
    const r = await first;
    expect(r.done ? undefined : r.value.data).toBe("new");
  });

  it("refuses bad options when iteration begins, with Usage and a hint", async () => {
    const { pool } = await setup();
    for (const options of [
      { since: 0 },
      { since: 1, last: 1 },
      { max: -1 },
      { timeoutMs: 1.5 },
      { gapPolicy: "skip" as "error" },
      { tags: [""] },
    ]) {
      const error = await rejection(collect(pool.tail(options)));
      expect(isSpoolError(error, "Usage")).toBe(true);
      expect((error as Error & { hint?: string }).hint).toBeTruthy();
    }
  });

  it("gap policies on a wrapped ring: continue reports the gap, error fails with RetentionGap", async () => {
    const { pool } = await setup("16K");
    const payload = "z".repeat(500);
    for (let i = 0; i < 60; i++) await pool.append({ i, payload });
    const bounds = (await pool.info()).bounds;
    expect(bounds && bounds.oldest > 1).toBe(true);
    const oldest = bounds?.oldest ?? 0;

    const gaps: Gap[] = [];
    const got = await collect(pool.tail({ since: 1, max: 2, onGap: (g) => gaps.push(g) }));
    expect(got.map((m) => m.seq)).toEqual([oldest, oldest + 1]);
    expect(gaps).toEqual([{ from: 1, to: oldest - 1, count: oldest - 1 }]);

    const error = await rejection(collect(pool.tail({ since: 1, gapPolicy: "error" })));
    expect(error).toBeInstanceOf(SpoolHttpError);
    expect(error).toMatchObject({ kind: "RetentionGap", status: 410, seq: 1 });

    const fine = await collect(pool.tail({ since: oldest, max: 1, gapPolicy: "error" }));
    expect(fine.map((m) => m.seq)).toEqual([oldest]);
  });

  it("a final error line (the server shutting down) becomes a typed SpoolError", async () => {
    const { s, pool } = await setup();
    await pool.append(1);
    const seen: number[] = [];
    const error = await rejection(
      (async () => {
        for await (const m of pool.tail({ since: 1 })) {
          seen.push(m.seq);
          await s.app.close();
        }
      })(),
    );
    expect(seen).toEqual([1]);
    expect(error).toBeInstanceOf(SpoolHttpError);
    expect(error).toMatchObject({ kind: "Busy", status: 423, network: false });
    expect((error as Error).message).toMatch(/shutting down/);
  });
});

describe("cancellation", () => {
  it("break ends the request and the server frees its reader", async () => {
    const { s, pool } = await setup();
    for (let i = 0; i < 5; i++) await pool.append(i);
    for await (const m of pool.tail({ since: 1 })) {
      expect(s.app.openTails).toBe(1);
      if (m.seq === 2) break;
    }
    await until(() => s.app.openTails === 0, 5000, "the server to free the tail");
  });

  it("an AbortSignal ends a waiting tail quietly (onEnd aborted) and frees the server's reader", async () => {
    const { s, pool } = await setup();
    const controller = new AbortController();
    const ends: TailEnd[] = [];
    const done = collect(pool.tail({ signal: controller.signal, onEnd: (r) => ends.push(r) }));
    await until(() => s.app.openTails === 1, 5000, "the tail to start");
    controller.abort();
    expect(await done).toEqual([]);
    expect(ends).toEqual(["aborted"]);
    await until(() => s.app.openTails === 0, 5000, "the server to free the tail");
    // an already aborted signal sends nothing
    expect(await collect(pool.tail({ signal: controller.signal }))).toEqual([]);
  });

  it("return() while a read is pending ends it at once", async () => {
    const { s, pool } = await setup();
    const it = pool.tail()[Symbol.asyncIterator]();
    const pending = it.next();
    await until(() => s.app.openTails === 1, 5000, "the tail to start");
    await it.return?.();
    expect((await pending).done).toBe(true);
    await until(() => s.app.openTails === 0, 5000, "the server to free the tail");
  });

  it("closing the pool handle ends its tails with Usage", async () => {
    const { s, pool } = await setup();
    const done = rejection(collect(pool.tail()));
    await until(() => s.app.openTails === 1, 5000, "the tail to start");
    pool.close();
    expect(isSpoolError(await done, "Usage")).toBe(true);
    await until(() => s.app.openTails === 0, 5000, "the server to free the tail");
  });
});
