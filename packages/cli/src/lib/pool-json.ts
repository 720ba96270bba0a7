/**
 * Pool info for the CLI: core's wire spelling for `--json` (snake_case, the same fields as the
 * HTTP protocol) and the human rendering.
 *
 * Invariants: every PoolInfo field appears exactly once under its wire name; `bounds` and the
 * times are null for an empty pool, never omitted; human output never feeds scripts (it lists
 * at most PRODUCERS_SHOWN producers and CONSUMERS_SHOWN cursors and groups; `--json` lists every
 * one the pool keeps).
 */
import type { PoolInfo } from "@spool/core";
import { healthLines } from "./engine-health.js";

export { type PoolInfoJson, type PoolListEntryJson, poolInfoJson } from "@spool/core";

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
  lines.push(...healthLines(info), ...producerLines(info), ...consumerLines(info));
  return lines.join("\n");
}

/** How many cursors and groups `pool info` names on its line (`--json` lists every one). */
export const CONSUMERS_SHOWN = 10;

/** The cursor and group lines of the human pool info: each by name with its lag. */
function consumerLines(info: PoolInfo): string[] {
  const line = (label: string, names: string[]) => {
    const shown = names.slice(0, CONSUMERS_SHOWN);
    const more = names.length - shown.length;
    const list =
      shown.length === 0 ? "" : ` (${shown.join(", ")}${more > 0 ? `, … ${more} more` : ""})`;
    return `${label}${names.length}${list}`;
  };
  return [
    line(
      "cursors:   ",
      info.cursors.map((c) => `${c.name} lag ${c.lag}`),
    ),
    line(
      "groups:    ",
      info.groups.map((g) => `${g.name} lag ${g.lag}, ${g.inFlight} in flight`),
    ),
  ];
}

/** How many producers `pool info` lists by name (the most recent first). */
export const PRODUCERS_SHOWN = 10;

/** The producer lines of the human pool info: the count, then a short table. */
function producerLines(info: PoolInfo): string[] {
  if (info.producerCapacity === 0 && info.producerCount === 0)
    return ["producers: none (this pool keeps no producer state)"];
  const lines = [
    info.producerCapacity === 0
      ? `producers: ${info.producerCount} kept`
      : `producers: ${info.producerCount} of ${info.producerCapacity} kept`,
  ];
  const shown = info.producers.slice(0, PRODUCERS_SHOWN);
  if (shown.length === 0) return lines;
  const rows = [
    ["id", "epoch", "last seq", "pool seq", "time"],
    ...shown.map((p) => [
      p.id,
      String(p.epoch),
      String(p.lastSeq),
      String(p.lastPoolSeq),
      p.lastTime,
    ]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  for (const row of rows) {
    lines.push(
      `  ${row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd()}`,
    );
  }
  const more = info.producers.length - shown.length;
  if (more > 0) lines.push(`  … and ${more} more (spool pool info --json lists them all)`);
  return lines;
}
