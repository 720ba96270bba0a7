/**
 * Wire shapes of pools and messages: PoolInfo in snake_case and message envelopes spliced from
 * the stored bytes.
 *
 * Invariants: every PoolInfo field appears exactly once under its wire name, `bounds` and the
 * times are null for an empty pool (never omitted) — the same mapping as the CLI's `--json`
 * (packages/cli/src/lib/pool-json.ts; kept in step by hand until core exports one); an envelope
 * is never built with JSON.parse/JSON.stringify of `data`, only by splicing the stored bytes.
 */
import type { Message, PoolInfo, PoolListEntry, SpoolErrorJson } from "@spool/core";

/** PoolInfo on the wire. */
export interface PoolInfoJson {
  name: string;
  path: string;
  format_version: number;
  file_size: number;
  ring_size: number;
  index_capacity: number;
  bounds: { oldest: number; newest: number } | null;
  message_count: number;
  bytes_used: number;
  bytes_free: number;
  max_message_bytes: number;
  oldest_time: string | null;
  newest_time: string | null;
}

/** A `GET /v0/pools` entry: info, or the error that kept the pool from opening. */
export type PoolListEntryJson =
  | PoolInfoJson
  | { name: string; path: string; error: SpoolErrorJson };

export function poolInfoJson(info: PoolInfo): PoolInfoJson {
  return {
    name: info.name,
    path: info.path,
    format_version: info.formatVersion,
    file_size: info.fileSize,
    ring_size: info.ringSize,
    index_capacity: info.indexCapacity,
    bounds: info.bounds,
    message_count: info.messageCount,
    bytes_used: info.bytesUsed,
    bytes_free: info.bytesFree,
    max_message_bytes: info.maxMessageBytes,
    oldest_time: info.oldestTime,
    newest_time: info.newestTime,
  };
}

export function poolListEntryJson(entry: PoolListEntry): PoolListEntryJson {
  if (entry.info) return poolInfoJson(entry.info);
  return {
    name: entry.name,
    path: entry.path,
    error: entry.error ?? { kind: "Internal", message: "pool could not be read" },
  };
}

const CLOSE_BRACE = Buffer.from("}");

/**
 * `{"<key>":<envelope>}` for one message, from its stored JSON line (no parse, no stringify).
 *
 * @example
 * messageBody("message", msg) // {"message":{"seq":1,"time":"…","meta":{"tags":[]},"data":{…}}}
 */
export function messageBody(key: string, message: Message): Buffer {
  return Buffer.concat([Buffer.from(`{"${key}":`), envelopeBytes(message), CLOSE_BRACE]);
}

/** `{"<key>":[<envelope>,<envelope>,…]}` for many messages, spliced the same way. */
export function messagesBody(key: string, messages: readonly Message[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`{"${key}":[`)];
  messages.forEach((message, i) => {
    if (i > 0) parts.push(Buffer.from(","));
    parts.push(envelopeBytes(message));
  });
  parts.push(Buffer.from("]"), CLOSE_BRACE);
  return Buffer.concat(parts);
}

/** The envelope's JSON bytes without the trailing newline of its JSONL line. */
function envelopeBytes(message: Message): Buffer {
  const line = message.toJsonLine();
  const buf = Buffer.from(line.buffer, line.byteOffset, line.byteLength);
  return buf[buf.length - 1] === 0x0a ? buf.subarray(0, buf.length - 1) : buf;
}

/** A Buffer as a response body, without a copy (Buffers are Uint8Arrays over an ArrayBuffer). */
export function asBody(buf: Buffer): Uint8Array<ArrayBuffer> {
  return buf as unknown as Uint8Array<ArrayBuffer>;
}
