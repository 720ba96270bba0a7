/**
 * Messages as archive rows and back: a row keeps the exact stored text of `data` and of the
 * envelope's time, so a message read back from the archive is byte for byte the envelope the
 * ring gave (core's StoredMessage, built from the same payload bytes a frame holds).
 *
 * Invariants: `messageOfRow(rowOf(m)).toJsonLine()` equals `m.toJsonLine()`; tags are the
 * compact JSON array core stores.
 */
import { type Message, StoredMessage } from "@spool/core";

/** One archived message as the archiver sends it. */
export interface ArchiveRow {
  seq: number;
  time: string;
  /** The tags as the compact JSON array text. */
  tags: string;
  /** The exact stored JSON text of `data`. */
  data: string;
}

const decoder = new TextDecoder();

export function rowOf(message: Message): ArchiveRow {
  return {
    seq: message.seq,
    time: message.time,
    tags: JSON.stringify(message.tags),
    data: decoder.decode(message.dataBytes),
  };
}

/** The bytes between a frame payload's tags and its data, and after its data (format v0 §6). */
const DATA_SEPARATOR = '},"data":';
const PAYLOAD_SUFFIX = "}\n";

/** The time text `2026-11-22T10:15:30.123456789Z` as seconds and nanoseconds. */
function instantOf(time: string): { sec: number; nanos: number } {
  const dot = time.indexOf(".");
  const whole = dot < 0 ? time.slice(0, -1) : time.slice(0, dot);
  const sec = Math.floor(Date.parse(`${whole}Z`) / 1000);
  const fraction = dot < 0 ? "" : time.slice(dot + 1, -1);
  return { sec, nanos: Number(fraction.padEnd(9, "0").slice(0, 9)) };
}

/** An archived row as a core message (the same envelope the ring gave for it). */
export function messageOfRow<T = unknown>(
  seq: number,
  time: string,
  tags: readonly string[],
  data: string,
): Message<T> {
  const tagsText = JSON.stringify(tags);
  const payload = Buffer.from(tagsText + DATA_SEPARATOR + data + PAYLOAD_SUFFIX, "utf8");
  const { sec, nanos } = instantOf(time);
  return new StoredMessage<T>(
    seq,
    sec,
    nanos,
    payload,
    Buffer.byteLength(tagsText),
    Buffer.byteLength(data),
  );
}
