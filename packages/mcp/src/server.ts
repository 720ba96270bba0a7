/**
 * `createSpoolMcpServer`: one MCP server instance (tools and resources) over one engine, for one
 * access mode. Stdio serves one per connection, HTTP one per request (stateless).
 *
 * Invariants: the instance holds no state of its own besides its registrations (pools are opened
 * per call and closed after), so making one per HTTP request is cheap and safe; the tools listed
 * are exactly those the access mode allows; resources are offered only where messages may be read.
 */
import { McpServer } from "@modelcontextprotocol/server";
import type { AccessMode, PoolEngine } from "@spool/core";
import { allows } from "./access.js";
import type { InFlight } from "./inflight.js";
import { registerResources } from "./resources.js";
import { registerTools } from "./tools.js";

/** The server's name in `initialize` (serverInfo.name). */
export const SERVER_NAME = "spool";
/** Longest wait a `spool_wait` call may ask for unless the host sets less. */
export const DEFAULT_MAX_WAIT_MS = 300_000;

export interface SpoolMcpOptions {
  /** The pools: a directory's `FileEngine`, a Spool server over the SDK, any `PoolEngine`. */
  engine: PoolEngine;
  /** What the connection may do (default read-write). */
  access?: AccessMode | undefined;
  /** Longest wait a call may ask for, in ms (default 300,000). */
  maxWaitMs?: number | undefined;
  /** The version shown in serverInfo (default 0.0.0). */
  version?: string | undefined;
  /** Counts calls in progress (what stdio waits for when its input ends). */
  inFlight?: InFlight | undefined;
}

const INSTRUCTIONS =
  "Spool pools are persistent, bounded channels of JSON messages. Agents coordinate by appending to a pool (spool_append) and reading or waiting on it (spool_read, spool_wait). Every message is an envelope {seq, time, meta: {tags}, data}; seq increases by one per message and is never reused. Keep next_since_seq from a read or wait and pass it back as since_seq to continue without missing a message. Tags are exact-match filters: tag a message with its recipient or topic.";

/**
 * An MCP server over `engine`.
 *
 * @example
 * const server = createSpoolMcpServer({ engine: new FileEngine({ dir }), access: "read-only" });
 * await server.connect(transport);
 */
export function createSpoolMcpServer(options: SpoolMcpOptions): McpServer {
  const access = options.access ?? "read-write";
  const server = new McpServer(
    { name: SERVER_NAME, version: options.version ?? "0.0.0" },
    {
      capabilities: allows(access, "read") ? { tools: {}, resources: {} } : { tools: {} },
      instructions: INSTRUCTIONS,
    },
  );
  registerTools(server, {
    engine: options.engine,
    access,
    maxWaitMs: options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS,
    inFlight: options.inFlight,
  });
  if (allows(access, "read")) registerResources(server, options.engine, options.inFlight);
  return server;
}
