// `where=EXPR` (repeatable, all must hold) and `since_time=T` (RFC 3339 or an age) on the JSONL
// tail and the SSE events: filters apply after gap accounting, a bad expression or time is 400
// before the stream starts, a failing expression drops the message and counts it in
// spool_tail_where_errors_total, since_time excludes since_seq and last, and Last-Event-ID wins.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Fixture, makeApp, send } from "./helpers/fixtures.js";

let f: Fixture;
let cut = "";
beforeAll(async () => {
  f = makeApp({});
  await send(f.app, "POST", "/v0/pools", { pool: "a" });
  for (const data of [{ n: 1 }, { n: 2 }, "text"]) {
    await send(f.app, "POST", "/v0/pools/a/append", { data, tags: ["t"] });
  }
  await new Promise((r) => setTimeout(r, 20));
  cut = new Date().toISOString();
  await new Promise((r) => setTimeout(r, 20));
  for (const data of [{ n: 4 }, { n: 5 }])
    await send(f.app, "POST", "/v0/pools/a/append", { data });
});
afterAll(async () => {
  await f.dispose();
});

function seqs(text: string): number[] {
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => (JSON.parse(line) as { seq: number }).seq);
}

function sseIds(text: string): number[] {
  return [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
}

const q = encodeURIComponent;

describe("where=", () => {
  test("filters the JSONL tail and the SSE events; all expressions must hold", async () => {
    const one = await send(
      f.app,
      "GET",
      `/v0/pools/a/tail?since_seq=1&follow=false&where=${q(".data.n > 1")}`,
    );
    expect(one.status).toBe(200);
    expect(seqs(one.text)).toEqual([2, 4, 5]);
    const two = await send(
      f.app,
      "GET",
      `/v0/pools/a/tail?since_seq=1&follow=false&where=${q(".data.n > 1")}&where=${q('.meta.tags | index("t")')}`,
    );
    expect(seqs(two.text)).toEqual([2]);
    const sse = await send(
      f.app,
      "GET",
      `/v0/pools/a/events?since_seq=1&follow=false&where=${q(".data.n >= 4")}`,
    );
    expect(sseIds(sse.text)).toEqual([4, 5]);
    const max = await send(
      f.app,
      "GET",
      `/v0/pools/a/tail?since_seq=1&max=1&where=${q(".data.n >= 4")}`,
    );
    expect(seqs(max.text)).toEqual([4]);
  }, 10_000);

  test("a bad expression is 400 naming it; refused builtins too", async () => {
    for (const expr of [".data.n >", "input", "$ENV", "env.HOME"]) {
      const res = await send(f.app, "GET", `/v0/pools/a/tail?where=${q(expr)}`);
      expect(res.status).toBe(400);
      expect(res.json.error.kind).toBe("Usage");
      expect(res.json.error.message).toContain("where");
    }
    const long = await send(f.app, "GET", `/v0/pools/a/tail?where=${q(".".repeat(5000))}`);
    expect(long.status).toBe(400);
    expect(long.json.error.message).toMatch(/too long/);
  }, 10_000);

  test("a failing expression drops the message and is counted", async () => {
    const res = await send(
      f.app,
      "GET",
      `/v0/pools/a/tail?since_seq=1&follow=false&where=${q(".data.n >= 1")}`,
    );
    expect(seqs(res.text)).toEqual([1, 2, 4, 5]);
    const metrics = await send(f.app, "GET", "/metrics");
    expect(metrics.text).toMatch(/^spool_tail_where_errors_total [1-9]\d*$/m);
  }, 10_000);
});

describe("since_time=", () => {
  test("starts at the first message committed at or after the time", async () => {
    const res = await send(f.app, "GET", `/v0/pools/a/tail?since_time=${q(cut)}&follow=false`);
    expect(res.status).toBe(200);
    expect(seqs(res.text)).toEqual([4, 5]);
    const age = await send(f.app, "GET", "/v0/pools/a/tail?since_time=1h&follow=false");
    expect(seqs(age.text)).toEqual([1, 2, 3, 4, 5]);
    const sse = await send(f.app, "GET", `/v0/pools/a/events?since_time=${q(cut)}&follow=false`);
    expect(sseIds(sse.text)).toEqual([4, 5]);
  }, 10_000);

  test("excludes since_seq and last; a bad time is 400", async () => {
    for (const extra of ["since_seq=1", "last=1"]) {
      const res = await send(f.app, "GET", `/v0/pools/a/tail?since_time=1h&${extra}`);
      expect(res.status).toBe(400);
      expect(res.json.error.message).toContain("since_time");
    }
    for (const bad of ["yesterday", "2026-04-31T00:00:00Z"]) {
      const res = await send(f.app, "GET", `/v0/pools/a/tail?since_time=${q(bad)}`);
      expect(res.status).toBe(400);
      expect(res.json.error.message).toContain("since_time");
    }
  }, 10_000);

  test("Last-Event-ID resumes, whatever since_time says", async () => {
    const res = await send(
      f.app,
      "GET",
      "/v0/pools/a/events?since_time=1h&follow=false",
      undefined,
      {
        "last-event-id": "3",
      },
    );
    expect(sseIds(res.text)).toEqual([4, 5]);
  }, 10_000);
});
