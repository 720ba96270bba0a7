/**
 * Cursors, groups and deliveries in the pool ledger's table: reading them (decoded once per
 * record), the records that change them, how many bytes they take, and the room the ledger has
 * for them beside the producers.
 *
 * Invariants: a delivery's key is `GROUP/SEQ` (group names never hold `/`); undecodable values
 * are Corrupt, never read as absent or fresh; `consumerRoom` never counts the bytes reserved for
 * the producer table at its capacity, so producers always fit.
 */
import { SpoolError } from "../errors.js";
import {
  type CursorValue,
  type DeliveryValue,
  decodeCursorValue,
  decodeDeliveryValue,
  decodeGroupValue,
  encodeCursorValue,
  encodeDeliveryValue,
  encodeGroupValue,
  type GroupValue,
} from "../format/consumer-records.js";
import {
  HALF_HEADER_SIZE,
  type LedgerLayout,
  type LedgerRecord,
  MAX_PRODUCER_KEY_BYTES,
  maxRecordSize,
  PRODUCER_VALUE_SIZE,
  RECORD_KINDS,
  recordSize,
} from "../format/ledger.js";
import { entryKey, LEDGER_DAMAGE_HINT, type LedgerTable } from "./ledger.js";

const decoded = new WeakMap<LedgerRecord, CursorValue | GroupValue | DeliveryValue>();

function damaged(path: string, what: string): SpoolError {
  return new SpoolError("Corrupt", `pool ledger: the state of ${what} is damaged`, {
    path,
    hint: LEDGER_DAMAGE_HINT,
  });
}

function decode<T extends CursorValue | GroupValue | DeliveryValue>(
  record: LedgerRecord,
  decoder: (buf: Buffer) => T | undefined,
  path: string,
  what: string,
): T {
  const known = decoded.get(record);
  if (known) return known as T;
  const value = record.value && decoder(record.value);
  if (!value) throw damaged(path, what);
  decoded.set(record, value);
  return value;
}

function put<T extends CursorValue | GroupValue | DeliveryValue>(
  kind: number,
  key: string,
  value: T,
  encode: (value: T) => Buffer,
): LedgerRecord {
  const record: LedgerRecord = { kind, key, value: encode(value) };
  decoded.set(record, value);
  return record;
}

// Cursors.

export function keptCursor(
  table: LedgerTable,
  name: string,
  path: string,
): CursorValue | undefined {
  const record = table.get(entryKey(RECORD_KINDS.cursor, name));
  return record && decode(record, decodeCursorValue, path, `cursor ${name}`);
}

/** Every kept cursor, by name. */
export function listCursors(table: LedgerTable, path: string): [string, CursorValue][] {
  const out: [string, CursorValue][] = [];
  for (const record of table.values()) {
    if (record.kind === RECORD_KINDS.cursor)
      out.push([record.key, decode(record, decodeCursorValue, path, `cursor ${record.key}`)]);
  }
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

export function cursorRecord(name: string, value: CursorValue): LedgerRecord {
  return put(RECORD_KINDS.cursor, name, value, encodeCursorValue);
}

// Groups.

export function keptGroup(table: LedgerTable, name: string, path: string): GroupValue | undefined {
  const record = table.get(entryKey(RECORD_KINDS.group, name));
  return record && decode(record, decodeGroupValue, path, `group ${name}`);
}

export function listGroups(table: LedgerTable, path: string): [string, GroupValue][] {
  const out: [string, GroupValue][] = [];
  for (const record of table.values()) {
    if (record.kind === RECORD_KINDS.group)
      out.push([record.key, decode(record, decodeGroupValue, path, `group ${record.key}`)]);
  }
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

export function groupRecord(name: string, value: GroupValue): LedgerRecord {
  return put(RECORD_KINDS.group, name, value, encodeGroupValue);
}

// Deliveries.

export function deliveryKey(group: string, seq: number): string {
  return `${group}/${seq}`;
}

/** The group's delivery records, by seq (ascending). */
export function deliveriesOf(
  table: LedgerTable,
  group: string,
  path: string,
): [number, DeliveryValue][] {
  const prefix = `${group}/`;
  const out: [number, DeliveryValue][] = [];
  for (const record of table.values()) {
    if (record.kind !== RECORD_KINDS.delivery || !record.key.startsWith(prefix)) continue;
    const seq = Number(record.key.slice(prefix.length));
    if (!Number.isSafeInteger(seq) || seq < 1) throw damaged(path, `delivery ${record.key}`);
    out.push([seq, decode(record, decodeDeliveryValue, path, `delivery ${record.key}`)]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/** The record of the group's delivery of `seq`, if any. */
export function deliveryEntry(
  table: LedgerTable,
  group: string,
  seq: number,
): LedgerRecord | undefined {
  return table.get(entryKey(RECORD_KINDS.delivery, deliveryKey(group, seq)));
}

export function keptDelivery(
  table: LedgerTable,
  group: string,
  seq: number,
  path: string,
): DeliveryValue | undefined {
  const record = deliveryEntry(table, group, seq);
  return record && decode(record, decodeDeliveryValue, path, `delivery ${record.key}`);
}

export function deliveryRecord(group: string, seq: number, value: DeliveryValue): LedgerRecord {
  return put(RECORD_KINDS.delivery, deliveryKey(group, seq), value, encodeDeliveryValue);
}

export function deleteRecord(kind: number, key: string): LedgerRecord {
  return { kind, key };
}

// Room.

/**
 * Bytes of one half the consumers may fill: what the producer table at its capacity leaves,
 * less a quarter kept free so that a full table is not rewritten on every commit.
 */
export function consumerRoom(layout: LedgerLayout): number {
  const producers =
    layout.producerCapacity * maxRecordSize(MAX_PRODUCER_KEY_BYTES, PRODUCER_VALUE_SIZE);
  return Math.max(0, Math.floor(((layout.halfSize - HALF_HEADER_SIZE - producers) * 3) / 4));
}

/** Bytes the table's cursors, groups and deliveries take (every kind but producers). */
export function consumerBytes(table: LedgerTable): number {
  let bytes = 0;
  for (const record of table.values())
    if (record.kind !== RECORD_KINDS.producer) bytes += recordSize(record);
  return bytes;
}

/** Busy: the ledger has no room for one more cursor, group or delivery. */
export function ledgerFull(path: string, what: string): SpoolError {
  return new SpoolError("Busy", `the pool's ledger has no room for ${what}`, {
    path,
    hint: "ack or nack deliveries in flight and delete unused cursors and groups, or create the pool with a larger ledger (`spool pool create --ledger-size`)",
  });
}
