/**
 * The wire spelling of pool info: snake_case, as the HTTP protocol sends it and the CLI's
 * `--json` prints it. Defined once here so every surface shows the same fields.
 *
 * Invariants: every PoolInfo field appears exactly once under its wire name; `bounds` and the
 * times are null for an empty pool, never omitted; new fields are only ever added.
 */
import type { SpoolErrorJson } from "./errors.js";
import type { PoolInfo } from "./pool.js";
import type { PoolListEntry } from "./pool-dir.js";

/** PoolInfo on the wire. */
export interface PoolInfoJson {
  name: string;
  path: string;
  format_version: number;
  file_size: number;
  ring_size: number;
  index_capacity: number;
  index_stride: number;
  bounds: { oldest: number; newest: number } | null;
  message_count: number;
  bytes_used: number;
  bytes_free: number;
  max_message_bytes: number;
  oldest_time: string | null;
  newest_time: string | null;
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
    bounds: info.bounds,
    message_count: info.messageCount,
    bytes_used: info.bytesUsed,
    bytes_free: info.bytesFree,
    max_message_bytes: info.maxMessageBytes,
    oldest_time: info.oldestTime,
    newest_time: info.newestTime,
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
