/**
 * @spool/mcp: Spool pools for AI agents. An MCP server (the tools and resources of spec/mcp/v0)
 * over core's engine interface, served on stdio (`spool mcp`) or as a Streamable HTTP endpoint
 * (`/mcp` on `spool serve`), built on the official MCP TypeScript SDK.
 *
 * Only this file is imported by other packages; everything else is internal.
 */

export { allows, type ToolOperation } from "./access.js";
export {
  createMcpEndpoint,
  type McpCaller,
  type McpEndpoint,
  type McpEndpointOptions,
} from "./http.js";
export { DEFAULT_READ, DEFAULT_WAIT_MS, MAX_READ } from "./inputs.js";
export { clientEngine, type PoolClient } from "./remote-engine.js";
export { poolUri, RESOURCE_MESSAGES, RESOURCE_SCHEME } from "./resources.js";
export {
  createSpoolMcpServer,
  DEFAULT_MAX_WAIT_MS,
  SERVER_NAME,
  type SpoolMcpOptions,
} from "./server.js";
export { type StdioOptions, serveStdio } from "./stdio.js";
export { TOOL_NAMES } from "./tools.js";
