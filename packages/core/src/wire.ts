/**
 * The wire spelling of pool info: snake_case, as the HTTP protocol sends it and the CLI's
 * `--json` prints it. Defined once here so every surface shows the same fields.
 *
 * Invariants: every PoolInfo field appears exactly once under its wire name; an empty pool's
 * `bounds` is `{}` on the wire (Plasmite's clients read `bounds.oldest` and fail on null; the
 * local API keeps null) and its times are null, never omitted; new fields are only ever added.
 */

import { type ArchiveInfoJson, archiveInfoJson } from "./archive-info.js";
import {
  type CursorInfoJson,
  cursorInfoJson,
  type GroupInfoJson,
  groupInfoJson,
} from "./consumers.js";
import type { SpoolErrorJson } from "./errors.js";
import type { PoolInfo } from "./pool.js";
import type { PoolListEntry } from "./pool-dir.js";
import { type ProducerInfoJson, producerInfoJson } from "./producer.js";

/** A pool's bounds on the wire: `{oldest, newest}`, or `{}` for an empty pool. */
export type BoundsJson = { oldest: number; newest: number } | Record<string, never>;

/**
 * Bounds in their wire spelling: the same object, or `{}` for an empty pool (null in the API).
 *
 * @example
 * boundsJson(null); // {}
 * boundsJson({ oldest: 1, newest: 3 }); // { oldest: 1, newest: 3 }
 */
export function boundsJson(bounds: { oldest: number; newest: number } | null): BoundsJson {
  return bounds === null ? {} : { oldest: bounds.oldest, newest: bounds.newest };
}

/** PoolInfo on the wire. */
export interface PoolInfoJson {
  name: string;
  path: string;
  format_version: number;
  file_size: number;
  ring_size: number;
  index_capacity: number;
  index_stride: number;
  bounds: BoundsJson;
  message_count: number;
  bytes_used: number;
  bytes_free: number;
  max_message_bytes: number;
  oldest_time: string | null;
  newest_time: string | null;
  producer_count: number;
  producer_capacity: number;
  producers: ProducerInfoJson[];
  cursors: CursorInfoJson[];
  groups: GroupInfoJson[];
  /** Only for a pool of a replicated engine (spec/api/v0 §3.3). */
  health?: PoolHealthJson;
  /** Only for a pool read across an archive tier (spec/archive/v0 §3). */
  archive?: ArchiveInfoJson | null;
}

/** PoolHealth on the wire: the same fields, `activeMs` as `active_ms`. */
export interface PoolHealthJson {
  name: string;
  replicas: number;
  cluster: string | null;
  leader: string | null;
  peers: {
    name: string;
    current: boolean;
    active_ms: number | null;
    lag: number;
    offline: boolean;
  }[];
  quorum: boolean;
  healthy: boolean;
}

function poolHealthJson(health: NonNullable<PoolInfo["health"]>): PoolHealthJson {
  return {
    name: health.name,
    replicas: health.replicas,
    cluster: health.cluster,
    leader: health.leader,
    peers: health.peers.map((p) => ({
      name: p.name,
      current: p.current,
      active_ms: p.activeMs,
      lag: p.lag,
      offline: p.offline,
    })),
    quorum: health.quorum,
    healthy: health.healthy,
  };
}

/** A pool listing entry on the wire: the info, or the error that kept the pool from opening. */
export type PoolListEntryJson =
  | PoolInfoJson
  | { name: string; path: string; error: SpoolErrorJson };

/**
 * PoolInfo in its wire spelling.
 *
 * @example
 * JSON.stringify({ pool: poolInfoJson(pool.info()) })
 */
export function poolInfoJson(info: PoolInfo): PoolInfoJson {
  return {
    name: info.name,
    path: info.path,
    format_version: info.formatVersion,
    file_size: info.fileSize,
    ring_size: info.ringSize,
    index_capacity: info.indexCapacity,
    index_stride: info.indexStride,
    bounds: boundsJson(info.bounds),
    message_count: info.messageCount,
    bytes_used: info.bytesUsed,
    bytes_free: info.bytesFree,
    max_message_bytes: info.maxMessageBytes,
    oldest_time: info.oldestTime,
    newest_time: info.newestTime,
    producer_count: info.producerCount,
    producer_capacity: info.producerCapacity,
    producers: info.producers.map(producerInfoJson),
    cursors: (info.cursors ?? []).map(cursorInfoJson),
    groups: (info.groups ?? []).map(groupInfoJson),
    ...(info.health === undefined ? {} : { health: poolHealthJson(info.health) }),
    ...(info.archive === undefined ? {} : { archive: archiveInfoJson(info.archive) }),
  };
}

/** A pool listing entry in its wire spelling. */
export function poolListEntryJson(entry: PoolListEntry): PoolListEntryJson {
  if (entry.info) return poolInfoJson(entry.info);
  return {
    name: entry.name,
    path: entry.path,
    error: entry.error ?? { kind: "Internal", message: "pool could not be read" },
  };
}
