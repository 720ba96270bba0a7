/**
 * Wire shapes of pools and messages: PoolInfo in core's wire spelling (with its path as the
 * app shows paths, remote.ts), message envelopes spliced from the stored bytes, and a claim's
 * deliveries (each envelope spliced the same way, so it is byte for byte `GET messages/{seq}`'s).
 *
 * Invariants: a PoolInfo's `path` is never absolute unless the app exposes paths; an envelope is never built with JSON.parse/JSON.stringify of `data`, only by
 * splicing the stored bytes; keys are plain ASCII literals of the routes.
 */
import {
  poolInfoJson as corePoolInfoJson,
  poolListEntryJson as corePoolListEntryJson,
  type Delivery,
  type PoolInfo,
  type PoolInfoJson,
  type PoolListEntry,
  type PoolListEntryJson,
} from "@spool/core";
import { type RemoteView, remoteErrorJson, remotePath } from "./remote.js";

export type { PoolInfoJson, PoolListEntryJson } from "@spool/core";

/** PoolInfo in its wire spelling, `path` as `view` shows it (remote.ts). */
export function poolInfoJson(info: PoolInfo, view: RemoteView): PoolInfoJson {
  const json = corePoolInfoJson(info);
  json.path = remotePath(json.path, view);
  return json;
}

/** A listing entry in its wire spelling, its path and error as `view` shows them. */
export function poolListEntryJson(entry: PoolListEntry, view: RemoteView): PoolListEntryJson {
  const json = corePoolListEntryJson(entry);
  if ("error" in json) {
    return {
      name: json.name,
      path: remotePath(json.path, view),
      error: remoteErrorJson(json.error, view),
    };
  }
  json.path = remotePath(json.path, view);
  return json;
}

/** What a response splices: a message, a producer's duplicate (marked) or its receipt. */
export interface JsonLine {
  toJsonLine(): Uint8Array;
}

/**
 * `{"<key>":<envelope>}` for one message, from its stored JSON line (no parse, no stringify).
 *
 * @example
 * messageBody("message", msg) // {"message":{"seq":1,"time":"…","meta":{"tags":[]},"data":{…}}}
 */
export function messageBody(key: string, message: JsonLine): Buffer {
  const envelope = envelopeBytes(message);
  const prefix = `{"${key}":`;
  // One allocation and two copies (the key is plain ASCII).
  const out = Buffer.allocUnsafe(prefix.length + envelope.length + 1);
  out.write(prefix, 0, "latin1");
  envelope.copy(out, prefix.length);
  out[out.length - 1] = 0x7d;
  return out;
}

/** `{"<key>":[<envelope>,<envelope>,…]}` for many messages, spliced the same way. */
export function messagesBody(key: string, messages: readonly JsonLine[]): Buffer {
  const envelopes = messages.map(envelopeBytes);
  const prefix = `{"${key}":[`;
  let length = prefix.length + Math.max(envelopes.length - 1, 0) + 2;
  for (const envelope of envelopes) length += envelope.length;
  const out = Buffer.allocUnsafe(length);
  let at = out.write(prefix, 0, "latin1");
  envelopes.forEach((envelope, i) => {
    if (i > 0) out[at++] = 0x2c;
    at += envelope.copy(out, at);
  });
  out[at++] = 0x5d;
  out[at] = 0x7d;
  return out;
}

/**
 * `{"deliveries":[{"seq","attempt","lease_until","member","message":<envelope>},…]}` for a
 * claim's deliveries, the envelopes spliced from their stored lines.
 *
 * @example
 * deliveriesBody([d]) // {"deliveries":[{"seq":7,"attempt":1,"lease_until":"…","member":"w-1","message":{"seq":7,…}}]}
 */
export function deliveriesBody(deliveries: readonly Delivery[]): Buffer {
  const parts: Buffer[] = [Buffer.from('{"deliveries":[', "latin1")];
  deliveries.forEach((d, i) => {
    const head = `${i > 0 ? "," : ""}{"seq":${d.seq},"attempt":${d.attempt},"lease_until":${JSON.stringify(d.leaseUntil)},"member":${JSON.stringify(d.member)},"message":`;
    parts.push(Buffer.from(head, "utf8"), envelopeBytes(d.message), Buffer.from("}", "latin1"));
  });
  parts.push(Buffer.from("]}", "latin1"));
  return Buffer.concat(parts);
}

/** The envelope's JSON bytes without the trailing newline of its JSONL line. */
function envelopeBytes(message: JsonLine): Buffer {
  const line = message.toJsonLine();
  const buf = Buffer.from(line.buffer, line.byteOffset, line.byteLength);
  return buf[buf.length - 1] === 0x0a ? buf.subarray(0, buf.length - 1) : buf;
}
