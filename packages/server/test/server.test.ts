// startServer in process, on 127.0.0.1 port 0: tokens and access modes through the real server,
// request log lines (JSON, no token, no query string), TLS with a generated certificate (the
// client verifies it with `ca`; the fingerprint matches), limits and CORS reach the app, and bind
// errors are SpoolErrors.

import { X509Certificate } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import {
  createLogger,
  initServerFiles,
  resolveServerConfig,
  type ServerHandle,
  startServer,
} from "../src/index.js";
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
  const log = createLogger({
    format: config.logFormat,
    quiet: config.quiet,
    write: (l) => lines.push(l),
  });
  const server = await startServer(config, { log });
  servers.push(server);
  return server;
}

function json(method: string, body?: unknown, token?: string): RequestInit {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  return { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) };
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("tokens through the real server", () => {
  it("authenticates with the token file and applies per-token access modes", async () => {
    const dir = tempDir();
    const tokenFile = join(dir, "tokens.txt");
    const writer = "writer-token-0123456789";
    const reader = "reader-token-0123456789";
    writeFileSync(tokenFile, `# test\n${writer}\n${reader} read-only\n`, { mode: 0o600 });
    const lines: string[] = [];
    const server = await start({ tokenFile }, lines);
    expect(server.assets.tokens).toHaveLength(2);

    const anon = await fetch(`${server.url}/v0/pools`);
    expect(anon.status).toBe(401);
    const wrongToken = "wrong-token-0123456789";
    const wrong = await fetch(`${server.url}/v0/pools`, json("GET", undefined, wrongToken));
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain(wrongToken);
    const created = await fetch(`${server.url}/v0/pools`, json("POST", { pool: "demo" }, writer));
    expect(created.status).toBe(200);
    const append = await fetch(
      `${server.url}/v0/pools/demo/append?secret=${writer}`,
      json("POST", { data: { n: 1 } }, writer),
    );
    expect(append.status).toBe(200);
    expect(((await append.json()) as { message: { seq: number } }).message.seq).toBe(1);
    const denied = await fetch(
      `${server.url}/v0/pools/demo/append`,
      json("POST", { data: 2 }, reader),
    );
    expect(denied.status).toBe(403);
    const read = await fetch(
      `${server.url}/v0/pools/demo/messages/1`,
      json("GET", undefined, reader),
    );
    expect(((await read.json()) as { message: { data: unknown } }).message.data).toEqual({ n: 1 });
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);

    await until(() => lines.filter((l) => l.includes('"request"')).length >= 7);
    const requests = lines.map((l) => JSON.parse(l)).filter((r) => r.msg === "request");
    for (const r of requests) {
      expect(r).toMatchObject({ level: "info", remote: "127.0.0.1" });
      expect(typeof r.time).toBe("string");
      expect(typeof r.duration_ms).toBe("number");
      expect(r.bytes).toBeGreaterThan(0);
    }
    expect(requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      "GET /v0/pools 401",
      "GET /v0/pools 401",
      "POST /v0/pools 200",
      "POST /v0/pools/demo/append 200",
      "POST /v0/pools/demo/append 403",
      "GET /v0/pools/demo/messages/1 200",
      "GET /healthz 200",
    ]);
    const all = lines.join("\n");
    expect(all).not.toContain(writer);
    expect(all).not.toContain(reader);
    expect(all).not.toContain(wrongToken);
    expect(all).not.toContain("secret=");
  });

  it("logs a tail once, when its client went away, with its remote address", async () => {
    const lines: string[] = [];
    const server = await start({}, lines);
    await fetch(`${server.url}/v0/pools`, json("POST", { pool: "t" }));
    const abort = new AbortController();
    // The query string is never logged (only the path): here a known parameter with a value.
    const tail = await fetch(`${server.url}/v0/pools/t/tail?since_seq=1`, {
      signal: abort.signal,
    });
    expect(tail.status).toBe(200);
    await until(() => server.app.openTails === 1);
    abort.abort();
    await until(() => lines.some((l) => l.includes('"/v0/pools/t/tail"')));
    const logged = lines.map((l) => JSON.parse(l)).filter((r) => r.path === "/v0/pools/t/tail");
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ method: "GET", status: 200, remote: "127.0.0.1" });
    expect(lines.join("\n")).not.toContain("since_seq=1");
    await until(() => server.app.openTails === 0);
  });

  it("logs text lines with --log-format text and no request lines with --quiet", async () => {
    const text: string[] = [];
    const a = await start({ logFormat: "text" }, text);
    await (await fetch(`${a.url}/v0/pools`)).text();
    await until(() => text.length > 0);
    expect(text[0]).toMatch(/^\S+Z INFO {2}GET \/v0\/pools 200 [\d.]+ms \d+B from 127\.0\.0\.1$/);
    const quiet: string[] = [];
    const b = await start({ quiet: true }, quiet);
    await (await fetch(`${b.url}/v0/pools`)).text();
    await new Promise((r) => setTimeout(r, 50));
    expect(quiet).toEqual([]);
  });
});

/** GET over HTTPS trusting only `ca`; resolves with the status, body and the peer's fingerprint. */
function httpsGet(
  url: string,
  ca: string | undefined,
): Promise<{ status: number; body: string; fingerprint: string | undefined }> {
  return new Promise((resolve, reject) => {
    let fingerprint: string | undefined;
    const req = httpsRequest(url, { ca, timeout: 5000 }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d: string) => {
        body += d;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, fingerprint }));
    });
    req.on("socket", (socket) => {
      socket.once("secureConnect", () => {
        fingerprint = (socket as TLSSocket).getPeerX509Certificate()?.fingerprint256;
      });
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

describe("TLS", () => {
  it("serves HTTPS with the certificate of `init`, verified by the client", async () => {
    const files = await initServerFiles({ dir: tempDir() });
    const server = await start({ tlsCert: files.certFile, tlsKey: files.keyFile });
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(server.fingerprint).toBe(files.fingerprint);
    const ca = readFileSync(files.certFile, "utf8");
    const res = await httpsGet(`${server.url}/healthz`, ca);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ ok: true });
    expect(res.fingerprint).toBe(files.fingerprint);
    // without the CA the client refuses the self-signed certificate
    await expect(httpsGet(`${server.url}/healthz`, undefined)).rejects.toThrow(
      /self-signed|self signed/,
    );
  });

  it("generates a certificate in memory with --tls-self-signed", async () => {
    const server = await start({ tlsSelfSigned: true });
    const tls = server.assets.tls;
    expect(tls?.certPath).toBeUndefined();
    expect(server.fingerprint).toBe(new X509Certificate(tls?.cert as string).fingerprint256);
    const res = await httpsGet(`${server.url}/v0/pools`, tls?.cert);
    expect(res.status).toBe(200);
    expect(res.fingerprint).toBe(server.fingerprint);
  });

  it("refuses a key that does not belong to the certificate, before binding", async () => {
    const a = await initServerFiles({ dir: tempDir() });
    const b = await initServerFiles({ dir: tempDir() });
    await expect(start({ tlsCert: a.certFile, tlsKey: b.keyFile })).rejects.toMatchObject({
      kind: "Usage",
      message: expect.stringMatching(/does not belong/),
    });
    await expect(start({ tlsCert: a.keyFile, tlsKey: a.keyFile })).rejects.toMatchObject({
      kind: "Usage",
      message: expect.stringMatching(/cannot parse the TLS certificate/),
    });
  });
});

describe("options reach the app", () => {
  it("applies limits and CORS origins", async () => {
    const server = await start({ maxBodyBytes: 64, corsOrigins: ["https://app.example"] });
    const big = await fetch(`${server.url}/v0/pools`, json("POST", { pool: "x".repeat(100) }));
    expect(big.status).toBe(413);
    const pre = await fetch(`${server.url}/v0/pools`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "POST" },
    });
    expect(pre.headers.get("access-control-allow-origin")).toBe("https://app.example");
  });

  it("serves /metrics with a token, publicly, or not at all", async () => {
    const tokenFile = join(tempDir(), "t.txt");
    writeFileSync(tokenFile, "metrics-token-123\n", { mode: 0o600 });
    const guarded = await start({ tokenFile });
    expect((await fetch(`${guarded.url}/metrics`)).status).toBe(401);
    const scraped = await fetch(
      `${guarded.url}/metrics`,
      json("GET", undefined, "metrics-token-123"),
    );
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain("spool_http_requests_total");
    const open = await start({ tokenFile, metrics: "public" });
    expect((await fetch(`${open.url}/metrics`)).status).toBe(200);
    const off = await start({ metrics: "off" });
    expect((await fetch(`${off.url}/metrics`)).status).toBe(404);
  });

  it("reports a port in use as Busy", async () => {
    const first = await start({});
    await expect(start({ port: first.port })).rejects.toMatchObject({
      kind: "Busy",
      hint: expect.stringContaining("--port"),
    });
  });

  it("creates a missing pool directory and closes idempotently", async () => {
    const server = await start({});
    expect(server.assets.dirState).toBe("created");
    await Promise.all([server.close(), server.close()]);
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});
