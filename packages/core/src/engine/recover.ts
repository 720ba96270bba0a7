/**
 * Recovery of a publication lost to a damaged state slot: run by a writer, under the lock, when
 * one state slot fails its CRC while the other is valid.
 *
 * The valid slot may predate the newest publication, whose messages would then vanish and whose
 * seqs the next append would hand out again. Those messages are still in the ring: committed,
 * checksummed frames right after the older state's head, with the seqs that follow its newest.
 * Invariants: only frames that validate in full (state Committed, expected seq, CRC, marker) are
 * adopted, in seq order, starting exactly at the published head; nothing is adopted when the
 * frame after the head is anything else, or when the oldest live frame no longer validates
 * afterwards (the lost publication was then not the last complete one); the adopted state is published by the caller's next
 * publication (the append that follows), so no seq is ever handed out twice.
 */
import type { PoolState } from "../format/header.js";
import type { FrameReader } from "./reader.js";

/** The state with any committed-but-unpublished frames after its head adopted. */
export function adoptUnpublished(reader: FrameReader, state: PoolState): PoolState {
  const adopted = adoptRuns(reader, state);
  if (adopted === state || state.oldest > state.newest) return adopted;
  const oldest = reader.readRun(state.oldest, state.tail, state, 1);
  return oldest.frames.length === 1 ? adopted : state;
}

function adoptRuns(reader: FrameReader, state: PoolState): PoolState {
  const ringSize = reader.layout.ringSize;
  let current = state;
  for (;;) {
    // Read as if the ring held messages up to the end: frames past the head are candidates.
    const probe = { ...current, head: ringSize, newest: Number.MAX_SAFE_INTEGER };
    const run = reader.readRun(current.newest + 1, current.head, probe, 4096);
    const last = run.frames.at(-1);
    if (!last) return current;
    current = {
      ...current,
      head: run.nextOffset >= ringSize ? 0 : run.nextOffset,
      newest: last.seq,
      oldest: current.oldest > current.newest ? current.newest + 1 : current.oldest,
      newestTimeSec: last.head.timeSec,
      newestTimeNanos: last.head.timeNanos,
    };
    if (run.problem) return current;
  }
}
