// WebSocket tail authentication and limits on a real server: tokens by header and by first
// frame, wrong or missing ones, access modes, Busy when the tail slots are full, and close().
import { afterEach, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { appendMany, collect, createPool, serveWs, type WsServed } from "../helpers/ws.js";

let s: WsServed | undefined;
afterEach(async () => {
  await s?.dispose();
  s = undefined;
});

const TOKENS = [
  { token: "rw", access: "read-write" as const },
  { token: "ro", access: "read-only" as const },
  { token: "wo", access: "write-only" as const },
];
const auth = (token: string): string => JSON.stringify({ auth: { token } });
const error = (frame: string | undefined) => JSON.parse(frame as string).error;

async function served(limits: Record<string, number> = {}): Promise<WsServed> {
  const served = await serveWs({ tokens: TOKENS, limits: { wsAuthTimeoutMs: 300, ...limits } });
  await createPool(served.app, "p");
  await appendMany(served.app, "p", 3);
  return served;
}

describe("WebSocket tail auth", () => {
  test("a token in the Authorization header or in the first frame", async () => {
    s = await served();
    const url = s.wsUrl("p", "since_seq=1&max=3");
    for (const options of [
      { headers: { authorization: "Bearer rw" } },
      { headers: { authorization: "Bearer ro" } },
      { first: auth("rw") },
      { first: auth("ro") },
    ]) {
      const seen = await collect(url, options);
      expect(seen.frames.length, JSON.stringify(options)).toBe(5); // heartbeat, 3 messages, end
      expect(seen.code).toBe(1000);
    }
  });

  test("wrong, missing, late and malformed tokens: an error frame, 4401 (4400 malformed)", async () => {
    s = await served();
    const url = s.wsUrl("p", "since_seq=1");
    const cases: [object, string, number][] = [
      [{ headers: { authorization: "Bearer nope" } }, "Permission", 4401],
      [{ headers: { authorization: "Basic abc" } }, "Permission", 4401],
      [{ first: auth("nope") }, "Permission", 4401],
      [{}, "Permission", 4401], // no frame within wsAuthTimeoutMs
      [{ first: '{"auth":"rw"}' }, "Usage", 4400],
      [{ first: "rw" }, "Usage", 4400],
    ];
    for (const [options, kind, code] of cases) {
      const started = Date.now();
      const seen = await collect(url, options);
      expect(seen.frames.length, JSON.stringify(options)).toBe(1);
      expect(error(seen.frames[0]).kind, JSON.stringify(options)).toBe(kind);
      expect(error(seen.frames[0]).hint).toBeTypeOf("string");
      expect(seen.code, JSON.stringify(options)).toBe(code);
      expect(Date.now() - started).toBeLessThan(2000);
    }
    expect(s.app.openTails).toBe(0);
  });

  test("a write-only token cannot tail (4403); a cursor needs read-write (4403 for read-only)", async () => {
    s = await served();
    for (const options of [{ headers: { authorization: "Bearer wo" } }, { first: auth("wo") }]) {
      const seen = await collect(s.wsUrl("p", "since_seq=1"), options);
      expect(error(seen.frames[0]).kind).toBe("Permission");
      expect(seen.code).toBe(4403);
    }
    const cursor = await collect(s.wsUrl("p", "cursor=c&max=1"), { first: auth("ro") });
    expect(seen(cursor)).toEqual(["Permission", 4403]);
    const rw = await collect(s.wsUrl("p", "cursor=c&since_seq=1&max=1"), { first: auth("rw") });
    expect(JSON.parse(rw.frames[1] as string).seq).toBe(1);
  });

  test("an auth frame where none is needed is ignored", async () => {
    s = await serveWs();
    await createPool(s.app, "p");
    await appendMany(s.app, "p", 2);
    const seen = await collect(s.wsUrl("p", "since_seq=1&max=2"), { first: auth("anything") });
    expect(seen.frames.length).toBe(4);
    expect(seen.code).toBe(1000);
  });
});

function seen(s: { frames: string[]; code?: number | undefined }): [string, number | undefined] {
  return [error(s.frames[0]).kind, s.code];
}

describe("WebSocket tail limits", () => {
  test("Busy (4423) when the tail slots are full, shared with the HTTP tails", async () => {
    s = await served({ maxConcurrentTails: 1 });
    const holder = new WebSocket(s.wsUrl("p", "since_seq=1"), {
      headers: { authorization: "Bearer rw" },
    });
    await new Promise((resolve) => holder.once("message", resolve));
    expect(s.app.openTails).toBe(1);
    const busy = await collect(s.wsUrl("p", "since_seq=1"), { first: auth("rw") });
    expect(seen(busy)).toEqual(["Busy", 4423]);
    const http = await fetch(`${s.url}/v0/pools/p/tail?since_seq=1`, {
      headers: { authorization: "Bearer rw" },
    });
    expect(http.status).toBe(423);
    await http.body?.cancel();
    holder.terminate();
    const deadline = Date.now() + 2000;
    while (s.app.openTails > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    expect(s.app.openTails).toBe(0);
    const again = await collect(s.wsUrl("p", "since_seq=1&max=1"), { first: auth("rw") });
    expect(again.code).toBe(1000);
  });

  test("close() ends running and waiting tails: a Busy error frame, then 1001", async () => {
    s = await served({ wsAuthTimeoutMs: 10_000 });
    const running = collect(s.wsUrl("p", "since_seq=1"), { first: auth("rw") });
    const waiting = collect(s.wsUrl("p", "since_seq=1"));
    await new Promise((r) => setTimeout(r, 150));
    expect(s.app.openTails).toBe(1);
    await s.app.close();
    const [a, b] = await Promise.all([running, waiting]);
    expect(a.frames.length).toBe(5);
    expect(seen({ frames: a.frames.slice(4), code: a.code })).toEqual(["Busy", 1001]);
    expect(seen(b)).toEqual(["Busy", 1001]);
    expect(s.app.openTails).toBe(0);
  });
});
