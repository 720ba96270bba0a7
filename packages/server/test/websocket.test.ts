// The WebSocket tail through startServer (the server `spool serve` runs): the upgrade is wired
// into the node server over HTTP and HTTPS, with the request log, tokens by header and by first
// frame, and a graceful close() that ends WebSocket tails with the Busy frame and 1001.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createLogger, resolveServerConfig, type ServerHandle, startServer } from "../src/index.js";
import { cleanup, tempDir } from "./helpers.js";

const servers: ServerHandle[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  cleanup();
});

async function start(flags: Record<string, unknown>, lines: string[] = []): Promise<ServerHandle> {
  const config = resolveServerConfig({
    flags: { port: 0, dir: join(tempDir(), "pools"), ...flags },
  });
  const log = createLogger({ format: "json", quiet: false, write: (l) => lines.push(l) });
  const server = await startServer(config, { log });
  servers.push(server);
  return server;
}

interface Seen {
  frames: string[];
  code: number;
}

function tail(
  url: string,
  options: WebSocket.ClientOptions & { first?: string; until?: number } = {},
): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const frames: string[] = [];
    const ws = new WebSocket(url, options);
    const timer = setTimeout(() => reject(new Error(`timeout: ${frames.join(" | ")}`)), 5000);
    ws.on("open", () => options.first && ws.send(options.first));
    ws.on("message", (d) => {
      frames.push(d.toString());
      if (options.until !== undefined && frames.length === options.until) ws.close(1000);
    });
    ws.on("error", () => {});
    ws.on("close", (code) => {
      clearTimeout(timer);
      resolve({ frames, code });
    });
  });
}

async function seed(server: ServerHandle, token?: string): Promise<void> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  expect(
    (await fetch(`${server.url}/v0/pools`, { method: "POST", headers, body: '{"pool":"p"}' }))
      .status,
  ).toBe(200);
  for (let i = 1; i <= 3; i++) {
    const res = await fetch(`${server.url}/v0/pools/p/append`, {
      method: "POST",
      headers,
      body: `{"data":${i}}`,
    });
    expect(res.status).toBe(200);
  }
}

describe("WebSocket tail through startServer", () => {
  it("tails with a token by header or first frame, logs the upgrade, and close() ends with 1001", async () => {
    const dir = tempDir();
    const tokenFile = join(dir, "tokens.txt");
    writeFileSync(tokenFile, "writer-token-1\nreader-token-1 read-only\n", { mode: 0o600 });
    const lines: string[] = [];
    const server = await start({ tokenFile }, lines);
    await seed(server, "writer-token-1");
    const wsUrl = `${server.url.replace(/^http/, "ws")}/v0/pools/p/ws`;
    const byHeader = await tail(`${wsUrl}?since_seq=1&max=3`, {
      headers: { authorization: "Bearer reader-token-1" },
    });
    expect(byHeader.frames.map((f) => JSON.parse(f).data ?? JSON.parse(f).end?.reason)).toEqual([
      undefined, // the opening heartbeat
      1,
      2,
      3,
      "max",
    ]);
    expect(byHeader.code).toBe(1000);
    const byFrame = await tail(`${wsUrl}?since_seq=3&max=1`, {
      first: '{"auth":{"token":"reader-token-1"}}',
    });
    expect(byFrame.frames.length).toBe(3);
    const none = await tail(`${wsUrl}?since_seq=1`, { first: '{"auth":{"token":"wrong"}}' });
    expect(none.code).toBe(4401);
    const wsLines = () =>
      lines.map((l) => JSON.parse(l)).filter((l) => l.path === "/v0/pools/p/ws");
    for (let i = 0; i < 100 && wsLines().length < 3; i++)
      await new Promise((r) => setTimeout(r, 10));
    const log = wsLines();
    expect(log.map((l) => [l.status, l.websocket])).toEqual([
      [101, true],
      [101, true],
      [101, true],
    ]);
    expect(JSON.stringify(log)).not.toContain("reader-token-1");

    const running = tail(`${wsUrl}?since_seq=1`, { first: '{"auth":{"token":"reader-token-1"}}' });
    await new Promise((r) => setTimeout(r, 150));
    expect(server.app.openTails).toBe(1);
    await server.close();
    const ended = await running;
    expect(ended.code).toBe(1001);
    expect(JSON.parse(ended.frames.at(-1) as string).error.kind).toBe("Busy");
  });

  it("works over HTTPS (wss) too", async () => {
    const server = await start({ tlsSelfSigned: true });
    const ca = server.assets.tls?.cert as string;
    const headers = { "content-type": "application/json" };
    const { request } = await import("node:https");
    await new Promise<void>((resolve, reject) => {
      const req = request(`${server.url}/v0/pools`, { method: "POST", headers, ca }, (res) => {
        res.resume();
        res.on("end", () =>
          res.statusCode === 200 ? resolve() : reject(new Error(String(res.statusCode))),
        );
      });
      req.end('{"pool":"p"}');
    });
    const seen = await tail(`${server.url.replace(/^https/, "wss")}/v0/pools/p/ws?timeout_ms=10`, {
      ca,
    });
    expect(seen.frames).toEqual(['{"heartbeat":{}}', '{"end":{"reason":"timeout"}}']);
  });
});
