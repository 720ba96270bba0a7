/**
 * Recovery of a publication lost to a damaged state slot: run by a writer, under the lock, when
 * one state slot does not validate while the other is valid (and by verify, to report what the
 * next append will do).
 *
 * The valid slot may predate the newest publication, whose messages would then vanish and whose
 * seqs the next append would hand out again. Those messages are still in the ring: committed,
 * checksummed frames right after the older state's head, with the seqs that follow its newest.
 * Invariants: only frames that validate in full (state Committed, expected seq, CRC, marker) are
 * adopted, in seq order, starting exactly at the published head; nothing is adopted when the
 * frame after the head is anything else, or when the oldest live frame no longer validates
 * afterwards (the lost publication was then not the last complete one); the adopted state is
 * published by the caller's next publication (the append that follows). Appending is refused
 * whenever the damage may hide published seqs that adoption could not verify: a damaged slot
 * that claims a newer publication reaching further, or one whose claim is unreadable while the
 * frame where adoption stopped still names the next seq. So no seq is ever handed out twice.
 */
import { readU64 } from "../format/bytes.js";
import { FRAME_HEADER_SIZE, FRAME_MAGIC } from "../format/frame.js";
import { type PoolState, type SlotClaim, slotFor } from "../format/header.js";
import type { FrameReader } from "./reader.js";

/** What the next append must do about a damaged state slot. */
export interface DamageAssessment {
  /** The state with committed but unpublished frames after its head adopted. */
  state: PoolState;
  /** Set when appending must be refused: the first seq that cannot be verified. */
  refuse?: { seq: number; offset: number; message: string };
}

/**
 * Adopts what can be verified after a damaged slot, and says whether appending is safe.
 * `claims` are the two slots' unverified claims (undefined for a valid or unused slot).
 */
export function assessDamagedState(
  reader: FrameReader,
  state: PoolState,
  claims: readonly (SlotClaim | undefined)[],
): DamageAssessment {
  const { adopted, stop } = adoptUnpublished(reader, state);
  const next = state.generation + 1;
  // Slots alternate: the slot the next generation selects holds either the one before this
  // state's (nothing newer was published) or the one after it (which may be lost).
  const other = slotFor(next);
  const claim = claims[other === slotFor(0) ? 0 : 1];
  if (!claim) return { state: adopted };
  if (claim.generation === state.generation - 1) return { state: adopted };
  if (claim.generation === next && Number.isSafeInteger(claim.newest)) {
    if (claim.newest <= adopted.newest) return { state: adopted };
    return {
      state: adopted,
      refuse: {
        seq: adopted.newest + 1,
        offset: other,
        message: `the pool's newest state slot is damaged: it published messages up to ${claim.newest}, but only up to ${adopted.newest} can be verified, so appending could reuse their seqs`,
      },
    };
  }
  // The slot's claim is unreadable (zeroed, or its generation or newest field is damaged): it
  // may have been a newer publication. Its messages would start where adoption stopped.
  if (stop && namesSeq(reader, stop.seq, stop.offset)) {
    return {
      state: adopted,
      refuse: {
        seq: stop.seq,
        offset: other,
        message: `a state slot is damaged and message ${stop.seq}, right after the last verifiable one, is damaged too: it may have been published, so appending could reuse its seq`,
      },
    };
  }
  return { state: adopted };
}

/**
 * The state with committed-but-unpublished frames after its head adopted, and where adoption
 * stopped (the seq it looked for and the ring offset it looked at), unless nothing could follow.
 */
function adoptUnpublished(
  reader: FrameReader,
  state: PoolState,
): { adopted: PoolState; stop?: { seq: number; offset: number } } {
  const { adopted, stop } = adoptRuns(reader, state);
  if (adopted === state || state.oldest > state.newest) return { adopted, ...(stop && { stop }) };
  const oldest = reader.readRun(state.oldest, state.tail, state, 1);
  return oldest.frames.length === 1 ? { adopted, ...(stop && { stop }) } : { adopted: state };
}

function adoptRuns(
  reader: FrameReader,
  state: PoolState,
): { adopted: PoolState; stop?: { seq: number; offset: number } } {
  const ringSize = reader.layout.ringSize;
  let current = state;
  for (;;) {
    // Read as if the ring held messages up to the end: frames past the head are candidates.
    const probe = { ...current, head: ringSize, newest: Number.MAX_SAFE_INTEGER };
    const run = reader.readRun(current.newest + 1, current.head, probe, 4096);
    const last = run.frames.at(-1);
    if (last) {
      current = {
        ...current,
        head: run.nextOffset >= ringSize ? 0 : run.nextOffset,
        newest: last.seq,
        oldest: current.oldest > current.newest ? current.newest + 1 : current.oldest,
        newestTimeSec: last.head.timeSec,
        newestTimeNanos: last.head.timeNanos,
      };
    }
    if (run.problem) {
      return { adopted: current, stop: { seq: run.problem.seq, offset: run.problem.offset } };
    }
    if (!last) return { adopted: current };
  }
}

/**
 * True when the bytes at ring offset `offset` still name `seq` although its frame does not
 * validate: a frame header with that seq, or the index slot of `seq` pointing there.
 */
function namesSeq(reader: FrameReader, seq: number, offset: number): boolean {
  if (reader.indexedOffset(seq) === offset) return true;
  if (offset + FRAME_HEADER_SIZE > reader.layout.ringSize) return false;
  const head = Buffer.alloc(FRAME_HEADER_SIZE);
  const n = reader.file.readSome(head, 0, FRAME_HEADER_SIZE, reader.layout.ringOffset + offset);
  return (
    n === FRAME_HEADER_SIZE && head.readUInt32LE(0) === FRAME_MAGIC && readU64(head, 16) === seq
  );
}
