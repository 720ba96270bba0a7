/**
 * What a pool is created, opened and appended with, and what `info` reports: the option and
 * result shapes of the local API, and the layout a create's options give.
 *
 * Invariants: pure (no I/O); `layoutFor` answers Usage for a size, index capacity or stride
 * `create` would refuse, and `poolFileSize` is the file size `create` would make.
 */

import { basename } from "node:path";
import type { ArchiveInfo } from "./archive-info.js";
import type { CursorInfo, GroupInfo } from "./consumers.js";
import { computeLayout } from "./engine/layout.js";
import { FRAME_HEADER_SIZE, MARKER_SIZE, PAYLOAD_OVERHEAD } from "./format/frame.js";
import type { PoolLayout } from "./format/header.js";
import type { ProducerInfo, ProducerOptions } from "./producer.js";
import { DEFAULT_POOL_SIZE, type Durability, parseBytes, parseSize } from "./validate.js";

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
  /**
   * Bytes of the ledger, which keeps producer state beside the messages: bytes or text with a
   * unit (`64K`), a multiple of 16 from 2 KiB to 64 MiB. Default 1/32 of the pool (2 KiB to
   * 8 MiB); it keeps up to 1,024 producers, fewer in a smaller ledger (see `info().producerCapacity`).
   */
  ledgerSize?: number | string;
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
  /**
   * An idempotent producer: `{ id, seq, epoch? }` (a batch covers seqs `seq .. seq + n − 1`).
   * Seqs the pool already committed for the producer are not written again and come back as the
   * original messages marked `duplicate: true`; a seq past the next, or a stale epoch, is
   * Conflict (with `expectedSeq` or `epoch`). See spec/api/v0 §3.7.
   */
  producer?: ProducerOptions;
}

/** What a batch append takes: durability, the condition and the producer, for the batch as one commit. */
export type BatchAppendOptions = Pick<AppendOptions, "durability" | "expectedLastSeq" | "producer">;

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
  /** How many producers the pool keeps state for. */
  producerCount: number;
  /** How many it can keep (the least recently used is dropped past it); 0 without a ledger. */
  producerCapacity: number;
  /** The kept producers, the most recent first. */
  producers: ProducerInfo[];
  /** The durable cursors the pool keeps, by name (spec/api/v0 §3.11). */
  cursors: CursorInfo[];
  /** The consumer groups the pool keeps, by name (spec/api/v0 §3.12). */
  groups: GroupInfo[];
  /**
   * How the copies of a pool kept by a replicated engine are doing (spec/api/v0 §3.3); absent
   * on file pools, which have one copy.
   */
  health?: PoolHealth;
  /**
   * The archive tier's side of the pool (spec/archive/v0 §3), on a pool read across an archive;
   * null when the archive holds nothing of it; absent otherwise.
   */
  archive?: ArchiveInfo | null;
}

/** One copy of a replicated pool other than the leader's. */
export interface ReplicaHealth {
  /** The server that keeps the copy. */
  name: string;
  /** Whether the copy is up to date with the leader. */
  current: boolean;
  /** Milliseconds since the leader last heard from it (null when unknown). */
  activeMs: number | null;
  /** Operations the copy is behind the leader. */
  lag: number;
  /** Whether the leader counts it as offline. */
  offline: boolean;
}

/** The copies of a pool kept by a replicated engine, and whether they can take writes. */
export interface PoolHealth {
  /** The engine's name for what keeps the pool (on JetStream: the stream). */
  name: string;
  /** Copies configured. */
  replicas: number;
  /** The cluster's name; null for a server outside a cluster. */
  cluster: string | null;
  /** The server that leads the pool's writes; null when there is none. */
  leader: string | null;
  /** The copies other than the leader's. */
  peers: ReplicaHealth[];
  /** Whether the leader and enough current copies for a majority are up, so appends commit. */
  quorum: boolean;
  /** A leader, and every other copy current and online. */
  healthy: boolean;
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
    options.ledgerSize === undefined ? undefined : parseBytes(options.ledgerSize),
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
