/**
 * The MCP tools of spec/mcp/v0 §3 over core's engine interface: list pools, pool info, create a
 * pool, read messages, append a message, wait for a message.
 *
 * Invariants: every tool works on any `PoolEngine` (a directory, a Spool server through the SDK,
 * a JetStream cluster) and knows nothing of where the pools are; only the tools the access mode
 * allows are registered (access.ts); every handler parses its arguments (inputs.ts), opens what it
 * needs, closes it on every path, and answers a result or a tool error carrying a Spool kind
 * (errors.ts); pool infos are core's wire spelling (`poolInfoJson`), messages core's envelopes.
 */
import type { CallToolResult, McpServer, ServerContext } from "@modelcontextprotocol/server";
import {
  type AccessMode,
  type AppendOptions,
  type EnginePool,
  isSpoolError,
  type PoolEngine,
  poolInfoJson,
  poolListEntryJson,
  reviseError,
  SpoolError,
  validatePoolName,
} from "@spool/core";
import type * as z from "zod";
import { allows, authorize, type ToolOperation } from "./access.js";
import { toolError, toolResult } from "./errors.js";
import type { InFlight } from "./inflight.js";
import {
  advertised,
  appendInput,
  createInput,
  DEFAULT_READ,
  DEFAULT_WAIT_MS,
  infoInput,
  listInput,
  parseArgs,
  readInput,
  waitInput,
} from "./inputs.js";
import { envelopeOf, readMessages, waitMessage } from "./read.js";

/** The tool names: a contract (spec/mcp/v0 §3). */
export const TOOL_NAMES = {
  list: "spool_pool_list",
  info: "spool_pool_info",
  create: "spool_pool_create",
  read: "spool_read",
  append: "spool_append",
  wait: "spool_wait",
} as const;

/** What the tools run against and within. */
export interface ToolSettings {
  engine: PoolEngine;
  access: AccessMode;
  /** Longest wait a call may ask for (longer ones are shortened to this). */
  maxWaitMs: number;
  /** Counts calls in progress (stdio waits for them when its input ends). */
  inFlight?: InFlight | undefined;
}

interface ToolDef<S extends z.ZodType> {
  name: string;
  title: string;
  description: string;
  op: ToolOperation;
  input: S;
  readOnly: boolean;
  run(
    args: z.output<S>,
    settings: ToolSettings,
    ctx: ServerContext,
  ): Promise<Record<string, unknown>>;
}

/**
 * Opens the pool named `name`, runs `use`, closes the handle on every path. The name is checked
 * by core's rule first: a bare name only (an engine over a directory would read `../x` or `a/b`
 * as a path, and an agent must never reach a file outside the pool directory).
 */
async function withPool<R>(
  engine: PoolEngine,
  name: string,
  use: (pool: EnginePool) => Promise<R>,
): Promise<R> {
  const pool = await engine.open(validatePoolName(name)).catch((error: unknown) => {
    throw isSpoolError(error, "NotFound") ? missingPool(error, name) : error;
  });
  try {
    return await use(pool);
  } finally {
    await pool.close();
  }
}

/** A missing pool's NotFound, with advice in the tools' own words. */
function missingPool(error: SpoolError, name: string): SpoolError {
  return reviseError(error, {
    hint: `create it with ${TOOL_NAMES.create} {"pool": ${JSON.stringify(name)}}, or see the pools with ${TOOL_NAMES.list}`,
  });
}

const TOOLS = [
  {
    name: TOOL_NAMES.list,
    title: "List pools",
    description:
      "List the pools (message channels) with their bounds and usage. A pool that cannot be read is listed with its error.",
    op: "meta",
    input: listInput,
    readOnly: true,
    async run(_args, { engine }) {
      const entries = await engine.list();
      return { pools: entries.map((entry) => poolListEntryJson(entry)) };
    },
  } satisfies ToolDef<typeof listInput>,
  {
    name: TOOL_NAMES.info,
    title: "Pool info",
    description:
      "Size, bounds (oldest and newest seq), message count and usage of one pool. NotFound when it does not exist.",
    op: "meta",
    input: infoInput,
    readOnly: true,
    async run(args, { engine }) {
      return withPool(engine, args.pool, async (pool) => ({
        pool: poolInfoJson(await pool.info()),
      }));
    },
  } satisfies ToolDef<typeof infoInput>,
  {
    name: TOOL_NAMES.create,
    title: "Create a pool",
    description:
      "Create a pool (a bounded ring of JSON messages). AlreadyExists when it exists; never truncates.",
    op: "write",
    input: createInput,
    readOnly: false,
    async run(args, { engine }) {
      const name = validatePoolName(args.pool);
      const pool = await engine.create(name, args.size === undefined ? {} : { size: args.size });
      try {
        return { pool: poolInfoJson(await pool.info()) };
      } finally {
        await pool.close();
      }
    },
  } satisfies ToolDef<typeof createInput>,
  {
    name: TOOL_NAMES.read,
    title: "Read messages",
    description:
      "Read up to max messages of a pool, oldest first, as envelopes {seq, time, meta: {tags}, data}. Start with one of last (the newest N; the default), since_seq, since_time or around_seq; filter by tags. Pass next_since_seq back as since_seq to read on without missing or repeating a message.",
    op: "read",
    input: readInput,
    readOnly: true,
    async run(args, { engine }, ctx) {
      const starts = (["last", "since_seq", "since_time", "around_seq"] as const).filter(
        (k) => args[k] !== undefined,
      );
      if (starts.length > 1) {
        throw new SpoolError(
          "Usage",
          `${TOOL_NAMES.read}: give one of last, since_seq, since_time and around_seq, not ${starts.join(" and ")}`,
          {
            hint: "since_seq continues from a cursor, since_time starts at a time, around_seq shows a seq's neighbours, last the newest N",
          },
        );
      }
      const max = args.max ?? args.last ?? DEFAULT_READ;
      return withPool(engine, args.pool, (pool) =>
        readMessages(
          pool,
          {
            last: args.last,
            sinceSeq: args.since_seq,
            sinceTime: args.since_time,
            aroundSeq: args.around_seq,
          },
          { max, tags: args.tags ?? [], signal: ctx.mcpReq.signal },
        ),
      );
    },
  } satisfies ToolDef<typeof readInput>,
  {
    name: TOOL_NAMES.append,
    title: "Append a message",
    description:
      "Append one JSON message (data, optional tags) to a pool; answers the committed envelope with its seq. expected_last_seq makes it conditional (Conflict carries newest_seq); producer {id, seq} makes retries idempotent (a repeat answers the original with duplicate: true).",
    op: "write",
    input: appendInput,
    readOnly: false,
    async run(args, { engine }) {
      const options: AppendOptions = {};
      if (args.tags !== undefined) options.tags = args.tags;
      if (args.durability !== undefined) options.durability = args.durability;
      if (args.expected_last_seq !== undefined) options.expectedLastSeq = args.expected_last_seq;
      return withPool(engine, args.pool, async (pool) => {
        if (args.producer === undefined) {
          return { message: envelopeOf(await pool.append(args.data, options)) };
        }
        const producer =
          args.producer.epoch === undefined
            ? { id: args.producer.id, seq: args.producer.seq }
            : { id: args.producer.id, seq: args.producer.seq, epoch: args.producer.epoch };
        const appended = await pool.append(args.data, { ...options, producer });
        return { message: appended.toJSON() };
      });
    },
  } satisfies ToolDef<typeof appendInput>,
  {
    name: TOOL_NAMES.wait,
    title: "Wait for a message",
    description:
      "Wait up to timeout_ms for the first message at or after since_seq (default: the next new one) carrying every tag in tags. Answers {message, timed_out: false} or, at the timeout, {message: null, timed_out: true}; next_since_seq continues.",
    op: "read",
    input: waitInput,
    readOnly: true,
    async run(args, { engine, maxWaitMs }, ctx) {
      const timeoutMs = Math.min(args.timeout_ms ?? DEFAULT_WAIT_MS, maxWaitMs);
      return withPool(engine, args.pool, (pool) =>
        waitMessage(pool, {
          sinceSeq: args.since_seq,
          tags: args.tags ?? [],
          timeoutMs,
          signal: ctx.mcpReq.signal,
        }),
      );
    },
  } satisfies ToolDef<typeof waitInput>,
] as const;

/** Registers the tools `settings.access` allows on `server`. */
export function registerTools(server: McpServer, settings: ToolSettings): void {
  for (const tool of TOOLS as readonly ToolDef<z.ZodType>[]) {
    if (!allows(settings.access, tool.op)) continue;
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: advertised(tool.input),
        annotations: {
          readOnlyHint: tool.readOnly,
          destructiveHint: false,
          idempotentHint: tool.readOnly,
          openWorldHint: false,
        },
      },
      async (args: unknown, ctx: ServerContext): Promise<CallToolResult> => {
        const done = settings.inFlight?.begin();
        try {
          authorize(settings.access, tool.op, tool.name);
          return toolResult(await tool.run(parseArgs(tool.input, args, tool.name), settings, ctx));
        } catch (error) {
          return toolError(error);
        } finally {
          done?.();
        }
      },
    );
  }
}
