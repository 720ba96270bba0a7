/**
 * A durable cursor of one pool handle (`pool.cursor(name)`, spec/api/v0 §3.11): info, ack,
 * reset and delete, each planned by engine/cursor-ops.ts and committed through LedgerCommits.
 *
 * Invariants: acks are monotonic (an ack at or below the committed seq changes nothing);
 * every change is one ledger commit under the writer lock; the synchronous and `…Async`
 * twins share their plans and differ only in how they wait for the lock.
 */
import { type CursorInfo, checkAckSeq } from "./consumers.js";
import { listCursors } from "./engine/consumer-table.js";
import {
  cursorInfo,
  planCursorAck,
  planCursorDelete,
  planCursorOpen,
  planCursorReset,
} from "./engine/cursor-ops.js";
import { SpoolError } from "./errors.js";
import type { PoolState } from "./format/header.js";
import type { LedgerCommits } from "./pool-consumers.js";
import { checkDurability, type Durability } from "./validate.js";

/** A durable cursor of one pool handle: `pool.cursor(name)`. */
export class PoolCursor {
  readonly name: string;
  readonly #commits: LedgerCommits;

  constructor(commits: LedgerCommits, name: string) {
    this.#commits = commits;
    this.name = name;
  }

  /** The cursor; NotFound when the pool does not keep it. */
  info(): CursorInfo {
    return this.#commits.read((scene) => {
      const found = listCursors(scene.table, scene.path).find(([n]) => n === this.name);
      if (!found) {
        throw new SpoolError("NotFound", `cursor ${this.name} not found`, {
          path: scene.path,
          hint: "a tail with this cursor creates it; `spool cursor list POOL` shows the kept ones",
        });
      }
      return cursorInfo(this.name, found[1], scene.state);
    });
  }

  /** Commits progress up to `seq` (a lower ack changes nothing). */
  ack(seq: number, options: { durability?: Durability } = {}): CursorInfo {
    const at = checkAckSeq(seq);
    return this.#commits.run(
      (s) => planCursorAck(s, this.name, at),
      checkDurability(options.durability),
    );
  }

  /** `ack` waiting for the lock without blocking the event loop. */
  ackAsync(
    seq: number,
    options: { durability?: Durability; signal?: AbortSignal } = {},
  ): Promise<CursorInfo> {
    const at = checkAckSeq(seq);
    return this.#commits.runAsync((s) => planCursorAck(s, this.name, at), {
      durability: checkDurability(options.durability),
      signal: options.signal,
    });
  }

  /** Moves the cursor: the next tail starts at `seq`, or at the first message at/after `time`. */
  reset(to: { seq: number } | { time: string | Date }): CursorInfo {
    return this.#commits.run((s) => planCursorReset(s, this.name, this.#target(to, s.state)));
  }

  resetAsync(to: { seq: number } | { time: string | Date }): Promise<CursorInfo> {
    return this.#commits.runAsync((s) => planCursorReset(s, this.name, this.#target(to, s.state)));
  }

  #target(to: { seq: number } | { time: string | Date }, state: PoolState): number {
    if (typeof to !== "object" || to === null) {
      throw new SpoolError("Usage", "reset takes { seq } or { time }", {
        hint: "e.g. cursor.reset({ seq: 1 }) or cursor.reset({ time: '2026-12-01T00:00:00Z' })",
      });
    }
    if ("seq" in to && "time" in to) {
      throw new SpoolError("Usage", "reset takes { seq } or { time }, not both", {
        hint: "give one of seq and time",
      });
    }
    if ("seq" in to) return checkAckSeq(to.seq);
    if ("time" in to) return this.#commits.seqAt(to.time, state);
    throw new SpoolError("Usage", "reset takes { seq } or { time }", {
      hint: "e.g. cursor.reset({ seq: 1 })",
    });
  }

  /** Removes the cursor; NotFound when absent. Answers what it was. */
  delete(): CursorInfo {
    return this.#commits.run((s) => planCursorDelete(s, this.name));
  }

  deleteAsync(): Promise<CursorInfo> {
    return this.#commits.runAsync((s) => planCursorDelete(s, this.name));
  }
}

/** A tail's cursor: the kept one, or one created at `start` (Permission on a read-only handle). */
export function openTailCursor(
  commits: LedgerCommits,
  name: string,
  start: (state: PoolState) => number,
): CursorInfo {
  return commits.run((s) => planCursorOpen(s, name, start(s.state)));
}

/** The cursors the pool keeps, by name. */
export function keptCursors(commits: LedgerCommits): CursorInfo[] {
  return commits.read((scene) =>
    listCursors(scene.table, scene.path).map(([name, value]) =>
      cursorInfo(name, value, scene.state),
    ),
  );
}
