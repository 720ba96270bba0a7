/**
 * `createMcpEndpoint`: the MCP server as a web-standard handler for Streamable HTTP, served
 * stateless (one server instance per request), which the HTTP server mounts at `/mcp`.
 *
 * Invariants: this handler does no authentication and no Origin check: the host that mounts it
 * (`@spool/http-server`) authenticates the request, checks its Origin and body size, and passes
 * the caller's engine view and access mode with every request; the tools and resources of each
 * request are those that access mode allows (a read-only caller is never offered a write tool);
 * the SDK's own checks (JSON content type, protocol version, body bound) answer their HTTP errors.
 */
import { type AuthInfo, createMcpHandler } from "@modelcontextprotocol/server";
import type { AccessMode, PoolEngine } from "@spool/core";
import { createSpoolMcpServer } from "./server.js";

/** Who is calling, as the host established it. */
export interface McpCaller {
  /** The pools as this caller may reach them (the host's limits applied). */
  engine: PoolEngine;
  access: AccessMode;
  /** Longest wait a call may ask for, in ms. */
  maxWaitMs: number;
}

/** The mounted endpoint. */
export interface McpEndpoint {
  /** Serves one HTTP request of `caller`. */
  fetch(request: Request, caller: McpCaller): Promise<Response>;
  /** Ends in-flight exchanges. */
  close(): Promise<void>;
}

export interface McpEndpointOptions {
  /** Largest body the endpoint reads (413 above; default 4 MiB). */
  maxBodyBytes?: number | undefined;
  /** The version shown in serverInfo. */
  version?: string | undefined;
  /** Out-of-band errors, for the server's log. */
  onError?: ((error: Error) => void) | undefined;
}

/** The key under which the caller travels through the SDK's pass-through auth info. */
const CALLER = "spool.caller";

/**
 * The MCP endpoint for an HTTP host.
 *
 * @example
 * const endpoint = createMcpEndpoint();
 * const response = await endpoint.fetch(request, { engine, access: "read-only", maxWaitMs: 60_000 });
 */
export function createMcpEndpoint(options: McpEndpointOptions = {}): McpEndpoint {
  const handler = createMcpHandler(
    (ctx) => {
      const caller = ctx.authInfo?.extra?.[CALLER] as McpCaller | undefined;
      if (caller === undefined) throw new Error("the MCP endpoint was called without a caller");
      return createSpoolMcpServer({
        engine: caller.engine,
        access: caller.access,
        maxWaitMs: caller.maxWaitMs,
        version: options.version,
      });
    },
    {
      legacy: "stateless",
      ...(options.maxBodyBytes === undefined ? {} : { maxRequestBodySize: options.maxBodyBytes }),
      ...(options.onError ? { onerror: options.onError } : {}),
    },
  );
  return {
    fetch(request, caller) {
      const authInfo: AuthInfo = {
        token: "",
        clientId: "spool",
        scopes: [caller.access],
        extra: { [CALLER]: caller },
      };
      return handler.fetch(request, { authInfo });
    },
    close: () => handler.close(),
  };
}
