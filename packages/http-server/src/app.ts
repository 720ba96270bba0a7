/**
 * `createApp(options)`: the hono app of HTTP protocol v0 over @spool/core.
 *
 * Invariants: no sockets, TLS, signals or environment here (the server app and `spool serve`
 * bring those); routes match the raw request target, never a URL whose dot segments were
 * resolved (raw-path.ts); every response carries `spool-version: 0` and the security headers; every error
 * (thrown by a route, an unknown route or method, a too-large body) is the error envelope with
 * its status; `close()` ends every open tail (a final Busy error line; a WebSocket tail's Busy
 * error frame and close code 1001), fails appends still
 * waiting for a pool's lock (Busy), closes the pools and makes later requests answer Busy. With metrics on, the outermost middleware also times every
 * request (one clock read before, one after) and every error answer is counted by kind. Errors
 * are answered in HTTP/SDK words, without absolute server paths unless `exposePaths` (remote.ts).
 */
import { SpoolError } from "@spool/core";
import { Hono } from "hono";
import { routePath } from "hono/route";
import { createAuthorizer } from "./auth.js";
import { readConsumers } from "./consumer-metrics.js";
import type { AppContext } from "./context.js";
import { corsMiddleware } from "./cors.js";
import { EngineSource } from "./engine-source.js";
import { errorResponse, statusOf, toSpoolError } from "./errors.js";
import { TailSlots } from "./limits.js";
import { mcpRoutes } from "./mcp-mount.js";
import { MAX_POOL_LABELS, Metrics, type MetricsSnapshot, routeLabel } from "./metrics.js";
import {
  anyWriter,
  type CreateAppOptions,
  type ResolvedOptions,
  resolveOptions,
} from "./options.js";
import { FileSource, type PoolSource } from "./pool-source.js";
import { PoolRegistry } from "./pools.js";
import { rawRequestPath } from "./raw-path.js";
import { operationOf, remoteError } from "./remote.js";
import { ensureProtocolHeaders } from "./responses.js";
import { accessRoutes } from "./routes/access.js";
import { cursorRoutes } from "./routes/cursors.js";
import { discoveryRoutes } from "./routes/discovery.js";
import { groupRoutes } from "./routes/groups.js";
import { healthRoutes } from "./routes/health.js";
import { messageRoutes } from "./routes/messages.js";
import { metricsRoutes } from "./routes/metrics.js";
import { poolRoutes } from "./routes/pools.js";
import { producerRoutes } from "./routes/producers.js";
import { tailRoutes } from "./routes/tail.js";
import { uiRoutes } from "./routes/ui.js";
import { unmatchedError } from "./unmatched.js";
import { wsTailRoutes } from "./ws-tail.js";

/** The app: a hono instance plus the hooks the server app needs. */
export type SpoolApp = Hono & {
  /**
   * Ends open tails (each gets a final Busy error line, or frame for a WebSocket tail), closes
   * pools; later requests get Busy.
   */
  close(): Promise<void>;
  /** Tails streaming right now. */
  readonly openTails: number;
  /** Pools held open right now. */
  readonly openPools: number;
  /** The metrics registry (undefined with `metrics: false`): what `GET /metrics` renders. */
  readonly metrics: AppMetrics | undefined;
};

/**
 * Read access to the app's metrics, for the server app (logs, its own endpoints).
 *
 * @example
 * const app = createApp({ dir });
 * const text = app.metrics?.render(); // "# HELP spool_http_requests_total …"
 * const { requests, errors } = app.metrics?.snapshot() ?? { requests: 0, errors: {} };
 */
export interface AppMetrics {
  /** The Prometheus text exposition (format 0.0.4) that `GET /metrics` answers. */
  render(): string;
  /** The totals as a plain object. */
  snapshot(): MetricsSnapshot;
}

/**
 * Builds the HTTP protocol v0 app over the pools of one directory.
 *
 * @example
 * import { serve } from "@hono/node-server";
 * const app = createApp({ dir: "/var/lib/spool", tokens: ["s3cret"], access: "read-write" });
 * const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 9700 });
 * // on shutdown: await app.close(); server.close();
 */
export function createApp(options: CreateAppOptions = {}): SpoolApp {
  const resolved = resolveOptions(options);
  const tails = new TailSlots(resolved.limits.maxConcurrentTails);
  const metrics = resolved.metrics.enabled
    ? new Metrics(
        () => tails.count,
        // Cursor and group series come from the file pools' ledgers (also under an engine that
        // wraps the directory's file engine, e.g. one reading across an archive).
        () =>
          resolved.engine === undefined || resolved.engine.kind === "file"
            ? readConsumers(resolved.dir, MAX_POOL_LABELS)
            : [],
      )
    : undefined;
  const shutdown = new AbortController();
  const ctx: AppContext = {
    options: resolved,
    pools: poolSource(resolved),
    tails,
    auth: createAuthorizer(resolved),
    metrics,
    remote: { dir: resolved.dir, exposePaths: resolved.exposePaths },
    shutdown: shutdown.signal,
  };
  let closed = false;
  // Route on the raw request target: the normalised URL has resolved `%2e%2e` (raw-path.ts).
  const app = new Hono({ getPath: rawRequestPath });

  // The outermost middleware: protocol headers on every response and, with metrics on, the
  // request's timing (one middleware: each async layer costs a few µs per request).
  app.use(async (c, next) => {
    const started = metrics ? performance.now() : 0;
    await next();
    ensureProtocolHeaders(c.res);
    if (metrics) {
      const seconds = (performance.now() - started) / 1000;
      metrics.request(c.req.method, routeLabel(routePath(c, -1)), c.res.status, seconds);
    }
  });
  if (resolved.cors) app.use(corsMiddleware(resolved.cors));
  app.use(async (_c, next) => {
    if (closed) {
      throw new SpoolError("Busy", "the server is shutting down", {
        hint: "retry against the restarted server",
      });
    }
    await next();
  });

  discoveryRoutes(app);
  healthRoutes(app);
  if (resolved.ui) uiRoutes(app, resolved.ui.dir);
  accessRoutes(app, ctx);
  metricsRoutes(app, ctx);
  poolRoutes(app, ctx);
  messageRoutes(app, ctx);
  producerRoutes(app, ctx);
  tailRoutes(app, ctx);
  if (resolved.websocket) wsTailRoutes(app, ctx, resolved.websocket.upgrade);
  cursorRoutes(app, ctx);
  groupRoutes(app, ctx);
  if (resolved.mcp) mcpRoutes(app, ctx, resolved.mcp);

  app.notFound((c) => {
    const { error, headers } = unmatchedError(c.req.method, c.req.path);
    metrics?.error(error.kind);
    return errorResponse(error, headers);
  });

  app.onError((error, c) => {
    // Core's advice and paths as the remote user sees them (remote.ts), in this one place.
    const op = operationOf(c.req.method, routePath(c, -1));
    const spoolError = remoteError(toSpoolError(error), op, ctx.remote);
    metrics?.error(spoolError.kind);
    const response = errorResponse(
      spoolError,
      response401(spoolError) ? { "www-authenticate": 'Bearer realm="spool"' } : {},
    );
    if (response.status >= 500) resolved.onInternalError?.(spoolError);
    return response;
  });

  return Object.defineProperties(app, {
    close: {
      value: async (): Promise<void> => {
        closed = true;
        shutdown.abort(
          new SpoolError("Busy", "the server is shutting down", {
            hint: "nothing was appended; retry against the restarted server",
          }),
        );
        ctx.tails.abortAll(
          new SpoolError("Busy", "the server is shutting down", {
            hint: "reconnect later and resume with since_seq set to the last seq you received + 1",
          }),
        );
        await resolved.mcp?.close?.();
        ctx.pools.close();
        await ctx.tails.drained();
      },
    },
    openTails: { get: () => ctx.tails.count },
    openPools: { get: () => ctx.pools.size },
    metrics: {
      value: metrics && {
        render: () => metrics.render(),
        snapshot: () => metrics.snapshot(),
      },
    },
  }) as SpoolApp;
}

/** The pools the options name: the engine given, else the directory. */
function poolSource(resolved: ResolvedOptions): PoolSource {
  const { limits } = resolved;
  if (resolved.engine) {
    return new EngineSource(resolved.engine, {
      maxOpen: limits.maxOpenPools,
      maxPoolSize: limits.maxPoolSize,
      maxTotalPoolBytes: limits.maxTotalPoolBytes,
      replicas: resolved.replicas,
    });
  }
  return new FileSource(
    new PoolRegistry(resolved.dir, {
      // Pools are opened for writing when any caller may write (a token's own mode applies).
      readOnly: !anyWriter(resolved),
      maxOpen: limits.maxOpenPools,
      maxPoolSize: limits.maxPoolSize,
      maxTotalPoolBytes: limits.maxTotalPoolBytes,
      lockTimeoutMs: limits.lockTimeoutMs,
    }),
  );
}

function response401(error: SpoolError): boolean {
  return statusOf(error) === 401;
}
