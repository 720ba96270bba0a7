/**
 * The producer route: `GET /v0/pools/{pool}/producers/{id}`, the state a pool keeps for one
 * idempotent producer (spec/http/v0 §3.2), so a restarted producer learns where to continue.
 *
 * Invariants: a meta operation like info (allowed in every access mode, a token still needed
 * where tokens are configured); the id is checked by core's rule (400 Usage) before the pool is
 * read; a pool that keeps no state for the id (never seen, dropped as the least recently used, or
 * a pool created before producer state existed) is 404 NotFound with a hint, never an empty 200;
 * the answer is `{"producer": {id, epoch, last_seq, last_pool_seq, last_time}}` in core's wire
 * spelling. It takes no query parameters.
 */
import { checkProducerId, producerInfoJson, SpoolError } from "@spool/core";
import type { Hono } from "hono";
import { type AppContext, guard } from "../context.js";
import { jsonResponse } from "../responses.js";
import { checkQueryKeys, poolParam } from "../validation.js";

export function producerRoutes(app: Hono, ctx: AppContext): void {
  app.get("/v0/pools/:pool/producers/:id", guard(ctx, "meta"), async (c) => {
    const pool = poolParam(c.req.param("pool"));
    const id = checkProducerId(c.req.param("id"), "producer id");
    checkQueryKeys(new URL(c.req.url), []);
    const state = await (await ctx.pools.open(pool)).pool.producerState(id);
    if (state === null) {
      throw new SpoolError("NotFound", `pool ${pool} keeps no state for producer ${id}`, {
        hint: `the producer has not appended to this pool yet (or was dropped as the least recently used: GET /v0/pools/${pool}/info shows producer_capacity); start it at producer_seq 1, or raise producer_epoch to start afresh`,
      });
    }
    return jsonResponse({ producer: producerInfoJson(state) });
  });
}
