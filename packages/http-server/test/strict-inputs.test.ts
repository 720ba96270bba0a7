// Strict inputs: an unknown query parameter or body field is 400 Usage naming it (with a "did you
// mean" where the right spelling is obvious), and nothing is appended or created. A known request
// with the same values still succeeds.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Fixture, makeApp, type Sent, send } from "./helpers/fixtures.js";

let f: Fixture;
beforeAll(async () => {
  f = makeApp({});
  await send(f.app, "POST", "/v0/pools", { pool: "a" });
});
afterAll(async () => {
  await f.dispose();
});

function expectUnknown(res: Sent, name: string, suggestion?: string): void {
  expect(res.status, res.text).toBe(400);
  expect(res.json.error.kind).toBe("Usage");
  expect(res.json.error.message).toContain(`"${name}"`);
  if (suggestion === undefined) expect(res.json.error.message).not.toContain("did you mean");
  else expect(res.json.error.message).toContain(`did you mean ${suggestion}?`);
  expect(typeof res.json.error.hint).toBe("string");
}

async function newest(): Promise<number | undefined> {
  const info = await send(f.app, "GET", "/v0/pools/a/info");
  return info.json.pool.bounds?.newest;
}

describe("query parameters", () => {
  test.each([
    ["/v0/pools/a/tail?since=1&max=1", "since", "since_seq"],
    ["/v0/pools/a/tail?sinceSeq=1&max=1", "sinceSeq", "since_seq"],
    ["/v0/pools/a/tail?tags=x&max=1", "tags", "tag"],
    ["/v0/pools/a/tail?limit=1", "limit", "max"],
    ["/v0/pools/a/tail?timeout=10", "timeout", "timeout_ms"],
    ["/v0/pools/a/tail?max=1&expected_seq=3", "expected_seq", undefined],
    ["/v0/pools/a/events?since=1&max=1", "since", "since_seq"],
    ["/v0/pools/a/events?max=1&gap_lines=1", "gap_lines", undefined],
    ["/v0/pools?limit=1", "limit", undefined],
    ["/v0/pools/a/info?verbose=1", "verbose", undefined],
    ["/v0/pools/a/messages/1?tag=x", "tag", undefined],
  ])("GET %s → 400 naming %s", async (path, name, suggestion) => {
    expectUnknown(await send(f.app, "GET", path), name, suggestion);
  });

  test("DELETE with an unknown parameter deletes nothing", async () => {
    expectUnknown(await send(f.app, "DELETE", "/v0/pools/a?force=1"), "force");
    expect((await send(f.app, "GET", "/v0/pools/a/info")).status).toBe(200);
  });

  test("known parameters still work", async () => {
    await send(f.app, "POST", "/v0/pools/a/append", { data: 1 });
    const res = await send(f.app, "GET", "/v0/pools/a/tail?since_seq=1&max=1&gap_lines=1");
    expect(res.status).toBe(200);
    expect(res.text.trim().split("\n")).toHaveLength(1);
  });
});

describe("body fields", () => {
  test.each([
    [{ pool: "b", size: 65536 }, "size", "size_bytes"],
    [{ pool: "b", sizeBytes: 65536 }, "sizeBytes", "size_bytes"],
    [{ name: "b" }, "name", "pool"],
  ])("create %j → 400, nothing created", async (body, name, suggestion) => {
    expectUnknown(await send(f.app, "POST", "/v0/pools", body), name, suggestion);
    expect((await send(f.app, "GET", "/v0/pools/b/info")).status).toBe(404);
  });

  test("open with an unknown field → 400", async () => {
    expectUnknown(
      await send(f.app, "POST", "/v0/pools/open", { pool: "a", create: true }),
      "create",
    );
  });

  test.each([
    [{ data: 1, tag: ["x"] }, "tag", "tags"],
    [{ data: 1, sync: "flush" }, "sync", "durability"],
    [{ data: 1, expected_seq: 7 }, "expected_seq", undefined],
    ['{"data": 1, "ta\\u0067": ["x"]}', "tag", "tags"],
  ])("append %j → 400, nothing appended", async (body, name, suggestion) => {
    const before = await newest();
    expectUnknown(await send(f.app, "POST", "/v0/pools/a/append", body), name, suggestion);
    expect(await newest()).toBe(before);
  });

  test("an unknown field is found after a large data value too", async () => {
    const data = { text: '"}, "x": {'.repeat(1000), list: [[{ a: "}" }]] };
    expectUnknown(await send(f.app, "POST", "/v0/pools/a/append", { data, extra: 1 }), "extra");
  });

  test.each([
    [{ messages: [{ data: 1 }], sync: "flush" }, "sync", "durability"],
    [{ messages: [{ data: 1 }, { data: 2, tag: ["x"] }] }, "messages[1].tag", "tags"],
    [{ messages: [{ data: 1, seq: 4 }] }, "messages[0].seq", undefined],
  ])("append_batch %j → 400, nothing appended", async (body, name, suggestion) => {
    const before = await newest();
    expectUnknown(await send(f.app, "POST", "/v0/pools/a/append_batch", body), name, suggestion);
    expect(await newest()).toBe(before);
  });

  test("every known field is accepted", async () => {
    const created = await send(f.app, "POST", "/v0/pools", { pool: "c", size_bytes: 65536 });
    expect(created.status).toBe(200);
    const open = await send(f.app, "POST", "/v0/pools/open", { pool: "c" });
    expect(open.status).toBe(200);
    const one = { data: { a: 1 }, tags: ["x"], durability: "fast" };
    expect((await send(f.app, "POST", "/v0/pools/c/append", one)).status).toBe(200);
    const batch = { messages: [{ data: 1, tags: ["y"] }, { data: 2 }], durability: "flush" };
    expect((await send(f.app, "POST", "/v0/pools/c/append_batch", batch)).status).toBe(200);
  });
});
