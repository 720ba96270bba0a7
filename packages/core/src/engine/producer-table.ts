/**
 * Producers in the pool ledger's table: the kept state of one producer, the list, and the records
 * a commit by a producer writes (its new state, and the least recently used producer dropped
 * when the table is full).
 *
 * Invariants: at most `capacity` producers are kept; the one dropped for a new producer is the
 * one whose last commit is the oldest (lowest pool seq), so a producer that keeps writing is
 * never dropped while others idle; undecodable values are Corrupt, never read as a fresh start.
 */
import { SpoolError } from "../errors.js";
import {
  decodeProducerValue,
  encodeProducerValue,
  type LedgerRecord,
  RECORD_KINDS,
} from "../format/ledger.js";
import type { ProducerState } from "../producer.js";
import { entryKey, type LedgerTable } from "./ledger.js";

const KIND = RECORD_KINDS.producer;

/** Decoded states, per record (records are immutable once in a table). */
const decoded = new WeakMap<LedgerRecord, ProducerState>();

function stateOf(record: LedgerRecord, path: string): ProducerState {
  const known = decoded.get(record);
  if (known) return known;
  const value = record.value && decodeProducerValue(record.value);
  if (!value) {
    throw new SpoolError("Corrupt", `pool ledger: the state of producer ${record.key} is damaged`, {
      path,
      hint: "run `spool doctor`; the messages themselves are unaffected",
    });
  }
  const state = { id: record.key, ...value };
  decoded.set(record, state);
  return state;
}

/** The state the pool keeps for producer `id`, or undefined. */
export function keptProducer(
  table: LedgerTable,
  id: string,
  path: string,
): ProducerState | undefined {
  const record = table.get(entryKey(KIND, id));
  return record === undefined ? undefined : stateOf(record, path);
}

/** Every kept producer, the most recently committed first. */
export function listProducers(table: LedgerTable, path: string): ProducerState[] {
  const producers: ProducerState[] = [];
  for (const record of table.values()) {
    if (record.kind === KIND) producers.push(stateOf(record, path));
  }
  return producers.sort((a, b) => b.lastPoolSeq - a.lastPoolSeq);
}

/** The records that store `next` (and drop the least recently used producer when full). */
export function producerRecords(
  table: LedgerTable,
  next: ProducerState,
  capacity: number,
  path: string,
): LedgerRecord[] {
  const id = next.id;
  const records: LedgerRecord[] = [];
  if (!table.has(entryKey(KIND, id))) {
    // Most recent first: everything past the newest capacity − 1 makes room for the new one.
    for (const old of listProducers(table, path).slice(capacity - 1))
      records.push({ kind: KIND, key: old.id });
  }
  const record: LedgerRecord = { kind: KIND, key: id, value: encodeProducerValue(next) };
  decoded.set(record, next);
  records.push(record);
  return records;
}
