/**
 * Codec for the pool file header (the first 4 KiB): the static layout block and the two state
 * slots. Pure functions over bytes; no I/O.
 *
 * Invariants: the static block is written once at create and carries its own CRC; the state is
 * double-buffered in slots A and B, each with a generation and a CRC, and a reader takes the
 * valid slot with the highest generation, so a torn state write is never observed as state.
 */
import { SpoolError } from "../errors.js";
import { crc32Range, readU64, writeU64 } from "./bytes.js";
import { MAX_TIME_SEC } from "./frame.js";
import type { LedgerLayout } from "./ledger.js";

/** "SPOOLPL" + NUL: the first eight bytes of every pool file. */
export const POOL_MAGIC = Buffer.from("SPOOLPL\0", "latin1");
/** The format version this build reads and writes. */
export const FORMAT_VERSION = 0;
export const HEADER_SIZE = 4096;
export const INDEX_SLOT_SIZE = 16;
/**
 * Default index stride: a slot for every seq. A larger stride (opt-in at create) saves index
 * writes, but a damaged frame then also hides the frames up to the next indexed seq from `get`.
 */
export const DEFAULT_INDEX_STRIDE = 1;
export const MAX_INDEX_STRIDE = 1024;
export const STATE_SLOT_OFFSETS = [64, 128] as const;
export const STATE_SLOT_SIZE = 64;
/** Bytes of the header a reader needs to decode layout and state. */
export const HEADER_READ_SIZE = 192;
/** Bytes of the header an open reads: layout, state and the ledger descriptor. */
export const HEADER_OPEN_SIZE = 256;

/** The fixed layout of a pool file. */
export interface PoolLayout {
  fileSize: number;
  indexOffset: number;
  indexCapacity: number;
  /** Seqs per index slot: only seqs that are multiples of the stride have a slot. */
  indexStride: number;
  ringOffset: number;
  ringSize: number;
  /**
   * The ledger between the index and the ring (producer state), as its descriptor in header
   * bytes 192–255 says; absent in pools created before it existed.
   */
  ledger?: LedgerLayout;
}

/** The mutable state of a pool, published as a whole. */
export interface PoolState {
  /** Increases by one with every publication. */
  generation: number;
  /** Ring-relative offset where the next frame goes. */
  head: number;
  /** Ring-relative offset of the oldest live frame (meaningless when empty). */
  tail: number;
  /** Seq of the oldest live message; `newest + 1` when the pool is empty. */
  oldest: number;
  /** Seq of the newest message; 0 before the first append. */
  newest: number;
  /** Commit time of the newest message (seconds since the epoch and nanoseconds). */
  newestTimeSec: number;
  newestTimeNanos: number;
  /** The ledger's turn (its parity is the active half; see format/ledger.ts). */
  ledgerTurn: number;
  /** Live bytes of the ledger's active half; 0 while nothing was ever recorded. */
  ledgerLen: number;
}

export function emptyState(): PoolState {
  return {
    generation: 1,
    head: 0,
    tail: 0,
    oldest: 1,
    newest: 0,
    newestTimeSec: 0,
    newestTimeNanos: 0,
    ledgerTurn: 0,
    ledgerLen: 0,
  };
}

/** Encodes the static block into `buf[0..64)`. */
export function encodeLayout(buf: Buffer, layout: PoolLayout): void {
  POOL_MAGIC.copy(buf, 0);
  buf.writeUInt32LE(FORMAT_VERSION, 8);
  buf.writeUInt32LE(HEADER_SIZE, 12);
  writeU64(buf, 16, layout.fileSize);
  writeU64(buf, 24, layout.indexOffset);
  buf.writeUInt32LE(layout.indexCapacity, 32);
  buf.writeUInt32LE(INDEX_SLOT_SIZE, 36);
  writeU64(buf, 40, layout.ringOffset);
  writeU64(buf, 48, layout.ringSize);
  buf.writeUInt32LE(layout.indexStride, 56);
  buf.writeUInt32LE(crc32Range(buf, 0, 60), 60);
}

/**
 * Decodes and checks the static block. Throws Corrupt (also for a file that is not a pool)
 * with the offending offset.
 */
export function decodeLayout(buf: Buffer, path: string, actualFileSize: number): PoolLayout {
  if (buf.length < HEADER_READ_SIZE) {
    throw new SpoolError("Corrupt", `pool file is truncated: ${buf.length} bytes`, {
      path,
      offset: 0,
      hint: "the file is shorter than a pool header; restore it from a backup or delete and recreate it",
    });
  }
  if (!buf.subarray(0, 8).equals(POOL_MAGIC)) {
    throw new SpoolError("Corrupt", "not a Spool pool file (bad magic)", {
      path,
      offset: 0,
      hint: "the file does not start with Spool's magic bytes; check the path, or delete and recreate the pool",
    });
  }
  // The version is checked before the CRC, so a future layout gets the "upgrade" answer.
  const version = buf.readUInt32LE(8);
  if (version !== FORMAT_VERSION) {
    throw new SpoolError(
      "Corrupt",
      `pool format version ${version} is not supported (this Spool reads version ${FORMAT_VERSION})`,
      {
        path,
        offset: 8,
        hint: "the pool was written by a newer Spool (or is damaged); upgrade Spool, or run `spool doctor`",
      },
    );
  }
  if (crc32Range(buf, 0, 60) !== buf.readUInt32LE(60)) {
    throw new SpoolError("Corrupt", "pool header checksum mismatch", {
      path,
      offset: 60,
      hint: "the pool header is damaged; run `spool doctor` and recreate the pool",
    });
  }
  const layout: PoolLayout = {
    fileSize: readU64(buf, 16),
    indexOffset: readU64(buf, 24),
    indexCapacity: buf.readUInt32LE(32),
    // 0: written before index_stride existed (the bytes were reserved zero), which meant 1.
    indexStride: buf.readUInt32LE(56) || DEFAULT_INDEX_STRIDE,
    ringOffset: readU64(buf, 40),
    ringSize: readU64(buf, 48),
  };
  const slotSize = buf.readUInt32LE(36);
  const headerSize = buf.readUInt32LE(12);
  const sane =
    headerSize === HEADER_SIZE &&
    slotSize === INDEX_SLOT_SIZE &&
    layout.indexOffset === HEADER_SIZE &&
    layout.indexCapacity > 0 &&
    layout.indexStride >= 1 &&
    layout.indexStride <= MAX_INDEX_STRIDE &&
    layout.ringOffset >= layout.indexOffset + layout.indexCapacity * INDEX_SLOT_SIZE &&
    layout.ringSize > 0 &&
    layout.ringSize % 8 === 0 &&
    layout.ringOffset + layout.ringSize === layout.fileSize;
  if (!sane) {
    throw new SpoolError("Corrupt", "pool header layout is inconsistent", {
      path,
      offset: 16,
      hint: "the pool header is damaged; run `spool doctor` and recreate the pool",
    });
  }
  if (actualFileSize < layout.fileSize) {
    throw new SpoolError(
      "Corrupt",
      `pool file is truncated: ${actualFileSize} bytes, header says ${layout.fileSize}`,
      {
        path,
        offset: actualFileSize,
        hint: "the file was cut short; restore it or delete and recreate the pool",
      },
    );
  }
  return layout;
}

/** Encodes `state` into the 64-byte slot at `buf[offset..]`. */
export function encodeState(buf: Buffer, offset: number, state: PoolState): void {
  writeU64(buf, offset, state.generation);
  writeU64(buf, offset + 8, state.head);
  writeU64(buf, offset + 16, state.tail);
  writeU64(buf, offset + 24, state.oldest);
  writeU64(buf, offset + 32, state.newest);
  writeU64(buf, offset + 40, state.newestTimeSec);
  buf.writeUInt32LE(state.newestTimeNanos, offset + 48);
  buf.writeUInt32LE(state.ledgerLen, offset + 52);
  buf.writeUInt32LE(state.ledgerTurn >>> 0, offset + 56);
  buf.writeUInt32LE(crc32Range(buf, offset, offset + 60), offset + 60);
}

function decodeSlot(buf: Buffer, offset: number, ringSize: number): PoolState | undefined {
  if (crc32Range(buf, offset, offset + 60) !== buf.readUInt32LE(offset + 60)) return undefined;
  const state: PoolState = {
    generation: readU64(buf, offset),
    head: readU64(buf, offset + 8),
    tail: readU64(buf, offset + 16),
    oldest: readU64(buf, offset + 24),
    newest: readU64(buf, offset + 32),
    newestTimeSec: readU64(buf, offset + 40),
    newestTimeNanos: buf.readUInt32LE(offset + 48),
    ledgerLen: buf.readUInt32LE(offset + 52),
    ledgerTurn: buf.readUInt32LE(offset + 56),
  };
  const valid =
    state.generation > 0 &&
    state.head <= ringSize &&
    state.tail < Math.max(ringSize, 1) &&
    state.head % 8 === 0 &&
    state.tail % 8 === 0 &&
    state.oldest >= 1 &&
    state.oldest <= state.newest + 1 &&
    state.newestTimeNanos < 1e9 &&
    state.ledgerLen % 8 === 0 &&
    state.newestTimeSec <= MAX_TIME_SEC;
  return valid ? state : undefined;
}

/**
 * Picks the current state: the valid slot with the highest generation. Returns undefined when
 * neither slot is valid (a reader retries; a verify reports Corrupt). Checks the newer-looking
 * slot first, so the common case costs one CRC.
 */
export function decodeState(buf: Buffer, ringSize: number): PoolState | undefined {
  const [first, second] = STATE_SLOT_OFFSETS;
  const genA = readU64(buf, first);
  const genB = readU64(buf, second);
  const [newer, older] = genB > genA ? [second, first] : [first, second];
  return decodeSlot(buf, newer, ringSize) ?? decodeSlot(buf, older, ringSize);
}

/** What a damaged state slot still says (unverified): its generation and newest seq fields. */
export interface SlotClaim {
  generation: number;
  newest: number;
}

/**
 * True when slot A is legitimately unused: all zero while slot B holds the initial state
 * (generation 1), as a new pool is created. Any other all-zero slot was written once (the first
 * append publishes into A, and creation writes B): it is damage, not "never written".
 */
function isUnusedSlot(buf: Buffer, offset: number, ringSize: number): boolean {
  const zero = !buf.subarray(offset, offset + STATE_SLOT_SIZE).some((byte) => byte !== 0);
  if (!zero || offset !== STATE_SLOT_OFFSETS[0]) return false;
  return decodeSlot(buf, STATE_SLOT_OFFSETS[1], ringSize)?.generation === 1;
}

/** True when the state slot at `offset` does not validate and is not the unused slot of a new pool. */
export function isDamagedSlot(buf: Buffer, offset: number, ringSize: number): boolean {
  return !decodeSlot(buf, offset, ringSize) && !isUnusedSlot(buf, offset, ringSize);
}

/** Per slot (A, B): what a damaged slot claims, or undefined for a valid or unused slot. */
export function damagedSlotClaims(
  buf: Buffer,
  ringSize: number,
): [SlotClaim | undefined, SlotClaim | undefined] {
  const claim = (offset: number): SlotClaim | undefined =>
    isDamagedSlot(buf, offset, ringSize)
      ? { generation: readU64(buf, offset), newest: readU64(buf, offset + 32) }
      : undefined;
  return [claim(STATE_SLOT_OFFSETS[0]), claim(STATE_SLOT_OFFSETS[1])];
}

/** The slot offset the next publication of generation `generation` goes to. */
export function slotFor(generation: number): number {
  return STATE_SLOT_OFFSETS[generation % 2] as number;
}
