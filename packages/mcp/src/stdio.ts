/**
 * `serveStdio`: the MCP server on this process's stdin and stdout (what `spool mcp` runs), until
 * the client closes stdin.
 *
 * Invariants: stdout carries protocol messages only (the SDK's stdio transport writes them;
 * nothing here writes to stdout, and diagnostics go to `onError`, which the CLI sends to stderr);
 * one server instance per connection (the SDK calls the factory); when stdin ends the server is
 * closed, then the engine, and the returned promise resolves.
 */
import { serveStdio as sdkServeStdio } from "@modelcontextprotocol/server/stdio";
import { createSpoolMcpServer, type SpoolMcpOptions } from "./server.js";

export interface StdioOptions extends SpoolMcpOptions {
  /** Out-of-band errors (a malformed frame, a failed write): for a log on stderr. */
  onError?: ((error: Error) => void) | undefined;
  /** Where the protocol comes from (default process.stdin; tests pass their own). */
  stdin?: NodeJS.ReadableStream | undefined;
}

/**
 * Serves MCP over stdio until stdin ends; then closes the engine.
 *
 * @example
 * await serveStdio({ engine: new FileEngine({ dir: "/var/lib/spool" }) });
 */
export async function serveStdio(options: StdioOptions): Promise<void> {
  const stdin = options.stdin ?? process.stdin;
  const ended = new Promise<void>((resolve) => {
    stdin.once("end", resolve);
    stdin.once("close", resolve);
  });
  const handle = sdkServeStdio(() => createSpoolMcpServer(options), {
    ...(options.onError ? { onerror: options.onError } : {}),
  });
  try {
    await ended;
  } finally {
    await handle.close().catch((error: unknown) => options.onError?.(error as Error));
    await options.engine.close();
  }
}
