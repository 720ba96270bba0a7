/**
 * Durable cursor routes (spec/http/v0 §3.3): list and read the cursors a pool keeps, ack, reset
 * and delete one. A tail with `cursor=NAME` (routes/tail.ts) creates a cursor and starts after
 * its committed seq.
 *
 * Invariants: listing and reading are meta operations (like info: every access mode); ack, reset
 * and delete consume (read-write access); names are checked by core's rule before the pool is
 * touched; every change waits for the pool's writer lock through core's asynchronous operations
 * (the event loop keeps serving), with the pool leased meanwhile; answers are core's wire spelling
 * of a cursor (`{"cursor": {name, committed, lag, ack_time, created_time}}`); delete answers what
 * the cursor was. Unknown body fields and query parameters are 400 Usage.
 */
import { checkConsumerName, cursorInfoJson, type EngineCursor } from "@spool/core";
import type { Hono } from "hono";
import { cursorAckInput, cursorResetInput } from "../consumer-input.js";
import { type AppContext, bodyLimit, guard } from "../context.js";
import { fileOnly, type ServedPool, unavailable, withLease } from "../pool-source.js";
import { jsonResponse } from "../responses.js";
import { bodyText, checkQueryKeys, parseJsonObject, poolParam } from "../validation.js";

export function cursorRoutes(app: Hono, ctx: AppContext): void {
  const body = bodyLimit(ctx);
  const names = (c: { req: { param(name: string): string | undefined; url: string } }) => {
    const pool = poolParam(c.req.param("pool"));
    const cursor = checkConsumerName(c.req.param("name"), "cursor");
    checkQueryKeys(new URL(c.req.url), []);
    return { pool, cursor };
  };

  app.get("/v0/pools/:pool/cursors", guard(ctx, "meta"), async (c) => {
    const pool = poolParam(c.req.param("pool"));
    checkQueryKeys(new URL(c.req.url), []);
    const served = await ctx.pools.open(pool);
    const cursors = served.pool.cursors
      ? await served.pool.cursors()
      : fileOnly(served, "durable cursors", ctx.pools).cursors();
    return jsonResponse({ cursors: cursors.map(cursorInfoJson) });
  });

  app.get("/v0/pools/:pool/cursors/:name", guard(ctx, "meta"), async (c) => {
    const { pool, cursor } = names(c);
    const served = await ctx.pools.open(pool);
    const info = served.pool.cursor
      ? await served.pool.cursor(cursor).info()
      : fileOnly(served, "durable cursors", ctx.pools).cursor(cursor).info();
    return jsonResponse({ cursor: cursorInfoJson(info) });
  });

  app.post("/v0/pools/:pool/cursors/:name/ack", guard(ctx, "consume"), body, async (c) => {
    const { pool, cursor } = names(c);
    const input = cursorAckInput(parseJsonObject(await bodyText(c.req)));
    const info = await withLease(ctx.pools, pool, (served) =>
      served.file
        ? served.file.cursor(cursor).ackAsync(input.seq, {
            signal: ctx.shutdown,
            ...(input.durability === undefined ? {} : { durability: input.durability }),
          })
        : engineCursor(served, cursor, ctx).ack(
            input.seq,
            input.durability === undefined ? {} : { durability: input.durability },
          ),
    );
    return jsonResponse({ cursor: cursorInfoJson(info) });
  });

  app.post("/v0/pools/:pool/cursors/:name/reset", guard(ctx, "consume"), body, async (c) => {
    const { pool, cursor } = names(c);
    const to = cursorResetInput(parseJsonObject(await bodyText(c.req)));
    const info = await withLease(ctx.pools, pool, (served) =>
      served.file
        ? served.file.cursor(cursor).resetAsync(to)
        : engineCursor(served, cursor, ctx).reset(to),
    );
    return jsonResponse({ cursor: cursorInfoJson(info) });
  });

  app.delete("/v0/pools/:pool/cursors/:name", guard(ctx, "consume"), async (c) => {
    const { pool, cursor } = names(c);
    const info = await withLease(ctx.pools, pool, (served) =>
      served.file
        ? served.file.cursor(cursor).deleteAsync()
        : engineCursor(served, cursor, ctx).delete(),
    );
    return jsonResponse({ cursor: cursorInfoJson(info) });
  });
}

/** The served engine's cursor `name` (Usage where the engine has no cursors). */
function engineCursor(served: ServedPool, name: string, ctx: AppContext): EngineCursor {
  if (served.pool.cursor) return served.pool.cursor(name);
  throw unavailable("durable cursors", ctx.pools);
}
