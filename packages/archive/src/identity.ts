/**
 * A pool's identity in the archive: its name plus its incarnation, so that a pool deleted and
 * created again under the same name is archived apart from the old one. The incarnation is the
 * creation time of a durable cursor named `spool-archive` that the archiver keeps in the pool
 * (core keeps cursors beside the messages, so a new pool file has none): a recreated pool gets a
 * new cursor and so a new incarnation.
 *
 * Invariants: readers never create the cursor (a pool without it has no archived incarnation);
 * only the archiver does, before it archives the first message; an engine without cursors gets
 * the incarnation `-` (identified by name alone).
 */
import type { EnginePool } from "@spool/core";

/** The durable cursor that marks an archived pool (and whose ack follows the watermark). */
export const ARCHIVE_CURSOR = "spool-archive";

/**
 * The retaining cursor (core: a cursor named `*.retain` holds the ring) an archiver with policy
 * `required` keeps acked at its watermark.
 */
export const RETAIN_CURSOR = `${ARCHIVE_CURSOR}.retain`;

/** The incarnation of an engine that keeps no cursors. */
export const NO_INCARNATION = "-";

/** The pool's incarnation, or null when it was never archived (no marker cursor yet). */
export async function findIncarnation(pool: EnginePool): Promise<string | null> {
  if (!pool.cursors) return NO_INCARNATION;
  const cursors = await pool.cursors();
  const marker = cursors.find((c) => c.name === ARCHIVE_CURSOR);
  return marker ? marker.createdTime : null;
}

/** The pool's incarnation, creating the marker cursor when the pool has none. */
export async function ensureIncarnation(pool: EnginePool): Promise<string> {
  const found = await findIncarnation(pool);
  if (found !== null) return found;
  const cursor = pool.cursor?.(ARCHIVE_CURSOR);
  if (!cursor) return NO_INCARNATION;
  const info = await pool.info();
  const created = await cursor.reset({ seq: info.bounds?.oldest ?? 1 });
  return created.createdTime;
}
