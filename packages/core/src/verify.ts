/**
 * verify: a read-only walk over a pool file's header, state slots, every live frame and the
 * index, reporting each problem with its kind, severity, path, offset and seq.
 *
 * Invariants: never writes, never takes the lock, never throws for a damaged file (damage is
 * what it reports); `ok` is true exactly when no issue of severity `error` was found; warnings
 * (a stale index slot, one damaged state slot beside a good one, a damaged wrap marker before an
 * intact message) do not lose messages.
 */
import * as fs from "node:fs";
import { deliveriesOf, listCursors, listGroups } from "./engine/consumer-table.js";
import { LedgerMoved, type LedgerTable, LedgerView, ledgerRef } from "./engine/ledger.js";
import { listProducers } from "./engine/producer-table.js";
import { FrameReader, indexSlot, MAX_RESYNCS } from "./engine/reader.js";
import { assessDamagedState } from "./engine/recover.js";
import { type ErrorKind, fromSystemError, isSpoolError, type SpoolError } from "./errors.js";
import { readU64 } from "./format/bytes.js";
import {
  damagedSlotClaims,
  decodeLayout,
  decodeState,
  HEADER_OPEN_SIZE,
  INDEX_SLOT_SIZE,
  type PoolLayout,
  type PoolState,
  STATE_SLOT_OFFSETS,
} from "./format/header.js";
import { decodeLedgerDescriptor, LEDGER_DESCRIPTOR_OFFSET } from "./format/ledger.js";
import { PoolFile } from "./platform/file.js";

export interface VerifyIssue {
  kind: ErrorKind;
  severity: "error" | "warning";
  message: string;
  path: string;
  offset?: number;
  seq?: number;
}

export interface VerifyReport {
  path: string;
  ok: boolean;
  /** Messages that validated. */
  messages: number;
  bounds: { oldest: number; newest: number } | null;
  issues: VerifyIssue[];
}

/**
 * Checks a pool file end to end.
 *
 * @example
 * const report = verifyPool("/tmp/pools/build.spool");
 * if (!report.ok) console.error(report.issues);
 */
export function verifyPool(path: string): VerifyReport {
  const issues: VerifyIssue[] = [];
  const report = (messages: number, bounds: VerifyReport["bounds"]): VerifyReport => ({
    path,
    ok: !issues.some((issue) => issue.severity === "error"),
    messages,
    bounds,
    issues,
  });
  let file: PoolFile;
  try {
    file = PoolFile.open(path, true);
  } catch (error) {
    const e = fromSystemError(error, path, "open");
    issues.push({ kind: e.kind, severity: "error", message: e.message, path });
    return report(0, null);
  }
  try {
    if (!fs.fstatSync(file.fd).isFile()) {
      issues.push({ kind: "Usage", severity: "error", message: `not a pool file: ${path}`, path });
      return report(0, null);
    }
    const header = Buffer.alloc(HEADER_OPEN_SIZE);
    const n = file.readSome(header, 0, HEADER_OPEN_SIZE, 0);
    let layout: PoolLayout;
    try {
      layout = decodeLayout(header.subarray(0, n), path, fs.fstatSync(file.fd).size);
    } catch (error) {
      issues.push(fatalIssue(fromSystemError(error, path, "read"), path));
      return report(0, null);
    }
    const state = checkState(file, header, layout, issues);
    if (!state) return report(0, null);
    const bounds =
      state.oldest > state.newest ? null : { oldest: state.oldest, newest: state.newest };
    const valid = walkFrames(file, layout, state, issues);
    checkIndex(file, layout, state, valid, issues);
    checkLedger(file, header.subarray(0, n), layout, state, issues);
    return report(valid.size, bounds);
  } catch (error) {
    issues.push(
      fatalIssue(isSpoolError(error) ? error : fromSystemError(error, path, "verify"), path),
    );
    return report(0, null);
  } finally {
    file.close();
  }
}

/** The issue for an error that stops the walk. */
function fatalIssue(e: SpoolError, path: string): VerifyIssue {
  return {
    kind: e.kind,
    severity: "error",
    message: e.message,
    path,
    ...(e.offset === undefined ? {} : { offset: e.offset }),
  };
}

function checkState(
  file: PoolFile,
  header: Buffer,
  layout: PoolLayout,
  issues: VerifyIssue[],
): PoolState | undefined {
  const path = file.path;
  const state = decodeState(header, layout.ringSize);
  const claims = damagedSlotClaims(header, layout.ringSize);
  STATE_SLOT_OFFSETS.forEach((offset, i) => {
    if (!claims[i]) return;
    issues.push({
      kind: "Corrupt",
      severity: state ? "warning" : "error",
      message: `state slot at offset ${offset} is damaged`,
      path,
      offset,
    });
  });
  if (!state) {
    issues.push({
      kind: "Corrupt",
      severity: "error",
      message: "no valid state slot: bounds unknown",
      path,
      offset: STATE_SLOT_OFFSETS[0],
    });
    return undefined;
  }
  if (!claims[0] && !claims[1]) return state;
  // What the next append does about the damaged slot (engine/recover.ts), reported now.
  const assessed = assessDamagedState(new FrameReader(file, layout), state, claims);
  if (assessed.refuse) {
    issues.push({
      kind: "Corrupt",
      severity: "error",
      message: `${assessed.refuse.message}; appends are refused`,
      path,
      offset: assessed.refuse.offset,
      seq: assessed.refuse.seq,
    });
  } else if (assessed.state.newest > state.newest) {
    issues.push({
      kind: "Corrupt",
      severity: "warning",
      message: `message(s) ${state.newest + 1}..${assessed.state.newest} are committed past the published head; the next append publishes them again`,
      path,
      offset: layout.ringOffset + state.head,
      seq: state.newest + 1,
    });
  }
  return state;
}

/** Most damaged ranges reported (and resynchronised past) in one pool. */
const MAX_DAMAGED_RANGES = MAX_RESYNCS;

/**
 * Walks live frames from the tail; returns the seqs of every frame that validated. A frame that
 * does not validate is reported with the messages up to the next readable frame (found by a
 * scan of the ring for the next frame that validates with a live seq from there on), and the
 * walk goes on from there, so every damaged range is reported, each with its first seq and
 * offset. At most MAX_DAMAGED_RANGES resynchronisations bound the walk.
 */
function walkFrames(
  file: PoolFile,
  layout: PoolLayout,
  state: PoolState,
  issues: VerifyIssue[],
): Set<number> {
  const valid = new Set<number>();
  if (state.oldest > state.newest) return valid;
  const reader = new FrameReader(file, layout);
  let seq = state.oldest;
  let pos = state.tail;
  let damaged = 0;
  while (seq <= state.newest) {
    const run = reader.readRun(seq, pos, state, 4096);
    for (const frame of run.frames) valid.add(frame.seq);
    if (run.problem) {
      const { seq: bad, offset, reason } = run.problem;
      const next =
        damaged < MAX_DAMAGED_RANGES ? reader.nextReadable(bad, offset, state) : undefined;
      const lost = next ? next.seq - bad : state.newest - bad + 1;
      issues.push({
        kind: "Corrupt",
        // A break in the ring before an intact message loses nothing: reads resume past it.
        severity: lost === 0 ? "warning" : "error",
        message: !next
          ? `message ${bad} at ring offset ${offset} is invalid (${reason}): no readable message follows, so up to ${lost} message(s) from there on may be unreadable`
          : lost === 0
            ? `the ring is broken at offset ${offset} (${reason}) before message ${bad}, which is intact at ring offset ${next.offset}: no message is lost (reads resume there; appends overwrite the damage in time)`
            : `message ${bad} at ring offset ${offset} is invalid (${reason}): ${lost} message(s) (${bad}..${next.seq - 1}) are unreadable; the walk goes on at message ${next.seq}`,
        path: file.path,
        offset: layout.ringOffset + offset,
        seq: bad,
      });
      damaged++;
      if (!next) return valid;
      seq = next.seq;
      pos = next.offset;
      continue;
    }
    if (run.frames.length === 0) break;
    seq = run.nextSeq;
    pos = run.nextOffset;
  }
  const end = pos >= layout.ringSize ? 0 : pos;
  const head = state.head >= layout.ringSize ? 0 : state.head;
  if (end !== head) {
    issues.push({
      kind: "Corrupt",
      severity: "error",
      message: `frames end at ring offset ${end} but the header's head is ${head}`,
      path: file.path,
      offset: layout.ringOffset + end,
    });
  }
  return valid;
}

/** Counts index slots that name a live message but point elsewhere (a warning: lookups scan). */
function checkIndex(
  file: PoolFile,
  layout: PoolLayout,
  state: PoolState,
  valid: Set<number>,
  issues: VerifyIssue[],
): void {
  const reader = new FrameReader(file, layout);
  const slots = Buffer.alloc(Math.min(layout.indexCapacity, 65536) * INDEX_SLOT_SIZE);
  let stale = 0;
  let firstStale: { seq: number; offset: number } | undefined;
  for (let base = 0; base < layout.indexCapacity; base += slots.length / INDEX_SLOT_SIZE) {
    const count = Math.min(slots.length / INDEX_SLOT_SIZE, layout.indexCapacity - base);
    file.readExact(slots, 0, count * INDEX_SLOT_SIZE, layout.indexOffset + base * INDEX_SLOT_SIZE);
    for (let i = 0; i < count; i++) {
      const seq = readU64(slots, i * INDEX_SLOT_SIZE);
      if (seq < state.oldest || seq > state.newest || !valid.has(seq)) continue;
      const offset = readU64(slots, i * INDEX_SLOT_SIZE + 8);
      const pointsRight =
        seq % layout.indexStride === 0 &&
        indexSlot(seq, layout.indexStride, layout.indexCapacity) === base + i &&
        offset < layout.ringSize &&
        reader.frameSeqAt(offset) === seq;
      if (!pointsRight) {
        stale++;
        firstStale ??= { seq, offset: layout.indexOffset + (base + i) * INDEX_SLOT_SIZE };
      }
    }
  }
  if (firstStale) {
    issues.push({
      kind: "Corrupt",
      severity: "warning",
      message: `${stale} index slot(s) do not point at their message (lookups fall back to a scan)`,
      path: file.path,
      offset: firstStale.offset,
      seq: firstStale.seq,
    });
  }
}

/**
 * Checks the ledger (producer and consumer state): its descriptor, the published table (every
 * record whole, every producer's, cursor's, group's and delivery's state decodable) and that none
 * names a pool seq past the newest. A pool
 * created before the ledger existed has none, which is not a problem.
 */
function checkLedger(
  file: PoolFile,
  header: Buffer,
  layout: PoolLayout,
  state: PoolState,
  issues: VerifyIssue[],
): void {
  const descriptor = decodeLedgerDescriptor(header, {
    indexEnd: layout.indexOffset + layout.indexCapacity * INDEX_SLOT_SIZE,
    ringOffset: layout.ringOffset,
  });
  if (descriptor === "absent") return;
  const issue = (message: string, offset: number): void => {
    issues.push({ kind: "Corrupt", severity: "error", message, path: file.path, offset });
  };
  if ("damaged" in descriptor) {
    issue(
      `pool ledger: ${descriptor.damaged}; producer appends, cursors and groups are refused`,
      LEDGER_DESCRIPTOR_OFFSET,
    );
    return;
  }
  try {
    const table = new LedgerView(file, descriptor).read(ledgerRef(state));
    const producers = listProducers(table, file.path);
    for (const problem of consumerProblems(table, state, file.path))
      issue(problem, descriptor.offset);
    for (const producer of producers) {
      if (producer.lastPoolSeq > state.newest) {
        issue(
          `pool ledger: producer ${producer.id} names pool seq ${producer.lastPoolSeq}, past the newest ${state.newest}`,
          descriptor.offset,
        );
      }
    }
  } catch (error) {
    if (error instanceof LedgerMoved) {
      issue("pool ledger: its active half does not hold the published turn", descriptor.offset);
    } else if (isSpoolError(error)) {
      issue(
        `${error.message}; producer appends, cursors and groups are refused`,
        error.offset ?? descriptor.offset,
      );
    } else throw error;
  }
}

/** What is inconsistent in the table's cursors and groups (each decoded: Corrupt throws). */
function consumerProblems(table: LedgerTable, state: PoolState, path: string): string[] {
  const problems: string[] = [];
  for (const [name, cursor] of listCursors(table, path)) {
    if (cursor.committed > state.newest)
      problems.push(
        `pool ledger: cursor ${name} is at seq ${cursor.committed}, past the newest ${state.newest}`,
      );
  }
  for (const [name, group] of listGroups(table, path)) {
    if (group.next > state.newest + 1)
      problems.push(
        `pool ledger: group ${name} would deliver seq ${group.next} next, past the newest ${state.newest}`,
      );
    for (const [seq] of deliveriesOf(table, name, path)) {
      if (seq >= group.next)
        problems.push(
          `pool ledger: group ${name} has a delivery of seq ${seq}, which it never delivered`,
        );
    }
  }
  return problems;
}
