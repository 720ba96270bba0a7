// Durable cursors over HTTP: `cursor=NAME` on the tail and the event tail (a new cursor is placed
// by the tail's own start and written before the first message; a kept one starts after its
// committed seq, whatever the start parameters say), the cursor routes (list, read, ack, reset,
// delete) in core's wire spelling, bad input as 400/404 with remote hints, HEAD creating nothing,
// a cursor whose next message was overwritten meeting gap_policy=error as 410, and pool info
// listing the cursors.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { type Fixture, makeApp, send } from "./helpers/fixtures.js";

let f: Fixture;
beforeEach(async () => {
  f = makeApp({});
  await send(f.app, "POST", "/v0/pools", { pool: "p" });
  await send(f.app, "POST", "/v0/pools/p/append_batch", {
    messages: [1, 2, 3, 4, 5].map((n) => ({ data: { n } })),
  });
});
afterEach(async () => {
  await f.dispose();
});

/** The seqs of a finished JSONL tail. */
function seqs(text: string): number[] {
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l).seq as number);
}

describe("tail with cursor", () => {
  test("a new cursor is placed by since_seq; a kept one starts after its committed seq", async () => {
    const first = await send(f.app, "GET", "/v0/pools/p/tail?cursor=indexer&since_seq=2&max=2");
    expect(first.status).toBe(200);
    expect(seqs(first.text)).toEqual([2, 3]);
    // Created at the start (committed = start − 1), nothing acked yet.
    const info = await send(f.app, "GET", "/v0/pools/p/cursors/indexer");
    expect(info.status).toBe(200);
    expect(info.json.cursor).toMatchObject({
      name: "indexer",
      committed: 1,
      lag: 4,
      ack_time: null,
    });
    expect(Object.keys(info.json.cursor).sort()).toEqual(
      ["ack_time", "committed", "created_time", "lag", "name"].sort(),
    );
    // Not acked: the next tail delivers 2 again; since_seq only places a new cursor.
    const again = await send(f.app, "GET", "/v0/pools/p/tail?cursor=indexer&since_seq=5&max=1");
    expect(seqs(again.text)).toEqual([2]);
    const acked = await send(f.app, "POST", "/v0/pools/p/cursors/indexer/ack", { seq: 3 });
    expect(acked.status).toBe(200);
    expect(acked.json.cursor).toMatchObject({ committed: 3, lag: 2 });
    expect(typeof acked.json.cursor.ack_time).toBe("string");
    const after = await send(f.app, "GET", "/v0/pools/p/tail?cursor=indexer&follow=false");
    expect(seqs(after.text)).toEqual([4, 5]);
  });

  test("a new cursor without a start begins at the next new message; last places it too", async () => {
    const res = await send(f.app, "GET", "/v0/pools/p/tail?cursor=fresh&follow=false");
    expect(seqs(res.text)).toEqual([]);
    expect((await send(f.app, "GET", "/v0/pools/p/cursors/fresh")).json.cursor.committed).toBe(5);
    const last = await send(f.app, "GET", "/v0/pools/p/tail?cursor=recent&last=2&follow=false");
    expect(seqs(last.text)).toEqual([4, 5]);
    expect((await send(f.app, "GET", "/v0/pools/p/cursors/recent")).json.cursor.committed).toBe(3);
  });

  test("a lower ack changes nothing; an ack past the newest seq is 400 and changes nothing", async () => {
    await send(f.app, "GET", "/v0/pools/p/tail?cursor=c&since_seq=1&max=1");
    await send(f.app, "POST", "/v0/pools/p/cursors/c/ack", { seq: 4 });
    const lower = await send(f.app, "POST", "/v0/pools/p/cursors/c/ack", { seq: 2 });
    expect(lower.json.cursor.committed).toBe(4);
    const past = await send(f.app, "POST", "/v0/pools/p/cursors/c/ack", { seq: 99 });
    expect(past.status).toBe(400);
    expect(past.json.error.kind).toBe("Usage");
    expect(past.json.error.message).toMatch(/newest seq is 5/);
    expect(past.json.error.hint).not.toMatch(/server cannot use the pool file/);
    const flushed = await send(f.app, "POST", "/v0/pools/p/cursors/c/ack", {
      seq: 5,
      durability: "flush",
    });
    expect(flushed.json.cursor.committed).toBe(5);
  });

  test("the event tail takes cursor too; Last-Event-ID does not move a kept cursor", async () => {
    const res = await send(f.app, "GET", "/v0/pools/p/events?cursor=sse&since_seq=4&max=1");
    expect(res.status).toBe(200);
    expect(res.text).toContain("id: 4\n");
    const resumed = await send(f.app, "GET", "/v0/pools/p/events?cursor=sse&max=1", undefined, {
      "last-event-id": "4",
    });
    expect(resumed.text).toContain("id: 4\n"); // committed is 3: the cursor decides
  });

  test("HEAD with a cursor answers the headers and creates no cursor", async () => {
    const res = await f.app.fetch(
      new Request("http://spool.test/v0/pools/p/tail?cursor=peek", { method: "HEAD" }),
    );
    expect(res.status).toBe(200);
    expect((await send(f.app, "GET", "/v0/pools/p/cursors/peek")).status).toBe(404);
    expect(f.app.openTails).toBe(0);
  });

  test("a cursor whose next message was overwritten: 410 under gap_policy=error, else a gap", async () => {
    await send(f.app, "POST", "/v0/pools", { pool: "small", size_bytes: 16384 });
    await send(f.app, "POST", "/v0/pools/small/append", { data: 0 });
    await send(f.app, "GET", "/v0/pools/small/tail?cursor=slow&since_seq=1&max=1");
    const big = "x".repeat(1000);
    for (let i = 0; i < 40; i++) await send(f.app, "POST", "/v0/pools/small/append", { data: big });
    const oldest = (await send(f.app, "GET", "/v0/pools/small/info")).json.pool.bounds.oldest;
    expect(oldest).toBeGreaterThan(1);
    const refused = await send(
      f.app,
      "GET",
      "/v0/pools/small/tail?cursor=slow&gap_policy=error&max=1",
    );
    expect(refused.status).toBe(410);
    expect(refused.json.error).toMatchObject({ kind: "RetentionGap", seq: 1 });
    const skipped = await send(f.app, "GET", "/v0/pools/small/tail?cursor=slow&gap_lines=1&max=1");
    const lines = skipped.text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines[0].gap).toMatchObject({ from: 1, to: oldest - 1 });
    expect(lines[1].seq).toBe(oldest);
    expect(f.app.openTails).toBe(0);
  });

  test("bad cursor names are 400 before anything is created", async () => {
    for (const name of ["", "-x", "a/b", "x".repeat(65), "a b"]) {
      const res = await send(
        f.app,
        "GET",
        `/v0/pools/p/tail?cursor=${encodeURIComponent(name)}&max=1`,
      );
      expect(res.status, name).toBe(400);
      expect(res.json.error.kind).toBe("Usage");
    }
    expect((await send(f.app, "GET", "/v0/pools/p/cursors")).json.cursors).toEqual([]);
    expect(f.app.openTails).toBe(0);
  });
});

describe("cursor routes", () => {
  test("list, info, reset (seq, time) and delete in core's spelling", async () => {
    await send(f.app, "GET", "/v0/pools/p/tail?cursor=b&since_seq=1&max=1");
    await send(f.app, "GET", "/v0/pools/p/tail?cursor=a&since_seq=3&max=1");
    const list = await send(f.app, "GET", "/v0/pools/p/cursors");
    expect(list.json.cursors.map((c: { name: string }) => c.name)).toEqual(["a", "b"]);
    const info = await send(f.app, "GET", "/v0/pools/p/info");
    expect(info.json.pool.cursors).toEqual(list.json.cursors);

    const reset = await send(f.app, "POST", "/v0/pools/p/cursors/a/reset", { seq: 1 });
    expect(reset.status).toBe(200);
    expect(reset.json.cursor.committed).toBe(0);
    // A reset creates a missing cursor.
    const made = await send(f.app, "POST", "/v0/pools/p/cursors/made/reset", { seq: 4 });
    expect(made.json.cursor).toMatchObject({ name: "made", committed: 3 });
    // The batch shares one commit time: a later append has its own.
    const later = (await send(f.app, "POST", "/v0/pools/p/append", { data: 6 })).json.message;
    const byTime = await send(f.app, "POST", "/v0/pools/p/cursors/made/reset", {
      time: later.time,
    });
    expect(byTime.json.cursor.committed).toBe(5);
    const batchTime = (await send(f.app, "GET", "/v0/pools/p/messages/3")).json.message.time;
    const byBatch = await send(f.app, "POST", "/v0/pools/p/cursors/made/reset", {
      time: batchTime,
    });
    expect(byBatch.json.cursor.committed).toBe(0);
    const future = await send(f.app, "POST", "/v0/pools/p/cursors/made/reset", {
      time: "2999-01-01T00:00:00Z",
    });
    expect(future.json.cursor.committed).toBe(6);

    const gone = await send(f.app, "DELETE", "/v0/pools/p/cursors/made");
    expect(gone.status).toBe(200);
    expect(gone.json.cursor).toMatchObject({ name: "made", committed: 6 });
    const again = await send(f.app, "DELETE", "/v0/pools/p/cursors/made");
    expect(again.status).toBe(404);
  });

  test("an unknown cursor is 404 with a hint in HTTP words; a missing pool is 404 for the pool", async () => {
    for (const [method, path, body] of [
      ["GET", "/v0/pools/p/cursors/nope", undefined],
      ["POST", "/v0/pools/p/cursors/nope/ack", { seq: 1 }],
      ["DELETE", "/v0/pools/p/cursors/nope", undefined],
    ] as const) {
      const res = await send(f.app, method, path, body);
      expect(res.status, path).toBe(404);
      expect(res.json.error.kind).toBe("NotFound");
      expect(res.json.error.message).toMatch(/cursor nope not found/);
      expect(res.json.error.hint).toMatch(/tail\?cursor=/);
      expect(res.json.error.hint).not.toMatch(/spool /);
    }
    const pool = await send(f.app, "GET", "/v0/pools/nope/cursors");
    expect(pool.status).toBe(404);
    expect(pool.json.error.hint).toMatch(/POST \/v0\/pools/);
  });

  test("bad bodies, names and query parameters are 400 Usage naming the field", async () => {
    await send(f.app, "GET", "/v0/pools/p/tail?cursor=c&since_seq=1&max=1");
    const cases: [string, string, unknown, RegExp][] = [
      ["POST", "/v0/pools/p/cursors/c/ack", {}, /seq is required/],
      ["POST", "/v0/pools/p/cursors/c/ack", { seq: 0 }, /seq must be a whole number/],
      ["POST", "/v0/pools/p/cursors/c/ack", { seq: "3" }, /seq must be a whole number/],
      ["POST", "/v0/pools/p/cursors/c/ack", { seqs: 3 }, /unknown body field "seqs"/],
      ["POST", "/v0/pools/p/cursors/c/ack", { seq: 1, durability: "x" }, /durability/],
      ["POST", "/v0/pools/p/cursors/c/reset", {}, /seq or time is required/],
      ["POST", "/v0/pools/p/cursors/c/reset", { seq: 1, time: "x" }, /not both/],
      ["POST", "/v0/pools/p/cursors/c/reset", { time: "yesterday" }, /not a valid time/],
      ["POST", "/v0/pools/p/cursors/c/reset", { time: 5 }, /RFC 3339/],
      ["POST", "/v0/pools/p/cursors/c/reset", { seq: 99 }, /next seq is 6/],
      ["POST", "/v0/pools/p/cursors/-bad/ack", { seq: 1 }, /cursor name must be/],
      ["GET", "/v0/pools/p/cursors/c?x=1", undefined, /unknown query parameter "x"/],
      ["GET", "/v0/pools/p/cursors?x=1", undefined, /unknown query parameter "x"/],
    ];
    for (const [method, path, body, message] of cases) {
      const res = await send(f.app, method, path, body);
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(res.json.error.kind).toBe("Usage");
      expect(res.json.error.message).toMatch(message);
      expect(res.json.error.hint).toBeTruthy();
    }
    const empty = await send(f.app, "POST", "/v0/pools/p/cursors/c/ack", "");
    expect(empty.status).toBe(400);
    // Nothing changed.
    expect((await send(f.app, "GET", "/v0/pools/p/cursors/c")).json.cursor.committed).toBe(0);
  });
});
