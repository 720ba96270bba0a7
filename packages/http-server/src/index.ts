/**
 * @spool/http-server: Spool's HTTP protocol v0 as a hono app over @spool/core.
 *
 * Only this file is imported by other packages; everything else is internal. Sockets, TLS and
 * signals live in the server app and `spool serve`, which pass `app.fetch` to a server.
 */

export { type AppMetrics, createApp, type SpoolApp } from "./app.js";
export { PROTOCOL_VERSION } from "./headers.js";
export type { McpCaller, McpMount } from "./mcp-mount.js";
export { LATENCY_BUCKETS, type MetricsSnapshot } from "./metrics.js";
export type { AccessMode, CreateAppOptions, Limits, TokenSpec } from "./options.js";
export { ACCESS_MODES, DEFAULT_LIMITS } from "./options.js";
export {
  parserErrorResponse,
  unexpectedErrorResponse,
  unreadableRequestResponse,
} from "./refusals.js";
export type { PoolInfoJson, PoolListEntryJson } from "./wire.js";
