/**
 * Choosing a pool file's layout from the requested size and index capacity.
 *
 * Invariants: the file size is the requested size rounded down to 4 KiB and is never exceeded;
 * the index and ring start on 4 KiB boundaries; the ledger lies between the index's last slot and
 * the ring (in the index's last page when it fits there) and holds a full table of its producer
 * capacity in half of one half; the ring is at least MIN_RING_SIZE bytes.
 */
import { SpoolError } from "../errors.js";
import { alignUp } from "../format/bytes.js";
import {
  DEFAULT_INDEX_STRIDE,
  HEADER_SIZE,
  INDEX_SLOT_SIZE,
  MAX_INDEX_STRIDE,
  type PoolLayout,
} from "../format/header.js";
import {
  HALF_HEADER_SIZE,
  type LedgerLayout,
  MAX_LEDGER_SIZE,
  MAX_PRODUCER_KEY_BYTES,
  MIN_LEDGER_SIZE,
  maxRecordSize,
  PRODUCER_VALUE_SIZE,
} from "../format/ledger.js";

export const PAGE = 4096;
export const MIN_RING_SIZE = 8 * 1024;
export const MAX_INDEX_CAPACITY = 1 << 24;

/** Default index capacity: one slot per 512 bytes of pool, between 64 and 1 Mi slots. */
export function defaultIndexCapacity(fileSize: number): number {
  return Math.max(64, Math.min(1 << 20, Math.floor(fileSize / 512)));
}

/** Most producers a pool keeps by default. */
export const DEFAULT_PRODUCER_CAPACITY = 1024;

/** Default ledger size: 1/32 of the pool, from 2 KiB to 8 MiB, in whole KiB. */
export function defaultLedgerSize(fileSize: number): number {
  const share = Math.floor(fileSize / 32 / 1024) * 1024;
  return Math.max(MIN_LEDGER_SIZE, Math.min(8 * 1024 * 1024, share));
}

/** The ledger of `size` bytes at `offset`: producers fill at most half of one half. */
export function ledgerLayout(offset: number, size: number): LedgerLayout {
  const halfSize = size / 2;
  const perProducer = maxRecordSize(MAX_PRODUCER_KEY_BYTES, PRODUCER_VALUE_SIZE);
  const fits = Math.floor((halfSize / 2 - HALF_HEADER_SIZE) / perProducer);
  return { offset, size, halfSize, producerCapacity: Math.min(DEFAULT_PRODUCER_CAPACITY, fits) };
}

/** Usage unless `size` is a ledger size a pool can have. */
function checkLedgerSize(size: number): number {
  if (
    !Number.isSafeInteger(size) ||
    size < MIN_LEDGER_SIZE ||
    size > MAX_LEDGER_SIZE ||
    size % 16 !== 0
  ) {
    throw new SpoolError(
      "Usage",
      `ledger size must be a multiple of 16 bytes from ${MIN_LEDGER_SIZE} to ${MAX_LEDGER_SIZE}, got ${String(size)}`,
      { hint: "leave the ledger size unset for the default (1/32 of the pool), or give e.g. 64K" },
    );
  }
  return size;
}

export function computeLayout(
  sizeBytes: number,
  indexCapacity?: number,
  indexStride = DEFAULT_INDEX_STRIDE,
  ledgerSize?: number,
): PoolLayout {
  if (!Number.isSafeInteger(indexStride) || indexStride < 1 || indexStride > MAX_INDEX_STRIDE) {
    throw new SpoolError(
      "Usage",
      `index stride must be a whole number from 1 to ${MAX_INDEX_STRIDE}`,
      {
        hint: "leave the index stride unset (1: a slot per message), or give e.g. 8",
      },
    );
  }
  const fileSize = Math.floor(sizeBytes / PAGE) * PAGE;
  const capacity = indexCapacity ?? defaultIndexCapacity(fileSize);
  if (!Number.isSafeInteger(capacity) || capacity < 1 || capacity > MAX_INDEX_CAPACITY) {
    throw new SpoolError(
      "Usage",
      `index capacity must be a whole number from 1 to ${MAX_INDEX_CAPACITY}`,
      {
        hint: "leave the index capacity unset for the default, or give e.g. 4096",
      },
    );
  }
  const ledgerOffset = HEADER_SIZE + capacity * INDEX_SLOT_SIZE;
  const ledger = ledgerLayout(
    ledgerOffset,
    checkLedgerSize(ledgerSize ?? defaultLedgerSize(fileSize)),
  );
  const ringOffset = alignUp(ledgerOffset + ledger.size, PAGE);
  const ringSize = fileSize - ringOffset;
  if (ringSize < MIN_RING_SIZE) {
    throw new SpoolError(
      "Usage",
      `a pool of ${fileSize} bytes with ${capacity} index slots and a ${ledger.size}-byte ledger leaves no room for messages`,
      { hint: "give a larger --size or a smaller --index-capacity" },
    );
  }
  return {
    fileSize,
    indexOffset: HEADER_SIZE,
    indexCapacity: capacity,
    indexStride,
    ringOffset,
    ringSize,
    ledger,
  };
}
