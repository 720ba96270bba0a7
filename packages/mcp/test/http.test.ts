/**
 * `/mcp` on a real `spool serve` (loopback, a free port, a token file), driven by the official MCP
 * client over Streamable HTTP: every tool and resource (tool-cases.ts), tokens (401), a read-only
 * token (no write tools listed, calls refused, nothing appended), Origin validation (403), the
 * server's limits (body size, the tail timeout cap), paths never shown, and `spool mcp URL`
 * (stdio in front of the server through the SDK). Needs the built CLI, server, http-server and
 * mcp packages (`npx tsup` in each).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CLI,
  call,
  callError,
  cliBuilt,
  httpClient,
  removeDir,
  type Served,
  startServe,
  stdioClient,
  tempDir,
} from "./fixtures.js";
import { toolCases } from "./tool-cases.js";

if (!cliBuilt()) console.warn(`mcp HTTP tests skipped: build the CLI first (${CLI} is missing)`);

const RW = "rw-token-0123456789";
const RO = "ro-token-0123456789";

const INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "raw", version: "1" },
  },
};

function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/mcp`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

describe.skipIf(!cliBuilt())("/mcp on spool serve", () => {
  let dir = "";
  let served: Served;
  let client: Client;

  beforeAll(async () => {
    dir = tempDir();
    const tokens = join(dir, "..", `${dir.split("/").pop()}-tokens.txt`);
    writeFileSync(tokens, `${RW}\n${RO} read-only\n`, { mode: 0o600 });
    served = await startServe(dir, [
      "--token-file",
      tokens,
      "--max-body-bytes",
      "65536",
      "--max-tail-timeout-ms",
      "500",
      "--quiet",
    ]);
    client = await httpClient(served.url, RW);
  });
  afterAll(async () => {
    await client?.close();
    await served?.stop();
    removeDir(dir);
    removeDir(`${dir}-tokens.txt`);
  });

  toolCases({ client: () => client, dir: () => dir });

  it("shows pool files by name, never by the server's absolute path", async () => {
    const info = await call(client, "spool_pool_info", { pool: "chat" });
    expect(info.pool).toMatchObject({ path: "chat.spool" });
    const listed = JSON.stringify(await call(client, "spool_pool_list"));
    expect(listed).not.toContain(dir);
    expect(
      JSON.stringify(await callError(client, "spool_pool_info", { pool: "nope" })),
    ).not.toContain(dir);
  });

  it("answers 401 without a valid token (the error envelope, kind Permission)", async () => {
    for (const headers of [{}, { authorization: "Bearer wrong-token" }]) {
      const answer = await post(served.url, INITIALIZE, headers);
      expect(answer.status).toBe(401);
      expect(answer.headers.get("www-authenticate")).toContain("Bearer");
      expect(await answer.json()).toMatchObject({ error: { kind: "Permission" } });
    }
    await expect(httpClient(served.url)).rejects.toThrow();
  });

  it("a read-only token lists no write tools, cannot call them, and appends nothing", async () => {
    const ro = await httpClient(served.url, RO);
    try {
      const { tools } = await ro.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual([
        "spool_pool_info",
        "spool_pool_list",
        "spool_read",
        "spool_wait",
      ]);
      const before = await call(ro, "spool_pool_info", { pool: "chat" });
      await expect(
        ro.callTool({ name: "spool_append", arguments: { pool: "chat", data: 1 } }),
      ).rejects.toThrow(/spool_append not found/);
      await expect(
        ro.callTool({ name: "spool_pool_create", arguments: { pool: "ro-made" } }),
      ).rejects.toThrow(/spool_pool_create not found/);
      expect(await call(ro, "spool_pool_info", { pool: "chat" })).toEqual(before);
      expect((await callError(ro, "spool_pool_info", { pool: "ro-made" })).kind).toBe("NotFound");
      const read = await call(ro, "spool_read", { pool: "chat", last: 1 });
      expect((read.messages as unknown[]).length).toBe(1);
    } finally {
      await ro.close();
    }
  });

  it("refuses a foreign Origin with 403 and accepts a loopback one", async () => {
    const foreign = await post(served.url, INITIALIZE, {
      authorization: `Bearer ${RW}`,
      origin: "http://evil.example",
    });
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toMatchObject({
      error: { kind: "Permission", message: expect.stringContaining("evil.example") },
    });
    const local = await post(served.url, INITIALIZE, {
      authorization: `Bearer ${RW}`,
      origin: "http://localhost:5173",
    });
    expect(local.status).toBe(200);
    const answer = await local.text();
    expect(answer).toContain('"name":"spool"');
  });

  it("keeps the server's limits: body size (413) and the tail timeout cap", async () => {
    const big = await post(
      served.url,
      {
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "spool_append", arguments: { pool: "chat", data: "x".repeat(70_000) } },
      },
      { authorization: `Bearer ${RW}` },
    );
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: { kind: "Usage" } });
    // A wait asking for a minute ends at the server's cap (500 ms) instead.
    const capped = await call(client, "spool_wait", {
      pool: "chat",
      since_seq: 1_000_000,
      timeout_ms: 60_000,
    });
    expect(capped).toMatchObject({ message: null, timed_out: true });
  });

  it("GET and DELETE on /mcp are 405 (stateless), and /mcp needs a JSON body", async () => {
    const get = await fetch(`${served.url}/mcp`, {
      headers: { authorization: `Bearer ${RW}`, accept: "text/event-stream" },
    });
    expect(get.status).toBe(405);
    const junk = await post(served.url, "{not json", { authorization: `Bearer ${RW}` });
    expect(junk.status).toBeGreaterThanOrEqual(400);
  });

  it("spool mcp URL serves the server's pools over stdio (read-write and read-only tokens)", async () => {
    const remote = await stdioClient([served.url, "--token", RW]);
    try {
      const { tools } = await remote.client.listTools();
      expect(tools.map((t) => t.name)).toContain("spool_append");
      const appended = (await call(remote.client, "spool_append", {
        pool: "chat",
        data: { via: "remote" },
        tags: ["remote"],
      })) as { message: { seq: number; meta: { tags: string[] } } };
      expect(appended.message.meta.tags).toEqual(["remote"]);
      const read = await call(remote.client, "spool_read", {
        pool: "chat",
        since_seq: appended.message.seq,
      });
      expect(read.messages).toEqual([appended.message]);
      const missing = await callError(remote.client, "spool_pool_info", { pool: "nope" });
      expect(missing.kind).toBe("NotFound");
    } finally {
      await remote.client.close();
    }
    const readOnly = await stdioClient([served.url, "--token", RO]);
    try {
      const refused = await callError(readOnly.client, "spool_append", { pool: "chat", data: 1 });
      expect(refused).toMatchObject({ kind: "Permission" });
    } finally {
      await readOnly.client.close();
    }
    const noToken = await stdioClient([served.url]);
    try {
      expect((await callError(noToken.client, "spool_pool_list")).kind).toBe("Permission");
    } finally {
      await noToken.client.close();
    }
  });
});
