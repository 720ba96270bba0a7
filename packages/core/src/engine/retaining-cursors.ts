/**
 * Retaining cursors: a durable cursor whose name ends in `.retain` holds the ring for whatever
 * it has not acknowledged, like a consumer group with retention `block` (spec/api/v0 §3.11): an
 * append that would overwrite a seq above the cursor's committed seq is Busy, and nothing is
 * appended. This is how an archive with policy `required` (spec/archive/v0 §2.1) keeps every
 * message until it has archived it, across every writer process of the pool.
 *
 * Invariants: pure (reads the ledger table only); the floor is the lowest `committed + 1` of the
 * retaining cursors, so deleting the cursor (or acking it) releases the ring at once.
 */
import { listCursors } from "./consumer-table.js";
import type { LedgerTable } from "./ledger.js";

/** The name ending that makes a durable cursor retaining. */
export const RETAINING_SUFFIX = ".retain";

/** The first seq a retaining cursor still holds (with its name), or undefined when none holds. */
export function retainingFloor(
  table: LedgerTable,
  path: string,
): { seq: number; cursor: string } | undefined {
  let floor: { seq: number; cursor: string } | undefined;
  for (const [name, value] of listCursors(table, path)) {
    if (!name.endsWith(RETAINING_SUFFIX)) continue;
    const seq = value.committed + 1;
    if (!floor || seq < floor.seq) floor = { seq, cursor: name };
  }
  return floor;
}
