/**
 * Append planning: where the next frames go in the ring and which old frames they evict.
 * Pure: it sees the ring only through `probe`, so it is tested without files.
 *
 * Invariants: frames never straddle the ring's end (a frame that does not fit goes to offset 0
 * and a wrap marker is left where the head was, when there is room for one); only the oldest
 * frames are evicted, in order, and only those that overlap the bytes the new frames claim;
 * frames of the same batch never overwrite each other (such a batch is refused before any byte
 * is written); `oldest` and `tail` after the plan describe exactly the frames that survive.
 */
import { SpoolError } from "../errors.js";
import { FRAME_HEADER_SIZE } from "../format/frame.js";

/** The part of the pool state the planner needs. */
export interface RingState {
  head: number;
  tail: number;
  oldest: number;
  newest: number;
}

/** What the ring holds at an offset, as far as the planner needs to know. */
export type ProbeResult = { wrap: true } | { wrap: false; seq: number; length: number };

/** Reads what is stored at a ring offset (a frame's seq and length, or a wrap marker). */
export type Probe = (offset: number) => ProbeResult;

/**
 * Where the next readable live frame is when the one expected (`seq` at ring offset `offset`)
 * is damaged: the first frame after `offset`, in ring order, that validates with a live seq
 * from `seq` on (`seq` itself when only the way to it, e.g. a wrap marker, was damaged);
 * undefined when no readable frame follows.
 */
export type Resync = (seq: number, offset: number) => { seq: number; offset: number } | undefined;

export interface AppendPlan {
  /** Ring offset of each new frame, in order. */
  placements: number[];
  /** Ring offsets where a wrap marker must be written before the frames. */
  wrapMarkers: number[];
  /** How many old messages the append evicts. */
  evicted: number;
  /** State after the evictions and the append. */
  head: number;
  tail: number;
  oldest: number;
  newest: number;
}

interface Span {
  start: number;
  end: number;
}

function overlaps(start: number, length: number, spans: Span[]): boolean {
  for (const span of spans) if (start < span.end && span.start < start + length) return true;
  return false;
}

/**
 * True when `span` meets the bytes the old live frames still occupy: from `tail` up to `head`
 * (the state's head, where the old frames end), wrapping; `tail === head` is a full ring. A
 * superset when `tail` still points at the ring's unused end (the frame is at 0): safe.
 */
function overlapsLive(span: Span, tail: number, head: number): boolean {
  if (tail < head) return span.start < head && tail < span.end;
  return span.end > tail || span.start < head;
}

/**
 * Plans appending frames of the given aligned `lengths` to a ring of `ringSize` bytes.
 *
 * @example
 * planAppend({ head: 0, tail: 0, oldest: 1, newest: 0 }, 4096, [64], probe).placements // [0]
 */
export interface PlanOptions {
  /** The pool's path, for errors. */
  path?: string | undefined;
  /** Extra bytes to free ahead when evicting anyway. */
  reserve?: number;
  /** File offset of the ring, so error offsets are file offsets. */
  ringOffset?: number;
  /**
   * Lets eviction pass damaged frames: the unreadable messages up to the next readable one are
   * evicted together (their bytes are lost anyway). Without it, damage at the tail is Corrupt.
   */
  resync?: Resync | undefined;
}

export function planAppend(
  state: RingState,
  ringSize: number,
  lengths: readonly number[],
  probe: Probe,
  options: PlanOptions = {},
): AppendPlan {
  const { path, reserve = 0, ringOffset = 0, resync } = options;
  let head = state.head;
  let tail = state.tail;
  let oldest = state.oldest;
  let oldLive = state.newest - state.oldest + 1;
  const placed: Span[] = [];
  const wrapMarkers: number[] = [];

  /**
   * The oldest live unit at `offset` (moving `tail` to where it starts): one frame, or, past
   * damage, the unreadable messages up to the next readable frame. `spans` are its bytes,
   * `count` its messages; `next` the offset after it.
   */
  const probeOldest = (
    offset: number,
    expectedSeq: number,
  ): { spans: Span[]; count: number; next: number } => {
    let at = offset;
    for (let hops = 0; hops < 2; hops++) {
      if (ringSize - at < FRAME_HEADER_SIZE) {
        // The ring's end, or bytes too few for a frame (only a wrap marker fits): continue at 0.
        at = 0;
        continue;
      }
      const found = probe(at);
      if (found.wrap) {
        if (at === 0) break;
        at = 0;
        continue;
      }
      if (found.seq !== expectedSeq || found.length <= 0 || at + found.length > ringSize) break;
      tail = at;
      return { spans: [{ start: at, end: at + found.length }], count: 1, next: at + found.length };
    }
    const resumed = resync?.(expectedSeq, offset);
    if (resumed && resumed.seq >= expectedSeq && resumed.seq - expectedSeq < oldLive) {
      // The damaged bytes from `offset` up to the readable frame (wrapping) go as one unit.
      tail = offset;
      const spans =
        resumed.offset > offset
          ? [{ start: offset, end: resumed.offset }]
          : [
              { start: offset, end: ringSize },
              { start: 0, end: resumed.offset },
            ];
      if (resumed.seq === expectedSeq) {
        // Only the way to the frame was damaged (e.g. a wrap marker): it is the oldest unit.
        const found = probe(resumed.offset);
        if (!found.wrap && found.seq === expectedSeq && found.length > 0) {
          tail = resumed.offset;
          const end = resumed.offset + found.length;
          return { spans: [{ start: resumed.offset, end }], count: 1, next: end };
        }
      } else {
        return { spans, count: resumed.seq - expectedSeq, next: resumed.offset };
      }
    } else if (resync && !resumed) {
      // Nothing readable follows: every remaining old message is unreadable; all of it goes.
      tail = offset;
      return { spans: [{ start: 0, end: ringSize }], count: oldLive, next: offset };
    }
    throw new SpoolError(
      "Corrupt",
      `expected message ${expectedSeq} at ring offset ${at} while making room`,
      {
        path,
        seq: expectedSeq,
        offset: ringOffset + at,
        hint: "the pool's oldest frames are damaged; run `spool doctor` and recreate the pool",
      },
    );
  };

  for (const length of lengths) {
    if (length > ringSize) {
      throw new SpoolError(
        "Usage",
        `a message of ${length} bytes cannot fit a ring of ${ringSize} bytes`,
        {
          path,
          hint: "create a larger pool (--size) or send a smaller message",
        },
      );
    }
    const wraps = head + length > ringSize;
    const at = wraps ? 0 : head;
    const needed: Span[] = wraps
      ? [
          { start: head, end: ringSize },
          { start: 0, end: length },
        ]
      : [{ start: head, end: head + length }];
    // What eviction frees: the bytes needed, plus the reserve once evicting at all.
    const claimed: Span[] = needed.map((span) => ({ ...span }));

    let extended = false;
    while (oldLive > 0) {
      // Before the first eviction (`tail` is still the published one, a frame's offset): when
      // nothing claimed is where old frames live, nothing is evicted, and no probe is needed.
      // After an eviction, `tail` may point at a wrap marker; the probe moves it to the frame.
      if (oldest === state.oldest && !claimed.some((span) => overlapsLive(span, tail, state.head)))
        break;
      const unit = probeOldest(tail, oldest);
      if (!unit.spans.some((span) => overlaps(span.start, span.end - span.start, claimed))) break;
      if (!extended && reserve > 0) {
        // Evicting anyway: free `reserve` more bytes ahead for the appends that follow.
        extended = true;
        const last = claimed[claimed.length - 1] as Span;
        last.end = Math.min(ringSize, last.end + reserve);
      }
      oldLive -= unit.count;
      oldest += unit.count;
      tail = unit.next >= ringSize ? 0 : unit.next;
    }
    if (oldLive === 0) {
      for (const span of placed) {
        if (overlaps(span.start, span.end - span.start, needed)) {
          throw new SpoolError(
            "Usage",
            "the batch is too large for this pool: it would overwrite itself",
            {
              path,
              hint: "split the batch into smaller ones, or create a larger pool (--size)",
            },
          );
        }
      }
    }
    if (wraps && head < ringSize) wrapMarkers.push(head);
    placed.push({ start: at, end: at + length });
    head = at + length;
  }

  const first = placed[0];
  if (oldLive === 0 && first) tail = first.start;
  return {
    placements: placed.map((span) => span.start),
    wrapMarkers,
    evicted: oldest - state.oldest,
    head,
    tail,
    oldest,
    newest: state.newest + lengths.length,
  };
}
