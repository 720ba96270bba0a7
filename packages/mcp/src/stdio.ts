/**
 * `serveStdio`: the MCP server on this process's stdin and stdout (what `spool mcp` runs), until
 * the client closes stdin.
 *
 * Invariants: stdout carries protocol messages only (the SDK's stdio transport writes them;
 * nothing here writes to stdout, and diagnostics go to `onError`, which the CLI sends to stderr);
 * one server instance per connection (the SDK calls the factory); the SDK's transport reads a
 * stand-in for stdin that ends only after the calls already asked are answered (inflight.ts), so
 * `printf REQUESTS | spool mcp` gets every answer; then the server is closed, then the engine,
 * and the returned promise resolves.
 */
import { PassThrough } from "node:stream";
import {
  StdioServerTransport,
  serveStdio as sdkServeStdio,
} from "@modelcontextprotocol/server/stdio";
import { InFlight } from "./inflight.js";
import { createSpoolMcpServer, type SpoolMcpOptions } from "./server.js";

export interface StdioOptions extends SpoolMcpOptions {
  /** Out-of-band errors (a malformed frame, a failed write): for a log on stderr. */
  onError?: ((error: Error) => void) | undefined;
  /** Where the protocol comes from (default process.stdin). */
  stdin?: NodeJS.ReadableStream | undefined;
  /** Where it goes (default process.stdout). */
  stdout?: NodeJS.WritableStream | undefined;
}

/**
 * Serves MCP over stdio until stdin ends and every call asked is answered; then closes the engine.
 *
 * @example
 * await serveStdio({ engine: new FileEngine({ dir: "/var/lib/spool" }) });
 */
export async function serveStdio(options: StdioOptions): Promise<void> {
  const stdin = options.stdin ?? process.stdin;
  const input = new PassThrough();
  const inFlight = new InFlight();
  const ended = new Promise<void>((resolve) => {
    let once = false;
    const finish = (): void => {
      if (once) return;
      once = true;
      void inFlight.idle().then(() => {
        input.end();
        resolve();
      });
    };
    stdin.once("end", finish);
    stdin.once("close", finish);
  });
  stdin.pipe(input, { end: false });
  const transport = new StdioServerTransport(
    input,
    (options.stdout ?? process.stdout) as NodeJS.WriteStream,
  );
  const handle = sdkServeStdio(() => createSpoolMcpServer({ ...options, inFlight }), {
    transport,
    ...(options.onError ? { onerror: options.onError } : {}),
  });
  try {
    await ended;
  } finally {
    await handle.close().catch((error: unknown) => options.onError?.(error as Error));
    await options.engine.close();
  }
}
