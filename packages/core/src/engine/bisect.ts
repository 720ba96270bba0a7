/**
 * Locating a seq the index no longer covers (its slot was taken by a newer seq: a pool holding
 * more messages than index slots) by bisecting the live bytes, instead of walking every frame
 * header from the oldest message.
 *
 * Invariants: probes only read (one PROBE_BYTES read each, into a module buffer used within one
 * synchronous call) and every anchor is a frame validated in full; the answer is only a
 * candidate offset that callers validate in full, so a probe misled by data that looks like a
 * frame can cost time, never a wrong message; undefined sends the caller to the tail walk.
 */
import { FRAME_HEADER_SIZE, FRAME_MAGIC, readFrameHead } from "../format/frame.js";
import type { PoolState } from "../format/header.js";
import type { FrameReader } from "./reader.js";

/**
 * Seqs past the oldest beyond which `locate`, when the index cannot help (its slot was taken
 * by a newer seq: more messages than index slots), bisects the ring instead of walking every
 * frame header from the oldest message.
 */
export const BISECT_FROM = 256;
/** Bytes read at each bisection probe to find the first frame at or after a ring offset. */
const PROBE_BYTES = 4096;
const probeBuf = Buffer.allocUnsafe(PROBE_BYTES);

/**
 * The offset of `seq` found by bisecting the live bytes (tail → head: live frames lie there in
 * seq order): each probe takes the first frame that validates in full at or after the middle
 * offset, keeps it as the lower anchor when its seq is ≤ `seq`, else narrows above; then it
 * walks headers from the last anchor. O(log live bytes) probes instead of a walk over every
 * older message. Undefined when a probe finds nothing readable (damage, a huge frame): the
 * caller falls back to `scan`. A wrong answer is impossible to hand out: callers validate the
 * frame at the offset in full.
 */
export function bisectOffset(
  reader: FrameReader,
  seq: number,
  state: PoolState,
): number | undefined {
  const ringSize = reader.layout.ringSize;
  const span = (state.head - state.tail + ringSize) % ringSize || ringSize;
  let loSeq = state.oldest;
  let loDist = 0;
  let hiDist = span;
  for (let probes = 0; probes < 64; probes++) {
    if (seq - loSeq <= BISECT_FROM / 4 || hiDist - loDist <= 2 * PROBE_BYTES) break;
    const mid = loDist + Math.floor((hiDist - loDist) / 16) * 8;
    const at = (state.tail + mid) % ringSize;
    // A probe near the ring's end may find only the wrap marker: the next frame is at 0.
    const found =
      frameFrom(reader, at, loSeq, state) ??
      (at + PROBE_BYTES >= ringSize ? frameFrom(reader, 0, loSeq, state) : undefined);
    if (found === undefined) return undefined;
    const dist = (found.offset - state.tail + ringSize) % ringSize;
    if (found.seq <= seq && dist >= loDist) {
      loSeq = found.seq;
      loDist = dist;
      if (found.seq === seq) return found.offset;
    } else {
      hiDist = mid;
    }
  }
  return reader.walk(loSeq, (state.tail + loDist) % ringSize, seq);
}

/**
 * The first frame starting in the PROBE_BYTES at ring offset `at` (up to the ring's end) that
 * validates in full with a live seq from `minSeq` on, or undefined.
 */
function frameFrom(
  reader: FrameReader,
  at: number,
  minSeq: number,
  state: PoolState,
): { seq: number; offset: number } | undefined {
  const ringSize = reader.layout.ringSize;
  const buf = probeBuf;
  const n = reader.file.readSome(
    buf,
    0,
    Math.min(PROBE_BYTES, ringSize - at),
    reader.layout.ringOffset + at,
  );
  for (let i = 0; i + FRAME_HEADER_SIZE <= n; i += 8) {
    if (buf.readUInt32LE(i) !== FRAME_MAGIC) continue;
    const head = readFrameHead(buf, i);
    if (typeof head === "string" || head.seq < minSeq || head.seq > state.newest) continue;
    const offset = at + i;
    if (reader.readOne(head.seq, offset, state)) return { seq: head.seq, offset };
  }
  return undefined;
}
