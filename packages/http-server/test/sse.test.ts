// The SSE tail (`GET /v0/pools/{pool}/events`): framing, ids, Last-Event-ID resumption (through
// app.fetch and over a real socket), gap, error and end events, the shared query validation,
// disconnects, HEAD, shutdown and auth.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  type Fixture,
  makeApp,
  type Served,
  send,
  serveApp,
  until,
  watcherCount,
} from "./helpers/fixtures.js";
import { parseSse, readEvents, type SseEvent } from "./helpers/sse.js";

let f: Fixture;
beforeEach(async () => {
  f = makeApp();
  await send(f.app, "POST", "/v0/pools", { pool: "a", size_bytes: 1024 * 1024 });
});
afterEach(async () => {
  await f.dispose();
});

async function appendMany(pool: string, count: number, from = 0): Promise<void> {
  const r = await send(f.app, "POST", `/v0/pools/${pool}/append_batch`, {
    messages: Array.from({ length: count }, (_, i) => ({ data: { i: from + i }, tags: ["t"] })),
  });
  expect(r.status).toBe(200);
}

/** Everything left in a stream, as text. */
async function readRest(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    text += decoder.decode(value, { stream: true });
  }
}

const messages = (events: SseEvent[]) => events.filter((e) => e.event === "message");

describe("framing", () => {
  test("every message is one event with id: <seq> and the envelope as data", async () => {
    await send(f.app, "POST", "/v0/pools/a/append", { data: { s: "line\nbreak é \u2028" } });
    await send(f.app, "POST", "/v0/pools/a/append", '{"data":[1,2.50,1e2],"tags":["x"]}');
    const res = await send(f.app, "GET", "/v0/pools/a/events?since_seq=1&max=2");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("spool-version")).toBe("0");
    const events = parseSse(res.text);
    expect(events.map((e) => [e.event, e.id])).toEqual([
      ["message", "1"],
      ["message", "2"],
      ["end", undefined],
    ]);
    const first = JSON.parse(events[0]!.data);
    expect(first).toMatchObject({
      seq: 1,
      meta: { tags: [] },
      data: { s: "line\nbreak é \u2028" },
    });
    // The data line is the stored bytes as they are (number spelling kept), same as GET message.
    expect(events[1]!.data).toContain('"data":[1,2.50,1e2]');
    const got = await send(f.app, "GET", "/v0/pools/a/messages/2");
    expect(`{"message":${events[1]!.data}}`).toBe(got.text);
    expect(JSON.parse(events[2]!.data)).toEqual({ reason: "max" });
  });

  test("hundreds of messages per chunk keep one event each, in order", async () => {
    await appendMany("a", 2000);
    const res = await send(f.app, "GET", "/v0/pools/a/events?since_seq=1&max=2000");
    const events = messages(parseSse(res.text));
    expect(events.map((e) => Number(e.id))).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
    expect(events.every((e, i) => JSON.parse(e.data).data.i === i)).toBe(true);
  });

  test("retry_ms opens the stream with retry:, and an idle timeout ends with event: end", async () => {
    const res = await send(f.app, "GET", "/v0/pools/a/events?timeout_ms=30&retry_ms=1500");
    expect(res.text.startsWith("retry: 1500\n\n")).toBe(true);
    const events = parseSse(res.text);
    expect(events[0]).toMatchObject({ retry: 1500 });
    expect(events.at(-1)).toMatchObject({ event: "end", data: '{"reason":"timeout"}' });
    expect(f.app.openTails).toBe(0);
  });

  test("an idle stream writes heartbeat comments, which EventSource ignores", async () => {
    const res = await f.app.fetch(
      new Request("http://spool.test/v0/pools/a/events?heartbeat_ms=100&timeout_ms=5000"),
    );
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toBe(":\n\n");
    expect(parseSse(first)).toEqual([]);
    await send(f.app, "POST", "/v0/pools/a/append", { data: 1 });
    // Heartbeats may come before the message; the message still arrives, with its id.
    let text = "";
    while (!text.includes("id: 1\n")) text += new TextDecoder().decode((await reader.read()).value);
    expect(parseSse(text.slice(0, text.lastIndexOf("\n\n") + 2)).map((e) => e.id)).toEqual(["1"]);
    await reader.cancel();
    await until(() => f.app.openTails === 0, 2000, "slot release");
  });

  test("tag filters and last=N work as on the JSONL tail", async () => {
    await appendMany("a", 5);
    await send(f.app, "POST", "/v0/pools/a/append", { data: "other", tags: ["u"] });
    const last = parseSse((await send(f.app, "GET", "/v0/pools/a/events?last=2&max=2")).text);
    expect(messages(last).map((e) => e.id)).toEqual(["5", "6"]);
    const tagged = parseSse(
      (await send(f.app, "GET", "/v0/pools/a/events?since_seq=1&tag=u&timeout_ms=20")).text,
    );
    expect(messages(tagged).map((e) => e.id)).toEqual(["6"]);
  });
});

describe("Last-Event-ID", () => {
  test("resumes at seq + 1 and takes precedence over since_seq and last", async () => {
    await appendMany("a", 10);
    const url = "/v0/pools/a/events?since_seq=1&max=3";
    const resumed = parseSse(
      (await send(f.app, "GET", url, undefined, { "last-event-id": "4" })).text,
    );
    expect(messages(resumed).map((e) => e.id)).toEqual(["5", "6", "7"]);
    const withLast = await send(f.app, "GET", "/v0/pools/a/events?last=1&max=2", undefined, {
      "last-event-id": "8",
    });
    expect(messages(parseSse(withLast.text)).map((e) => e.id)).toEqual(["9", "10"]);
    // Both since_seq and last are refused without the header, accepted with it (a reconnect).
    expect((await send(f.app, "GET", "/v0/pools/a/events?since_seq=1&last=1")).status).toBe(400);
    const both = await send(
      f.app,
      "GET",
      "/v0/pools/a/events?since_seq=1&last=1&max=1",
      undefined,
      {
        "last-event-id": "0",
      },
    );
    expect(messages(parseSse(both.text)).map((e) => e.id)).toEqual(["1"]);
  });

  test.each(["x", "-1", "1.5", "1e3", "0x10", "99999999999999999", " 3 4"])(
    "a Last-Event-ID of %j is 400 Usage with a hint, before any stream",
    async (value) => {
      const res = await send(f.app, "GET", "/v0/pools/a/events", undefined, {
        "last-event-id": value,
      });
      expect(res.status).toBe(400);
      expect(res.json.error.kind).toBe("Usage");
      expect(res.json.error.message).toContain("Last-Event-ID");
      expect(res.json.error.hint).toBeTruthy();
      expect(f.app.openTails).toBe(0);
    },
  );

  test("under gap_policy=error, a Last-Event-ID already overwritten is 410", async () => {
    await send(f.app, "POST", "/v0/pools", { pool: "small", size_bytes: 16384 });
    const big = "w".repeat(2000);
    for (let i = 0; i < 20; i++) await send(f.app, "POST", "/v0/pools/small/append", { data: big });
    const res = await send(f.app, "GET", "/v0/pools/small/events?gap_policy=error", undefined, {
      "last-event-id": "1",
    });
    expect(res.status).toBe(410);
    expect(res.json.error).toMatchObject({ kind: "RetentionGap", seq: 2 });
  });
});

describe("over a real socket", () => {
  let server: Served;
  beforeEach(async () => {
    server = await serveApp(f.app);
  });
  afterEach(async () => {
    await server.dispose();
  });

  test("a reconnect with the last id gets every later message once: no gap, no duplicate", async () => {
    await appendMany("a", 300);
    const url = `${server.url}/v0/pools/a/events?since_seq=1`;
    const seen: number[] = [];
    let lastId: string | undefined;
    const writer = (async () => {
      for (let b = 0; b < 5; b++) {
        await appendMany("a", 100, 300 + b * 100);
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    // Read a part, drop the connection mid-stream, reconnect with Last-Event-ID, three times.
    for (let round = 0; round < 4 && seen.length < 800; round++) {
      const controller = new AbortController();
      const res = await fetch(url, {
        signal: controller.signal,
        headers: lastId === undefined ? {} : { "last-event-id": lastId },
      });
      expect(res.status).toBe(200);
      const target = round < 3 ? seen.length + 150 : 800;
      const { events } = await readEvents(res, (ev) => seen.length + messages(ev).length >= target);
      for (const e of messages(events)) seen.push(Number(e.id));
      lastId = messages(events).at(-1)?.id ?? lastId;
      controller.abort();
    }
    await writer;
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i + 1));
    expect(seen.length).toBeGreaterThanOrEqual(800);
    await until(() => f.app.openTails === 0, 2000, "tails released after the aborts");
  });

  test("an SSE connection dropped mid-stream frees its slot, watcher and lease", async () => {
    await appendMany("a", 50);
    const watchersBefore = watcherCount();
    const controller = new AbortController();
    const res = await fetch(`${server.url}/v0/pools/a/events?since_seq=1`, {
      signal: controller.signal,
    });
    const { events } = await readEvents(res, (ev) => ev.length >= 1);
    expect(events[0]!.id).toBe("1");
    expect(f.app.openTails).toBe(1);
    controller.abort();
    await until(() => f.app.openTails === 0, 2000, "slot release");
    await until(() => watcherCount() === watchersBefore, 2000, "watcher release");
    expect((await send(f.app, "DELETE", "/v0/pools/a")).status).toBe(200);
  });

  test("shutdown ends an open SSE tail with a final event: error of kind Busy", async () => {
    await appendMany("a", 1);
    const res = await fetch(`${server.url}/v0/pools/a/events?since_seq=1`);
    await until(() => f.app.openTails === 1, 2000, "tail open");
    await f.app.close();
    const events = parseSse(await res.text());
    expect(events[0]).toMatchObject({ event: "message", id: "1" });
    expect(events.at(-1)!.event).toBe("error");
    expect(JSON.parse(events.at(-1)!.data)).toMatchObject({ error: { kind: "Busy" } });
  });
});

describe("gaps and errors", () => {
  const big = "w".repeat(2000);
  beforeEach(async () => {
    await send(f.app, "POST", "/v0/pools", { pool: "small", size_bytes: 16384 });
  });

  test("a gap at the start is an event: gap with {from,to,count} and id: <to>, then messages", async () => {
    for (let i = 0; i < 20; i++) await send(f.app, "POST", "/v0/pools/small/append", { data: big });
    const info = (await send(f.app, "GET", "/v0/pools/small/info")).json.pool;
    const oldest: number = info.bounds.oldest;
    expect(oldest).toBeGreaterThan(1);
    const res = await send(f.app, "GET", "/v0/pools/small/events?since_seq=1&timeout_ms=20");
    const events = parseSse(res.text);
    expect(events[0]).toMatchObject({ event: "gap", id: String(oldest - 1) });
    expect(JSON.parse(events[0]!.data)).toEqual({ from: 1, to: oldest - 1, count: oldest - 1 });
    expect(messages(events).map((e) => Number(e.id))).toEqual(
      Array.from({ length: 20 - oldest + 1 }, (_, i) => oldest + i),
    );
    expect(events.at(-1)!.event).toBe("end");
  });

  /** Starts a tail with `query`, reads seq 1, overwrites what it has not read; the rest. */
  async function overwriteMidStream(query: string): Promise<SseEvent[]> {
    await send(f.app, "POST", "/v0/pools/small/append", { data: 1 });
    const res = await f.app.fetch(
      new Request(`http://spool.test/v0/pools/small/events?since_seq=1&${query}`),
    );
    const reader = res.body!.getReader();
    const first = parseSse(new TextDecoder().decode((await reader.read()).value));
    expect(first.map((e) => e.id)).toEqual(["1"]);
    for (let i = 0; i < 20; i++) await send(f.app, "POST", "/v0/pools/small/append", { data: big });
    return parseSse(await readRest(reader));
  }

  test("a gap mid-stream sits exactly where the seqs jump", async () => {
    const rest = await overwriteMidStream("timeout_ms=200");
    const gap = rest[0]!;
    expect(gap.event).toBe("gap");
    const { from, to } = JSON.parse(gap.data);
    expect(from).toBe(2);
    expect(rest[1]).toMatchObject({ event: "message", id: String(to + 1) });
    expect(rest.at(-1)!.event).toBe("end");
  });

  test("under gap_policy=error a failure after the start is one final event: error", async () => {
    const rest = await overwriteMidStream("gap_policy=error");
    expect(rest).toHaveLength(1);
    expect(rest[0]!.event).toBe("error");
    expect(rest[0]!.id).toBeUndefined();
    expect(JSON.parse(rest[0]!.data)).toMatchObject({ error: { kind: "RetentionGap", seq: 2 } });
    expect(f.app.openTails).toBe(0);
  });
});

describe("refusals before the stream", () => {
  test.each([
    ["since_seq=0", 400],
    ["max=-1", 400],
    ["timeout_ms=abc", 400],
    ["gap_policy=maybe", 400],
    ["tag=", 400],
    ["retry_ms=99999999", 400],
    ["heartbeat_ms=50", 400],
    ["heartbeat_ms=99999999", 400],
    ["since_seq=1&since_seq=2", 400],
  ])("?%s is %i, like the JSONL tail", async (query, status) => {
    const res = await send(f.app, "GET", `/v0/pools/a/events?${query}`);
    expect(res.status).toBe(status);
    expect(res.json.error.kind).toBe("Usage");
    expect(f.app.openTails).toBe(0);
  });

  test("unknown pool 404, bad name 400, other methods 405", async () => {
    expect((await send(f.app, "GET", "/v0/pools/nope/events")).status).toBe(404);
    expect((await send(f.app, "GET", "/v0/pools/..x/events")).status).toBe(400);
    const post = await send(f.app, "POST", "/v0/pools/a/events", {});
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
  });

  test("HEAD answers the headers and starts no tail", async () => {
    const res = await send(f.app, "HEAD", "/v0/pools/a/events");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(res.text).toBe("");
    expect(f.app.openTails).toBe(0);
    expect(f.app.metrics!.snapshot().tailsStarted.sse).toBe(0);
    expect((await send(f.app, "HEAD", "/v0/pools/nope/events")).status).toBe(404);
    expect(
      (await send(f.app, "HEAD", "/v0/pools/a/events", undefined, { "last-event-id": "x" })).status,
    ).toBe(400);
    expect(f.app.openTails).toBe(0);
  });

  test("/tail stays JSON Lines even when the client accepts only event streams", async () => {
    await appendMany("a", 1);
    const res = await send(f.app, "GET", "/v0/pools/a/tail?since_seq=1&max=1", undefined, {
      accept: "text/event-stream",
    });
    expect(res.headers.get("content-type")).toBe("application/jsonl");
    expect(JSON.parse(res.text).seq).toBe(1);
  });

  test("a browser on an allowed origin may send Last-Event-ID (CORS preflight)", async () => {
    const g = makeApp({ cors: { origins: ["https://app.example"] } });
    const pre = await send(g.app, "OPTIONS", "/v0/pools/a/events", undefined, {
      origin: "https://app.example",
      "access-control-request-method": "GET",
      "access-control-request-headers": "last-event-id",
    });
    expect(pre.status).toBeLessThan(300);
    expect(pre.headers.get("access-control-allow-headers")).toMatch(/last-event-id/i);
    await g.dispose();
  });

  test("the tail limit counts SSE tails too (423)", async () => {
    const g = makeApp({ limits: { maxConcurrentTails: 1 } });
    await send(g.app, "POST", "/v0/pools", { pool: "a" });
    const held = await g.app.fetch(new Request("http://spool.test/v0/pools/a/events"));
    const busy = await send(g.app, "GET", "/v0/pools/a/tail");
    expect(busy.status).toBe(423);
    await held.body!.cancel();
    await until(() => g.app.openTails === 0, 2000, "slot release");
    await g.dispose();
  });
});

describe("auth: SSE is a read endpoint", () => {
  const tokens = [
    { token: "rw", access: "read-write" as const },
    { token: "ro", access: "read-only" as const },
    { token: "wo", access: "write-only" as const },
  ];
  test.each([
    [undefined, 401],
    ["nope", 401],
    ["wo", 403],
    ["ro", 200],
    ["rw", 200],
  ])("token %s → %i", async (token, status) => {
    const g = makeApp({ tokens });
    await send(g.app, "POST", "/v0/pools", { pool: "a" }, { authorization: "Bearer rw" });
    const res = await send(
      g.app,
      "GET",
      "/v0/pools/a/events?timeout_ms=10",
      undefined,
      token === undefined ? {} : { authorization: `Bearer ${token}` },
    );
    expect(res.status).toBe(status);
    if (status === 401) expect(res.headers.get("www-authenticate")).toContain("Bearer");
    if (status !== 200) expect(res.json.error.kind).toBe("Permission");
    expect(g.app.openTails).toBe(0);
    await g.dispose();
  });
});
