/**
 * Codec for the pool ledger (spec/format/v0 §15): the region between the index and the ring that
 * holds state kept beside the messages (producer dedupe state today; durable cursors and consumer
 * groups use the same records). Pure functions over bytes; no I/O.
 *
 * Layout: a descriptor in header bytes 192–255 (written once at create, its own CRC) names the
 * region; the region is two halves; the published state slot names the active half (`turn`, its
 * parity) and how many of its bytes are live (`len`). A half is a 16-byte half header (carrying
 * its turn) followed by records, each `put` or `delete` of one (kind, key), 8-byte aligned, with
 * a CRC over the whole record after the CRC word.
 *
 * Invariants: a record is valid only whole (length bounds, CRC); a half is read only up to the
 * published `len` and only when its header names the published `turn`, so bytes a writer left
 * past `len` (a crash before publishing) and a half being rewritten for a later turn are never
 * taken as state.
 */
import type { ProducerState } from "../producer.js";
import { align8, crc32Range, fourcc, readU64, writeU64 } from "./bytes.js";

/** Where the descriptor lives in the header, and its size. */
export const LEDGER_DESCRIPTOR_OFFSET = 192;
export const LEDGER_DESCRIPTOR_SIZE = 64;
/** "SPLG": the descriptor's tag. */
export const LEDGER_MAGIC = fourcc("SPLG");
/** "SPLH": the tag of a half header. */
export const HALF_MAGIC = fourcc("SPLH");
export const LEDGER_VERSION = 1;
export const HALF_HEADER_SIZE = 16;
export const RECORD_HEADER_SIZE = 16;
/** Smallest ledger (bytes, both halves). */
export const MIN_LEDGER_SIZE = 2048;
/** Largest ledger (bytes, both halves): a half's length must fit the state slot's u32. */
export const MAX_LEDGER_SIZE = 64 * 1024 * 1024;

/** Record kinds: one byte each. */
export const RECORD_KINDS = {
  producer: 0x50,
  /** A durable cursor (spec/api/v0 §3.11): key = its name. */
  cursor: 0x43,
  /** A consumer group's frontier, settings and counters: key = its name. */
  group: 0x47,
  /** One delivery of a group in flight or waiting: key = `GROUP/SEQ`. */
  delivery: 0x44,
} as const;
/** A record's kind: one of RECORD_KINDS, or a later version's (kept, not interpreted). */
export type RecordKind = number;
export const OP_PUT = 1;
export const OP_DELETE = 2;

/** Where the ledger is and how much it holds, as the descriptor says. */
export interface LedgerLayout {
  /** Absolute offset of half 0; half 1 follows it. */
  offset: number;
  /** Bytes of both halves together. */
  size: number;
  /** Bytes of one half. */
  halfSize: number;
  /** How many producers the pool keeps (the least recently used is dropped past it). */
  producerCapacity: number;
}

/** What the state slot says about the ledger. */
export interface LedgerRef {
  /** Counts rewrites of the table into the other half; its parity is the active half. */
  turn: number;
  /** Live bytes of the active half (its header included); 0 while nothing was ever recorded. */
  len: number;
}

/** One change of the table. */
export interface LedgerRecord {
  kind: RecordKind;
  key: string;
  /** The entry's value (a put); undefined for a delete. */
  value?: Buffer;
}

/** Encodes the descriptor into `buf` at LEDGER_DESCRIPTOR_OFFSET. */
export function encodeLedgerDescriptor(buf: Buffer, ledger: LedgerLayout): void {
  const at = LEDGER_DESCRIPTOR_OFFSET;
  buf.fill(0, at, at + LEDGER_DESCRIPTOR_SIZE);
  buf.writeUInt32LE(LEDGER_MAGIC, at);
  buf.writeUInt32LE(LEDGER_VERSION, at + 4);
  writeU64(buf, at + 8, ledger.offset);
  writeU64(buf, at + 16, ledger.size);
  buf.writeUInt32LE(ledger.producerCapacity, at + 24);
  buf.writeUInt32LE(crc32Range(buf, at, at + 60), at + 60);
}

/**
 * The descriptor in `header` (at least 256 bytes): the ledger layout, "absent" for a pool made
 * before the ledger existed (all zero), or a message saying why it cannot be trusted.
 */
export function decodeLedgerDescriptor(
  header: Buffer,
  bounds: { indexEnd: number; ringOffset: number },
): LedgerLayout | "absent" | { damaged: string } {
  const at = LEDGER_DESCRIPTOR_OFFSET;
  if (header.length < at + LEDGER_DESCRIPTOR_SIZE) return { damaged: "the header is truncated" };
  const bytes = header.subarray(at, at + LEDGER_DESCRIPTOR_SIZE);
  if (!bytes.some((b) => b !== 0)) return "absent";
  if (bytes.readUInt32LE(0) !== LEDGER_MAGIC) return { damaged: "bad ledger descriptor tag" };
  if (crc32Range(bytes, 0, 60) !== bytes.readUInt32LE(60))
    return { damaged: "ledger descriptor checksum mismatch" };
  const version = bytes.readUInt32LE(4);
  if (version !== LEDGER_VERSION)
    return { damaged: `ledger version ${version} is not supported (this Spool reads 1)` };
  const offset = readU64(bytes, 8);
  const size = readU64(bytes, 16);
  const producerCapacity = bytes.readUInt32LE(24);
  const halfSize = size / 2;
  const sane =
    Number.isSafeInteger(offset) &&
    Number.isSafeInteger(size) &&
    offset % 8 === 0 &&
    size >= MIN_LEDGER_SIZE &&
    size <= MAX_LEDGER_SIZE &&
    size % 16 === 0 &&
    offset >= bounds.indexEnd &&
    offset + size <= bounds.ringOffset &&
    producerCapacity >= 1 &&
    producerCapacity * maxRecordSize(MAX_PRODUCER_KEY_BYTES, PRODUCER_VALUE_SIZE) +
      HALF_HEADER_SIZE <=
      halfSize;
  if (!sane) return { damaged: "ledger descriptor layout is inconsistent" };
  return { offset, size, halfSize, producerCapacity };
}

/** Longest producer id (bytes); the key of a producer record. */
export const MAX_PRODUCER_KEY_BYTES = 64;
/** Bytes of a producer record's value. */
export const PRODUCER_VALUE_SIZE = 48;

/** The size of a record with a key of `keyBytes` and a value of `valueBytes`. */
export function maxRecordSize(keyBytes: number, valueBytes: number): number {
  return align8(RECORD_HEADER_SIZE + keyBytes + valueBytes);
}

/** Encodes a half header for `turn` into `buf` at `at`. */
export function encodeHalfHeader(buf: Buffer, at: number, turn: number): void {
  buf.writeUInt32LE(HALF_MAGIC, at);
  buf.writeUInt32LE(turn >>> 0, at + 4);
  buf.writeUInt32LE(0, at + 8);
  buf.writeUInt32LE(crc32Range(buf, at, at + 12), at + 12);
}

/** True when `buf[at..]` is a valid half header of `turn`. */
export function isHalfHeader(buf: Buffer, at: number, turn: number): boolean {
  return (
    buf.readUInt32LE(at) === HALF_MAGIC &&
    buf.readUInt32LE(at + 4) === turn >>> 0 &&
    crc32Range(buf, at, at + 12) === buf.readUInt32LE(at + 12)
  );
}

/** Bytes `record` takes. */
export function recordSize(record: LedgerRecord): number {
  return align8(
    RECORD_HEADER_SIZE + Buffer.byteLength(record.key, "utf8") + (record.value?.length ?? 0),
  );
}

/** Encodes `record` into `buf` at `at`; returns the offset just past it. */
export function encodeRecord(buf: Buffer, at: number, record: LedgerRecord): number {
  const size = recordSize(record);
  buf.fill(0, at, at + size);
  buf.writeUInt32LE(size, at);
  buf[at + 8] = record.kind;
  buf[at + 9] = record.value === undefined ? OP_DELETE : OP_PUT;
  const keyLen = buf.write(record.key, at + RECORD_HEADER_SIZE, "utf8");
  buf.writeUInt16LE(keyLen, at + 10);
  const valueLen = record.value?.length ?? 0;
  buf.writeUInt32LE(valueLen, at + 12);
  record.value?.copy(buf, at + RECORD_HEADER_SIZE + keyLen);
  buf.writeUInt32LE(crc32Range(buf, at + 8, at + size), at + 4);
  return at + size;
}

/**
 * The record at `buf[at..end)`, with its size, or undefined when the bytes there are not one
 * whole valid record.
 */
export function decodeRecord(
  buf: Buffer,
  at: number,
  end: number,
): { record: LedgerRecord; size: number } | undefined {
  if (at + RECORD_HEADER_SIZE > end) return undefined;
  const size = buf.readUInt32LE(at);
  if (size < RECORD_HEADER_SIZE || size % 8 !== 0 || at + size > end) return undefined;
  if (crc32Range(buf, at + 8, at + size) !== buf.readUInt32LE(at + 4)) return undefined;
  const kind = buf[at + 8] as number;
  const op = buf[at + 9];
  const keyLen = buf.readUInt16LE(at + 10);
  const valueLen = buf.readUInt32LE(at + 12);
  if (RECORD_HEADER_SIZE + keyLen + valueLen > size) return undefined;
  if (op !== OP_PUT && op !== OP_DELETE) return undefined;
  // A kind this version does not know (a later one's) is kept as it is: it is carried over when
  // the table is rewritten and otherwise ignored, so older readers never call a newer pool corrupt.
  const keyStart = at + RECORD_HEADER_SIZE;
  const key = buf.toString("utf8", keyStart, keyStart + keyLen);
  const record: LedgerRecord = { kind: kind as RecordKind, key };
  if (op === OP_PUT)
    record.value = Buffer.from(buf.subarray(keyStart + keyLen, keyStart + keyLen + valueLen));
  return { record, size };
}

/** A producer's kept state as a record value (48 bytes): all but the id, which is the key. */
export type ProducerValue = Omit<ProducerState, "id">;

export function encodeProducerValue(value: ProducerValue): Buffer {
  const buf = Buffer.allocUnsafe(PRODUCER_VALUE_SIZE); // every byte is written below
  writeU64(buf, 0, value.epoch);
  writeU64(buf, 8, value.lastSeq);
  writeU64(buf, 16, value.lastPoolSeq);
  writeU64(buf, 24, value.batchFirstSeq);
  writeU64(buf, 32, value.timeSec);
  buf.writeUInt32LE(value.timeNanos, 40);
  buf.writeUInt32LE(0, 44);
  return buf;
}

/** The producer state in a record value, or undefined when it is not a valid one. */
export function decodeProducerValue(buf: Buffer): ProducerValue | undefined {
  if (buf.length !== PRODUCER_VALUE_SIZE) return undefined;
  const value: ProducerValue = {
    epoch: readU64(buf, 0),
    lastSeq: readU64(buf, 8),
    lastPoolSeq: readU64(buf, 16),
    batchFirstSeq: readU64(buf, 24),
    timeSec: readU64(buf, 32),
    timeNanos: buf.readUInt32LE(40),
  };
  const whole = [value.epoch, value.lastSeq, value.lastPoolSeq, value.batchFirstSeq, value.timeSec];
  if (!whole.every(Number.isSafeInteger)) return undefined;
  if (value.batchFirstSeq > value.lastSeq || value.timeNanos >= 1e9) return undefined;
  return value;
}
