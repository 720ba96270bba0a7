/**
 * The two tails of a pool: `GET /v0/pools/{pool}/tail` (JSON Lines) and
 * `GET /v0/pools/{pool}/events` (Server-Sent Events, for browsers' EventSource).
 *
 * Invariants: both take the same query with the same validation (bad input is 400 before the
 * response starts) and run the same tail machinery (tail-request.ts, streaming.ts); they differ
 * only in framing and in their own extras: `gap_lines` (JSONL), `retry_ms`, `heartbeat_ms` and
 * the `Last-Event-ID` header (SSE), which resumes after that seq and takes precedence over
 * `since_seq`, `since_time` and `last`. Both are read operations; with `cursor=NAME` (a durable
 * cursor, spec/http/v0 §3.3) they consume (read-write access), since they may create the cursor.
 */
import { SpoolError } from "@spool/core";
import type { Context, Hono } from "hono";
import type { Operation } from "../auth.js";
import { type AppContext, guard } from "../context.js";
import { jsonlFraming, sseFraming } from "../framing.js";
import { answerTail, tailStart } from "../tail-request.js";
import {
  HEARTBEAT_MS,
  jsonlTailQuery,
  lastEventId,
  parse,
  poolParam,
  queryObject,
  sseTailQuery,
} from "../validation.js";

export function tailRoutes(app: Hono, ctx: AppContext): void {
  const jsonlQuery = jsonlTailQuery(ctx.options.limits.maxTailTimeoutMs);
  const sseQuery = sseTailQuery(ctx.options.limits.maxTailTimeoutMs);
  // The parameters each tail knows are its schema's keys (anything else is 400).
  const jsonlKeys = Object.keys(jsonlQuery.shape);
  const sseKeys = Object.keys(sseQuery.shape);

  app.get("/v0/pools/:pool/tail", guard(ctx, tailOperation), (c) => {
    const pool = poolParam(c.req.param("pool"));
    const url = new URL(c.req.url);
    const query = parse(jsonlQuery, queryObject(url, ["tag", "where"], jsonlKeys), "query");
    return answerTail(c, ctx, {
      pool,
      start: tailStart(query),
      framing: jsonlFraming({ gapLines: query.gap_lines === "1" }),
      format: "jsonl",
    });
  });

  app.get("/v0/pools/:pool/events", guard(ctx, tailOperation), (c) => {
    const pool = poolParam(c.req.param("pool"));
    const url = new URL(c.req.url);
    const query = parse(sseQuery, queryObject(url, ["tag", "where"], sseKeys), "query");
    return answerTail(c, ctx, {
      pool,
      start: tailStart(query, resumePoint(c.req.header("last-event-id"))),
      framing: sseFraming({ retryMs: query.retry_ms }),
      format: "sse",
      // Reverse proxies (nginx) must not buffer an event stream.
      headers: { "x-accel-buffering": "no" },
      heartbeatMs: query.heartbeat_ms ?? HEARTBEAT_MS.default,
    });
  });
}

/** A tail reads; a tail with a cursor consumes (it may create the cursor). */
function tailOperation(c: Context): Operation {
  return c.req.query("cursor") === undefined ? "read" : "consume";
}

/** The seq in a `Last-Event-ID` header (absent or empty: none); anything else is 400. */
function resumePoint(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === "") return undefined;
  const parsed = lastEventId.safeParse(header.trim());
  if (!parsed.success) {
    throw new SpoolError(
      "Usage",
      `invalid Last-Event-ID header ${JSON.stringify(header.slice(0, 40))}: it must be the seq of the last event received, in decimal digits`,
      {
        hint: "send the id of the last event you received (EventSource does this itself), or omit the header and start with since_seq or last",
      },
    );
  }
  return parsed.data;
}
