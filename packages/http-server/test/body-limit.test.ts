// The body limit through a real server (@hono/node-server on 127.0.0.1): a declared
// Content-Length is judged before any body byte is read, a chunked body (no Content-Length) is
// counted as it streams in; both answer 413 with the envelope, single and batch appends alike,
// and the limit itself is inclusive. Also: responses built with the protocol headers keep them
// (and CORS headers still get added) on the server's fast response path.
import { Agent, request } from "node:http";
import type { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PROTOCOL_HEADERS, protocolHeaders } from "../src/headers.js";
import { type Fixture, makeApp, type Served, send, serveApp } from "./helpers/fixtures.js";

const LIMIT = 4096;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response JSON
  json: any;
}

/**
 * POSTs `body` to `url` on a fresh connection: with Content-Length, or chunked (`chunk` bytes
 * per chunk, no Content-Length). Fails after 10 s.
 */
function post(
  url: string,
  body: string,
  mode: { chunk?: number; agent?: Agent; sockets?: Set<Socket> } = {},
  headers: Record<string, string> = {},
): Promise<Answer> {
  const bytes = Buffer.from(body);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: "POST",
      agent: mode.agent ?? false,
      timeout: 10_000,
      headers: {
        "content-type": "application/json",
        ...(mode.chunk === undefined ? { "content-length": String(bytes.length) } : {}),
        ...headers,
      },
    });
    req.on("timeout", () => req.destroy(new Error("request timed out")));
    req.on("error", reject);
    req.on("socket", (socket) => mode.sockets?.add(socket));
    req.on("response", (res) => {
      const parts: Buffer[] = [];
      res.on("data", (part: Buffer) => parts.push(part));
      res.on("error", reject);
      res.on("end", () => {
        const text = Buffer.concat(parts).toString("utf8");
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = text;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json });
      });
    });
    if (mode.chunk === undefined) {
      req.end(bytes);
      return;
    }
    // Chunked: the server may answer 413 and stop reading before the last chunk; a write after
    // that is harmless (the request's error, if any, arrives after the response).
    for (let at = 0; at < bytes.length; at += mode.chunk) {
      req.write(bytes.subarray(at, at + mode.chunk));
    }
    req.end();
  });
}

/** `{"data":"xxx…"}` of exactly `size` bytes. */
function appendOf(size: number): string {
  const text = JSON.stringify({ data: "x".repeat(size - 11) });
  expect(Buffer.byteLength(text)).toBe(size);
  return text;
}

/** `{"messages":[{"data":"xxx…"}]}` of exactly `size` bytes. */
function batchOf(size: number): string {
  const text = JSON.stringify({ messages: [{ data: "x".repeat(size - 26) }] });
  expect(Buffer.byteLength(text)).toBe(size);
  return text;
}

function expect413(answer: Answer): void {
  expect(answer.status).toBe(413);
  expect(answer.headers["spool-version"]).toBe("0");
  expect(answer.headers["content-type"]).toMatch(/^application\/json/);
  expect(answer.json.error.kind).toBe("Usage");
  expect(answer.json.error.message).toContain(`larger than ${LIMIT} bytes`);
  expect(typeof answer.json.error.hint).toBe("string");
}

let f: Fixture;
let server: Served;
beforeAll(async () => {
  f = makeApp({ limits: { maxBodyBytes: LIMIT }, cors: { origins: ["https://app.example"] } });
  await send(f.app, "POST", "/v0/pools", { pool: "a" });
  server = await serveApp(f.app);
});
afterAll(async () => {
  await server.dispose();
  await f.dispose();
});

describe.each([
  ["append", "/v0/pools/a/append", appendOf, 11],
  ["append_batch", "/v0/pools/a/append_batch", batchOf, 26],
])("%s", (_name, path, bodyOf, overhead) => {
  test.each([
    ["with Content-Length", {}],
    ["chunked, without Content-Length", { chunk: 1000 }],
  ])("%s: a body of exactly the limit is accepted, one byte more is 413", async (_mode, mode) => {
    const url = `${server.url}${path}`;
    const accepted = await post(url, bodyOf(LIMIT), mode);
    expect(accepted.status, JSON.stringify(accepted.json)).toBe(200);
    expect(accepted.headers["spool-version"]).toBe("0");
    const stored = accepted.json.message ?? accepted.json.messages[0];
    expect(stored.data).toBe("x".repeat(LIMIT - overhead));
    expect413(await post(url, bodyOf(LIMIT + 1), mode));
  });

  test("a body far over the limit is 413 either way, and nothing is committed", async () => {
    const url = `${server.url}${path}`;
    const before = (await send(f.app, "GET", "/v0/pools/a/info")).json.pool.message_count;
    expect413(await post(url, bodyOf(20 * LIMIT)));
    expect413(await post(url, bodyOf(20 * LIMIT), { chunk: 512 }));
    expect((await send(f.app, "GET", "/v0/pools/a/info")).json.pool.message_count).toBe(before);
  });
});

test("413s are counted as Usage errors, and the server keeps serving", async () => {
  const before = f.app.metrics?.snapshot().errors.Usage ?? 0;
  expect413(await post(`${server.url}/v0/pools/a/append`, appendOf(LIMIT + 1)));
  expect413(await post(`${server.url}/v0/pools/a/append`, appendOf(LIMIT + 1), { chunk: 100 }));
  expect(f.app.metrics?.snapshot().errors.Usage).toBe(before + 2);
  const ok = await post(`${server.url}/v0/pools/a/append`, '{"data":{"n":1},"tags":["t"]}');
  expect(ok.status).toBe(200);
  expect(ok.json.message).toMatchObject({ meta: { tags: ["t"] }, data: { n: 1 } });
});

test("after a 413 the same keep-alive connection serves the next requests", async () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const sockets = new Set<Socket>();
  const url = `${server.url}/v0/pools/a/append`;
  try {
    expect413(await post(url, appendOf(10 * LIMIT), { agent, sockets }));
    expect((await post(url, '{"data":1}', { agent, sockets })).status).toBe(200);
    expect413(await post(url, appendOf(LIMIT + 1), { agent, sockets }));
    expect((await post(url, '{"data":2}', { agent, sockets })).json.message.data).toBe(2);
    expect(sockets.size).toBe(1);
  } finally {
    agent.destroy();
  }
});

test("responses keep the protocol headers, with CORS headers added on top", async () => {
  const ok = await post(
    `${server.url}/v0/pools/a/append`,
    '{"data":1}',
    {},
    { origin: "https://app.example" },
  );
  expect(ok.status).toBe(200);
  for (const [name, value] of Object.entries(PROTOCOL_HEADERS)) {
    expect(ok.headers[name]).toBe(value);
  }
  expect(ok.headers["access-control-allow-origin"]).toBe("https://app.example");
  const bad = await post(
    `${server.url}/v0/pools/a/append`,
    "{",
    {},
    { origin: "https://app.example" },
  );
  expect(bad.status).toBe(400);
  expect(bad.headers["spool-version"]).toBe("0");
  expect(bad.headers["access-control-allow-origin"]).toBe("https://app.example");
});

test("protocolHeaders holds exactly PROTOCOL_HEADERS plus the content type", () => {
  expect(protocolHeaders("text/x")).toEqual({ ...PROTOCOL_HEADERS, "content-type": "text/x" });
});
