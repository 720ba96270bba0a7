/**
 * The pools as MCP resources (spec/mcp/v0 §5): `spool://POOL`, listed from the engine and read as
 * one JSON document holding the pool's info and its latest messages.
 *
 * Invariants: the URI holds a bare pool name only (percent-encoded; core validates it when the
 * pool is opened, so `spool://../x` is refused like any bad name); a read opens the pool, reads,
 * and closes it on every path; messages are core's envelopes, oldest first; resources need read
 * access (they show messages), so a write-only connection has none; a failed read is a JSON-RPC
 * error (resource-not-found for a missing pool, invalid params for a bad name, internal error
 * otherwise) whose `data` is core's error envelope, so the Spool kind and hint travel with it.
 */
import {
  type McpServer,
  ProtocolError,
  ProtocolErrorCode,
  ResourceNotFoundError,
  ResourceTemplate,
} from "@modelcontextprotocol/server";
import { type PoolEngine, poolInfoJson, SpoolError, validatePoolName } from "@spool/core";
import { asSpoolError } from "./errors.js";
import type { InFlight } from "./inflight.js";
import { readMessages } from "./read.js";

/** The URI scheme of pool resources. */
export const RESOURCE_SCHEME = "spool";
/** How many of the newest messages a resource read shows. */
export const RESOURCE_MESSAGES = 20;

/** `spool://NAME` for a pool name. */
export function poolUri(name: string): string {
  return `${RESOURCE_SCHEME}://${encodeURIComponent(name)}`;
}

/** Registers the pool resources on `server`. */
export function registerResources(
  server: McpServer,
  engine: PoolEngine,
  inFlight?: InFlight | undefined,
): void {
  const template = new ResourceTemplate(`${RESOURCE_SCHEME}://{pool}`, {
    list: async () => {
      const entries = await engine.list();
      return {
        resources: entries.map((entry) => ({
          uri: poolUri(entry.name),
          name: entry.name,
          title: `Pool ${entry.name}`,
          description: entry.info
            ? `${entry.info.messageCount} messages; newest seq ${entry.info.bounds?.newest ?? 0}`
            : `unreadable: ${entry.error?.message ?? "unknown error"}`,
          mimeType: "application/json",
        })),
      };
    },
  });
  server.registerResource(
    "pool",
    template,
    {
      title: "Spool pool",
      description: `A pool's info and its ${RESOURCE_MESSAGES} newest messages`,
      mimeType: "application/json",
    },
    async (uri, variables) => {
      const done = inFlight?.begin();
      try {
        return await readPool(engine, uri, variables);
      } catch (error) {
        throw protocolErrorOf(error, uri);
      } finally {
        done?.();
      }
    },
  );
}

async function readPool(
  engine: PoolEngine,
  uri: URL,
  variables: Record<string, string | string[]>,
): Promise<{ contents: { uri: string; mimeType: string; text: string }[] }> {
  const raw = variables.pool;
  const name = decodeURIComponent(typeof raw === "string" ? raw : (raw?.[0] ?? ""));
  if (name === "") {
    throw new SpoolError("Usage", `no pool name in ${uri.href}`, {
      hint: "read spool://POOL, e.g. spool://build",
    });
  }
  const pool = await engine.open(validatePoolName(name));
  try {
    const info = poolInfoJson(await pool.info());
    const latest = await readMessages(
      pool,
      { last: RESOURCE_MESSAGES },
      { max: RESOURCE_MESSAGES, tags: [] },
    );
    const document = {
      pool: info,
      messages: latest.messages,
      next_since_seq: latest.next_since_seq,
    };
    return {
      contents: [
        { uri: poolUri(name), mimeType: "application/json", text: JSON.stringify(document) },
      ],
    };
  } finally {
    await pool.close();
  }
}

/** A failed resource read as a JSON-RPC error carrying core's error envelope. */
function protocolErrorOf(error: unknown, uri: URL): ProtocolError {
  const spool = asSpoolError(error);
  const data = { error: spool.toJSON() };
  const text = spool.hint ? `${spool.message} (${spool.hint})` : spool.message;
  const code =
    spool.kind === "NotFound"
      ? new ResourceNotFoundError(uri.href).code
      : spool.kind === "Usage"
        ? ProtocolErrorCode.InvalidParams
        : ProtocolErrorCode.InternalError;
  return new ProtocolError(code, text, data);
}
