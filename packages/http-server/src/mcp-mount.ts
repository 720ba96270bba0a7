/**
 * `/mcp`: the mount point of an MCP endpoint (Streamable HTTP, spec/mcp/v0 §6) given as the
 * `mcp` option. This package does not speak MCP (and does not depend on the MCP SDK): the host
 * passes the endpoint in (`@spool/server` passes `@spool/mcp`'s), and this module gives it what
 * only the app knows, for every request: who the caller is and the pools as the server serves them.
 *
 * Invariants: the request is authenticated exactly like every other route (401 without a valid
 * token when tokens are configured) and the caller's access mode goes to the endpoint, which
 * offers only the tools that mode allows; a request carrying an `Origin` that is neither a
 * loopback origin nor one of the app's CORS origins is refused with 403 (kind Permission) before
 * the endpoint sees it (the MCP transport spec's DNS-rebinding rule); the body limit applies
 * (413); the pools reach the endpoint through the app's own pool source, so creates stay within
 * the size and total-bytes limits, handles are the registry's (never closed by the endpoint), a
 * wait holds a tail slot (423 Busy when none is free) and a pool lease until it ends, is capped at
 * the tail timeout limit and ends when the app closes; errors and paths are shown as the HTTP API
 * shows them (remote.ts).
 */
import {
  type AccessMode,
  type Appended,
  type AppendInput,
  type EngineCreateOptions,
  type EngineKind,
  type EnginePool,
  type Message,
  type PoolEngine,
  type PoolInfo,
  type PoolListEntry,
  type ProducerInfo,
  poolFileSize,
  SpoolError,
  type TailOptions,
} from "@spool/core";
import type { Hono } from "hono";
import { type AppContext, bodyLimit } from "./context.js";
import { toSpoolError } from "./errors.js";
import { type Operation, remoteError, remotePath } from "./remote.js";

/** Who calls the endpoint, as the app established it. */
export interface McpCaller {
  /** The served pools (the app's limits applied; handles are the app's). */
  engine: PoolEngine;
  access: AccessMode;
  /** Longest wait a call may ask for (the app's `maxTailTimeoutMs`). */
  maxWaitMs: number;
}

/** An MCP endpoint the app mounts at `/mcp` (e.g. `createMcpEndpoint()` of `@spool/mcp`). */
export interface McpMount {
  fetch(request: Request, caller: McpCaller): Promise<Response>;
  close?(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Whether `origin` may call `/mcp`: a loopback origin, or one of the CORS origins. */
export function mcpOriginAllowed(
  origin: string,
  corsOrigins: readonly string[] | undefined,
): boolean {
  if (corsOrigins?.includes(origin)) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return (
    (url.protocol === "http:" || url.protocol === "https:") &&
    (LOOPBACK_HOSTS.has(url.hostname) || url.hostname.endsWith(".localhost"))
  );
}

/** Mounts `mount` at `/mcp`. */
export function mcpRoutes(app: Hono, ctx: AppContext, mount: McpMount): void {
  const engine = servedEngine(ctx);
  const limit = bodyLimit(ctx);
  app.all(
    "/mcp",
    async (c, next) => {
      const access = ctx.auth.authenticate(c.req.header("authorization"));
      const origin = c.req.header("origin");
      if (origin !== undefined && !mcpOriginAllowed(origin, ctx.options.cors)) {
        throw new SpoolError("Permission", `origin ${origin} may not call /mcp`, {
          hint: "call /mcp from an MCP client (no Origin), a loopback page, or add the page's origin with --cors-origin",
        });
      }
      c.set("mcpAccess" as never, access as never);
      await next();
    },
    limit,
    async (c) => {
      const access = c.get("mcpAccess" as never) as AccessMode;
      return mount.fetch(c.req.raw, {
        engine,
        access,
        maxWaitMs: ctx.options.limits.maxTailTimeoutMs,
      });
    },
  );
}

/** Core's error as the HTTP API shows it, for operation `op`. */
function shown(error: unknown, op: Operation, ctx: AppContext): SpoolError {
  return remoteError(toSpoolError(error), op, ctx.remote);
}

async function guarded<R>(op: Operation, ctx: AppContext, run: () => Promise<R>): Promise<R> {
  try {
    return await run();
  } catch (error) {
    throw shown(error, op, ctx);
  }
}

function shownInfo(info: PoolInfo, ctx: AppContext): PoolInfo {
  return { ...info, path: remotePath(info.path, ctx.remote) };
}

/** The app's pool source as core's engine interface, for the endpoint. */
function servedEngine(ctx: AppContext): PoolEngine {
  const open = async (name: string): Promise<EnginePool> => {
    const { pool } = await ctx.pools.open(name);
    return new ServedPool(pool, ctx);
  };
  return {
    get kind(): EngineKind {
      return ctx.pools.kind;
    },
    get location(): string {
      return remotePath(ctx.pools.location, ctx.remote);
    },
    create: (name: string, options: EngineCreateOptions = {}) =>
      guarded("create", ctx, async () => {
        const size =
          options.size === undefined ? ctx.options.defaultPoolSize : poolFileSize(options.size);
        await ctx.pools.create(name, size);
        return open(name);
      }),
    open: (name: string) => guarded("open", ctx, () => open(name)),
    list: () =>
      guarded("list", ctx, async () =>
        (await ctx.pools.list()).map(
          (entry): PoolListEntry => ({
            ...entry,
            path: remotePath(entry.path, ctx.remote),
            ...(entry.info ? { info: shownInfo(entry.info, ctx) } : {}),
          }),
        ),
      ),
    delete: async (name: string) => {
      throw new SpoolError("Permission", `deleting pools is not offered over /mcp: ${name}`, {
        hint: "delete pools with DELETE /v0/pools/{pool} or spool pool delete",
      });
    },
    close: async () => {},
  };
}

/** One served pool for the endpoint: the app's handle, never closed by it. */
class ServedPool implements EnginePool {
  readonly #pool: EnginePool;
  readonly #ctx: AppContext;

  constructor(pool: EnginePool, ctx: AppContext) {
    this.#pool = pool;
    this.#ctx = ctx;
  }
  get name(): string {
    return this.#pool.name;
  }
  get engine(): EngineKind {
    return this.#pool.engine;
  }
  info(): Promise<PoolInfo> {
    return guarded("info", this.#ctx, async () => shownInfo(await this.#pool.info(), this.#ctx));
  }
  // biome-ignore lint/suspicious/noExplicitAny: the overloads of EnginePool.append, forwarded as one
  append(data: unknown, options?: any): Promise<any> {
    return guarded("append", this.#ctx, () =>
      this.#pool.append(data, { ...options, signal: this.#ctx.shutdown }),
    );
  }
  appendJson(
    json: string | Uint8Array,
    options?: Parameters<EnginePool["appendJson"]>[1],
  ): Promise<Appended> {
    return guarded("append", this.#ctx, () =>
      this.#pool.appendJson(json, { ...options, signal: this.#ctx.shutdown }),
    );
  }
  appendBatch<T = unknown>(
    inputs: readonly AppendInput[],
    options?: Parameters<EnginePool["appendBatch"]>[1],
  ): Promise<Appended<T>[]> {
    return guarded("append", this.#ctx, () =>
      this.#pool.appendBatch<T>(inputs, { ...options, signal: this.#ctx.shutdown }),
    );
  }
  get<T = unknown>(seq: number): Promise<Message<T>> {
    return guarded("get", this.#ctx, () => this.#pool.get<T>(seq));
  }
  producerState(id: string): Promise<ProducerInfo | null> {
    return guarded("info", this.#ctx, () => this.#pool.producerState(id));
  }

  /** A tail holding a tail slot and a lease, capped at the tail timeout limit. */
  async *tail<T = unknown>(options: TailOptions = {}): AsyncIterable<Message<T>> {
    const ctx = this.#ctx;
    let slot: ReturnType<AppContext["tails"]["acquire"]>;
    try {
      slot = ctx.tails.acquire();
    } catch (error) {
      throw shown(error, "tail", ctx);
    }
    const lease = await ctx.pools.lease(this.#pool.name).catch((error: unknown) => {
      slot.release();
      throw shown(error, "tail", ctx);
    });
    const signal = options.signal ? AbortSignal.any([options.signal, slot.signal]) : slot.signal;
    const max = ctx.options.limits.maxTailTimeoutMs;
    const timeoutMs = options.timeoutMs === undefined ? max : Math.min(options.timeoutMs, max);
    try {
      yield* lease.pool.tail<T>({ ...options, signal, timeoutMs });
    } catch (error) {
      throw shown(error, "tail", ctx);
    } finally {
      lease.release();
      slot.release();
    }
  }
  close(): void {}
}
