/**
 * Pool resource routes: create, open, list, info, delete.
 *
 * Invariants: names are validated by core before any file is touched; create never truncates
 * (AlreadyExists), never blocks the event loop while the file is written, and stays within the
 * server's size limits (Usage); open and info answer NotFound for a missing pool; list never fails because one
 * pool is unreadable (that entry carries its error); delete is Busy while this app tails the pool
 * or another process has it open. Unknown body fields and query parameters are 400 Usage.
 */
import type { Hono } from "hono";
import { type AppContext, bodyLimit, guard } from "../context.js";
import { jsonResponse } from "../responses.js";
import {
  BODY_FIELDS,
  bodyText,
  checkBodyFields,
  checkQueryKeys,
  createBody,
  openBody,
  parse,
  parseJsonObject,
  poolParam,
} from "../validation.js";
import { poolInfoJson, poolListEntryJson } from "../wire.js";

export function poolRoutes(app: Hono, ctx: AppContext): void {
  const body = bodyLimit(ctx);

  app.post("/v0/pools", guard(ctx, "write"), body, async (c) => {
    const object = parseJsonObject(await bodyText(c.req));
    checkBodyFields(Object.keys(object), BODY_FIELDS.create);
    const input = parse(createBody, object, "body");
    const info = await ctx.pools.create(
      input.pool,
      input.size_bytes ?? ctx.options.defaultPoolSize,
    );
    return jsonResponse({ pool: poolInfoJson(info, ctx.remote) });
  });

  app.post("/v0/pools/open", guard(ctx, "meta"), body, async (c) => {
    const object = parseJsonObject(await bodyText(c.req));
    checkBodyFields(Object.keys(object), BODY_FIELDS.open);
    const input = parse(openBody, object, "body");
    const { pool } = await ctx.pools.open(input.pool);
    return jsonResponse({ pool: poolInfoJson(await pool.info(), ctx.remote) });
  });

  app.get("/v0/pools", guard(ctx, "meta"), async (c) => {
    checkQueryKeys(new URL(c.req.url), []);
    const entries = await ctx.pools.list();
    return jsonResponse({ pools: entries.map((entry) => poolListEntryJson(entry, ctx.remote)) });
  });

  app.get("/v0/pools/:pool/info", guard(ctx, "meta"), async (c) => {
    const name = poolParam(c.req.param("pool"));
    checkQueryKeys(new URL(c.req.url), []);
    const { pool } = await ctx.pools.open(name);
    return jsonResponse({ pool: poolInfoJson(await pool.info(), ctx.remote) });
  });

  app.delete("/v0/pools/:pool", guard(ctx, "write"), async (c) => {
    const pool = poolParam(c.req.param("pool"));
    checkQueryKeys(new URL(c.req.url), []);
    await ctx.pools.delete(pool);
    return jsonResponse({ ok: true });
  });
}
