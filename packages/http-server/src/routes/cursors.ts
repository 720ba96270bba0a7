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
import { checkConsumerName, cursorInfoJson } from "@spool/core";
import type { Hono } from "hono";
import { cursorAckInput, cursorResetInput } from "../consumer-input.js";
import { type AppContext, bodyLimit, guard } from "../context.js";
import { withLease } from "../pools.js";
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

  app.get("/v0/pools/:pool/cursors", guard(ctx, "meta"), (c) => {
    const pool = poolParam(c.req.param("pool"));
    checkQueryKeys(new URL(c.req.url), []);
    return jsonResponse({ cursors: ctx.pools.get(pool).cursors().map(cursorInfoJson) });
  });

  app.get("/v0/pools/:pool/cursors/:name", guard(ctx, "meta"), (c) => {
    const { pool, cursor } = names(c);
    return jsonResponse({ cursor: cursorInfoJson(ctx.pools.get(pool).cursor(cursor).info()) });
  });

  app.post("/v0/pools/:pool/cursors/:name/ack", guard(ctx, "consume"), body, async (c) => {
    const { pool, cursor } = names(c);
    const input = cursorAckInput(parseJsonObject(await bodyText(c.req)));
    const info = await withLease(ctx.pools, pool, (p) =>
      p.cursor(cursor).ackAsync(input.seq, {
        signal: ctx.shutdown,
        ...(input.durability === undefined ? {} : { durability: input.durability }),
      }),
    );
    return jsonResponse({ cursor: cursorInfoJson(info) });
  });

  app.post("/v0/pools/:pool/cursors/:name/reset", guard(ctx, "consume"), body, async (c) => {
    const { pool, cursor } = names(c);
    const to = cursorResetInput(parseJsonObject(await bodyText(c.req)));
    const info = await withLease(ctx.pools, pool, (p) => p.cursor(cursor).resetAsync(to));
    return jsonResponse({ cursor: cursorInfoJson(info) });
  });

  app.delete("/v0/pools/:pool/cursors/:name", guard(ctx, "consume"), async (c) => {
    const { pool, cursor } = names(c);
    const info = await withLease(ctx.pools, pool, (p) => p.cursor(cursor).deleteAsync());
    return jsonResponse({ cursor: cursorInfoJson(info) });
  });
}
