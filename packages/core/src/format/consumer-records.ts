/**
 * Values of the ledger records that durable consumers keep (spec/format/v0 §15.4): a cursor, a
 * group (frontier, settings, counters) and a group's delivery. Pure codecs over bytes; no I/O.
 *
 * Invariants: every value has a fixed little-endian head followed by UTF-8 text whose lengths
 * the head names; a decoder answers undefined for any value that is not exactly one valid
 * encoding (wrong length, a number past 2^53, an unknown state), never a partial value; times
 * are whole ms since the Unix epoch.
 */
import { readU64, writeU64 } from "./bytes.js";

/** A cursor's kept state (32 bytes). */
export interface CursorValue {
  committed: number;
  /** 0 before the first ack. */
  ackMs: number;
  createdMs: number;
}

export const CURSOR_VALUE_SIZE = 32;

export function encodeCursorValue(value: CursorValue): Buffer {
  const buf = Buffer.alloc(CURSOR_VALUE_SIZE);
  writeU64(buf, 0, value.committed);
  writeU64(buf, 8, value.ackMs);
  writeU64(buf, 16, value.createdMs);
  return buf;
}

export function decodeCursorValue(buf: Buffer): CursorValue | undefined {
  if (buf.length !== CURSOR_VALUE_SIZE) return undefined;
  const value = { committed: readU64(buf, 0), ackMs: readU64(buf, 8), createdMs: readU64(buf, 16) };
  return [value.committed, value.ackMs, value.createdMs].every(Number.isSafeInteger)
    ? value
    : undefined;
}

/** A group's kept state: frontier, settings and counters (96 bytes + the dead-letter pool name). */
export interface GroupValue {
  /** The first seq never delivered. */
  next: number;
  createdMs: number;
  delivered: number;
  redelivered: number;
  acked: number;
  /** Messages given up with a dead-letter pool: also the number of the last one moved there. */
  deadLettered: number;
  exhausted: number;
  lostToRetention: number;
  /** 0 = unlimited. */
  maxAttempts: number;
  retention: "lost" | "block";
  /** "" = none. */
  deadLetter: string;
}

const GROUP_HEAD_SIZE = 96;
const RETENTION_CODES = { lost: 0, block: 1 } as const;

export function encodeGroupValue(value: GroupValue): Buffer {
  // Called on every claim and ack: pooled memory, every byte written below.
  const nameLen = value.deadLetter === "" ? 0 : Buffer.byteLength(value.deadLetter, "utf8");
  const buf = Buffer.allocUnsafe(GROUP_HEAD_SIZE + nameLen);
  writeU64(buf, 0, value.next);
  writeU64(buf, 8, value.createdMs);
  writeU64(buf, 16, value.delivered);
  writeU64(buf, 24, value.redelivered);
  writeU64(buf, 32, value.acked);
  writeU64(buf, 40, value.deadLettered);
  writeU64(buf, 48, value.exhausted);
  writeU64(buf, 56, value.lostToRetention);
  buf.writeUInt32LE(value.maxAttempts, 64);
  buf[68] = RETENTION_CODES[value.retention];
  buf[69] = 0;
  buf.writeUInt16LE(nameLen, 70);
  buf.fill(0, 72, GROUP_HEAD_SIZE);
  if (nameLen > 0) buf.write(value.deadLetter, GROUP_HEAD_SIZE, "utf8");
  return buf;
}

export function decodeGroupValue(buf: Buffer): GroupValue | undefined {
  if (buf.length < GROUP_HEAD_SIZE) return undefined;
  const nameLen = buf.readUInt16LE(70);
  if (buf.length !== GROUP_HEAD_SIZE + nameLen) return undefined;
  const code = buf[68];
  if (code !== 0 && code !== 1) return undefined;
  const n = (i: number): number => readU64(buf, i * 8);
  const value: GroupValue = {
    next: n(0),
    createdMs: n(1),
    delivered: n(2),
    redelivered: n(3),
    acked: n(4),
    deadLettered: n(5),
    exhausted: n(6),
    lostToRetention: n(7),
    maxAttempts: buf.readUInt32LE(64),
    retention: code === 1 ? "block" : "lost",
    deadLetter: buf.toString("utf8", GROUP_HEAD_SIZE),
  };
  for (let i = 0; i < 8; i++) if (!Number.isSafeInteger(n(i))) return undefined;
  return value.next >= 1 ? value : undefined;
}

/** What a delivery record says about one message of a group. */
export type DeliveryState = "leased" | "waiting" | "given-up";
const STATE_CODES = { leased: 1, waiting: 2, "given-up": 3 } as const;
const STATES: Record<number, DeliveryState> = { 1: "leased", 2: "waiting", 3: "given-up" };

/** A delivery's kept state (32 bytes + member + error). */
export interface DeliveryValue {
  /** Deliveries made so far (the current or last attempt). */
  attempt: number;
  state: DeliveryState;
  /** leased: the lease's end; waiting: when it is claimable again (ms since the epoch). */
  deadlineMs: number;
  /** given-up: its number among the group's dead letters (the dead-letter producer seq). */
  deadLetterNo: number;
  member: string;
  /** The last error ("" = none). */
  error: string;
}

const DELIVERY_HEAD_SIZE = 32;

export function encodeDeliveryValue(value: DeliveryValue): Buffer {
  const member = Buffer.from(value.member, "utf8");
  const error = Buffer.from(value.error, "utf8");
  const buf = Buffer.alloc(DELIVERY_HEAD_SIZE + member.length + error.length);
  buf.writeUInt32LE(value.attempt, 0);
  buf[4] = STATE_CODES[value.state];
  writeU64(buf, 8, value.deadlineMs);
  writeU64(buf, 16, value.deadLetterNo);
  buf.writeUInt16LE(member.length, 24);
  buf.writeUInt16LE(error.length, 26);
  member.copy(buf, DELIVERY_HEAD_SIZE);
  error.copy(buf, DELIVERY_HEAD_SIZE + member.length);
  return buf;
}

export function decodeDeliveryValue(buf: Buffer): DeliveryValue | undefined {
  if (buf.length < DELIVERY_HEAD_SIZE) return undefined;
  const memberLen = buf.readUInt16LE(24);
  const errorLen = buf.readUInt16LE(26);
  if (buf.length !== DELIVERY_HEAD_SIZE + memberLen + errorLen) return undefined;
  const state = STATES[buf[4] as number];
  if (state === undefined) return undefined;
  const value: DeliveryValue = {
    attempt: buf.readUInt32LE(0),
    state,
    deadlineMs: readU64(buf, 8),
    deadLetterNo: readU64(buf, 16),
    member: buf.toString("utf8", DELIVERY_HEAD_SIZE, DELIVERY_HEAD_SIZE + memberLen),
    error: buf.toString("utf8", DELIVERY_HEAD_SIZE + memberLen),
  };
  if (!Number.isSafeInteger(value.deadlineMs) || !Number.isSafeInteger(value.deadLetterNo))
    return undefined;
  return value.attempt >= 1 ? value : undefined;
}
