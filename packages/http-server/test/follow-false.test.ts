// `follow=false` on the JSONL tail and the SSE events: the stream delivers what is there (from
// the start asked for) and ends once caught up with the newest message, without a timeout; an
// empty selection ends at once. The SSE stream ends with `event: end`, reason "caught-up".
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Fixture, makeApp, send } from "./helpers/fixtures.js";

let f: Fixture;
beforeAll(async () => {
  f = makeApp({});
  await send(f.app, "POST", "/v0/pools", { pool: "a" });
  for (const n of [1, 2, 3]) await send(f.app, "POST", "/v0/pools/a/append", { data: n });
  await send(f.app, "POST", "/v0/pools", { pool: "empty" });
});
afterAll(async () => {
  await f.dispose();
});

function lines(text: string): unknown[] {
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line));
}

describe("JSONL tail with follow=false", () => {
  test("replays from since_seq and ends once caught up", async () => {
    const res = await send(f.app, "GET", "/v0/pools/a/tail?since_seq=2&follow=false");
    expect(res.status).toBe(200);
    expect(lines(res.text).map((m) => (m as { seq: number }).seq)).toEqual([2, 3]);
  }, 5000);

  test("last=N replays N and ends; tags filter; max still applies", async () => {
    const last = await send(f.app, "GET", "/v0/pools/a/tail?last=2&follow=false");
    expect(lines(last.text).map((m) => (m as { data: number }).data)).toEqual([2, 3]);
    const max = await send(f.app, "GET", "/v0/pools/a/tail?since_seq=1&max=1&follow=false");
    expect(lines(max.text)).toHaveLength(1);
    const tagged = await send(f.app, "GET", "/v0/pools/a/tail?since_seq=1&tag=x&follow=false");
    expect(tagged.text).toBe("");
  }, 5000);

  test("without a start, or on an empty pool, it ends at once with no line", async () => {
    for (const path of [
      "/v0/pools/a/tail?follow=false",
      "/v0/pools/empty/tail?since_seq=1&follow=false",
    ]) {
      const res = await send(f.app, "GET", path);
      expect(res.status).toBe(200);
      expect(res.text).toBe("");
    }
  }, 5000);

  test("follow=true is the default behaviour; other values are 400", async () => {
    const ok = await send(f.app, "GET", "/v0/pools/a/tail?since_seq=1&max=3&follow=true");
    expect(lines(ok.text)).toHaveLength(3);
    const bad = await send(f.app, "GET", "/v0/pools/a/tail?follow=no");
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toContain("follow");
  }, 5000);
});

describe("SSE events with follow=false", () => {
  test("sends the messages, then event: end with reason caught-up", async () => {
    const res = await send(f.app, "GET", "/v0/pools/a/events?since_seq=2&follow=false");
    expect(res.status).toBe(200);
    const blocks = res.text.split("\n\n").filter((b) => b !== "");
    expect(blocks.map((b) => b.split("\n")[0])).toEqual(["id: 2", "id: 3", "event: end"]);
    expect(blocks[2]).toContain('data: {"reason":"caught-up"}');
  }, 5000);

  test("an empty selection is just the end event", async () => {
    const res = await send(f.app, "GET", "/v0/pools/empty/events?follow=false&heartbeat_ms=0");
    expect(res.text).toBe('event: end\ndata: {"reason":"caught-up"}\n\n');
  }, 5000);
});
