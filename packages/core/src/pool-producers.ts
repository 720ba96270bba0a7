/**
 * The producer side of a pool handle: opening its ledger (or saying why producers are refused),
 * reading the kept producers without the lock, and turning a commit into what an append answers.
 *
 * Invariants: a pool without a usable ledger answers producer appends with the error its
 * descriptor calls for (Usage: created before the ledger; Corrupt: damaged) and reads as keeping
 * no producers; an append answers in input order, a duplicate with the original message marked
 * where the pool still holds it, else a receipt, never with a copy written again.
 */

import type { EncodedFrame } from "./engine/encoder.js";
import { LEDGER_DAMAGE_HINT, LedgerView, ledgerRef, readPublishedTable } from "./engine/ledger.js";
import { keptProducer, listProducers } from "./engine/producer-table.js";
import type { CommitResult } from "./engine/writer.js";
import { SpoolError } from "./errors.js";
import { INDEX_SLOT_SIZE, type PoolLayout, type PoolState } from "./format/header.js";
import { decodeLedgerDescriptor, LEDGER_DESCRIPTOR_OFFSET } from "./format/ledger.js";
import { type Appended, DuplicateReceipt, type Message, StoredMessage } from "./message.js";
import type { PoolFile } from "./platform/file.js";
import { committedMessages } from "./pool-batch.js";
import { checkProducerId, type ProducerInfo, producerInfo } from "./producer.js";

/** A handle's ledger, or a function giving the error a producer append gets without one. */
export type PoolLedger = LedgerView | (() => SpoolError);

/** The ledger the header's descriptor names. */
export function openLedger(file: PoolFile, layout: PoolLayout, header: Buffer): PoolLedger {
  const descriptor = decodeLedgerDescriptor(header, {
    indexEnd: layout.indexOffset + layout.indexCapacity * INDEX_SLOT_SIZE,
    ringOffset: layout.ringOffset,
  });
  const path = file.path;
  if (descriptor === "absent") {
    return () =>
      new SpoolError(
        "Usage",
        "this pool has no producer state: it was created before Spool kept any",
        {
          path,
          hint: "create a new pool (`spool pool create`) and move the messages over to use producers",
        },
      );
  }
  if ("damaged" in descriptor) {
    return () =>
      new SpoolError("Corrupt", `pool ledger: ${descriptor.damaged}`, {
        path,
        offset: LEDGER_DESCRIPTOR_OFFSET,
        hint: LEDGER_DAMAGE_HINT,
      });
  }
  return new LedgerView(file, descriptor);
}

/** The kept producers of the published state, the most recent first (none without a ledger). */
export function keptProducers(
  ledger: PoolLedger,
  readState: () => PoolState,
  path: string,
): ProducerInfo[] {
  if (typeof ledger === "function") return [];
  const table = readPublishedTable(ledger, () => ledgerRef(readState()));
  return listProducers(table, path).map(producerInfo);
}

/** The published state kept for producer `id`, or null (Usage for a bad id). */
export function keptProducerState(
  ledger: PoolLedger,
  readState: () => PoolState,
  id: string,
  path: string,
): ProducerInfo | null {
  checkProducerId(id);
  if (typeof ledger === "function") return null;
  const table = readPublishedTable(ledger, () => ledgerRef(readState()));
  const kept = keptProducer(table, id, path);
  return kept ? producerInfo(kept) : null;
}

/**
 * What an append answers: a producer's duplicates first (the original messages, marked, where
 * the pool still holds them; else receipts), then the messages it committed, in input order.
 */
export function appendAnswers<T>(
  scratch: Buffer,
  frames: readonly EncodedFrame[],
  result: CommitResult,
  get: (seq: number) => Message<T>,
): Appended<T>[] {
  const skipped = result.duplicates.length;
  const appended = skipped === 0 ? frames : frames.slice(skipped);
  const committed = committedMessages<T>(scratch, appended, result.committed);
  if (skipped === 0) return committed;
  const answers: Appended<T>[] = result.duplicates.map((seq) => original<T>(seq, get));
  return answers.concat(committed);
}

/** The original of a duplicate stored at `seq`, marked, or a receipt when it is not held. */
function original<T>(seq: number | undefined, get: (seq: number) => Message<T>): Appended<T> {
  if (seq === undefined) return new DuplicateReceipt(null);
  try {
    const message = get(seq);
    if (message instanceof StoredMessage) return message.markDuplicate();
  } catch (error) {
    if (!(error instanceof SpoolError) || error.kind !== "NotFound") throw error;
  }
  return new DuplicateReceipt(seq);
}
