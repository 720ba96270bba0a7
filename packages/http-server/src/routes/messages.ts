/**
 * Message routes: append, batch append, get by seq.
 *
 * Invariants: an append is atomic and answers the committed envelope; a batch is one commit
 * under one lock and answers the envelopes in order; `data` is stored as the client's JSON text
 * (located in the validated body, never re-encoded) and envelopes are spliced from the stored
 * bytes; get answers NotFound with `seq` for a seq never written or overwritten.
 */
import type { Durability } from "@spool/core";
import type { Hono } from "hono";
import { type AppContext, bodyLimit, guard } from "../context.js";
import { JSON_TYPE } from "../headers.js";
import { arrayElements, objectSpans, rawMember } from "../json-spans.js";
import {
  appendBody,
  batchBody,
  messageParams,
  parse,
  parseJsonObject,
  poolParams,
} from "../validation.js";
import { asBody, messageBody, messagesBody } from "../wire.js";

export function messageRoutes(app: Hono, ctx: AppContext): void {
  const body = bodyLimit(ctx);
  const batchSchema = batchBody(ctx.options.limits.maxBatchMessages);

  app.post("/v0/pools/:pool/append", guard(ctx, "write"), body, async (c) => {
    const { pool } = parse(poolParams, c.req.param(), "path");
    const text = await c.req.text();
    const input = parse(appendBody, parseJsonObject(text), "body");
    // Store the client's data text as sent (validated above by JSON.parse): exact numbers, no
    // re-encoding.
    const json = rawMember(text, "data") as string;
    const message = ctx.pools.get(pool).appendJson(json, {
      trusted: true,
      ...(input.tags === undefined ? {} : { tags: input.tags }),
      ...(input.durability === undefined ? {} : { durability: input.durability as Durability }),
    });
    ctx.metrics?.appended(pool, 1, message.dataBytes.byteLength);
    return c.body(asBody(messageBody("message", message)), 200, {
      "content-type": JSON_TYPE,
    });
  });

  app.post("/v0/pools/:pool/append_batch", guard(ctx, "write"), body, async (c) => {
    const { pool } = parse(poolParams, c.req.param(), "path");
    const text = await c.req.text();
    const input = parse(batchSchema, parseJsonObject(text), "body");
    const list = objectSpans(text).get("messages") as [number, number];
    const starts = arrayElements(text, list[0]);
    const messages = ctx.pools.get(pool).appendBatch(
      input.messages.map((m, i) => ({
        json: rawMember(text, "data", starts[i] as number) as string,
        trusted: true,
        tags: m.tags,
      })),
      input.durability === undefined ? {} : { durability: input.durability as Durability },
    );
    if (ctx.metrics) {
      let bytes = 0;
      for (const message of messages) bytes += message.dataBytes.byteLength;
      ctx.metrics.appended(pool, messages.length, bytes);
    }
    return c.body(asBody(messagesBody("messages", messages)), 200, {
      "content-type": JSON_TYPE,
    });
  });

  app.get("/v0/pools/:pool/messages/:seq", guard(ctx, "read"), (c) => {
    const { pool, seq } = parse(messageParams, c.req.param(), "path");
    const message = ctx.pools.get(pool).get(seq);
    return c.body(asBody(messageBody("message", message)), 200, {
      "content-type": JSON_TYPE,
    });
  });
}
