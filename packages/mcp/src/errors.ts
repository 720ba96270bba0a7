/**
 * Tool results and tool errors: how a Spool answer or a SpoolError becomes an MCP `tools/call`
 * result (spec/mcp/v0 §4).
 *
 * Invariants: a successful result carries the answer twice, as `structuredContent` and as the same
 * JSON in one text block (for clients that read only text); a failure is a tool error
 * (`isError: true`, never a JSON-RPC error) whose structured content is core's error envelope
 * `{"error": {kind, message, hint?, …}}`; anything that is not a SpoolError becomes Internal, so
 * every failure carries one of core's kinds.
 */

import type { CallToolResult } from "@modelcontextprotocol/server";
import { isSpoolError, SpoolError } from "@spool/core";

/** A successful tool result holding `value` (a JSON object). */
export function toolResult(value: Record<string, unknown>): CallToolResult {
  return {
    content: [{ type: "text", text: JSON.stringify(value) }],
    structuredContent: value,
  };
}

/** Any thrown value as a SpoolError (Internal unless it already is one). */
export function asSpoolError(error: unknown): SpoolError {
  if (isSpoolError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new SpoolError("Internal", message, {
    hint: "this is a bug in Spool's MCP server or its engine; report it with the tool call that caused it",
    cause: error,
  });
}

/** A tool error carrying core's error envelope. */
export function toolError(error: unknown): CallToolResult {
  const envelope = { error: asSpoolError(error).toJSON() };
  return {
    content: [{ type: "text", text: JSON.stringify(envelope) }],
    structuredContent: envelope,
    isError: true,
  };
}
