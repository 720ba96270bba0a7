/**
 * Durable cursors through the SDK against a real server on 127.0.0.1: `pool.cursor(name)`
 * (info, ack, reset, delete), `pool.cursors()`, `tail({ cursor })`, and `follow({ cursor })` with
 * `follower.ack` and `autoAck`: a follow resumes after what was acked (across follows, reconnects
 * and server restarts), two clients acking one cursor end at the higher seq, bad input is Usage
 * before any request, and a read-only token gets Permission.
 */
import { join } from "node:path";
import { openPool, type Pool } from "@spool/core";
import { afterEach, describe, expect, it } from "vitest";
import {
  type CursorInfo,
  createClient,
  isSpoolError,
  type RemotePool,
  SpoolHttpError,
} from "../src/index.js";
import { offlineClient } from "./helpers/offline.js";
import { rejection, startServer, type TestServer, until } from "./helpers/server.js";

let servers: TestServer[] = [];
let locals: Pool[] = [];
afterEach(async () => {
  for (const p of locals) p.close();
  locals = [];
  await Promise.all(servers.map((s) => s.dispose()));
  servers = [];
});

const fastBackoff = { initialMs: 10, maxMs: 100, jitter: 0.5 };

async function setup(
  options: Parameters<typeof startServer>[0] = {},
): Promise<{ s: TestServer; pool: RemotePool; local: Pool }> {
  const s = await startServer(options);
  servers.push(s);
  const token = options.tokens ? "rw" : undefined;
  const pool = await createClient({ baseUrl: s.url, token }).createPool("c", { size: "1M" });
  const local = openPool(join(s.dir, "c.spool"));
  locals.push(local);
  return { s, pool, local };
}

async function kindOf(promise: Promise<unknown>): Promise<string> {
  const error = await rejection(promise);
  if (!isSpoolError(error)) throw error;
  return error.kind;
}

async function seqsOf(iterable: AsyncIterable<{ seq: number }>, n: number): Promise<number[]> {
  const seqs: number[] = [];
  if (n === 0) return seqs;
  for await (const m of iterable) {
    seqs.push(m.seq);
    if (seqs.length >= n) break;
  }
  return seqs;
}

describe("cursor handles", () => {
  it("info, ack, reset, delete and the list answer core's CursorInfo", async () => {
    const { pool, local } = await setup();
    for (let i = 1; i <= 5; i++) local.append({ i });
    const cursor = pool.cursor("indexer");
    expect(cursor.name).toBe("indexer");
    expect(await kindOf(cursor.info())).toBe("NotFound");
    expect(await pool.cursors()).toEqual([]);

    // a tail with a new cursor creates it where the tail starts
    expect(await seqsOf(pool.tail({ cursor: "indexer", since: 2, follow: false }), 10)).toEqual([
      2, 3, 4, 5,
    ]);
    const created = await cursor.info();
    expect(created).toMatchObject({ name: "indexer", committed: 1, lag: 4, ackTime: null });
    expect(typeof created.createdTime).toBe("string");

    const acked: CursorInfo = await cursor.ack(3);
    expect(acked).toMatchObject({ committed: 3, lag: 2 });
    expect(typeof acked.ackTime).toBe("string");
    expect((await cursor.ack(2)).committed).toBe(3); // a lower ack changes nothing
    expect((await cursor.ack(4, { durability: "flush" })).committed).toBe(4);
    expect(await kindOf(cursor.ack(99))).toBe("Usage"); // past the newest seq
    // a kept cursor ignores the tail's start options
    expect(await seqsOf(pool.tail({ cursor: "indexer", since: 1, follow: false }), 10)).toEqual([
      5,
    ]);

    expect((await cursor.reset({ seq: 2 })).committed).toBe(1);
    const time = local.get(4).time;
    expect((await cursor.reset({ time })).committed).toBe(3);
    expect((await cursor.reset({ time: new Date(Date.now() + 3_600_000) })).committed).toBe(5);
    await pool.cursor("b-second").reset({ seq: 1 }); // reset creates
    expect((await pool.cursors()).map((c) => c.name)).toEqual(["b-second", "indexer"]);

    expect((await cursor.delete()).name).toBe("indexer");
    expect(await kindOf(cursor.delete())).toBe("NotFound");
    expect(await kindOf(cursor.ack(1))).toBe("NotFound");
    expect((await pool.info()).cursors.map((c) => c.name)).toEqual(["b-second"]);
  });

  it("two clients acking one cursor end at the higher seq", async () => {
    const { s, pool, local } = await setup();
    for (let i = 1; i <= 20; i++) local.append(i);
    await pool.cursor("shared").reset({ seq: 1 });
    const a = createClient({ baseUrl: s.url }).pool("c").cursor("shared");
    const b = createClient({ baseUrl: s.url }).pool("c").cursor("shared");
    await Promise.all([
      ...[2, 9, 4, 17].map((seq) => a.ack(seq)),
      ...[12, 3, 15, 6].map((seq) => b.ack(seq)),
    ]);
    expect((await a.info()).committed).toBe(17);
    await b.ack(10);
    expect((await b.info()).committed).toBe(17);
    await a.ack(20);
    expect((await b.info()).committed).toBe(20);
  });

  it("tail autoAck acks each message when the next is asked for, never the last", async () => {
    const { pool, local } = await setup();
    for (let i = 1; i <= 5; i++) local.append(i);
    const seqs: number[] = [];
    for await (const m of pool.tail({ cursor: "auto", since: 1, autoAck: true })) {
      seqs.push(m.seq);
      if (m.seq === 3) break;
    }
    expect(seqs).toEqual([1, 2, 3]);
    expect((await pool.cursor("auto").info()).committed).toBe(2); // 3 was not asked past
    expect(await seqsOf(pool.tail({ cursor: "auto", autoAck: true }), 2)).toEqual([3, 4]);
    expect((await pool.cursor("auto").info()).committed).toBe(3);
  });
});

describe("follow with a cursor", () => {
  it("a follow resumes after what was acked: a new follow, and after the server restarts", async () => {
    const { s, pool, local } = await setup();
    for (let i = 1; i <= 10; i++) local.append({ i });
    const first = pool.follow<{ i: number }>({ cursor: "f", since: 1, backoff: fastBackoff });
    const seen: number[] = [];
    for await (const m of first) {
      seen.push(m.seq);
      if (m.seq <= 4) await first.ack(m.seq); // 5 and 6 are received but not acked
      if (m.seq === 6) break;
    }
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    expect(first.nextSeq).toBe(5);
    // a new follow (a restarted process) starts after the ack, whatever its start options say
    const second = pool.follow({ cursor: "f", since: 9, backoff: fastBackoff });
    const again: number[] = [];
    for await (const m of second) {
      again.push(m.seq);
      await second.ack(m.seq);
      if (m.seq === 7) {
        await s.restart();
        local.append({ i: 11 });
      }
      if (m.seq === 11) break;
    }
    // acked up to 7 before the restart: the reconnect resumes at 8, nothing skipped or repeated
    expect(again).toEqual([5, 6, 7, 8, 9, 10, 11]);
    expect((await pool.cursor("f").info()).committed).toBe(11);
  });

  it("a reconnect delivers again what was received but not acked (at least once)", async () => {
    const { s, pool, local } = await setup();
    for (let i = 1; i <= 4; i++) local.append(i);
    const follower = pool.follow({ cursor: "late", since: 1, backoff: fastBackoff });
    const seen: number[] = [];
    for await (const m of follower) {
      seen.push(m.seq);
      if (m.seq === 2) await follower.ack(2);
      if (seen.length === 4) {
        await s.restart(); // 3 and 4 were received, not acked
        local.append(5);
      }
      if (m.seq === 5) break;
    }
    expect(seen).toEqual([1, 2, 3, 4, 3, 4, 5]);
    expect(follower.nextSeq).toBe(3);
  });

  it("autoAck: a server restart mid-stream while a writer appends repeats and skips nothing", async () => {
    const { s, pool, local } = await setup();
    const total = 200;
    let written = 0;
    const writer = (async () => {
      while (written < total) {
        local.append({ i: written + 1 });
        written++;
        if (written % 4 === 0) await new Promise((r) => setTimeout(r, 1));
      }
    })();
    const seqs: number[] = [];
    let restarted: Promise<void> | undefined;
    const states: string[] = [];
    const follower = pool.follow({
      cursor: "auto",
      since: 1,
      autoAck: true,
      backoff: fastBackoff,
      onStatus: (st) => states.push(st.state),
    });
    for await (const m of follower) {
      seqs.push(m.seq);
      if (seqs.length === 50) restarted = s.restart();
      if (m.seq === total) break;
    }
    await writer;
    await restarted;
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(states).toContain("reconnecting");
    expect((await pool.cursor("auto").info()).committed).toBe(total - 1); // not the last one
  });

  it("follow without since places a new cursor at the next new message", async () => {
    const { pool, local } = await setup();
    local.append("before");
    const follower = pool.follow({ cursor: "fresh", backoff: fastBackoff });
    const seen: unknown[] = [];
    const done = (async () => {
      for await (const m of follower) {
        seen.push(m.data);
        await follower.ack(m.seq);
        break;
      }
    })();
    await until(() => follower.state === "connected", 5000, "connected");
    expect(follower.nextSeq).toBe(2);
    local.append("after");
    await done;
    expect(seen).toEqual(["after"]);
    expect((await pool.cursor("fresh").info()).committed).toBe(2);
  });
});

describe("bad input and access", () => {
  it("bad names and options are Usage before any request", async () => {
    const { client, requests } = offlineClient();
    const pool = client.pool("p");
    const usage = (f: () => unknown) => {
      let error: unknown;
      try {
        f();
      } catch (e) {
        error = e;
      }
      expect(isSpoolError(error, "Usage"), String(error)).toBe(true);
    };
    usage(() => pool.cursor("bad name"));
    usage(() => pool.cursor("-dash"));
    usage(() => pool.cursor("x".repeat(65)));
    usage(() => pool.cursor(7 as unknown as string));
    const cursor = pool.cursor("ok");
    expect(await kindOf(cursor.ack(0))).toBe("Usage");
    expect(await kindOf(cursor.ack(1.5))).toBe("Usage");
    expect(await kindOf(cursor.ack(1, { durability: "fsync" as unknown as "flush" }))).toBe(
      "Usage",
    );
    expect(await kindOf(cursor.ack(1, { durabilty: "flush" } as never))).toBe("Usage");
    expect(await kindOf(cursor.info({ signl: 1 } as never))).toBe("Usage");
    expect(await kindOf(cursor.reset({} as never))).toBe("Usage");
    expect(await kindOf(cursor.reset({ seq: 1, time: "2026-01-01T00:00:00Z" } as never))).toBe(
      "Usage",
    );
    expect(await kindOf(cursor.reset({ time: "yesterday" }))).toBe("Usage");
    expect(await kindOf(cursor.reset({ time: new Date(Number.NaN) }))).toBe("Usage");
    expect(await kindOf(cursor.reset({ sequence: 1 } as never))).toBe("Usage");
    expect(await kindOf(cursor.reset({ seq: 0 }))).toBe("Usage");
    expect(await kindOf(pool.cursors({ x: 1 } as never))).toBe("Usage");
    expect(await kindOf(seqsOf(pool.tail({ cursor: "a/b" }), 1))).toBe("Usage");
    expect(await kindOf(seqsOf(pool.tail({ autoAck: true }), 1))).toBe("Usage");
    expect(
      await kindOf(seqsOf(pool.tail({ cursor: "a", autoAck: "yes" as unknown as boolean }), 1)),
    ).toBe("Usage");
    expect(await kindOf(seqsOf(pool.follow({ since: 1, autoAck: true }), 1))).toBe("Usage");
    expect(await kindOf(pool.follow({ since: 1 }).ack(1))).toBe("Usage"); // no cursor
    expect(requests()).toBe(0);
    pool.close();
    usage(() => pool.cursor("ok"));
    expect(await kindOf(cursor.info())).toBe("Usage"); // the handle was closed
    expect(requests()).toBe(0);
  });

  it("a read-only token reads cursors but gets Permission (403) for acks and cursor tails", async () => {
    const { s, pool, local } = await setup({
      tokens: [{ token: "rw" }, { token: "ro", access: "read-only" }],
    });
    local.append(1);
    await pool.cursor("kept").reset({ seq: 1 });
    const ro = createClient({ baseUrl: s.url, token: "ro" }).pool("c");
    expect((await ro.cursors()).map((c) => c.name)).toEqual(["kept"]);
    expect((await ro.cursor("kept").info()).committed).toBe(0);
    const ack = await rejection(ro.cursor("kept").ack(1));
    expect(ack).toBeInstanceOf(SpoolHttpError);
    expect(ack).toMatchObject({ kind: "Permission", status: 403 });
    expect(await kindOf(ro.cursor("kept").reset({ seq: 1 }))).toBe("Permission");
    expect(await kindOf(ro.cursor("kept").delete())).toBe("Permission");
    expect(await kindOf(seqsOf(ro.tail({ cursor: "kept" }), 1))).toBe("Permission");
    // a follow does not retry Permission
    expect(await kindOf(seqsOf(ro.follow({ cursor: "kept", backoff: fastBackoff }), 1))).toBe(
      "Permission",
    );
    expect(await seqsOf(ro.tail({ since: 1, follow: false }), 1)).toEqual([1]); // plain reads work
  });
});
