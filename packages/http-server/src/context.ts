/**
 * What every route module shares: the resolved options, the open pools, the tail slots, the
 * authorizer, how answers show the server's files, the metrics registry (absent when metrics are off), the shutdown signal, and the
 * per-route guard middleware.
 *
 * Invariants: a route states its operation (read, write, meta) once, in its guard; the guard
 * authenticates before any body byte is read.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { Authorizer, Operation } from "./auth.js";
import { limitBody, type TailSlots } from "./limits.js";
import type { Metrics } from "./metrics.js";
import type { ResolvedOptions } from "./options.js";
import type { PoolSource } from "./pool-source.js";
import type { RemoteView } from "./remote.js";

export interface AppContext {
  options: ResolvedOptions;
  pools: PoolSource;
  tails: TailSlots;
  auth: Authorizer;
  metrics: Metrics | undefined;
  /** How answers show the server's files (remote.ts). */
  remote: RemoteView;
  /** Aborted by `close()` (its reason is the Busy error): appends waiting for a lock stop. */
  shutdown: AbortSignal;
}

/**
 * Middleware: 401 without a valid token (when tokens are configured), 403 when `op` is not
 * allowed. `op` may depend on the request (a tail with `cursor` consumes), read from its URL only.
 */
export function guard(
  ctx: AppContext,
  op: Operation | ((c: Context) => Operation),
): MiddlewareHandler {
  return async (c, next) => {
    const mode = ctx.auth.authenticate(c.req.header("authorization"));
    ctx.auth.authorize(mode, typeof op === "function" ? op(c) : op);
    await next();
  };
}

/** Middleware: the body size limit (413), counted in the metrics. */
export function bodyLimit(ctx: AppContext): MiddlewareHandler {
  return limitBody(ctx.options.limits.maxBodyBytes, (error) => ctx.metrics?.error(error.kind));
}

/**
 * Middleware: `guard(ctx, op)` then `bodyLimit(ctx)`, as one layer (each middleware layer costs
 * an async step per request). Same checks in the same order: 401/403 before the body's size is
 * looked at, so no body byte is read for a caller who may not write.
 */
export function guardedBody(ctx: AppContext, op: Operation): MiddlewareHandler {
  const limit = bodyLimit(ctx);
  return (c, next) => {
    const mode = ctx.auth.authenticate(c.req.header("authorization"));
    ctx.auth.authorize(mode, op);
    return limit(c, next);
  };
}
