/**
 * An independent reading of a pool file's bytes (written for the corruption suite from the
 * format description, not by calling core's codecs): the layout, both state slots, every live
 * frame with the bytes a reader checks, live wrap markers, and the ring bytes no reader may
 * depend on. The suite uses it to aim damage at regions and to predict what a reader must do.
 *
 * Layout of the file: a 4 KiB header (static block [0, 64) with a CRC at 60; state slots at 64
 * and 128, 64 bytes each with a CRC at +60), the index of 16-byte slots at 4096, then the ring.
 * A frame: "SPFR", state ("CMTD" | "WRIT" | "WRAP"), crc32 at +8 over [12, payload end), length
 * check, seq u64, time u64 + u32 nanos, tags_len, data_len, reserved; payload; zero padding to 8;
 * an 8-byte commit marker "SPCM" + low 32 bits of seq.
 */

export const HEADER_BYTES = 4096;
export const STATIC_BLOCK: Range = { start: 0, end: 64 };
export const SLOT_A = 64;
export const SLOT_B = 128;
export const SLOT_BYTES = 64;
/** Header bytes a reader never looks at. */
/** The ledger descriptor (format §15.1): damage there refuses producers, not messages. */
export const LEDGER_DESCRIPTOR: Range = { start: 192, end: 256 };
export const UNUSED_HEADER: Range = { start: 256, end: HEADER_BYTES };

const FRAME_HEAD = 48;
const MARKER = 8;
const SEPARATOR = 9; // `},"data":`
const SUFFIX = 2; // `}\n`

/** A half-open byte range [start, end) of the file. */
export interface Range {
  start: number;
  end: number;
}

export interface OracleLayout {
  fileSize: number;
  indexOffset: number;
  indexCapacity: number;
  ringOffset: number;
  ringSize: number;
}

export interface OracleSlot {
  offset: number;
  generation: number;
  head: number;
  tail: number;
  oldest: number;
  newest: number;
}

export interface OracleFrame {
  seq: number;
  /** File offset of the frame. */
  offset: number;
  length: number;
  /** The bytes a reader validates: header + payload, and the commit marker (not the padding). */
  checked: Range[];
}

export interface OracleView {
  layout: OracleLayout;
  /** Slot at 64 and slot at 128 (undefined when the slot does not hold a valid state). */
  slots: [OracleSlot | undefined, OracleSlot | undefined];
  /** File offset of the slot holding the current (highest-generation valid) state. */
  currentSlot: number;
  /** File offset of the other slot. */
  otherSlot: number;
  current: OracleSlot;
  frames: OracleFrame[];
  /** Wrap markers a reader walks over (8 bytes each), with the seq of the frame after each. */
  liveMarkers: { offset: number; nextSeq: number }[];
  /** Ring bytes outside every checked frame byte and live marker: free space and padding. */
  dead: Range[];
}

/** CRC-32 (IEEE), bitwise: deliberately not zlib's, so the oracle shares no code with core. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function u64(buf: Buffer, at: number): number {
  return buf.readUInt32LE(at + 4) * 2 ** 32 + buf.readUInt32LE(at);
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

function readSlot(buf: Buffer, offset: number): OracleSlot | undefined {
  if (crc32(buf.subarray(offset, offset + 60)) !== buf.readUInt32LE(offset + 60)) return undefined;
  return {
    offset,
    generation: u64(buf, offset),
    head: u64(buf, offset + 8),
    tail: u64(buf, offset + 16),
    oldest: u64(buf, offset + 24),
    newest: u64(buf, offset + 32),
  };
}

/** Reads an undamaged pool file; throws if the bytes do not describe a consistent pool. */
export function describePool(buf: Buffer): OracleView {
  if (buf.toString("latin1", 0, 8) !== "SPOOLPL\0") throw new Error("oracle: bad magic");
  if (crc32(buf.subarray(0, 60)) !== buf.readUInt32LE(60)) throw new Error("oracle: header CRC");
  const layout: OracleLayout = {
    fileSize: u64(buf, 16),
    indexOffset: u64(buf, 24),
    indexCapacity: buf.readUInt32LE(32),
    ringOffset: u64(buf, 40),
    ringSize: u64(buf, 48),
  };
  if (layout.fileSize !== buf.length) throw new Error("oracle: file size");
  const slots: [OracleSlot | undefined, OracleSlot | undefined] = [
    readSlot(buf, SLOT_A),
    readSlot(buf, SLOT_B),
  ];
  const [a, b] = slots;
  const current = a && b ? (a.generation >= b.generation ? a : b) : (a ?? b);
  if (!current) throw new Error("oracle: no valid state slot");
  const frames: OracleFrame[] = [];
  const liveMarkers: { offset: number; nextSeq: number }[] = [];
  const { ringOffset, ringSize } = layout;
  let pos = current.tail;
  for (let seq = current.oldest; seq <= current.newest; seq++) {
    // A reader never decodes the last < 48 bytes of the ring (no frame fits there; a wrap
    // marker there is not checked): it continues at 0, so those bytes are dead.
    if (ringSize - pos < FRAME_HEAD) pos = 0;
    let at = ringOffset + pos;
    if (
      buf.toString("latin1", at, at + 4) === "SPFR" &&
      buf.toString("latin1", at + 4, at + 8) === "WRAP"
    ) {
      liveMarkers.push({ offset: at, nextSeq: seq });
      pos = 0;
      at = ringOffset;
    }
    if (
      buf.toString("latin1", at, at + 4) !== "SPFR" ||
      buf.toString("latin1", at + 4, at + 8) !== "CMTD"
    ) {
      throw new Error(`oracle: no committed frame for seq ${seq} at ring offset ${pos}`);
    }
    const found = u64(buf, at + 16);
    if (found !== seq) throw new Error(`oracle: seq ${found} where ${seq} was expected`);
    const payloadLen = buf.readUInt32LE(at + 36) + buf.readUInt32LE(at + 40) + SEPARATOR + SUFFIX;
    const length = align8(FRAME_HEAD + payloadLen) + MARKER;
    if (crc32(buf.subarray(at + 12, at + FRAME_HEAD + payloadLen)) !== buf.readUInt32LE(at + 8)) {
      throw new Error(`oracle: CRC of seq ${seq}`);
    }
    frames.push({
      seq,
      offset: at,
      length,
      checked: [
        { start: at, end: at + FRAME_HEAD + payloadLen },
        { start: at + length - MARKER, end: at + length },
      ],
    });
    pos += length;
  }
  const live: Range[] = [
    ...frames.flatMap((f) => f.checked),
    ...liveMarkers.map((m) => ({ start: m.offset, end: m.offset + MARKER })),
  ];
  live.sort((x, y) => x.start - y.start);
  const dead: Range[] = [];
  let cursor = ringOffset;
  for (const range of live) {
    if (range.start > cursor) dead.push({ start: cursor, end: range.start });
    cursor = Math.max(cursor, range.end);
  }
  if (cursor < ringOffset + ringSize) dead.push({ start: cursor, end: ringOffset + ringSize });
  const currentSlot = current.offset;
  return {
    layout,
    slots,
    currentSlot,
    otherSlot: currentSlot === SLOT_A ? SLOT_B : SLOT_A,
    current,
    frames,
    liveMarkers,
    dead,
  };
}

/** Total bytes of `ranges`. */
export function rangeBytes(ranges: readonly Range[]): number {
  return ranges.reduce((sum, r) => sum + (r.end - r.start), 0);
}

/** The `index`-th byte of the concatenation of `ranges`, as a file offset. */
export function byteAt(ranges: readonly Range[], index: number): number {
  let rest = index;
  for (const r of ranges) {
    const size = r.end - r.start;
    if (rest < size) return r.start + rest;
    rest -= size;
  }
  throw new Error("byteAt: index past the ranges");
}

/** True when some byte offset of `offsets` lies in one of `ranges`. */
export function touches(offsets: readonly number[], ranges: readonly Range[]): boolean {
  return offsets.some((o) => ranges.some((r) => o >= r.start && o < r.end));
}
