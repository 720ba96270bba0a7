/**
 * The CLI's JSON spelling of pool info (snake_case, the same field names as the HTTP protocol)
 * and its human rendering.
 *
 * Invariants: every PoolInfo field appears exactly once under its wire name; `bounds` and the
 * times are null for an empty pool, never omitted; human output never feeds scripts.
 */
import type { PoolInfo, SpoolErrorJson } from "@spool/core";

/** PoolInfo as printed by `--json` (and sent by the HTTP server). */
export interface PoolInfoJson {
  name: string;
  path: string;
  format_version: number;
  file_size: number;
  ring_size: number;
  index_capacity: number;
  bounds: { oldest: number; newest: number } | null;
  message_count: number;
  bytes_used: number;
  bytes_free: number;
  max_message_bytes: number;
  oldest_time: string | null;
  newest_time: string | null;
}

export function poolInfoJson(info: PoolInfo): PoolInfoJson {
  return {
    name: info.name,
    path: info.path,
    format_version: info.formatVersion,
    file_size: info.fileSize,
    ring_size: info.ringSize,
    index_capacity: info.indexCapacity,
    bounds: info.bounds,
    message_count: info.messageCount,
    bytes_used: info.bytesUsed,
    bytes_free: info.bytesFree,
    max_message_bytes: info.maxMessageBytes,
    oldest_time: info.oldestTime,
    newest_time: info.newestTime,
  };
}

/** A list entry: info, or the error that kept the pool from opening. */
export type PoolListEntryJson =
  | PoolInfoJson
  | { name: string; path: string; error: SpoolErrorJson };

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** Bytes for humans: 1536 → "1.5 KiB". */
export function humanBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value >= 100 ? 0 : 1)} ${UNITS[unit]}`;
}

/** Multi-line human description of one pool. */
export function poolInfoText(info: PoolInfo): string {
  const pct = info.ringSize === 0 ? 0 : Math.round((info.bytesUsed / info.ringSize) * 100);
  const lines = [
    `name:      ${info.name}`,
    `path:      ${info.path}`,
    `size:      ${humanBytes(info.fileSize)} (ring ${humanBytes(info.ringSize)}, ${info.indexCapacity} index slots, format v${info.formatVersion})`,
    `messages:  ${info.messageCount}${info.bounds ? ` (seq ${info.bounds.oldest}..${info.bounds.newest})` : ""}`,
    `used:      ${humanBytes(info.bytesUsed)} of ${humanBytes(info.ringSize)} (${pct}%)`,
    `max msg:   ${humanBytes(info.maxMessageBytes)}`,
  ];
  if (info.oldestTime) lines.push(`oldest:    ${info.oldestTime}`);
  if (info.newestTime) lines.push(`newest:    ${info.newestTime}`);
  return lines.join("\n");
}
