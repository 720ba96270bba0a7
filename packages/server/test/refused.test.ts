// Requests Node's HTTP parser refuses, through the real server (startServer in process, 127.0.0.1
// port 0, raw sockets): each gets a complete HTTP/1.1 answer with `spool-version: 0`,
// `connection: close`, its status (400, 431, 501) and the JSON error envelope with a hint; the
// server keeps serving. A client that goes away mid-body is logged as an aborted request, never
// as an internal error. Request lines log the path the client sent, dot segments included.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger, resolveServerConfig, type ServerHandle, startServer } from "../src/index.js";
import { cleanup, type RawAnswer, rawExchange, tempDir, until } from "./helpers.js";

const servers: ServerHandle[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  cleanup();
});

async function start(lines: string[]): Promise<ServerHandle> {
  const config = resolveServerConfig({ flags: { port: 0, dir: join(tempDir(), "pools") } });
  const log = createLogger({ format: "json", write: (l) => lines.push(l) });
  const server = await startServer(config, { log });
  servers.push(server);
  return server;
}

function expectRefusal(answer: RawAnswer, status: number): void {
  expect(answer.status, JSON.stringify(answer)).toBe(status);
  expect(answer.headers["spool-version"]).toBe("0");
  expect(answer.headers.connection).toBe("close");
  expect(answer.headers["content-type"]).toBe("application/json");
  expect(Number(answer.headers["content-length"])).toBe(Buffer.byteLength(answer.body));
  const { error } = JSON.parse(answer.body) as { error: Record<string, unknown> };
  expect(Object.keys(JSON.parse(answer.body))).toEqual(["error"]);
  expect(error.kind).toBe("Usage");
  expect(error.message).toEqual(expect.any(String));
  expect(error.hint).toEqual(expect.any(String));
}

const append = "POST /v0/pools/p/append HTTP/1.1\r\nhost: 127.0.0.1\r\n";

describe("requests the adapter cannot turn into a URL", () => {
  it.each([
    ["no Host header", "GET /v0/pools HTTP/1.1\r\n\r\n"],
    ["OPTIONS *", "OPTIONS * HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n"],
  ])("%s → 400 with the envelope", async (_label, bytes) => {
    const lines: string[] = [];
    const server = await start(lines);
    expectRefusal(await rawExchange(server.port, bytes), 400);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

describe("requests the HTTP parser refuses", () => {
  it.each([
    ["bad chunk framing", `${append}transfer-encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`, 400],
    [
      "Content-Length with Transfer-Encoding",
      `${append}content-length: 5\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n`,
      400,
    ],
    [
      "a 20 KB header",
      `GET /v0/pools HTTP/1.1\r\nhost: 127.0.0.1\r\nx-big: ${"a".repeat(20_000)}\r\n\r\n`,
      431,
    ],
    ["an unknown method", "FROB /v0/pools HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n", 501],
    ["no HTTP at all", "hello\r\n\r\n", 501],
  ])("%s → %s with the envelope", async (_label, bytes, status) => {
    const lines: string[] = [];
    const server = await start(lines);
    await fetch(`${server.url}/v0/pools`, { method: "POST", body: '{"pool":"p"}' });
    expectRefusal(await rawExchange(server.port, bytes), status);
    // Still serving, nothing stored, nothing logged as an internal error.
    const info = await fetch(`${server.url}/v0/pools/p/info`);
    expect(((await info.json()) as { pool: { message_count: number } }).pool.message_count).toBe(0);
    expect(lines.join("\n")).not.toContain('"level":"error"');
  });
});

describe("clients that go away", () => {
  it("a body cut off mid-way is an aborted request, not an internal error", async () => {
    const lines: string[] = [];
    const server = await start(lines);
    await fetch(`${server.url}/v0/pools`, { method: "POST", body: '{"pool":"p"}' });
    for (const framing of [
      "content-length: 100\r\n\r\n",
      "transfer-encoding: chunked\r\n\r\n5\r\n",
    ]) {
      await rawExchange(server.port, `${append}${framing}{"dat`, { destroyAfterMs: 50 });
    }
    await until(() => lines.filter((l) => l.includes('"/v0/pools/p/append"')).length === 2);
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged.filter((r) => r.level === "error")).toEqual([]);
    const requests = logged.filter((r) => r.path === "/v0/pools/p/append");
    for (const r of requests) {
      expect(r).toMatchObject({ msg: "request", method: "POST", aborted: true });
      expect(r.status).not.toBe(500);
    }
    const info = await fetch(`${server.url}/v0/pools/p/info`);
    expect(((await info.json()) as { pool: { message_count: number } }).pool.message_count).toBe(0);
  });

  it("a complete request is not marked aborted; its path is logged as sent", async () => {
    const lines: string[] = [];
    const server = await start(lines);
    const answer = await rawExchange(
      server.port,
      "GET /v0/pools/x/%2e%2e/info HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n",
    );
    expect(answer.status).toBe(404);
    await until(() => lines.some((l) => l.includes('"msg":"request"')));
    const request = lines.map((l) => JSON.parse(l)).find((r) => r.msg === "request");
    expect(request).toMatchObject({ path: "/v0/pools/x/%2e%2e/info", status: 404 });
    expect(request.aborted).toBeUndefined();
  });
});
