/**
 * The append requests of protocol v0 and the producer-state request, shared by the pool handle
 * and its producers: `POST …/append`, `POST …/append_batch` and `GET …/producers/{id}`.
 *
 * Invariants: bodies are built by the caller from checked parts (wire.ts); an answer that is not
 * the expected shape (a list of another length, something that is neither an envelope nor a
 * receipt) is a protocol error, never a half-read result; a producer the pool keeps no state for
 * (404 NotFound of the producer, not of the pool) is null; every request takes the caller's abort
 * signal.
 */
import { type ProducerInfo, producerInfoFromJson } from "@spool/core/shared";
import { SpoolHttpError } from "./errors.js";
import { poolPath, protocolError, readText, send, sendJson, type Transport } from "./http.js";
import { type Appended, appendedFromBody, appendedFromEnvelope } from "./message.js";

const encoder = new TextEncoder();

/** `POST …/append` with `body`; the committed message, or a producer's duplicate or receipt. */
export async function postAppend<T>(
  t: Transport,
  pool: string,
  body: string,
  signal?: AbortSignal,
): Promise<Appended<T>> {
  const input = { method: "POST" as const, path: poolPath(pool, "/append"), body, signal };
  const response = await send(t, input);
  const bytes = encoder.encode(await readText(response, input));
  try {
    return appendedFromBody<T>(bytes, "message");
  } catch (error) {
    throw protocolError(response.status, "POST append", error);
  }
}

/** `POST …/append_batch` with `body` of `count` messages; their answers in order. */
export async function postBatch<T>(
  t: Transport,
  pool: string,
  body: string,
  count: number,
  signal?: AbortSignal,
): Promise<Appended<T>[]> {
  const answer = await sendJson(t, {
    method: "POST",
    path: poolPath(pool, "/append_batch"),
    body,
    signal,
  });
  const list = (answer as { messages?: unknown }).messages;
  if (!Array.isArray(list) || list.length !== count) {
    throw protocolError(200, "POST append_batch: the answer does not list every message");
  }
  try {
    return list.map((envelope) => appendedFromEnvelope<T>(envelope));
  } catch (error) {
    throw protocolError(200, "POST append_batch", error);
  }
}

/**
 * `GET …/producers/{id}`: the state the pool keeps for producer `id`, or null when it keeps none.
 * A missing pool stays an error (NotFound with the pool's `path`).
 */
export async function getProducerState(
  t: Transport,
  pool: string,
  id: string,
  signal?: AbortSignal,
): Promise<ProducerInfo | null> {
  let answer: unknown;
  try {
    answer = await sendJson(t, {
      method: "GET",
      path: poolPath(pool, `/producers/${encodeURIComponent(id)}`),
      signal,
    });
  } catch (error) {
    if (error instanceof SpoolHttpError && error.status === 404 && isProducerMissing(error)) {
      return null;
    }
    throw error;
  }
  const info = producerInfoFromJson((answer as { producer?: unknown }).producer);
  if (info === undefined) throw protocolError(200, "GET producer: the answer holds no producer");
  return info;
}

/** A 404 about the producer (the pool exists): NotFound without a pool `path`. */
function isProducerMissing(error: SpoolHttpError): boolean {
  return error.kind === "NotFound" && error.path === undefined && error.seq === undefined;
}
