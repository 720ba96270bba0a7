/**
 * The two wire framings of a tail: JSON Lines (`/tail`) and Server-Sent Events (`/events`).
 * Each turns core's JSONL chunks, gaps, a final error and a normal end into bytes.
 *
 * Invariants: message records are spliced from core's lines byte for byte (SSE copies each line
 * after `data: ` and its seq digits after `id: `; nothing is parsed or stringified per message);
 * core's lines never hold CR or LF inside (stored data is one line), so each envelope is exactly
 * one SSE `data:` line; every SSE message event has `id: <seq>`, a gap event has `id: <to>` (so a
 * reconnect resumes after the gap), error and end events have no id (a reconnect resumes after
 * the last message); the error record is the error envelope of errors.ts.
 */
import type { Gap, SpoolError, TailEnd } from "@spool/core";
import { errorJson, errorLine } from "./errors.js";
import { JSONL_TYPE, SSE_TYPE } from "./headers.js";

/** How one tail response writes its records. */
export interface TailFraming {
  /** The response's content type. */
  readonly contentType: string;
  /** Bytes the stream opens with, if any. */
  start(): Uint8Array | undefined;
  /** A chunk of core's JSONL lines (whole lines) in this framing. */
  lines(chunk: Buffer): Uint8Array;
  /** The record reporting a gap, or undefined when gaps are not reported. */
  gap(gap: Gap): Uint8Array | undefined;
  /** The final record of a stream that failed after it started. */
  error(error: SpoolError): Uint8Array;
  /** The record after a normal end (`max` reached, `timeout_ms` idle), if any. */
  end(reason: TailEnd): Uint8Array | undefined;
  /** A record that means nothing, written while idle to keep proxies from closing (SSE only). */
  readonly heartbeat?: Uint8Array | undefined;
}

const encode = (text: string): Buffer => Buffer.from(text, "utf8");

const gapJson = (gap: Gap): string => `{"from":${gap.from},"to":${gap.to},"count":${gap.count}}`;

/**
 * JSON Lines: one envelope per line; with `gapLines`, a gap is the line `{"gap": {from, to,
 * count}}`; a failure is a final `{"error": …}` line; a normal end is just the end.
 *
 * @example
 * jsonlFraming({ gapLines: true }).gap({ from: 3, to: 9, count: 7 }) // {"gap":{"from":3,"to":9,"count":7}}\n
 */
export function jsonlFraming(options: { gapLines: boolean }): TailFraming {
  return {
    contentType: JSONL_TYPE,
    start: () => undefined,
    lines: (chunk) => chunk,
    gap: (gap) => (options.gapLines ? encode(`{"gap":${gapJson(gap)}}\n`) : undefined),
    error: (error) => encode(errorLine(error)),
    end: () => undefined,
  };
}

/** An SSE comment: EventSource ignores it; it only keeps the connection busy. */
const HEARTBEAT = encode(":\n\n");
/** `{"seq":` — how every one of core's envelope lines starts. */
const SEQ_PREFIX = encode('{"seq":');
const LF = 0x0a;
const COMMA = 0x2c;
/** The shortest envelope line core writes (`{"seq":1,"time":"<30>","meta":{"tags":[]},"data":0}`). */
const MIN_LINE = 62;
/** Bytes an event adds to its line: `id: ` + up to 16 digits + `\ndata: ` + `\n\n` − the line's `\n`. */
const MAX_EVENT_OVERHEAD = 4 + 16 + 7 + 2 - 1;

/** Writes the ASCII `text` into `out` at `at`; returns the new offset (small constants only). */
function put(out: Buffer, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) out[at++] = text.charCodeAt(i);
  return at;
}

/**
 * The SSE message events of a chunk of JSONL lines: `id: <seq>\ndata: <envelope>\n\n` each.
 *
 * @example
 * sseMessages(Buffer.from('{"seq":7,"time":"…","meta":{"tags":[]},"data":1}\n'))
 * // id: 7\ndata: {"seq":7,"time":"…","meta":{"tags":[]},"data":1}\n\n
 */
export function sseMessages(chunk: Buffer): Buffer {
  // One pass into a buffer sized for the worst case (every line as short as a line can be).
  const lines = Math.ceil(chunk.length / MIN_LINE) + 1;
  const out = Buffer.allocUnsafe(chunk.length + lines * MAX_EVENT_OVERHEAD);
  let at = 0;
  for (let start = 0; start < chunk.length; ) {
    let end = chunk.indexOf(LF, start);
    if (end < 0) end = chunk.length;
    // Byte loops, not Buffer calls: each native call costs more than these few bytes.
    let ok = end - start > SEQ_PREFIX.length;
    for (let i = 0; ok && i < SEQ_PREFIX.length; i++) ok = chunk[start + i] === SEQ_PREFIX[i];
    const digits = start + SEQ_PREFIX.length;
    let digitsEnd = digits;
    while (digitsEnd < end && digitsEnd - digits <= 16 && chunk[digitsEnd] !== COMMA) digitsEnd++;
    if (
      !ok ||
      chunk[digitsEnd] !== COMMA ||
      digitsEnd === digits ||
      digitsEnd - digits > 16 ||
      at + (end - start) + MAX_EVENT_OVERHEAD > out.length
    ) {
      throw new Error("internal: a tail line does not start with its seq");
    }
    at = put(out, at, "id: ");
    for (let i = digits; i < digitsEnd; i++) out[at++] = chunk[i] as number;
    at = put(out, at, "\ndata: ");
    at += chunk.copy(out, at, start, end);
    at = put(out, at, "\n\n");
    start = end + 1;
  }
  return out.subarray(0, at);
}

/**
 * Server-Sent Events: message events `id: <seq>` + `data: <envelope>`; `event: gap` (`id: <to>`,
 * data `{from, to, count}`); a final `event: error` (data: the error envelope); after a normal
 * end, `event: end` (data `{"reason": "max" | "timeout" | "caught-up"}`); a comment line `:` as heartbeat.
 * With `retryMs`, the stream opens with `retry: <ms>` (the browser's reconnection delay).
 *
 * @example
 * sseFraming({}).end("timeout") // event: end\ndata: {"reason":"timeout"}\n\n
 */
export function sseFraming(options: { retryMs?: number | undefined }): TailFraming {
  return {
    contentType: SSE_TYPE,
    start: () =>
      options.retryMs === undefined ? undefined : encode(`retry: ${options.retryMs}\n\n`),
    lines: sseMessages,
    gap: (gap) => encode(`event: gap\nid: ${gap.to}\ndata: ${gapJson(gap)}\n\n`),
    error: (error) => encode(`event: error\ndata: ${errorJson(error)}\n\n`),
    end: (reason) => encode(`event: end\ndata: {"reason":"${reason}"}\n\n`),
    heartbeat: HEARTBEAT,
  };
}
