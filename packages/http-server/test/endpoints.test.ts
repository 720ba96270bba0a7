// Every v0 endpoint through `app.fetch`: the success envelopes, statuses and headers.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { type Fixture, makeApp, send } from "./helpers/fixtures.js";

let f: Fixture;
beforeEach(() => {
  f = makeApp();
});
afterEach(async () => {
  await f.dispose();
});

const ENVELOPE =
  /^\{"seq":\d+,"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z","meta":\{"tags":\[.*\]\},"data":.*\}$/;

describe("pools", () => {
  test("POST /v0/pools creates a pool and answers {pool: PoolInfo} in snake_case", async () => {
    const res = await send(f.app, "POST", "/v0/pools", { pool: "build", size_bytes: 65536 });
    expect(res.status).toBe(200);
    expect(res.headers.get("spool-version")).toBe("0");
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.json.pool).toMatchObject({
      name: "build",
      file_size: 65536,
      bounds: {},
      message_count: 0,
      oldest_time: null,
      newest_time: null,
    });
    // An empty pool's bounds are {} on the wire (Plasmite's clients read bounds.oldest).
    expect(res.json.pool.bounds).toEqual({});
    expect(res.json.pool.cursors).toEqual([]);
    expect(res.json.pool.groups).toEqual([]);
    expect(Object.keys(res.json.pool).sort()).toEqual(
      [
        "bounds",
        "bytes_free",
        "bytes_used",
        "cursors",
        "file_size",
        "format_version",
        "groups",
        "index_capacity",
        "index_stride",
        "max_message_bytes",
        "message_count",
        "name",
        "newest_time",
        "oldest_time",
        "path",
        "producer_capacity",
        "producer_count",
        "producers",
        "ring_size",
      ].sort(),
    );
  });

  test("create uses the default pool size, and again is 409 AlreadyExists", async () => {
    const first = await send(f.app, "POST", "/v0/pools", { pool: "a" });
    expect(first.json.pool.file_size).toBe(1024 * 1024);
    const again = await send(f.app, "POST", "/v0/pools", { pool: "a" });
    expect(again.status).toBe(409);
    expect(again.json.error.kind).toBe("AlreadyExists");
    expect(again.json.error.hint).toBeTruthy();
  });

  test("POST /v0/pools/open answers {pool}; 404 for a missing pool", async () => {
    await send(f.app, "POST", "/v0/pools", { pool: "a" });
    const ok = await send(f.app, "POST", "/v0/pools/open", { pool: "a" });
    expect(ok.status).toBe(200);
    expect(ok.json.pool.name).toBe("a");
    const missing = await send(f.app, "POST", "/v0/pools/open", { pool: "nope" });
    expect(missing.status).toBe(404);
    expect(missing.json.error.kind).toBe("NotFound");
  });

  test("GET /v0/pools lists pools sorted, unreadable ones with their error", async () => {
    const empty = await send(f.app, "GET", "/v0/pools");
    expect(empty.json).toEqual({ pools: [] });
    await send(f.app, "POST", "/v0/pools", { pool: "b" });
    await send(f.app, "POST", "/v0/pools", { pool: "a" });
    const { writeFileSync } = await import("node:fs");
    writeFileSync(`${f.dir}/junk.spool`, "not a pool at all");
    const res = await send(f.app, "GET", "/v0/pools");
    expect(res.status).toBe(200);
    expect(res.json.pools.map((p: { name: string }) => p.name)).toEqual(["a", "b", "junk"]);
    expect(res.json.pools[2].error.kind).toBeTruthy();
  });

  test("GET /v0/pools/{pool}/info shows bounds and times after appends", async () => {
    await send(f.app, "POST", "/v0/pools", { pool: "a" });
    await send(f.app, "POST", "/v0/pools/a/append", { data: 1 });
    await send(f.app, "POST", "/v0/pools/a/append", { data: 2 });
    const res = await send(f.app, "GET", "/v0/pools/a/info");
    expect(res.status).toBe(200);
    expect(res.json.pool.bounds).toEqual({ oldest: 1, newest: 2 });
    expect(res.json.pool.message_count).toBe(2);
    expect(res.json.pool.newest_time).toMatch(/Z$/);
    expect((await send(f.app, "GET", "/v0/pools/zz/info")).status).toBe(404);
  });

  test("DELETE /v0/pools/{pool} answers {ok: true}; then 404", async () => {
    await send(f.app, "POST", "/v0/pools", { pool: "a" });
    await send(f.app, "GET", "/v0/pools/a/info"); // the app now holds it open
    const res = await send(f.app, "DELETE", "/v0/pools/a");
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true });
    expect((await send(f.app, "GET", "/v0/pools/a/info")).status).toBe(404);
    expect((await send(f.app, "DELETE", "/v0/pools/a")).status).toBe(404);
  });

  test("a pool deleted and recreated behind the app's back is seen fresh", async () => {
    const { deletePool, createPool } = await import("@spool/core");
    await send(f.app, "POST", "/v0/pools", { pool: "a" });
    await send(f.app, "POST", "/v0/pools/a/append", { data: 1 });
    expect(f.app.openPools).toBe(1);
    // Core refuses to delete a pool open elsewhere; force it as an operator would.
    deletePool("a", { dir: f.dir, force: true });
    expect((await send(f.app, "GET", "/v0/pools/a/info")).status).toBe(404);
    createPool("a", { dir: f.dir }).close();
    const res = await send(f.app, "GET", "/v0/pools/a/info");
    expect(res.json.pool.bounds).toEqual({});
    expect(f.app.openPools).toBe(1);
  });

  test("recreating a cached pool's name through the API replaces the cached handle", async () => {
    const { deletePool } = await import("@spool/core");
    const { readdirSync } = await import("node:fs");
    await send(f.app, "POST", "/v0/pools", { pool: "a" });
    await send(f.app, "POST", "/v0/pools/a/append", { data: 1 });
    const fds = readdirSync("/proc/self/fd").length;
    deletePool("a", { dir: f.dir, force: true });
    expect((await send(f.app, "POST", "/v0/pools", { pool: "a" })).status).toBe(200);
    expect(f.app.openPools).toBe(1);
    expect(readdirSync("/proc/self/fd").length).toBeLessThanOrEqual(fds);
    expect((await send(f.app, "GET", "/v0/pools/a/info")).json.pool.bounds).toEqual({});
  });

  test("at most maxOpenPools pools stay open", async () => {
    const g = makeApp({ limits: { maxOpenPools: 2 } });
    for (const name of ["p1", "p2", "p3", "p4"]) {
      await send(g.app, "POST", "/v0/pools", { pool: name });
      await send(g.app, "POST", `/v0/pools/${name}/append`, { data: name });
    }
    expect(g.app.openPools).toBe(2);
    expect((await send(g.app, "GET", "/v0/pools/p1/messages/1")).json.message.data).toBe("p1");
    expect(g.app.openPools).toBe(2);
    await g.dispose();
  });
});

describe("messages", () => {
  beforeEach(async () => {
    await send(f.app, "POST", "/v0/pools", { pool: "a" });
  });

  test("POST append answers {message: envelope} with the exact data", async () => {
    const res = await send(f.app, "POST", "/v0/pools/a/append", {
      data: { step: "lint", ok: true, nested: [1, "two", null] },
      tags: ["build", "ci"],
      durability: "flush",
    });
    expect(res.status).toBe(200);
    expect(res.text.startsWith('{"message":{"seq":1,')).toBe(true);
    expect(res.json.message).toMatchObject({
      seq: 1,
      meta: { tags: ["build", "ci"] },
      data: { step: "lint", ok: true, nested: [1, "two", null] },
    });
    expect(res.json.message.time).toMatch(/^\d{4}-.*\.\d{9}Z$/);
  });

  test("data may be any JSON value, including null; tags default to []", async () => {
    for (const data of [null, 0, "text", [1], { a: {} }, false]) {
      const res = await send(f.app, "POST", "/v0/pools/a/append", { data });
      expect(res.status).toBe(200);
      expect(res.json.message.data).toEqual(data);
      expect(res.json.message.meta.tags).toEqual([]);
    }
  });

  test("POST append_batch commits many messages in order", async () => {
    const res = await send(f.app, "POST", "/v0/pools/a/append_batch", {
      messages: [{ data: 1 }, { data: { two: 2 }, tags: ["x"] }, { data: "3" }],
    });
    expect(res.status).toBe(200);
    expect(res.json.messages.map((m: { seq: number }) => m.seq)).toEqual([1, 2, 3]);
    expect(res.json.messages[1]).toMatchObject({ meta: { tags: ["x"] }, data: { two: 2 } });
  });

  test("GET messages/{seq} answers {message}; 404 with seq when absent", async () => {
    await send(f.app, "POST", "/v0/pools/a/append", { data: { n: 1 }, tags: ["t"] });
    const res = await send(f.app, "GET", "/v0/pools/a/messages/1");
    expect(res.status).toBe(200);
    expect(res.json.message).toMatchObject({ seq: 1, meta: { tags: ["t"] }, data: { n: 1 } });
    expect(res.text.slice('{"message":'.length, -1)).toMatch(ENVELOPE);
    const missing = await send(f.app, "GET", "/v0/pools/a/messages/7");
    expect(missing.status).toBe(404);
    expect(missing.json.error).toMatchObject({ kind: "NotFound", seq: 7 });
  });

  test("an overwritten message is 404 with its seq", async () => {
    await send(f.app, "DELETE", "/v0/pools/a");
    await send(f.app, "POST", "/v0/pools", { pool: "a", size_bytes: 16384 });
    const big = "x".repeat(2000);
    for (let i = 0; i < 20; i++) await send(f.app, "POST", "/v0/pools/a/append", { data: big });
    const res = await send(f.app, "GET", "/v0/pools/a/messages/1");
    expect(res.status).toBe(404);
    expect(res.json.error.seq).toBe(1);
    expect(res.json.error.message).toMatch(/overwritten/);
  });
});

describe("tail (app.fetch)", () => {
  beforeEach(async () => {
    await send(f.app, "POST", "/v0/pools", { pool: "a" });
    await send(f.app, "POST", "/v0/pools/a/append_batch", {
      messages: [
        { data: 1, tags: ["odd"] },
        { data: 2, tags: ["even"] },
        { data: 3, tags: ["odd"] },
        { data: 4, tags: ["even"] },
      ],
    });
  });

  const lines = (text: string) =>
    text
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));

  test("since_seq replays committed messages as application/jsonl, one envelope per line", async () => {
    const res = await send(f.app, "GET", "/v0/pools/a/tail?since_seq=2&timeout_ms=30");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/jsonl");
    expect(res.headers.get("spool-version")).toBe("0");
    for (const line of res.text.trimEnd().split("\n")) expect(line).toMatch(ENVELOPE);
    expect(lines(res.text).map((m) => m.seq)).toEqual([2, 3, 4]);
    expect(f.app.openTails).toBe(0);
  });

  test("max, repeated tag and last", async () => {
    const max = await send(f.app, "GET", "/v0/pools/a/tail?since_seq=1&max=2");
    expect(lines(max.text).map((m) => m.seq)).toEqual([1, 2]);
    const tagged = await send(f.app, "GET", "/v0/pools/a/tail?since_seq=1&tag=odd&timeout_ms=20");
    expect(lines(tagged.text).map((m) => m.data)).toEqual([1, 3]);
    const both = await send(
      f.app,
      "GET",
      "/v0/pools/a/tail?since_seq=1&tag=odd&tag=even&timeout_ms=20",
    );
    expect(lines(both.text)).toEqual([]);
    const last = await send(f.app, "GET", "/v0/pools/a/tail?last=1&timeout_ms=20");
    expect(lines(last.text).map((m) => m.seq)).toEqual([4]);
  });

  test("without since_seq it starts at the next new message", async () => {
    const res = f.app.fetch(new Request("http://spool.test/v0/pools/a/tail?max=1&timeout_ms=5000"));
    const response = await res;
    await send(f.app, "POST", "/v0/pools/a/append", { data: "new" });
    const text = await response.text();
    expect(lines(text)).toMatchObject([{ seq: 5, data: "new" }]);
  });

  test("gap_policy=error with an overwritten since_seq is 410 RetentionGap before streaming", async () => {
    await send(f.app, "POST", "/v0/pools", { pool: "small", size_bytes: 16384 });
    const big = "y".repeat(2000);
    for (let i = 0; i < 20; i++) await send(f.app, "POST", "/v0/pools/small/append", { data: big });
    const res = await send(f.app, "GET", "/v0/pools/small/tail?since_seq=1&gap_policy=error");
    expect(res.status).toBe(410);
    expect(res.json.error).toMatchObject({ kind: "RetentionGap", seq: 1 });
    const cont = await send(f.app, "GET", "/v0/pools/small/tail?since_seq=1&timeout_ms=20");
    expect(cont.status).toBe(200);
    expect(lines(cont.text)[0].seq).toBeGreaterThan(1);
  });
});

test("GET /healthz answers {ok: true}", async () => {
  const res = await send(f.app, "GET", "/healthz");
  expect(res.status).toBe(200);
  expect(res.json).toEqual({ ok: true });
  expect(res.headers.get("spool-version")).toBe("0");
});
