/**
 * `GET /v0/pools/{pool}/tail`: committed then live messages as JSONL.
 *
 * Invariants: everything that can be refused is refused before the response starts, with a
 * status (bad query 400, timeout above the maximum 400, unknown pool 404, no free tail slot 423,
 * a `since_seq` already overwritten under `gap_policy=error` 410); after that, a failure is one
 * final error line. The tail holds a tail slot and a pool lease until it ends; HEAD starts no
 * tail.
 */
import { SpoolError, type TailOptions } from "@spool/core";
import type { Hono } from "hono";
import { type AppContext, guard } from "../context.js";
import { JSONL_TYPE, PROTOCOL_HEADERS } from "../headers.js";
import { jsonlTail } from "../streaming.js";
import { parse, poolParams, queryObject, tailQuery } from "../validation.js";

export function tailRoutes(app: Hono, ctx: AppContext): void {
  const querySchema = tailQuery(ctx.options.limits.maxTailTimeoutMs);

  app.get("/v0/pools/:pool/tail", guard(ctx, "read"), (c) => {
    const { pool: name } = parse(poolParams, c.req.param(), "path");
    const query = parse(querySchema, queryObject(new URL(c.req.url), ["tag"]), "query");
    if (query.since_seq !== undefined && query.last !== undefined) {
      throw new SpoolError("Usage", "give either since_seq or last, not both", {
        hint: "use since_seq to start at a seq, or last to replay the newest N messages",
      });
    }
    const options: Omit<TailOptions, "signal"> = {
      ...(query.since_seq === undefined ? {} : { since: query.since_seq }),
      ...(query.last === undefined ? {} : { last: query.last }),
      ...(query.max === undefined ? {} : { max: query.max }),
      ...(query.timeout_ms === undefined ? {} : { timeoutMs: query.timeout_ms }),
      ...(query.tag === undefined ? {} : { tags: query.tag }),
      ...(query.gap_policy === undefined
        ? {}
        : { gapPolicy: query.gap_policy as "continue" | "error" }),
    };
    const headers = { ...PROTOCOL_HEADERS, "content-type": JSONL_TYPE };
    // HEAD: hono answers it with the GET handler and drops the body without cancelling it, so a
    // tail started here would never end. Answer the headers of a valid request and start nothing.
    if (c.req.method === "HEAD") {
      ctx.pools.get(name);
      return new Response(null, { status: 200, headers });
    }
    const slot = ctx.tails.acquire();
    let lease: ReturnType<typeof ctx.pools.lease> | undefined;
    try {
      lease = ctx.pools.lease(name);
      if (options.gapPolicy === "error" && options.since !== undefined) {
        const bounds = lease.pool.info().bounds;
        if (bounds && options.since < bounds.oldest) {
          throw new SpoolError(
            "RetentionGap",
            `messages ${options.since}..${bounds.oldest - 1} were overwritten before they were read`,
            {
              path: lease.pool.path,
              seq: options.since,
              hint: "start at a seq within the pool's bounds, use a larger pool, or tail with gap_policy=continue",
            },
          );
        }
      }
    } catch (error) {
      lease?.release();
      slot.release();
      throw error;
    }
    const stream = jsonlTail({ lease, slot, options, requestSignal: c.req.raw.signal });
    return new Response(stream, { status: 200, headers });
  });
}
