/**
 * `spool mcp --dir DIR` over stdio, driven by the official MCP client: every tool and resource
 * (tool-cases.ts), read-only and write-only modes, and stdout carrying protocol messages only.
 * Needs the built CLI (`cd packages/cli && npx tsup`).
 */
import { spawn } from "node:child_process";
import type { Client } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, call, callError, cliBuilt, removeDir, stdioClient, tempDir } from "./fixtures.js";
import { toolCases } from "./tool-cases.js";

if (!cliBuilt()) console.warn(`mcp stdio tests skipped: build the CLI first (${CLI} is missing)`);

describe.skipIf(!cliBuilt())("spool mcp over stdio", () => {
  let dir = "";
  let client: Client;
  let close: () => Promise<void>;

  beforeAll(async () => {
    dir = tempDir();
    const connected = await stdioClient(["--dir", dir]);
    client = connected.client;
    close = () => connected.client.close();
  });
  afterAll(async () => {
    await close?.();
    removeDir(dir);
  });

  toolCases({ client: () => client, dir: () => dir });

  it("a read-only connection lists no write tools, refuses them and appends nothing", async () => {
    const ro = await stdioClient(["--dir", dir, "--access", "read-only"]);
    try {
      const { tools } = await ro.client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual([
        "spool_pool_info",
        "spool_pool_list",
        "spool_read",
        "spool_wait",
      ]);
      await expect(
        ro.client.callTool({ name: "spool_append", arguments: { pool: "chat", data: 1 } }),
      ).rejects.toThrow(/spool_append not found/);
      const newest = (await call(ro.client, "spool_pool_info", { pool: "chat" })) as {
        pool: { bounds: { newest: number } };
      };
      const after = await call(client, "spool_pool_info", { pool: "chat" });
      expect(after).toEqual(newest);
    } finally {
      await ro.client.close();
    }
  });

  it("a write-only connection may append but not read, and has no resources", async () => {
    const wo = await stdioClient(["--dir", dir, "--access", "write-only"]);
    try {
      const { tools } = await wo.client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual([
        "spool_append",
        "spool_pool_create",
        "spool_pool_info",
        "spool_pool_list",
      ]);
      expect(wo.client.getServerCapabilities()?.resources).toBeUndefined();
      const appended = (await call(wo.client, "spool_append", { pool: "wo", data: 1 }).catch(
        async () => {
          await call(wo.client, "spool_pool_create", { pool: "wo" });
          return call(wo.client, "spool_append", { pool: "wo", data: 1 });
        },
      )) as { message: { seq: number } };
      expect(appended.message.seq).toBe(1);
      await expect(
        wo.client.callTool({ name: "spool_read", arguments: { pool: "wo" } }),
      ).rejects.toThrow(/spool_read not found/);
    } finally {
      await wo.client.close();
    }
  });

  it("answers every request piped in before stdin ended, on stdout only, then exits 0", async () => {
    const child = spawn(process.execPath, [CLI, "mcp", "--dir", dir], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    const lines = [
      {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-06-18",
          capabilities: {},
          clientInfo: { name: "raw", version: "1" },
        },
      },
      { jsonrpc: "2.0", method: "notifications/initialized" },
      { jsonrpc: "2.0", id: 2, method: "tools/list" },
      {
        jsonrpc: "2.0",
        id: 3,
        method: "tools/call",
        params: { name: "spool_pool_create", arguments: { pool: "piped" } },
      },
    ];
    // `printf … | spool mcp`: everything at once, then end of input.
    child.stdin.end(lines.map((l) => `${JSON.stringify(l)}\n`).join(""));
    expect(await exited).toBe(0);
    const answers = out
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as { jsonrpc: string; id?: number; result?: unknown });
    for (const answer of answers) expect(answer.jsonrpc).toBe("2.0");
    expect(answers.map((a) => a.id).sort()).toEqual([1, 2, 3]);
    const created = answers.find((a) => a.id === 3)?.result as { isError?: boolean };
    expect(created.isError).toBeUndefined();
  });

  it("refuses remote flags without a server URL, and a non-URL operand (Usage, exit 2)", async () => {
    const { runCli } = await import("./fixtures.js");
    const flags = await runCli(["mcp", "--dir", dir, "--token", "abc"]);
    expect(flags.code).toBe(2);
    expect(flags.stderr).toContain("--token");
    const bad = await runCli(["mcp", "ftp://x"]);
    expect(bad.code).toBe(2);
    expect(await callError(client, "spool_pool_info", { pool: "" })).toMatchObject({
      kind: "Usage",
    });
  });
});
