/**
 * Consumer group routes (spec/http/v0 §3.4): list, read, configure and delete the groups a pool
 * keeps; claim deliveries (long-polling), ack, nack and extend them.
 *
 * Invariants: listing and reading are meta operations (every access mode); everything else
 * consumes (read-write access); names, members and every body field are checked before the pool
 * is touched (consumer-input.ts); changes wait for the pool's writer lock through core's
 * asynchronous operations, with the pool leased meanwhile; a claim waits at most `wait_ms`, cut
 * to the server's limit, and stops waiting (answering what it has: nothing) when the client goes
 * away or the server shuts down; a delivery's `message` is spliced from the stored bytes, byte
 * for byte the envelope `GET …/messages/{seq}` answers. Answers use core's wire spelling of a
 * group. Unknown body fields and query parameters are 400 Usage.
 */
import {
  checkConsumerName,
  type EngineGroup,
  type GroupSettings,
  groupInfoJson,
} from "@spool/core";
import type { Hono } from "hono";
import {
  claimInput,
  extendInput,
  groupAckInput,
  groupPutInput,
  nackInput,
  optionalObject,
} from "../consumer-input.js";
import { type AppContext, bodyLimit, guard } from "../context.js";
import { type ServedPool, unavailable, withLease } from "../pool-source.js";
import { jsonBytesResponse, jsonResponse } from "../responses.js";
import { bodyText, checkQueryKeys, parseJsonObject, poolParam } from "../validation.js";
import { deliveriesBody } from "../wire.js";

export function groupRoutes(app: Hono, ctx: AppContext): void {
  const body = bodyLimit(ctx);
  const names = (c: { req: { param(name: string): string | undefined; url: string } }) => {
    const pool = poolParam(c.req.param("pool"));
    const group = checkConsumerName(c.req.param("group"), "group");
    checkQueryKeys(new URL(c.req.url), []);
    return { pool, group };
  };
  const { maxClaimWaitMs, maxBatchMessages } = ctx.options.limits;

  /** The engine's group `name` where the pool is not a file pool (Usage where it has none). */
  const engineGroup = (served: ServedPool, name: string, settings?: GroupSettings): EngineGroup => {
    if (served.pool.group) return served.pool.group(name, settings);
    throw unavailable("consumer groups", ctx.pools);
  };

  app.get("/v0/pools/:pool/groups", guard(ctx, "meta"), async (c) => {
    const pool = poolParam(c.req.param("pool"));
    checkQueryKeys(new URL(c.req.url), []);
    const served = await ctx.pools.open(pool);
    if (!served.pool.groups) throw unavailable("consumer groups", ctx.pools);
    const groups = await served.pool.groups();
    return jsonResponse({ groups: groups.map(groupInfoJson) });
  });

  app.get("/v0/pools/:pool/groups/:group", guard(ctx, "meta"), async (c) => {
    const { pool, group } = names(c);
    const served = await ctx.pools.open(pool);
    const info = served.file
      ? served.file.group(group).info()
      : await engineGroup(served, group).info();
    return jsonResponse({ group: groupInfoJson(info) });
  });

  app.put("/v0/pools/:pool/groups/:group", guard(ctx, "consume"), body, async (c) => {
    const { pool, group } = names(c);
    const settings = groupPutInput(optionalObject(await bodyText(c.req)));
    const info = await withLease(ctx.pools, pool, (s) =>
      s.file
        ? s.file.group(group, settings).ensureAsync()
        : engineGroup(s, group, settings).ensure(),
    );
    return jsonResponse({ group: groupInfoJson(info) });
  });

  app.delete("/v0/pools/:pool/groups/:group", guard(ctx, "consume"), async (c) => {
    const { pool, group } = names(c);
    const info = await withLease(ctx.pools, pool, (s) =>
      s.file ? s.file.group(group).deleteAsync() : engineGroup(s, group).delete(),
    );
    return jsonResponse({ group: groupInfoJson(info) });
  });

  app.post("/v0/pools/:pool/groups/:group/claim", guard(ctx, "consume"), body, async (c) => {
    const { pool, group } = names(c);
    const input = claimInput(
      optionalObject(await bodyText(c.req)),
      maxClaimWaitMs,
      maxBatchMessages,
    );
    // The wait ends when the client goes away or the server shuts down: nothing more is claimed.
    const signal = AbortSignal.any([c.req.raw.signal, ctx.shutdown]);
    const claim = {
      max: input.max,
      leaseMs: input.leaseMs,
      waitMs: input.waitMs,
      ack: input.ack,
      signal,
      ...(input.member === undefined ? {} : { member: input.member }),
    };
    const deliveries = await withLease(ctx.pools, pool, (s) =>
      s.file
        ? s.file.group(group, input.settings).claimAsync(claim)
        : engineGroup(s, group, input.settings).claim(claim),
    );
    return jsonBytesResponse(deliveriesBody(deliveries));
  });

  app.post("/v0/pools/:pool/groups/:group/ack", guard(ctx, "consume"), body, async (c) => {
    const { pool, group } = names(c);
    const refs = groupAckInput(parseJsonObject(await bodyText(c.req)), maxBatchMessages);
    const acked = await withLease(ctx.pools, pool, (s) =>
      s.file
        ? s.file.group(group).ackAsync(refs, { signal: ctx.shutdown })
        : engineGroup(s, group).ack(refs),
    );
    return jsonResponse({ acked });
  });

  app.post("/v0/pools/:pool/groups/:group/nack", guard(ctx, "consume"), body, async (c) => {
    const { pool, group } = names(c);
    const input = nackInput(parseJsonObject(await bodyText(c.req)));
    const nack = {
      delayMs: input.delayMs,
      ...(input.error === undefined ? {} : { error: input.error }),
    };
    await withLease(ctx.pools, pool, (s) =>
      s.file
        ? s.file.group(group).nackAsync(input.ref, { ...nack, signal: ctx.shutdown })
        : engineGroup(s, group).nack(input.ref, nack),
    );
    return jsonResponse({ ok: true });
  });

  app.post("/v0/pools/:pool/groups/:group/extend", guard(ctx, "consume"), body, async (c) => {
    const { pool, group } = names(c);
    const input = extendInput(parseJsonObject(await bodyText(c.req)));
    const leaseUntil = await withLease(ctx.pools, pool, (s) =>
      s.file
        ? s.file
            .group(group)
            .extendAsync(input.ref, { leaseMs: input.leaseMs, signal: ctx.shutdown })
        : engineGroup(s, group).extend(input.ref, { leaseMs: input.leaseMs }),
    );
    return jsonResponse({ lease_until: leaseUntil });
  });
}
