/**
 * What a cursor or group handle needs of its pool handle: the transport, the pool's name and the
 * handle's scope (aborted by `pool.close()`), and the one check every call makes first.
 *
 * Invariants: a handle made from a closed pool handle, and every call on one after the pool
 * handle closed, is refused with the same Usage error as the pool's own calls, before any
 * request; the consumer endpoints' paths are built here, from the percent-encoded pool name
 * and a name already checked by core's `checkConsumerName` (which URL paths carry unchanged).
 */
import { usage } from "./errors.js";
import { poolPath } from "./http.js";
import type { TailTarget } from "./tail.js";

/** A pool handle as its cursors and groups see it. */
export type ConsumerTarget = TailTarget;

/** Usage when the pool handle was closed. */
export function checkOpen(target: ConsumerTarget): void {
  if (target.scope?.aborted) {
    throw usage(
      `the pool handle of ${target.pool} is closed`,
      "open the pool again with client.openPool()",
    );
  }
}

/** `/v0/pools/{pool}/cursors[/{name}[suffix]]`. */
export function cursorPath(target: ConsumerTarget, name?: string, suffix = ""): string {
  return poolPath(target.pool, `/cursors${name === undefined ? "" : `/${name}${suffix}`}`);
}

/** `/v0/pools/{pool}/groups[/{name}[suffix]]`. */
export function groupPath(target: ConsumerTarget, name?: string, suffix = ""): string {
  return poolPath(target.pool, `/groups${name === undefined ? "" : `/${name}${suffix}`}`);
}
