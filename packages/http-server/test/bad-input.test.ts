// Bad input: malformed JSON, wrong types, missing fields, huge bodies, odd pool names, unknown
// routes and methods. Each gets the right status and the error envelope, and the app keeps serving.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Fixture, makeApp, type Sent, send } from "./helpers/fixtures.js";

let f: Fixture;
beforeAll(async () => {
  f = makeApp({
    limits: { maxBodyBytes: 1024 * 1024, maxTailTimeoutMs: 1000, maxBatchMessages: 5 },
  });
  await send(f.app, "POST", "/v0/pools", { pool: "a" });
});
afterAll(async () => {
  // The app still serves after everything below.
  expect((await send(f.app, "GET", "/v0/pools/a/info")).status).toBe(200);
  await f.dispose();
});

function expectEnvelope(res: Sent, status: number, kind: string): void {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get("spool-version")).toBe("0");
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  expect(res.json.error.kind).toBe(kind);
  expect(typeof res.json.error.message).toBe("string");
  expect(typeof res.json.error.hint).toBe("string");
  expect(Object.keys(res.json)).toEqual(["error"]);
}

describe("bodies", () => {
  test.each([
    ["malformed JSON", "{not json"],
    ["truncated JSON", '{"data": 1'],
    ["empty body", ""],
    ["a JSON array", "[1,2]"],
    ["a JSON string", '"x"'],
  ])("append with %s → 400 Usage", async (_label, body) => {
    expectEnvelope(await send(f.app, "POST", "/v0/pools/a/append", body), 400, "Usage");
  });

  test.each([
    ["", "request body is empty"],
    [" \r\n\t", "request body is empty"],
    ["{not json", "request body is not valid JSON"],
    ["[1]", "request body must be a JSON object"],
  ])("append with %j says why: %s", async (body, message) => {
    const res = await send(f.app, "POST", "/v0/pools/a/append", body);
    expectEnvelope(res, 400, "Usage");
    expect(res.json.error.message).toBe(message);
  });

  test.each([
    ["missing data", {}],
    ["tags not an array", { data: 1, tags: "build" }],
    ["a non-string tag", { data: 1, tags: [1] }],
    ["an empty tag", { data: 1, tags: [""] }],
    ["a tag with a newline", { data: 1, tags: ["a\nb"] }],
    ["unknown durability", { data: 1, durability: "eventually" }],
  ])("append with %s → 400 Usage", async (_label, body) => {
    expectEnvelope(await send(f.app, "POST", "/v0/pools/a/append", body), 400, "Usage");
  });

  test.each([
    ["missing pool", {}],
    ["pool not a string", { pool: 7 }],
    ["size_bytes as text", { pool: "s1", size_bytes: "1M" }],
    ["size_bytes fractional", { pool: "s2", size_bytes: 65536.5 }],
    ["size_bytes too small", { pool: "s3", size_bytes: 100 }],
    ["size_bytes negative", { pool: "s4", size_bytes: -1 }],
  ])("create with %s → 400 Usage", async (_label, body) => {
    expectEnvelope(await send(f.app, "POST", "/v0/pools", body), 400, "Usage");
  });

  test.each([
    ["no messages key", {}],
    ["messages not an array", { messages: { data: 1 } }],
    ["an empty batch", { messages: [] }],
    ["a message without data", { messages: [{ data: 1 }, { tags: [] }] }],
    ["more than the batch limit", { messages: Array.from({ length: 6 }, (_, i) => ({ data: i })) }],
  ])("append_batch with %s → 400 Usage", async (_label, body) => {
    expectEnvelope(await send(f.app, "POST", "/v0/pools/a/append_batch", body), 400, "Usage");
  });

  test("a failed batch commits nothing", async () => {
    const before = (await send(f.app, "GET", "/v0/pools/a/info")).json.pool.message_count;
    await send(f.app, "POST", "/v0/pools/a/append_batch", {
      messages: [{ data: 1 }, { data: 2, tags: [""] }],
    });
    expect((await send(f.app, "GET", "/v0/pools/a/info")).json.pool.message_count).toBe(before);
  });

  test("a 10 MB body is 413 (append and batch, with and without Content-Length)", async () => {
    const huge = JSON.stringify({ data: "x".repeat(10 * 1024 * 1024) });
    expectEnvelope(await send(f.app, "POST", "/v0/pools/a/append", huge), 413, "Usage");
    const batch = JSON.stringify({ messages: [{ data: "x".repeat(10 * 1024 * 1024) }] });
    expectEnvelope(await send(f.app, "POST", "/v0/pools/a/append_batch", batch), 413, "Usage");
    const bytes = new TextEncoder().encode(huge);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 65536)
          controller.enqueue(bytes.subarray(at, at + 65536));
        controller.close();
      },
    });
    const res = await f.app.fetch(
      new Request("http://spool.test/v0/pools/a/append", {
        method: "POST",
        body: stream,
        duplex: "half",
      } as RequestInit),
    );
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { kind: string } }).error.kind).toBe("Usage");
  });

  /** `prefix`, the raw bytes, then `suffix`, as one body. */
  const withBytes = (prefix: string, bytes: number[], suffix: string): Uint8Array =>
    new Uint8Array([...Buffer.from(prefix), ...bytes, ...Buffer.from(suffix)]);
  test.each([
    ["0xFF in data", "/v0/pools/a/append", withBytes('{"data":"a', [0xff], 'b"}')],
    ["an overlong '/' in data", "/v0/pools/a/append", withBytes('{"data":"', [0xc0, 0xaf], '"}')],
    [
      "a UTF-16 surrogate in data",
      "/v0/pools/a/append",
      withBytes('{"data":"', [0xed, 0xa0, 0x80], '"}'),
    ],
    [
      "a truncated sequence in data",
      "/v0/pools/a/append",
      withBytes('{"data":"', [0xe2, 0x82], '"}'),
    ],
    ["0xFE in a tag", "/v0/pools/a/append", withBytes('{"data":1,"tags":["t', [0xfe], '"]}')],
    [
      "0xFF in a batch's data",
      "/v0/pools/a/append_batch",
      withBytes('{"messages":[{"data":1},{"data":"', [0xff], '"}]}'),
    ],
    [
      "0xFF in a batch's tag",
      "/v0/pools/a/append_batch",
      withBytes('{"messages":[{"data":1,"tags":["', [0xff], '"]}]}'),
    ],
    ["0xFF in a created pool name", "/v0/pools", withBytes('{"pool":"u', [0xff], '"}')],
    ["0xFF in an opened pool name", "/v0/pools/open", withBytes('{"pool":"a', [0xff], '"}')],
  ])("%s → 400 Usage, nothing stored", async (_label, path, body) => {
    const before = (await send(f.app, "GET", "/v0/pools/a/info")).json.pool.message_count;
    const res = await send(f.app, "POST", path, body);
    expectEnvelope(res, 400, "Usage");
    expect(res.json.error.message).toBe("request body is not valid UTF-8");
    expect(res.json.error.hint).toMatch(/UTF-8/);
    expect((await send(f.app, "GET", "/v0/pools/a/info")).json.pool.message_count).toBe(before);
  });

  test("valid multi-byte UTF-8 is stored as sent", async () => {
    const res = await send(
      f.app,
      "POST",
      "/v0/pools/a/append",
      '{"data":"h\u00e9 ✓ 𝄞","tags":["ü"]}',
    );
    expect(res.status, res.text).toBe(200);
    expect(res.json.message.data).toBe("hé ✓ 𝄞");
    expect(res.json.message.meta.tags).toEqual(["ü"]);
  });

  test("a message larger than the pool holds is 400 Usage", async () => {
    await send(f.app, "POST", "/v0/pools", { pool: "tiny", size_bytes: 16384 });
    const res = await send(f.app, "POST", "/v0/pools/tiny/append", { data: "x".repeat(20000) });
    expectEnvelope(res, 400, "Usage");
  });
});

describe("pool names", () => {
  const long = "a".repeat(10 * 1024);
  test.each([
    ["..", "/v0/pools/../info"],
    ["..%2f", "/v0/pools/..%2f/info"],
    ["%2e%2e%2f", "/v0/pools/%2e%2e%2f/info"],
    ["%2e%2e%2fetc", "/v0/pools/%2e%2e%2fetc/info"],
    ["a%2fb", "/v0/pools/a%2fb/info"],
    ["a%5cb", "/v0/pools/a%5cb/info"],
    ["%00", "/v0/pools/%00/info"],
    ["double-encoded %252e%252e", "/v0/pools/%252e%252e/info"],
    [".hidden", "/v0/pools/.hidden/info"],
    ["a..b", "/v0/pools/a..b/info"],
    ["10 KB", `/v0/pools/${long}/info`],
    ["unicode", `/v0/pools/${encodeURIComponent("pööl")}/info`],
  ])("%s in the path never reaches the file system", async (_label, path) => {
    const res = await send(f.app, "GET", path);
    // Either refused as a name (400) or, where URL normalisation removed the segment, no route.
    expect([400, 404]).toContain(res.status);
    expect(res.json.error.kind).toBe(res.status === 400 ? "Usage" : "NotFound");
    if (res.status === 404) expect(res.json.error.message).toMatch(/no such endpoint/);
  });

  test.each([
    ["empty", ""],
    ["..", ".."],
    ["../x", "../x"],
    ["a/b", "a/b"],
    ["over-long", "b".repeat(129)],
    ["10 KB", "c".repeat(10 * 1024)],
    ["NUL", "a\u0000b"],
    ["percent-encoded", "%2e%2e%2f"],
  ])("create with a %s name → 400 Usage", async (_label, pool) => {
    expectEnvelope(await send(f.app, "POST", "/v0/pools", { pool }), 400, "Usage");
    expectEnvelope(await send(f.app, "POST", "/v0/pools/open", { pool }), 400, "Usage");
  });

  test("an empty name segment is no route", async () => {
    const res = await send(f.app, "GET", "/v0/pools//info");
    expect([400, 404]).toContain(res.status);
    expect(res.json.error).toBeDefined();
  });

  test("nothing was created outside the pool directory", async () => {
    const { readdirSync } = await import("node:fs");
    expect(readdirSync(f.dir).sort()).toEqual(["a.spool", "tiny.spool"]);
  });
});

describe("paths and queries", () => {
  test.each([
    "0",
    "-1",
    "1.5",
    "1e3",
    "0x10",
    "abc",
    "99999999999999999",
    "9007199254740992",
    " 1",
    "+1",
    "１",
  ])("seq %j → 400 Usage", async (seq) => {
    const res = await send(f.app, "GET", `/v0/pools/a/messages/${encodeURIComponent(seq)}`);
    expectEnvelope(res, 400, "Usage");
    // The seq is checked before the pool is looked up.
    const missing = await send(f.app, "GET", `/v0/pools/nope/messages/${encodeURIComponent(seq)}`);
    expectEnvelope(missing, 400, "Usage");
  });

  test("the largest safe seq is valid (NotFound with its seq when absent)", async () => {
    const res = await send(f.app, "GET", "/v0/pools/a/messages/9007199254740991");
    expectEnvelope(res, 404, "NotFound");
    expect(res.json.error.seq).toBe(9007199254740991);
  });

  test.each([
    ["since_seq=0"],
    ["since_seq=abc"],
    ["max=-1"],
    ["timeout_ms=1.5"],
    ["timeout_ms=1001"],
    ["gap_policy=sometimes"],
    ["tag="],
    ["since_seq=1&since_seq=2"],
    ["since_seq=1&last=2"],
  ])("tail with %s → 400 Usage", async (query) => {
    expectEnvelope(await send(f.app, "GET", `/v0/pools/a/tail?${query}`), 400, "Usage");
    expect(f.app.openTails).toBe(0);
  });

  test("unknown routes are 404 NotFound with the envelope", async () => {
    for (const path of [
      "/v1/pools",
      "/v0/",
      "/index",
      "/v0/pools/a/nope",
      "/v0/pools/a/messages",
    ]) {
      expectEnvelope(await send(f.app, "GET", path), 404, "NotFound");
    }
  });

  test("known paths with other methods are 405 with Allow and the envelope", async () => {
    const put = await send(f.app, "PUT", "/v0/pools/a/append", { data: 1 });
    expectEnvelope(put, 405, "Usage");
    expect(put.headers.get("allow")).toBe("POST");
    const patch = await send(f.app, "PATCH", "/v0/pools");
    expect(patch.status).toBe(405);
    expect(patch.headers.get("allow")).toContain("GET");
    expect(patch.headers.get("allow")).toContain("POST");
    expect((await send(f.app, "POST", "/v0/pools/a/tail")).status).toBe(405);
    expect((await send(f.app, "DELETE", "/healthz")).status).toBe(405);
  });
});
