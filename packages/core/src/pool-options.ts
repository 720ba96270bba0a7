/**
 * What a pool is created, opened and appended with, and what `info` reports: the option and
 * result shapes of the local API, and the layout a create's options give.
 *
 * Invariants: pure (no I/O); `layoutFor` answers Usage for a size, index capacity or stride
 * `create` would refuse, and `poolFileSize` is the file size `create` would make.
 */

import { basename } from "node:path";
import { computeLayout } from "./engine/layout.js";
import { FRAME_HEADER_SIZE, MARKER_SIZE, PAYLOAD_OVERHEAD } from "./format/frame.js";
import type { PoolLayout } from "./format/header.js";
import { DEFAULT_POOL_SIZE, type Durability, parseSize } from "./validate.js";

export interface CreateOptions {
  /** Total file size: bytes or text with a unit (`64K`, `1M`, `1G`). Default 1 MiB. */
  size?: number | string;
  /** Number of seq→offset index slots. Default: one per 512 bytes of pool. */
  indexCapacity?: number;
  /**
   * Seqs per index slot (1–1024, default 1). A larger stride saves an index write on most
   * appends; lookups then walk up to stride − 1 frames, and a damaged frame also hides the frames
   * up to the next indexed seq from `get`.
   */
  indexStride?: number;
  /** The returned handle's lock timeout (see `OpenOptions.lockTimeoutMs`). Default 10 s. */
  lockTimeoutMs?: number;
}

export interface OpenOptions {
  /** Open without write access (appends then fail with Permission). */
  readOnly?: boolean;
  /** How long an append waits for another writer's lock before Busy. Default 10 s. */
  lockTimeoutMs?: number;
}

export interface AppendOptions {
  tags?: readonly string[];
  durability?: Durability;
  /**
   * Commit only if the pool's newest seq is exactly this (0 for a pool never appended to); else
   * Conflict carrying the actual newest seq (`newestSeq`) and nothing is appended. Checked under
   * the writer lock, so no other append can come between the check and the write.
   */
  expectedLastSeq?: number;
}

/** What a batch append takes: durability and the condition, for the batch as one commit. */
export type BatchAppendOptions = Pick<AppendOptions, "durability" | "expectedLastSeq">;

/** What the asynchronous appends take besides their synchronous twins' options. */
export interface AsyncAppendOptions {
  /**
   * Stops waiting for another writer's lock: the append fails (the signal's reason when it is a
   * SpoolError, else Busy) and nothing is appended. An append that has the lock completes.
   */
  signal?: AbortSignal | undefined;
}

/** What `info` reports about a pool. */
export interface PoolInfo {
  name: string;
  path: string;
  formatVersion: number;
  fileSize: number;
  ringSize: number;
  indexCapacity: number;
  /** Seqs per index slot. */
  indexStride: number;
  bounds: { oldest: number; newest: number } | null;
  messageCount: number;
  bytesUsed: number;
  bytesFree: number;
  /** Largest message this pool holds: bytes of data plus bytes of the tags JSON (`[]` = 2). */
  maxMessageBytes: number;
  oldestTime: string | null;
  newestTime: string | null;
}

/** The pool name shown for a path: the file name without `.spool`. */
export function poolNameOf(path: string): string {
  const base = basename(path);
  return base.endsWith(".spool") ? base.slice(0, -".spool".length) : base;
}

/** Largest data + tags bytes one message may have in a ring of `ringSize` bytes. */
export function maxPayloadBytes(ringSize: number): number {
  return ringSize - FRAME_HEADER_SIZE - MARKER_SIZE - PAYLOAD_OVERHEAD;
}

export /** The layout `create` gives a pool (Usage for a bad size, index capacity or stride). */
function layoutFor(options: CreateOptions): PoolLayout {
  return computeLayout(
    parseSize(options.size ?? DEFAULT_POOL_SIZE),
    options.indexCapacity,
    options.indexStride,
  );
}

export function openOptionsOf(options: CreateOptions): OpenOptions {
  return options.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: options.lockTimeoutMs };
}

/**
 * The file size a pool created with `size` gets: the size (bytes or text such as `1G`) rounded
 * down to 4 KiB. Usage for a size out of range, as `create` would answer.
 *
 * @example
 * poolFileSize("1G") // 1073741824
 * poolFileSize(100_000) // 98304
 */
export function poolFileSize(size: number | string = DEFAULT_POOL_SIZE): number {
  return layoutFor({ size }).fileSize;
}
