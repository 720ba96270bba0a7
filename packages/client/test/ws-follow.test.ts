/**
 * `transport: "websocket"` against a real server on 127.0.0.1: `pool.tail()` delivers the same
 * bytes as the HTTP tail; `pool.follow()` resumes after its socket is cut mid-stream (again and
 * again) and after a server restart with no message lost or repeated while a writer keeps
 * appending; gaps of a slow follower are reported and skipped exactly; tokens go in the first
 * frame; Permission is not retried; and a runtime without WebSocket gets a Usage error.
 */
import { join } from "node:path";
import { openPool, type Pool } from "@spool/core";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  createClient,
  type FollowStatus,
  type Gap,
  isSpoolError,
  type RemotePool,
  type WebSocketConstructor,
} from "../src/index.js";
import { rejection, startServer, type TestServer, until } from "./helpers/server.js";

const webSocket: WebSocketConstructor = WebSocket;
let servers: TestServer[] = [];
let locals: Pool[] = [];
afterEach(async () => {
  for (const p of locals) p.close();
  locals = [];
  await Promise.all(servers.map((s) => s.dispose()));
  servers = [];
});

const fastBackoff = { initialMs: 10, maxMs: 50, jitter: 0.5 };

async function setup(
  size = "4M",
  options = {},
): Promise<{ s: TestServer; pool: RemotePool; local: Pool }> {
  const s = await startServer(options);
  servers.push(s);
  const client = createClient({ baseUrl: s.url, webSocket, token: "rw" });
  const pool = await client.createPool("w", { size });
  const local = openPool(join(s.dir, "w.spool"));
  locals.push(local);
  return { s, pool, local };
}

describe("transport: websocket", () => {
  it("pool.tail delivers the HTTP tail's messages, byte for byte, with gaps and end reasons", async () => {
    const { pool, local } = await setup("64K");
    for (let i = 0; i < 1500; i++) local.append({ i, text: "é☃𝄞", n: 1.5 });
    const gapsWs: Gap[] = [];
    const gapsHttp: Gap[] = [];
    const ends: string[] = [];
    const ws: string[] = [];
    for await (const m of pool.tail({
      since: 1,
      max: 50,
      transport: "websocket",
      onGap: (g) => gapsWs.push(g),
      onEnd: (r) => ends.push(r),
    })) {
      ws.push(new TextDecoder().decode(m.toJsonLine()));
    }
    const http: string[] = [];
    for await (const m of pool.tail({ since: 1, max: 50, onGap: (g) => gapsHttp.push(g) })) {
      http.push(new TextDecoder().decode(m.toJsonLine()));
    }
    expect(ws.length).toBe(50);
    expect(ws).toEqual(http);
    expect(gapsWs).toEqual(gapsHttp);
    expect(gapsWs.length).toBe(1);
    expect(ends).toEqual(["max"]);
    const caught: number[] = [];
    for await (const m of pool.tail({ last: 3, follow: false, transport: "websocket" }))
      caught.push(m.seq);
    expect(caught).toEqual([1498, 1499, 1500]);
  });

  it("follow resumes after its socket is cut mid-stream and after a restart: none lost, none repeated", async () => {
    const { s, pool, local } = await setup();
    const total = 3000;
    let appended = 0;
    const writer = (async () => {
      while (appended < total) {
        for (let k = 0; k < 25 && appended < total; k++) local.append({ n: ++appended });
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    const statuses: FollowStatus[] = [];
    const seqs: number[] = [];
    let cuts = 0;
    const follower = pool.follow({
      since: 1,
      transport: "websocket",
      backoff: fastBackoff,
      onStatus: (st) => statuses.push(st),
    });
    for await (const m of follower) {
      seqs.push(m.seq);
      if (seqs.length % 400 === 0 && cuts < 5) cuts += s.dropSockets() > 0 ? 1 : 0;
      if (seqs.length === 2200) await s.restart();
      if (m.seq === total) break;
    }
    await writer;
    expect(cuts).toBe(5);
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const reconnects = statuses.filter((st) => st.state === "reconnecting").length;
    expect(reconnects).toBeGreaterThanOrEqual(6);
    expect(statuses.filter((st) => st.state === "gap")).toEqual([]);
    expect(statuses.at(-1)).toEqual({ state: "closed", reason: "break" });
  });

  it("a slow follower: gaps reported once each, exact, and skipped; seqs only increase", async () => {
    const { pool, local } = await setup("64K");
    local.append({ n: 0 });
    const gaps: Gap[] = [];
    const seqs: number[] = [];
    const follower = pool.follow({
      since: 1,
      transport: "websocket",
      backoff: fastBackoff,
      onGap: (g) => gaps.push(g),
    });
    for await (const m of follower) {
      seqs.push(m.seq);
      if (seqs.length === 1) {
        // fall far behind: the ring (64 KiB) wraps many times meanwhile
        for (let i = 0; i < 5000; i++) local.append({ n: i + 1, pad: "x".repeat(100) });
      }
      if (m.seq === 5001) break;
    }
    expect(gaps.length).toBeGreaterThanOrEqual(1);
    // every seq from 1 to 5001 is either delivered or in exactly one gap
    const covered = new Set(seqs);
    for (const g of gaps)
      for (let q = g.from; q <= g.to; q++) {
        expect(covered.has(q)).toBe(false);
        covered.add(q);
      }
    expect(covered.size).toBe(5001);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1] as number);
  });

  it("tokens go in the first frame; a write-only token is Permission, not retried", async () => {
    const { s } = await setup("1M", {
      tokens: [{ token: "rw" }, { token: "wo", access: "write-only" }],
      limits: { wsAuthTimeoutMs: 300 },
    });
    const reader = createClient({ baseUrl: s.url, webSocket, token: "rw" }).pool("w");
    await reader.append({ a: 1 });
    const got: unknown[] = [];
    for await (const m of reader.tail({ since: 1, max: 1, transport: "websocket" }))
      got.push(m.data);
    expect(got).toEqual([{ a: 1 }]);
    const writer = createClient({ baseUrl: s.url, webSocket, token: "wo" }).pool("w");
    const statuses: FollowStatus[] = [];
    const error = await rejection(
      (async () => {
        for await (const _ of writer.follow({
          since: 1,
          transport: "websocket",
          backoff: fastBackoff,
          onStatus: (st) => statuses.push(st),
        })) {
          // nothing
        }
      })(),
    );
    expect(isSpoolError(error, "Permission")).toBe(true);
    expect((error as { status?: number }).status).toBe(403);
    expect(statuses.filter((st) => st.state === "reconnecting")).toEqual([]);
    const anonymous = createClient({ baseUrl: s.url, webSocket }).pool("w");
    const e401 = await rejection(
      (async () => {
        for await (const _ of anonymous.tail({ since: 1, transport: "websocket" })) {
          // nothing
        }
      })(),
    );
    expect((e401 as { status?: number }).status).toBe(401);
  });

  it("a runtime that cannot pause its socket: at QUEUE_LIMIT queued the SDK closes it, then follow resumes, nothing lost", async () => {
    // ws without pause()/resume(), as a browser's WebSocket
    class Unpausable extends WebSocket {
      override pause(): void {
        throw new Error("not used");
      }
    }
    Object.defineProperty(Unpausable.prototype, "pause", { value: undefined });
    const { s, local } = await setup("64M");
    const pool = createClient({ baseUrl: s.url, webSocket: Unpausable, token: "rw" }).pool("w");
    const statuses: FollowStatus[] = [];
    const follower = pool.follow({
      since: 1,
      transport: "websocket",
      backoff: fastBackoff,
      onStatus: (st) => statuses.push(st),
    });
    const it = follower[Symbol.asyncIterator]();
    local.append({ n: 1 });
    expect((await it.next()).value?.seq).toBe(1);
    // 12 MiB arrive while the consumer reads nothing: over QUEUE_LIMIT (8 MiB)
    const pad = "y".repeat(4000);
    for (let i = 2; i <= 3000; i++) local.append({ n: i, pad });
    // the SDK closed the socket on its own (the server's tail ended) while nothing was read
    await until(() => s.app.openTails === 0, 5000, "the overflow close");
    expect(statuses.filter((st) => st.state === "reconnecting")).toEqual([]);
    const seqs = [1];
    for (let r = await it.next(); !r.done; r = await it.next()) {
      seqs.push(r.value.seq);
      if (r.value.seq === 3000) break;
    }
    await it.return?.();
    expect(seqs).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
    const reconnecting = statuses.filter((st) => st.state === "reconnecting");
    expect(reconnecting.length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(reconnecting[0])).toContain("fell");
  });

  it("break and abort close the socket at once (the server's tail slot is freed)", async () => {
    const { s, pool, local } = await setup();
    local.append({ a: 1 });
    for await (const _ of pool.follow({ since: 1, transport: "websocket" })) break;
    await until(() => s.app.openTails === 0, 2000, "the tail to end");
    // an abort ends a waiting tail quietly (onEnd "aborted"), and frees the server's slot
    const controller = new AbortController();
    const ends: string[] = [];
    const seen: number[] = [];
    const done = (async () => {
      for await (const m of pool.tail({
        since: 1,
        transport: "websocket",
        signal: controller.signal,
        onEnd: (r) => ends.push(r),
      }))
        seen.push(m.seq);
    })();
    await until(() => seen.length === 1 && s.app.openTails === 1, 2000, "the tail to start");
    controller.abort();
    await done;
    expect(ends).toEqual(["aborted"]);
    await until(() => s.app.openTails === 0, 2000, "the aborted tail to end");
  });

  it("without a WebSocket (Node 20 has no global one) and a bad transport: Usage", async () => {
    const { s } = await setup();
    const plain = createClient({ baseUrl: s.url }).pool("w");
    const error = await rejection(
      (async () => {
        for await (const _ of plain.tail({ since: 1, transport: "websocket" })) {
          // nothing
        }
      })(),
    );
    if (typeof (globalThis as { WebSocket?: unknown }).WebSocket === "undefined") {
      expect(isSpoolError(error, "Usage")).toBe(true);
      expect((error as Error).message).toContain("no WebSocket available");
    }
    const bad = await rejection(
      (async () => {
        // @ts-expect-error a transport that does not exist
        for await (const _ of plain.tail({ since: 1, transport: "carrier-pigeon" })) {
          // nothing
        }
      })(),
    );
    expect(isSpoolError(bad, "Usage")).toBe(true);
    expect(() =>
      createClient({ baseUrl: s.url, webSocket: 5 as unknown as WebSocketConstructor }),
    ).toThrow(/webSocket/);
  });
});
