// The WebSocket tail against a real server on loopback: ordered delivery, byte parity of message
// frames with the JSONL tail, end/gap/heartbeat/error frames and their close codes, the
// refusals before the upgrade (426, Origin 403), and the metrics' `format="ws"` series.
import { afterEach, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { send } from "../helpers/fixtures.js";
import { appendMany, collect, createPool, serveWs, type WsServed } from "../helpers/ws.js";

let s: WsServed | undefined;
afterEach(async () => {
  await s?.dispose();
  s = undefined;
});

const lines = (text: string): string[] => text.split("\n").filter((l) => l !== "");
const messages = (frames: string[]): string[] => frames.filter((f) => f.startsWith('{"seq":'));

describe("WebSocket tail", () => {
  test("replays then follows live, in order, each message frame the JSONL line byte for byte", async () => {
    s = await serveWs();
    await createPool(s.app, "p", 4 * 1024 * 1024);
    // varied stored bytes: unicode, escapes, nesting, numbers as written
    for (const json of ['{"a":"é ☃ 𝄞"}', '"tab\\tnl\\n"', "[1.50,-0,12345678901234567890]", "{}"]) {
      const res = await send(s.app, "POST", "/v0/pools/p/append", `{"data":${json},"tags":["t"]}`);
      expect(res.status).toBe(200);
    }
    await appendMany(s.app, "p", 1996, 4);
    const live = collect(s.wsUrl("p", "since_seq=1&max=3000"), {
      until: (frames) => messages(frames).length === 3000,
    });
    await new Promise((r) => setTimeout(r, 100));
    await appendMany(s.app, "p", 1000, 2000);
    const seen = await live;
    const got = messages(seen.frames);
    expect(got.length).toBe(3000);
    expect(got.map((f) => JSON.parse(f).seq)).toEqual(
      Array.from({ length: 3000 }, (_, i) => i + 1),
    );
    const jsonl = await send(s.app, "GET", "/v0/pools/p/tail?since_seq=1&max=3000");
    expect(got).toEqual(lines(jsonl.text));
    // the opening heartbeat, then no other frame in between (the end frame may beat the close)
    expect(seen.frames[0]).toBe('{"heartbeat":{}}');
    expect(seen.frames.slice(3001)).toEqual(
      seen.frames.length > 3001 ? ['{"end":{"reason":"max"}}'] : [],
    );
  });

  test("max, timeout_ms and follow=false end with an end frame and close 1000", async () => {
    s = await serveWs();
    await createPool(s.app, "p");
    await appendMany(s.app, "p", 5);
    const max = await collect(s.wsUrl("p", "last=2&max=2"));
    expect(max.frames.slice(-1)).toEqual(['{"end":{"reason":"max"}}']);
    expect(messages(max.frames).map((f) => JSON.parse(f).seq)).toEqual([4, 5]);
    expect([max.code, max.reason]).toEqual([1000, "max"]);
    const idle = await collect(s.wsUrl("p", "timeout_ms=50"));
    expect(idle.frames).toEqual(['{"heartbeat":{}}', '{"end":{"reason":"timeout"}}']);
    expect(idle.code).toBe(1000);
    const caught = await collect(s.wsUrl("p", "since_seq=3&follow=false"));
    expect(caught.frames.slice(-1)).toEqual(['{"end":{"reason":"caught-up"}}']);
    expect(messages(caught.frames).length).toBe(3);
  });

  test("a start the ring overwrote: a gap frame where the seqs jump (continue), RetentionGap 4410 (error)", async () => {
    s = await serveWs();
    await createPool(s.app, "p", 64 * 1024);
    for (let k = 0; k < 10; k++) await appendMany(s.app, "p", 200, k * 200);
    const info = await send(s.app, "GET", "/v0/pools/p/info");
    const oldest = info.json.pool.bounds.oldest as number;
    expect(oldest).toBeGreaterThan(1);
    const cont = await collect(s.wsUrl("p", "since_seq=1&max=2"));
    expect(cont.frames[0]).toBe('{"heartbeat":{}}');
    expect(JSON.parse(cont.frames[1] as string)).toEqual({
      gap: { from: 1, to: oldest - 1, count: oldest - 1 },
    });
    expect(JSON.parse(cont.frames[2] as string).seq).toBe(oldest);
    const err = await collect(s.wsUrl("p", "since_seq=1&gap_policy=error"));
    expect(err.frames.length).toBe(1);
    expect(JSON.parse(err.frames[0] as string).error).toMatchObject({
      kind: "RetentionGap",
      seq: 1,
    });
    expect([err.code, err.reason]).toEqual([4410, "RetentionGap"]);
  });

  test("heartbeat frames while idle (heartbeat_ms)", async () => {
    s = await serveWs();
    await createPool(s.app, "p");
    const seen = await collect(s.wsUrl("p", "heartbeat_ms=100"), {
      until: (frames) => frames.length >= 2,
    });
    expect(seen.frames.slice(0, 2)).toEqual(['{"heartbeat":{}}', '{"heartbeat":{}}']);
  });

  test("bad input is an error frame and 4400 (the tail's own parser); a missing pool 4404", async () => {
    s = await serveWs();
    await createPool(s.app, "p");
    for (const query of [
      "since_seq=0",
      "timeout_ms=99999999999",
      "gap_lines=1",
      "heartbeat_ms=5",
      "where=(",
      "since_seq=1&last=2",
    ]) {
      const seen = await collect(s.wsUrl("p", query));
      expect(seen.frames.length, query).toBe(1);
      const error = JSON.parse(seen.frames[0] as string).error;
      expect(error.kind, query).toBe("Usage");
      expect(typeof error.hint).toBe("string");
      expect(seen.code, query).toBe(4400);
    }
    const missing = await collect(s.wsUrl("nope"));
    expect(JSON.parse(missing.frames[0] as string).error.kind).toBe("NotFound");
    expect(missing.code).toBe(4404);
    expect(s.app.openTails).toBe(0);
  });

  test("refused before the upgrade: no upgrade 426 (error envelope), a foreign Origin 403", async () => {
    s = await serveWs({ cors: { origins: ["https://console.example"] } });
    await createPool(s.app, "p");
    const plain = await fetch(`${s.url}/v0/pools/p/ws`);
    expect(plain.status).toBe(426);
    expect(((await plain.json()) as { error: { kind: string } }).error.kind).toBe("Usage");
    const foreign = await collect(s.wsUrl("p"), { headers: { origin: "https://evil.example" } });
    expect(foreign.status).toBe(403);
    for (const origin of [
      "https://console.example",
      `http://127.0.0.1:${s.port}`,
      "http://localhost:5173",
    ]) {
      const ok = await collect(s.wsUrl("p", "timeout_ms=10"), { headers: { origin } });
      expect(ok.frames, origin).toEqual(['{"heartbeat":{}}', '{"end":{"reason":"timeout"}}']);
    }
  });

  test("a client frame after the start is a Usage error (4400)", async () => {
    s = await serveWs();
    await createPool(s.app, "p");
    const seen = await new Promise<{ frames: string[]; code: number }>((resolve) => {
      const frames: string[] = [];
      const ws = new WebSocket(s?.wsUrl("p") as string);
      ws.on("open", () => setTimeout(() => ws.send("hello"), 50));
      ws.on("message", (d) => frames.push(d.toString()));
      ws.on("close", (code) => resolve({ frames, code }));
    });
    expect(seen.frames[0]).toBe('{"heartbeat":{}}');
    expect(JSON.parse(seen.frames.at(-1) as string).error.kind).toBe("Usage");
    expect(seen.code).toBe(4400);
  });

  test("metrics count WebSocket tails as format ws", async () => {
    s = await serveWs();
    await createPool(s.app, "p");
    await collect(s.wsUrl("p", "timeout_ms=10"));
    expect(s.app.metrics?.snapshot().tailsStarted).toMatchObject({ ws: 1, jsonl: 0, sse: 0 });
    expect(s.app.metrics?.render()).toContain('spool_tails_started_total{format="ws"} 1');
  });
});
