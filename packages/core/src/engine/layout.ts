/**
 * Choosing a pool file's layout from the requested size and index capacity.
 *
 * Invariants: the file size is the requested size rounded down to 4 KiB and is never exceeded;
 * the index and ring start on 4 KiB boundaries; the ring is at least MIN_RING_SIZE bytes.
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

export const PAGE = 4096;
export const MIN_RING_SIZE = 8 * 1024;
export const MAX_INDEX_CAPACITY = 1 << 24;

/** Default index capacity: one slot per 512 bytes of pool, between 64 and 1 Mi slots. */
export function defaultIndexCapacity(fileSize: number): number {
  return Math.max(64, Math.min(1 << 20, Math.floor(fileSize / 512)));
}

export function computeLayout(
  sizeBytes: number,
  indexCapacity?: number,
  indexStride = DEFAULT_INDEX_STRIDE,
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
  const indexBytes = alignUp(capacity * INDEX_SLOT_SIZE, PAGE);
  const ringOffset = HEADER_SIZE + indexBytes;
  const ringSize = fileSize - ringOffset;
  if (ringSize < MIN_RING_SIZE) {
    throw new SpoolError(
      "Usage",
      `a pool of ${fileSize} bytes with ${capacity} index slots leaves no room for messages`,
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
  };
}
