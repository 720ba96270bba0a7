/**
 * Test fixtures: a temp pool directory, the built CLI as a child process (`spool mcp` over stdio,
 * `spool serve` on a free loopback port), and the official MCP client connected to either.
 *
 * Invariants: every process and directory made here is registered for cleanup by the caller's
 * `cleanup()`; waits are bounded (a server that prints no banner fails the test, it never hangs);
 * nothing listens beyond 127.0.0.1.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";

/** The built CLI (`cd packages/cli && npx tsup`). */
export const CLI = fileURLToPath(new URL("../../cli/dist/cli.js", import.meta.url));

export function cliBuilt(): boolean {
  return existsSync(CLI);
}

export function tempDir(prefix = "spool-mcp-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Runs the CLI to completion; resolves with its exit code and output. */
export function runCli(
  args: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error ? ((error as { code?: number }).code ?? 1) : 0;
      resolve({ code: typeof code === "number" ? code : 1, stdout, stderr });
    });
  });
}

/** A started `spool serve`: its base URL and a stop function. */
export interface Served {
  url: string;
  stop(): Promise<void>;
}

/** Starts `spool serve --dir DIR --port 0 …` and waits for its banner. */
export async function startServe(dir: string, extra: readonly string[] = []): Promise<Served> {
  const child = spawn(process.execPath, [CLI, "serve", "--dir", dir, "--port", "0", ...extra], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(
      () => reject(new Error(`spool serve printed no banner: ${out}${err}`)),
      20_000,
    );
    const look = (): void => {
      const found =
        /listening on (http:\/\/\S+)/.exec(out) ??
        /"msg":"listening","url":"(http:[^"]+)"/.exec(err);
      if (found) {
        clearTimeout(timer);
        resolve(found[1] as string);
      }
    };
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      look();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString();
      look();
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`spool serve exited ${code}: ${out}${err}`));
    });
  });
  return { url, stop: () => stopChild(child) };
}

/** SIGTERM, then wait for the exit (SIGKILL after 5 s). */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** The official client over stdio to `spool mcp ARGS`. */
export async function stdioClient(
  args: readonly string[],
): Promise<{ client: Client; transport: StdioClientTransport; stderr: () => string }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, "mcp", ...args],
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const client = new Client({ name: "spool-mcp-test", version: "1.0.0" });
  await client.connect(transport);
  return { client, transport, stderr: () => stderr };
}

/** The official client over Streamable HTTP to `URL/mcp`, with an optional bearer token. */
export async function httpClient(base: string, token?: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {
    ...(token === undefined
      ? {}
      : { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
  });
  const client = new Client({ name: "spool-mcp-test", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

/** A tool call's structured answer (the result must not be an error). */
export async function call(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  return result.structuredContent as Record<string, unknown>;
}

/** A tool call that must fail: its Spool error object. */
export async function callError(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<{ kind: string; message: string; hint?: string; [key: string]: unknown }> {
  const result = await client.callTool({ name, arguments: args });
  if (!result.isError)
    throw new Error(`${name} succeeded: ${JSON.stringify(result.structuredContent)}`);
  const text = (result.content as { type: string; text: string }[])[0]?.text ?? "";
  const fromText = JSON.parse(text) as { error: { kind: string; message: string } };
  expectSame(result.structuredContent, fromText);
  return fromText.error as { kind: string; message: string; hint?: string };
}

function expectSame(a: unknown, b: unknown): void {
  if (JSON.stringify(a) !== JSON.stringify(b)) {
    throw new Error(
      `structuredContent and text differ: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`,
    );
  }
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
