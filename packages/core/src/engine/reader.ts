/**
 * Reading committed frames out of the ring: locating a seq (cached position, index probe, scan
 * fallback that resumes past damaged frames) and decoding runs of consecutive frames in large
 * positioned reads.
 *
 * Invariants: a frame is returned only if it validates against the seq expected at that point
 * and that seq is within the published bounds given by the caller; an invalid frame ends the
 * run and is reported as a problem (the caller re-reads the state to tell an overwrite from
 * corruption); the read buffer is bounded (one chunk, or one frame when a frame is larger). A
 * reader starts with a small chunk (FIRST_CHUNK) and grows it (×4, up to its chunk size) only
 * while runs fill it with more frames waiting; `shrink()` gives the chunk back (a tail that
 * caught up and waits) and the next read starts small again, so an idle reader holds no chunk.
 */
import { readU64 } from "../format/bytes.js";
import {
  checkFrame,
  FRAME_HEADER_SIZE,
  FRAME_MAGIC,
  type FrameHead,
  type FrameProblem,
  readFrameHead,
  WRAP_MARKER_SIZE,
} from "../format/frame.js";
import { INDEX_SLOT_SIZE, type PoolLayout, type PoolState } from "../format/header.js";
import type { PoolFile } from "../platform/file.js";
import { BISECT_FROM, bisectOffset } from "./bisect.js";

/** Most resumptions past damaged ranges in one scan (verify reports as many ranges). */
export const MAX_RESYNCS = 100;
/** Bytes read at once while looking for the next readable frame after damage. */
const RESYNC_CHUNK = 1024 * 1024;
/** Default largest bytes per positioned read. */
export const CHUNK_SIZE = 1024 * 1024;
/**
 * Full-size chunks given back by `shrink()`, kept for the next reader that grows to full size
 * (at most SPARE_CHUNKS): replays one after another reuse the same few MiB instead of leaving
 * the allocator a MiB of freed memory each. A chunk goes here only when its reader's last run
 * has been consumed (see `shrink`), and is handed to one reader at a time.
 */
const spareChunks: Buffer[] = [];
const SPARE_CHUNKS = 4;

/** The chunk a reader starts with, and goes back to on `shrink()`. */
export const FIRST_CHUNK = 16 * 1024;
/** First read when a single frame is wanted: holds a frame of up to ~2 KB of JSON (larger ones take a second read). */
const SINGLE_READ = 2048;

/** A validated frame inside a run's buffer. */
export interface FrameRef {
  seq: number;
  /** Offset of the frame in `Run.buf`. */
  at: number;
  head: FrameHead;
}

/** A run of consecutive validated frames. */
export interface Run {
  buf: Buffer;
  frames: FrameRef[];
  /** Seq expected after the last frame. */
  nextSeq: number;
  /** Ring offset where `nextSeq` is expected (a wrap is resolved on the next read). */
  nextOffset: number;
  /** Set when the frame for `nextSeq` failed to validate. */
  problem?: { seq: number; offset: number; reason: FrameProblem | "magic" | "lengths" | "wrap" };
}

export class FrameReader {
  readonly file: PoolFile;
  readonly layout: PoolLayout;
  /** The read buffer (undefined after `shrink()` until the next read). */
  #chunk: Buffer | undefined;
  /** Its size for the next read. */
  #chunkSize: number;
  readonly #maxChunk: number;
  #slot = Buffer.alloc(INDEX_SLOT_SIZE);
  #walkBuf: Buffer | undefined;
  #resyncBuf: Buffer | undefined;
  /** The buffer of the last `readOne` (undefined: the chunk). */
  #last: Buffer | undefined;

  constructor(file: PoolFile, layout: PoolLayout, chunkSize = CHUNK_SIZE) {
    this.file = file;
    this.layout = layout;
    this.#maxChunk = Math.min(chunkSize, layout.ringSize);
    this.#chunkSize = Math.min(FIRST_CHUNK, this.#maxChunk);
  }

  #buffer(): Buffer {
    if (this.#chunk === undefined || this.#chunk.length !== this.#chunkSize) {
      const spare = this.#chunkSize === CHUNK_SIZE ? spareChunks.pop() : undefined;
      this.#chunk = spare ?? Buffer.allocUnsafe(this.#chunkSize);
    }
    return this.#chunk;
  }

  /** Bytes of the chunk the next read uses (FIRST_CHUNK after `shrink()`, up to the chunk size while busy). */
  get chunkBytes(): number {
    return this.#chunkSize;
  }

  /** Whether the reader holds a chunk now (none after `shrink()` until the next read). */
  get holdsChunk(): boolean {
    return this.#chunk !== undefined;
  }

  /**
   * Gives the chunk back: the next read makes a FIRST_CHUNK one. Call it only when no run this
   * reader returned is in use any more (a tail that caught up: its consumer has taken every
   * batch): a full-size chunk is kept for other readers to reuse.
   */
  shrink(): void {
    const chunk = this.#chunk;
    if (chunk?.length === CHUNK_SIZE && spareChunks.length < SPARE_CHUNKS) spareChunks.push(chunk);
    this.#chunkSize = Math.min(FIRST_CHUNK, this.#maxChunk);
    this.#chunk = undefined;
    this.#last = undefined;
  }

  /** The ring offset the index records for `seq`, if its slot still names it. */
  indexedOffset(seq: number): number | undefined {
    const { indexStride, indexCapacity } = this.layout;
    if (seq < 1 || seq % indexStride !== 0) return undefined;
    const slot = indexSlot(seq, indexStride, indexCapacity);
    const n = this.file.readMeta(
      this.#slot,
      0,
      INDEX_SLOT_SIZE,
      this.layout.indexOffset + slot * INDEX_SLOT_SIZE,
    );
    if (n < INDEX_SLOT_SIZE || readU64(this.#slot, 0) !== seq) return undefined;
    const offset = readU64(this.#slot, 8);
    return offset % 8 === 0 && offset < this.layout.ringSize ? offset : undefined;
  }

  /**
   * Reads the one frame for `seq` at ring offset `offset` (no later than `state.newest`): the
   * lean path of a random get. Undefined when it does not validate there.
   */
  readOne(seq: number, offset: number, state: PoolState): FrameRef | undefined {
    const ringSize = this.layout.ringSize;
    if (seq > state.newest || offset + FRAME_HEADER_SIZE > ringSize) return undefined;
    let buf = this.#buffer();
    let n = this.file.readSome(
      buf,
      0,
      Math.min(SINGLE_READ, ringSize - offset),
      this.layout.ringOffset + offset,
    );
    if (n < FRAME_HEADER_SIZE) return undefined;
    const head = readFrameHead(buf, 0);
    if (typeof head === "string" || head.seq !== seq || offset + head.length > ringSize)
      return undefined;
    if (head.length > n) {
      if (head.length > buf.length) buf = Buffer.allocUnsafe(head.length);
      n = this.file.readSome(buf, 0, head.length, this.layout.ringOffset + offset);
      if (n < head.length) return undefined;
    }
    if (checkFrame(buf, 0, head, seq) !== undefined) return undefined;
    this.#last = buf;
    return { seq, at: 0, head };
  }

  /** The buffer the last `readOne` result lives in (valid until the next read). */
  get lastBuffer(): Buffer {
    return this.#last ?? this.#buffer();
  }

  /**
   * Reads consecutive frames starting with `seq` at ring offset `offset`, up to `state.newest`,
   * at most `maxFrames`. With `ownBuffer`, the returned buffer is fresh (callers may keep slices).
   */
  readRun(
    seq: number,
    offset: number,
    state: PoolState,
    maxFrames: number,
    ownBuffer = false,
  ): Run {
    const ringSize = this.layout.ringSize;
    let pos = offset >= ringSize ? 0 : offset;
    let buf = ownBuffer ? Buffer.allocUnsafe(this.#chunkSize) : this.#buffer();
    // Read no further than the published head (or the ring's end), and only a page for one frame.
    const limit = maxFrames === 1 ? SINGLE_READ : buf.length;
    const want = (at: number): number =>
      Math.min(limit, (state.head > at ? state.head : ringSize) - at);
    let n = this.#fill(buf, pos, want(pos));
    let i = 0;
    let expect = seq;
    const frames: FrameRef[] = [];
    const run = (problem?: Run["problem"]): Run =>
      problem
        ? { buf, frames, nextSeq: expect, nextOffset: pos, problem }
        : { buf, frames, nextSeq: expect, nextOffset: pos };

    while (expect <= state.newest && frames.length < maxFrames) {
      // Fewer bytes than a frame header before the ring's end: no frame fits there, only a wrap
      // marker (which no checksum covers) can; continue at 0 either way, never decode it.
      if (ringSize - pos < FRAME_HEADER_SIZE) {
        if (frames.length > 0) {
          pos = 0;
          break;
        }
        pos = 0;
        n = this.#fill(buf, pos, want(pos));
        i = 0;
        continue;
      }
      if (n - i < FRAME_HEADER_SIZE && n - i < ringSize - pos) {
        if (frames.length > 0) break;
        n = this.#fill(buf, pos, Math.max(FRAME_HEADER_SIZE, want(pos)));
        i = 0;
        if (n < WRAP_MARKER_SIZE) return run({ seq: expect, offset: pos, reason: "lengths" });
      }
      const head = readFrameHead(buf, i);
      if (head === "wrap") {
        if (frames.length > 0 || pos === 0) {
          if (pos === 0) return run({ seq: expect, offset: pos, reason: "wrap" });
          pos = 0;
          break;
        }
        pos = 0;
        n = this.#fill(buf, pos, want(pos));
        i = 0;
        continue;
      }
      if (typeof head === "string") return run({ seq: expect, offset: pos, reason: head });
      if (pos + head.length > ringSize || head.length < FRAME_HEADER_SIZE) {
        return run({ seq: expect, offset: pos, reason: "bounds" });
      }
      if (i + head.length > n) {
        if (frames.length > 0) break;
        if (head.length > buf.length) buf = Buffer.allocUnsafe(head.length);
        n = this.#fill(buf, pos, Math.max(head.length, want(pos)));
        i = 0;
        if (n < head.length) return run({ seq: expect, offset: pos, reason: "bounds" });
      }
      const problem = checkFrame(buf, i, head, expect);
      if (problem) return run({ seq: expect, offset: pos, reason: problem });
      frames.push({ seq: expect, at: i, head });
      expect++;
      i += head.length;
      pos += head.length;
    }
    // The chunk was the limit (more frames wait, and they filled over half of it): read more
    // at once next time.
    if (
      buf === this.#chunk &&
      buf.length < this.#maxChunk &&
      expect <= state.newest &&
      frames.length < maxFrames &&
      i > buf.length / 2
    ) {
      this.#chunkSize = Math.min(buf.length * 4, this.#maxChunk);
    }
    return run();
  }

  #fill(buf: Buffer, pos: number, bytes: number): number {
    const want = Math.min(buf.length, bytes, this.layout.ringSize - pos);
    return this.file.readSome(buf, 0, want, this.layout.ringOffset + pos);
  }

  /**
   * Finds the ring offset of `seq` (oldest ≤ seq ≤ newest): from the index slot of the nearest
   * indexed seq at or below it, walking frame headers forward; else walking from the tail.
   * Undefined when the frame cannot be found (overwritten meanwhile, or corrupt). The offset is
   * only a candidate: callers validate the frame there in full.
   */
  locate(seq: number, state: PoolState): number | undefined {
    const base = seq - (seq % this.layout.indexStride);
    if (base >= state.oldest) {
      const indexed = this.indexedOffset(base);
      // An indexed seq needs no walk: the caller validates the frame at the offset anyway.
      if (indexed !== undefined && base === seq) return indexed;
      const found = indexed === undefined ? undefined : this.walk(base, indexed, seq);
      if (found !== undefined) return found;
    }
    if (seq - state.oldest > BISECT_FROM) {
      const found = bisectOffset(this, seq, state);
      if (found !== undefined) return found;
    }
    return this.scan(seq, state);
  }

  /** The seq of the frame header at a ring offset, if one is there. */
  frameSeqAt(offset: number): number | undefined {
    const head = Buffer.allocUnsafe(FRAME_HEADER_SIZE);
    const n = this.file.readSome(
      head,
      0,
      Math.min(FRAME_HEADER_SIZE, this.layout.ringSize - offset),
      this.layout.ringOffset + offset,
    );
    if (n < FRAME_HEADER_SIZE) return undefined;
    const decoded = readFrameHead(head, 0);
    return typeof decoded === "string" ? undefined : decoded.seq;
  }

  /**
   * Walks frame headers from the tail until `seq`. Where a frame on the way does not validate,
   * it resumes at the next readable message (see `nextReadable`), so damage hides only the
   * damaged messages themselves. Bounded by the live messages and MAX_RESYNCS resumptions.
   */
  scan(seq: number, state: PoolState): number | undefined {
    if (seq < state.oldest || seq > state.newest) return undefined;
    let fromSeq = state.oldest;
    let fromOffset = state.tail;
    for (let resyncs = 0; resyncs <= MAX_RESYNCS; resyncs++) {
      const hop = this.#hop(fromSeq, fromOffset, seq);
      if (typeof hop === "number") return hop;
      if (hop === undefined) return undefined;
      const next = this.nextReadable(hop.seq, hop.offset, state);
      if (!next || next.seq > seq) return undefined; // `seq` itself lies in the damaged range
      fromSeq = next.seq;
      fromOffset = next.offset;
    }
    return undefined;
  }

  /**
   * The first frame after ring offset `after` (in ring order, wrapping once, never `after`
   * itself) that validates in full with a live seq from `bad` on: where a walk stopped by damage
   * at `after` resumes (`bad` itself when only the way to it was damaged, e.g. a wrap marker).
   * Live frames lie in seq order around the ring, so the first such frame is the next readable
   * message; stale frames of older laps carry seqs below `oldest` and never match.
   */
  nextReadable(
    bad: number,
    after: number,
    state: PoolState,
  ): { seq: number; offset: number } | undefined {
    const ringSize = this.layout.ringSize;
    this.#resyncBuf ??= Buffer.allocUnsafe(Math.min(RESYNC_CHUNK, ringSize));
    const chunk = this.#resyncBuf;
    const first = after + 8;
    for (let scanned = 0; scanned + 8 < ringSize; ) {
      const start = (first + scanned) % ringSize;
      const n = this.file.readSome(
        chunk,
        0,
        Math.min(chunk.length, ringSize - start, ringSize - 8 - scanned),
        this.layout.ringOffset + start,
      );
      if (n < 8) return undefined;
      for (let i = 0; i + 8 <= n; i += 8) {
        if (chunk.readUInt32LE(i) !== FRAME_MAGIC) continue;
        const offset = start + i;
        if (offset + FRAME_HEADER_SIZE > ringSize) continue;
        // The head is in the chunk unless it straddles the chunk's end.
        const head = i + FRAME_HEADER_SIZE <= n ? readFrameHead(chunk, i) : undefined;
        const candidate =
          head === undefined
            ? this.frameSeqAt(offset)
            : typeof head === "string"
              ? undefined
              : head.seq;
        if (candidate === undefined || candidate < bad || candidate > state.newest) continue;
        if (this.readOne(candidate, offset, state)) return { seq: candidate, offset };
      }
      scanned += n - (n % 8);
    }
    return undefined;
  }

  /**
   * Hops frame headers from `fromSeq` at ring offset `fromOffset` to `targetSeq`, through wrap
   * markers, reading the ring in 16 KiB pieces. Only headers are checked on the way (the caller
   * validates the target frame in full, which a wrong hop can never produce).
   */
  walk(fromSeq: number, fromOffset: number, targetSeq: number): number | undefined {
    const hop = this.#hop(fromSeq, fromOffset, targetSeq);
    return typeof hop === "number" ? hop : undefined;
  }

  /** Like `walk`; where a header on the way does not match, the seq and offset it stopped at. */
  #hop(
    fromSeq: number,
    fromOffset: number,
    targetSeq: number,
  ): number | { seq: number; offset: number } | undefined {
    const ringSize = this.layout.ringSize;
    this.#walkBuf ??= Buffer.allocUnsafe(16 * 1024);
    const buf = this.#walkBuf;
    let bufStart = -1;
    let bufLen = 0;
    let pos = fromOffset;
    let expect = fromSeq;
    for (let wraps = 0; expect <= targetSeq && wraps < 2; ) {
      if (ringSize - pos < FRAME_HEADER_SIZE) {
        pos = 0;
        wraps++;
        continue;
      }
      if (bufStart < 0 || pos < bufStart || pos + FRAME_HEADER_SIZE > bufStart + bufLen) {
        bufStart = pos;
        bufLen = this.file.readSome(
          buf,
          0,
          Math.min(buf.length, ringSize - pos),
          this.layout.ringOffset + pos,
        );
        if (bufLen < FRAME_HEADER_SIZE) return undefined;
      }
      const head = readFrameHead(buf, pos - bufStart);
      if (head === "wrap") {
        if (pos === 0) return { seq: expect, offset: pos };
        pos = 0;
        wraps++;
        continue;
      }
      if (typeof head === "string" || head.seq !== expect || head.length <= 0)
        return { seq: expect, offset: pos };
      if (expect === targetSeq) return pos;
      pos += head.length;
      expect++;
    }
    return undefined;
  }
}

/** The index slot of an indexed seq (a multiple of the stride). */
export function indexSlot(seq: number, stride: number, capacity: number): number {
  return Math.floor(seq / stride) % capacity;
}
