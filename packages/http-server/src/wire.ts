/**
 * Wire shapes of pools and messages: PoolInfo in core's wire spelling (re-exported) and message
 * envelopes spliced from the stored bytes.
 *
 * Invariants: an envelope is never built with JSON.parse/JSON.stringify of `data`, only by
 * splicing the stored bytes.
 */
import type { Message } from "@spool/core";

export {
  type PoolInfoJson,
  type PoolListEntryJson,
  poolInfoJson,
  poolListEntryJson,
} from "@spool/core";

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
