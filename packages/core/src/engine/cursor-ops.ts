/**
 * The rules of durable cursors (spec/api/v0 §3.11) as pure planners over a LedgerScene: open
 * (a tail's cursor), ack, reset and delete, each returning the records to commit and the
 * cursor's info.
 *
 * Invariants: acks are monotonic (a lower one plans no record) and never past the newest seq; a
 * cursor starts no later than the pool's next seq; an unknown cursor is NotFound; new records
 * never outgrow the consumers' room.
 */
import type { CursorInfo } from "../consumers.js";
import { SpoolError } from "../errors.js";
import type { PoolState } from "../format/header.js";
import { RECORD_KINDS } from "../format/ledger.js";
import { cursorRecord, deleteRecord, keptCursor } from "./consumer-table.js";
import {
  checkRoom,
  checkStart,
  type LedgerChange,
  type LedgerScene,
  msText,
} from "./ledger-scene.js";

// Cursors.

export function cursorInfo(
  name: string,
  value: { committed: number; ackMs: number; createdMs: number },
  state: PoolState,
): CursorInfo {
  return {
    name,
    committed: value.committed,
    lag: Math.max(0, state.newest - value.committed),
    ackTime: value.ackMs === 0 ? null : msText(value.ackMs),
    createdTime: msText(value.createdMs),
  };
}

function unknownCursor(name: string, path: string): SpoolError {
  return new SpoolError("NotFound", `cursor ${name} not found`, {
    path,
    hint: "a tail with this cursor creates it (`spool follow POOL --cursor NAME`); `spool cursor list POOL` shows the kept ones",
  });
}

export function planCursorOpen(
  scene: LedgerScene,
  name: string,
  start: number,
): LedgerChange<CursorInfo> {
  const kept = keptCursor(scene.table, name, scene.path);
  if (kept) return { records: [], result: cursorInfo(name, kept, scene.state) };
  const value = { committed: Math.max(0, start - 1), ackMs: 0, createdMs: scene.nowMs };
  const records = [cursorRecord(name, value)];
  checkRoom(scene, records, `cursor ${name}`);
  return { records, result: cursorInfo(name, value, scene.state) };
}

/** ack: the committed seq rises to `seq` (a lower one changes nothing). */
export function planCursorAck(
  scene: LedgerScene,
  name: string,
  seq: number,
): LedgerChange<CursorInfo> {
  const kept = keptCursor(scene.table, name, scene.path);
  if (!kept) throw unknownCursor(name, scene.path);
  if (seq > scene.state.newest) {
    throw new SpoolError(
      "Usage",
      `cannot ack seq ${seq} on cursor ${name}: the pool's newest seq is ${scene.state.newest}`,
      { path: scene.path, seq, hint: "ack only seqs the tail delivered" },
    );
  }
  if (seq <= kept.committed) return { records: [], result: cursorInfo(name, kept, scene.state) };
  const value = { ...kept, committed: seq, ackMs: scene.nowMs };
  return { records: [cursorRecord(name, value)], result: cursorInfo(name, value, scene.state) };
}

/** reset: the next tail with the cursor starts at `start` (created when absent). */
export function planCursorReset(
  scene: LedgerScene,
  name: string,
  start: number,
): LedgerChange<CursorInfo> {
  checkStart(scene, start, `cursor ${name}`, "or at a time");
  const kept = keptCursor(scene.table, name, scene.path);
  const value = {
    committed: Math.max(0, start - 1),
    ackMs: kept?.ackMs ?? 0,
    createdMs: kept?.createdMs ?? scene.nowMs,
  };
  const records = [cursorRecord(name, value)];
  if (!kept) checkRoom(scene, records, `cursor ${name}`);
  return { records, result: cursorInfo(name, value, scene.state) };
}

export function planCursorDelete(scene: LedgerScene, name: string): LedgerChange<CursorInfo> {
  const kept = keptCursor(scene.table, name, scene.path);
  if (!kept) throw unknownCursor(name, scene.path);
  return {
    records: [deleteRecord(RECORD_KINDS.cursor, name)],
    result: cursorInfo(name, kept, scene.state),
  };
}
