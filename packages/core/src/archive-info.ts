/**
 * What `info` reports about a pool's archive tier (spec/archive/v0 §3), when the pool is read
 * across one (`@spool/archive`'s ArchivedPool, `--archive`, `spool serve --archive`): the shape
 * and its wire spelling, defined once so that the API, the CLI and HTTP show the same fields.
 *
 * Invariants: types and a pure mapping only (node-free); `bounds` on the wire is `{}` when
 * nothing is archived, like a pool's own bounds.
 */
import type { BoundsJson } from "./wire.js";

/** The archive's side of a pool. */
export interface ArchiveInfo {
  /** The last seq the archive accounts for (archived, or recorded as a gap). */
  watermark: number;
  /** Oldest and newest archived seq (null when no message is archived). */
  bounds: { oldest: number; newest: number } | null;
  messageCount: number;
  /** Messages committed to the pool and not archived yet (newest − watermark). */
  lag: number;
  /**
   * Seqs neither tier holds: recorded archive gaps plus the unarchived seqs the ring already
   * overwrote (policy best-effort); exact at any moment.
   */
  gapMessages: number;
  /** Recorded gap ranges. */
  gapCount: number;
}

export interface ArchiveInfoJson {
  watermark: number;
  bounds: BoundsJson;
  message_count: number;
  lag: number;
  gap_messages: number;
  gap_count: number;
}

export function archiveInfoJson(info: ArchiveInfo | null): ArchiveInfoJson | null {
  if (info === null) return null;
  return {
    watermark: info.watermark,
    bounds: info.bounds === null ? {} : { oldest: info.bounds.oldest, newest: info.bounds.newest },
    message_count: info.messageCount,
    lag: info.lag,
    gap_messages: info.gapMessages,
    gap_count: info.gapCount,
  };
}

/**
 * An `archive` field from its wire spelling: null stays null (the archive holds nothing of the
 * pool), anything not of the shape is undefined (an older server, or no archive tier).
 */
export function archiveInfoFromJson(value: unknown): ArchiveInfo | null | undefined {
  if (value === null) return null;
  const j = value as Partial<ArchiveInfoJson> | undefined;
  if (
    typeof j !== "object" ||
    typeof j.watermark !== "number" ||
    typeof j.message_count !== "number" ||
    typeof j.lag !== "number" ||
    typeof j.gap_messages !== "number" ||
    typeof j.gap_count !== "number"
  ) {
    return undefined;
  }
  const b = j.bounds as { oldest?: unknown; newest?: unknown } | undefined;
  return {
    watermark: j.watermark,
    bounds:
      typeof b?.oldest === "number" && typeof b.newest === "number"
        ? { oldest: b.oldest, newest: b.newest }
        : null,
    messageCount: j.message_count,
    lag: j.lag,
    gapMessages: j.gap_messages,
    gapCount: j.gap_count,
  };
}
