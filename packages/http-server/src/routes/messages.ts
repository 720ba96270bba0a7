/**
 * Message routes: append, batch append, get by seq.
 *
 * Invariants: an append is atomic and answers the committed envelope; a batch is one commit
 * under one lock and answers the envelopes in order; `data` is stored as the client's JSON text
 * (located in the validated body, never re-encoded) and envelopes are spliced from the stored
 * bytes; get answers NotFound with `seq` for a seq never written or overwritten. Appends wait for
 * a pool's lock held by another process through core's asynchronous appends, so the event loop
 * keeps serving meanwhile; the pool is leased while it waits (never closed under it), and the
 * wait ends at the server's lock timeout (423 Busy) or at shutdown. A conditional append
 * (`expected_last_seq` in the body or the Spool-Expected-Last-Seq header) is checked by core
 * under the lock: 409 Conflict with `newest_seq`. A producer's append (`producer_id`, `producer_seq`,
 * `producer_epoch` in the body or the Spool-Producer-* headers) is deduplicated by core: a retried
 * message is answered as the original envelope with `"duplicate":true` (its stored bytes), or as
 * a receipt `{"seq":N|null,"duplicate":true}` where the pool no longer shows the original, in the
 * same response shape; a seq past the next or a stale epoch is 409 Conflict with `expected_seq` or
 * `epoch`. Unknown body fields (also of a batch's messages) and query parameters are 400 Usage.
 */
import {
  type Appended,
  type AppendOptions,
  type AsyncAppendOptions,
  type BatchAppendOptions,
  type Durability,
  foldLineBreaks,
  SpoolError,
} from "@spool/core";
import type { Hono } from "hono";
import { EXPECTED_LAST_SEQ_HEADER, expectedLastSeqOf } from "../conditions.js";
import { type AppContext, guard, guardedBody } from "../context.js";
import { elementMembers, objectSpans } from "../json-spans.js";
import { producerOf } from "../producer-input.js";
import { jsonBytesResponse } from "../responses.js";
import {
  appendBody,
  BODY_FIELDS,
  batchBody,
  bodyText,
  checkBodyFields,
  checkQueryKeys,
  parse,
  parseJsonObject,
  poolParam,
  seqParam,
} from "../validation.js";
import { messageBody, messagesBody } from "../wire.js";

export function messageRoutes(app: Hono, ctx: AppContext): void {
  const batchSchema = batchBody(ctx.options.limits.maxBatchMessages);

  app.post("/v0/pools/:pool/append", guardedBody(ctx, "write"), async (c) => {
    const pool = poolParam(c.req.param("pool"));
    const text = await bodyText(c.req);
    const object = parseJsonObject(text);
    // One scan of the top level finds the data span and every field name: unknown fields are
    // refused from the scan's keys (no second parse).
    const spans = objectSpans(text);
    checkBodyFields(spans.keys(), BODY_FIELDS.append);
    const input = parse(appendBody, object, "body");
    // Store the client's data text as sent (validated above by JSON.parse): exact numbers, no
    // re-encoding; line breaks folded by core's one rule.
    const span = spans.get("data") as [number, number];
    const json = foldLineBreaks(text.slice(span[0], span[1]));
    const expectedLastSeq = expectedLastSeqOf(
      c.req.header(EXPECTED_LAST_SEQ_HEADER),
      input.expected_last_seq,
    );
    const producer = producerOf((name) => c.req.header(name), input);
    const lease = await ctx.pools.lease(pool);
    let message: Appended;
    try {
      // One options object, its optional fields set only when given (no spreads per request).
      const options: AppendOptions & AsyncAppendOptions & { trusted?: boolean } = {
        signal: ctx.shutdown,
      };
      if (input.tags !== undefined) options.tags = input.tags;
      if (input.durability !== undefined) options.durability = input.durability as Durability;
      if (expectedLastSeq !== undefined) options.expectedLastSeq = expectedLastSeq;
      if (producer !== undefined) options.producer = producer;
      if (lease.file) {
        // The data text was checked by JSON.parse above: a file pool need not check it again.
        options.trusted = true;
        message = await lease.file.appendJsonAsync(json, options);
      } else message = await lease.pool.appendJson(json, options);
    } finally {
      lease.release();
    }
    if (message.duplicate !== true) ctx.metrics?.appended(pool, 1, message.dataBytes.byteLength);
    return jsonBytesResponse(messageBody("message", message));
  });

  app.post("/v0/pools/:pool/append_batch", guardedBody(ctx, "write"), async (c) => {
    const pool = poolParam(c.req.param("pool"));
    const text = await bodyText(c.req);
    const object = parseJsonObject(text);
    checkBodyFields(Object.keys(object), BODY_FIELDS.append_batch);
    const input = parse(batchSchema, object, "body");
    checkMessageFields(object.messages as object[], input.messages.length);
    const datas = batchData(text, input.messages.length);
    const expectedLastSeq = expectedLastSeqOf(
      c.req.header(EXPECTED_LAST_SEQ_HEADER),
      input.expected_last_seq,
    );
    const producer = producerOf((name) => c.req.header(name), input);
    const lease = await ctx.pools.lease(pool);
    let messages: Appended[];
    try {
      const options: BatchAppendOptions & AsyncAppendOptions = { signal: ctx.shutdown };
      if (input.durability !== undefined) options.durability = input.durability as Durability;
      if (expectedLastSeq !== undefined) options.expectedLastSeq = expectedLastSeq;
      if (producer !== undefined) options.producer = producer;
      messages = await lease.pool.appendBatch(
        input.messages.map((m, i) => ({ json: datas[i] as string, trusted: true, tags: m.tags })),
        options,
      );
    } finally {
      lease.release();
    }
    if (ctx.metrics) {
      let count = 0;
      let bytes = 0;
      for (const message of messages) {
        if (message.duplicate === true) continue;
        count++;
        bytes += message.dataBytes.byteLength;
      }
      if (count > 0) ctx.metrics.appended(pool, count, bytes);
    }
    return jsonBytesResponse(messagesBody("messages", messages));
  });

  app.get("/v0/pools/:pool/messages/:seq", guard(ctx, "read"), async (c) => {
    const pool = poolParam(c.req.param("pool"));
    const seq = seqParam(c.req.param("seq"));
    checkQueryKeys(new URL(c.req.url), []);
    const served = await ctx.pools.open(pool);
    // A file pool's get never waits: read it without a promise in between.
    const message = served.file ? served.file.get(seq) : await served.pool.get(seq);
    return jsonBytesResponse(messageBody("message", message));
  });
}

/**
 * Refuses fields of a batch's messages outside `BODY_FIELDS.batch_message` (400 Usage naming the
 * first, as `messages[i].field`); the prefix is only spelled for an element that has one.
 */
function checkMessageFields(elements: readonly object[], count: number): void {
  const allowed: readonly string[] = BODY_FIELDS.batch_message;
  for (let i = 0; i < count; i++) {
    const keys = Object.keys(elements[i] as object);
    if (keys.every((key) => allowed.includes(key))) continue;
    checkBodyFields(keys, allowed, `messages[${i}].`);
  }
}

/** Each message's `data` text in a validated batch body (one pass over the text). */
function batchData(text: string, count: number): string[] {
  const datas = elementMembers(text, "messages", "data");
  if (datas?.length !== count || datas.includes(undefined)) {
    // The body passed JSON.parse and the schema, so the scanner must agree with them.
    throw new SpoolError("Internal", "could not locate every message's data in the batch body", {
      hint: "report this request body as a bug",
    });
  }
  return datas as string[];
}
