/**
 * What the consumer planners share (cursor-ops.ts, consumer-ops.ts): the scene each is given
 * (ledger table, pool state, time, room) and the change each answers, plus the checks both
 * apply: room for the records a change adds, and a start no later than the pool's next seq.
 *
 * Invariants: nothing here does I/O or changes the table; a refused change throws before any
 * record is planned.
 */
import { SpoolError } from "../errors.js";
import type { PoolState } from "../format/header.js";
import { type LedgerRecord, recordSize } from "../format/ledger.js";
import { formatTime } from "../time.js";
import { consumerBytes, ledgerFull } from "./consumer-table.js";
import type { LedgerTable } from "./ledger.js";

/** What every planner is given. */
export interface LedgerScene {
  table: LedgerTable;
  state: PoolState;
  nowMs: number;
  path: string;
  /** Bytes the consumers' records may take (consumerRoom). */
  room: number;
}

/** A planner's answer: the records to commit (none: nothing changes) and the result. */
export interface LedgerChange<R> {
  records: LedgerRecord[];
  result: R;
}

export function msText(ms: number): string {
  const sec = Math.floor(ms / 1000);
  return formatTime(sec, (ms - sec * 1000) * 1_000_000);
}

export function checkRoom(scene: LedgerScene, adding: readonly LedgerRecord[], what: string): void {
  const bytes = consumerBytes(scene.table) + adding.reduce((n, r) => n + recordSize(r), 0);
  if (bytes > scene.room) throw ledgerFull(scene.path, what);
}

/** A tail's cursor: the kept one, or a new one whose next message is `start`. */
/**
 * Usage unless `start` (the next seq to deliver) is at most the pool's next seq; `others` names
 * the other starts the caller's operation takes (a group's `"oldest"`/`"new"`, a cursor's time).
 */
export function checkStart(scene: LedgerScene, start: number, what: string, others: string): void {
  const next = scene.state.newest + 1;
  if (start > next) {
    throw new SpoolError(
      "Usage",
      `cannot start ${what} at seq ${start}: the pool's next seq is ${next}`,
      { path: scene.path, seq: start, hint: `start at a seq from 1 to ${next}, ${others}` },
    );
  }
}
