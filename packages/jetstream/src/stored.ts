/**
 * Between JetStream messages and Spool messages: the headers Spool writes, the encoding of one
 * append's input into (tags text, data text), and the Message built from what JetStream stored.
 *
 * Invariants: the body of a stored message is exactly the stored JSON text of `data` (the one
 * normalisation every surface shares, `normaliseJsonText`, or `JSON.stringify` of a value);
 * tags are the canonical JSON array text in the `Spool-Tags` header (absent means `[]`); a
 * message's time is the stream's own timestamp (RFC 3339 with nanoseconds, as the server wrote
 * it); data plus tags bytes above the pool's limit is Usage, before anything is published.
 */
import {
  type AppendInput,
  encodeTags,
  type Instant,
  normaliseJsonText,
  parseTime,
  SpoolError,
  StoredMessage,
  stringifyData,
} from "@spool/core";

/** The header with the message's tags (the JSON array text), absent for no tags. */
export const TAGS_HEADER = "Spool-Tags";
/** Producer headers: id, epoch, the producer seq, and the first producer seq of its commit. */
export const PRODUCER_HEADER = "Spool-Producer";
export const EPOCH_HEADER = "Spool-Producer-Epoch";
export const PRODUCER_SEQ_HEADER = "Spool-Producer-Seq";
export const BATCH_FIRST_HEADER = "Spool-Producer-First";

/** One message ready to publish. */
export interface Encoded {
  tags: string;
  data: string;
  dataBytes: Uint8Array;
}

const encoder = new TextEncoder();

/** Encodes appends and checks each against the per-message limit (Usage before any publish). */
export function encodeInputs(
  inputs: readonly AppendInput[],
  maxMessageBytes: number,
  path: string,
): Encoded[] {
  if (!Array.isArray(inputs)) {
    throw new SpoolError("Usage", "a batch must be an array of messages", {
      hint: "pass a list such as [{ data: 1 }, { data: 2, tags: ['x'] }]",
    });
  }
  return inputs.map((input) => {
    if (typeof input !== "object" || input === null) {
      throw new SpoolError("Usage", "each batch item must be an object such as {data, tags}", {
        hint: 'pass items like {"data": {...}, "tags": ["build"]} or {"json": "..."}',
      });
    }
    const tags = encodeTags(input.tags);
    let data: string;
    if (input.json !== undefined) {
      if (typeof input.json !== "string" && !((input.json as unknown) instanceof Uint8Array)) {
        throw new SpoolError(
          "Usage",
          `JSON input must be text or UTF-8 bytes, not ${input.json === null ? "null" : typeof input.json}`,
          {
            hint: "pass JSON text such as '{\"ok\":true}', or append the value itself with append()",
          },
        );
      }
      data = normaliseJsonText(input.json, { trusted: input.trusted === true });
    } else {
      data = stringifyData(input.data);
    }
    const dataBytes = encoder.encode(data);
    const size = dataBytes.length + Buffer.byteLength(tags, "utf8");
    if (size > maxMessageBytes) {
      throw new SpoolError(
        "Usage",
        `message is ${size} bytes (data plus tags); this pool holds at most ${maxMessageBytes} bytes per message`,
        { path, hint: "create a larger pool (--size) or send a smaller message" },
      );
    }
    return { tags, data, dataBytes };
  });
}

/** The instant of a stream timestamp (Io when the server sent something unreadable). */
export function instantOf(timestamp: string, path: string): Instant {
  const instant = parseTime(timestamp);
  if (instant === undefined) {
    throw new SpoolError(
      "Io",
      `JetStream sent an unreadable message time ${JSON.stringify(timestamp)}`,
      {
        path,
      },
    );
  }
  return instant;
}

const SEPARATOR = '},"data":';
const SUFFIX = "}\n";

/** A Spool message from its stored parts. */
export function messageOf<T>(
  seq: number,
  time: Instant,
  tags: string,
  data: Uint8Array,
): StoredMessage<T> {
  const tagsLen = Buffer.byteLength(tags, "utf8");
  const payload = Buffer.allocUnsafe(tagsLen + SEPARATOR.length + data.length + SUFFIX.length);
  let at = payload.write(tags, 0, "utf8");
  at += payload.write(SEPARATOR, at, "latin1");
  payload.set(data, at);
  payload.write(SUFFIX, at + data.length, "latin1");
  return new StoredMessage<T>(seq, time.sec, time.nanos, payload, tagsLen, data.length);
}

/** The tags text of stored headers. */
export function tagsOf(headers: { get(key: string): string } | undefined): string {
  const tags = headers?.get(TAGS_HEADER);
  return tags === undefined || tags === "" ? "[]" : tags;
}
