/**
 * What a pool handle reads without the lock: its info (size, bounds, usage, times) and one
 * message by seq.
 *
 * Invariants: only fully validated frames (checksum included) supply a message or the oldest
 * time; `get` tries the index's candidate, then a walk from the tail, and re-reads the state
 * before deciding: a seq overwritten meanwhile is NotFound, a seq still within the bounds that
 * stays unreadable after three tries is Corrupt (with the offset), never a wrong message.
 */
import type { FrameReader } from "./engine/reader.js";
import { missingMessage, SpoolError } from "./errors.js";
import type { PoolLayout, PoolState } from "./format/header.js";
import { type Message, messageFromFrame } from "./message.js";
import { maxPayloadBytes, type PoolInfo, poolNameOf } from "./pool-options.js";
import { formatTime } from "./time.js";

/** The pool's size, bounds and usage in `state`. */
export function describePool(
  state: PoolState,
  layout: PoolLayout,
  reader: FrameReader,
  path: string,
): PoolInfo {
  const empty = state.oldest > state.newest;
  const ringSize = layout.ringSize;
  let used = 0;
  if (!empty)
    used = state.head > state.tail ? state.head - state.tail : ringSize - state.tail + state.head;
  let oldestTime: string | null = null;
  if (!empty) {
    // Only a fully validated frame (checksum included) may supply the time: a damaged header
    // must neither throw from the date formatting nor show a made-up time.
    const oldest = reader.readRun(state.oldest, state.tail, state, 1).frames[0];
    if (oldest) oldestTime = formatTime(oldest.head.timeSec, oldest.head.timeNanos);
  }
  return {
    name: poolNameOf(path),
    path,
    formatVersion: 0,
    fileSize: layout.fileSize,
    ringSize,
    indexCapacity: layout.indexCapacity,
    indexStride: layout.indexStride,
    bounds: empty ? null : { oldest: state.oldest, newest: state.newest },
    messageCount: empty ? 0 : state.newest - state.oldest + 1,
    bytesUsed: used,
    bytesFree: ringSize - used,
    maxMessageBytes: maxPayloadBytes(ringSize),
    oldestTime,
    newestTime: empty ? null : formatTime(state.newestTimeSec, state.newestTimeNanos),
    producerCount: 0,
    producerCapacity: layout.ledger?.producerCapacity ?? 0,
    producers: [],
    cursors: [],
    groups: [],
  };
}

/** The message with `seq`: NotFound (with `seq`) when never written or overwritten. */
export function getMessage<T>(
  seq: number,
  reader: FrameReader,
  readState: () => PoolState,
  path: string,
  layout: PoolLayout,
): Message<T> {
  if (!Number.isSafeInteger(seq) || seq < 1) {
    throw new SpoolError("Usage", `seq must be a whole number ≥ 1, got ${String(seq)}`, {
      hint: "sequence numbers start at 1",
    });
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    const state = readState();
    if (seq > state.newest || seq < state.oldest) throw missingMessage(seq, state, path);
    let offset: number | undefined;
    // The index gives a candidate offset; the frame there is validated in full, and a failed
    // candidate falls back to walking from the tail.
    const indexed = reader.locate(seq, state);
    for (const candidate of [indexed, "scan"] as const) {
      offset = candidate === "scan" ? reader.scan(seq, state) : candidate;
      if (offset === undefined) continue;
      const frame = reader.readOne(seq, offset, state);
      if (frame) return messageFromFrame<T>(reader.lastBuffer, frame.at, frame);
    }
    const after = readState();
    if (seq < after.oldest) throw missingMessage(seq, after, path);
    if (attempt === 2) {
      throw new SpoolError("Corrupt", `message ${seq} is within the pool's bounds but unreadable`, {
        path,
        seq,
        offset: offset === undefined ? undefined : layout.ringOffset + offset,
        hint: "run `spool doctor` on the pool",
      });
    }
  }
  throw new SpoolError("Internal", "unreachable");
}
