/**
 * Codec for frames in the ring: a 48-byte frame header, the payload, zero padding to 8 bytes,
 * and an 8-byte commit marker. Pure functions over bytes; no I/O.
 *
 * The payload is the tail of the message's JSONL envelope, so output can splice it in one copy:
 *   <tags JSON array> `},"data":` <data JSON> `}\n`
 * Invariants: a frame is valid only if its magic, state (Committed), expected seq, length
 * redundancy check, commit marker and CRC all agree; the CRC covers the seq, time and lengths as
 * well as the payload (one contiguous range), so a frame torn by a concurrent overwrite or a
 * crash never validates.
 */
import { align8, crc32Range, fourcc, readU64, writeU64 } from "./bytes.js";

export const FRAME_MAGIC = fourcc("SPFR");
export const MARKER_MAGIC = fourcc("SPCM");
export const STATE_WRITING = fourcc("WRIT");
export const STATE_COMMITTED = fourcc("CMTD");
export const STATE_WRAP = fourcc("WRAP");
export const FRAME_HEADER_SIZE = 48;
/** Latest commit time a frame may carry: 9999-12-31T23:59:59Z (RFC 3339 has four-digit years). */
export const MAX_TIME_SEC = 253_402_300_799;
export const MARKER_SIZE = 8;
export const WRAP_MARKER_SIZE = 8;
/** Offset of the state word inside a frame. */
export const STATE_OFFSET = 4;

/** The bytes between tags and data in the payload. */
export const DATA_SEPARATOR = Buffer.from('},"data":', "latin1");
/** The bytes after data in the payload. */
export const PAYLOAD_SUFFIX = Buffer.from("}\n", "latin1");
/** Payload bytes besides tags and data. */
export const PAYLOAD_OVERHEAD = DATA_SEPARATOR.length + PAYLOAD_SUFFIX.length;
/** Start of the CRC-covered range inside a frame. */
const CRC_FROM = 12;

/** Payload length of a frame with the given tags and data lengths. */
export function payloadLength(tagsLen: number, dataLen: number): number {
  return tagsLen + dataLen + PAYLOAD_OVERHEAD;
}

/** Total aligned length of a frame with `tagsLen` + `dataLen` payload bytes. */
export function frameLength(tagsLen: number, dataLen: number): number {
  return align8(FRAME_HEADER_SIZE + payloadLength(tagsLen, dataLen)) + MARKER_SIZE;
}

/** Offset of the data bytes relative to the frame start. */
export function dataOffset(tagsLen: number): number {
  return FRAME_HEADER_SIZE + tagsLen + DATA_SEPARATOR.length;
}

/** The redundancy word stored next to the lengths. */
export function lengthCheck(tagsLen: number, dataLen: number): number {
  return (dataLen ^ (((tagsLen << 16) | (tagsLen >>> 16)) >>> 0) ^ 0xa5a5a5a5) >>> 0;
}

/** Fields the writer fills in under the lock. */
export interface FrameStamp {
  seq: number;
  timeSec: number;
  timeNanos: number;
}

/**
 * Completes a frame whose payload already sits at `buf[at + 48 ..]`: writes the header, the
 * padding, the marker and the CRC. The state word is not covered by the CRC, so a writer that
 * uses the two-step protocol may seal with Writing and flip the word to Committed later.
 */
export function sealFrame(
  buf: Buffer,
  at: number,
  tagsLen: number,
  dataLen: number,
  stamp: FrameStamp,
  state: number = STATE_COMMITTED,
): number {
  const len = frameLength(tagsLen, dataLen);
  buf.writeUInt32LE(FRAME_MAGIC, at);
  buf.writeUInt32LE(state, at + 4);
  buf.writeUInt32LE(lengthCheck(tagsLen, dataLen), at + 12);
  writeU64(buf, at + 16, stamp.seq);
  writeU64(buf, at + 24, stamp.timeSec);
  buf.writeUInt32LE(stamp.timeNanos, at + 32);
  buf.writeUInt32LE(tagsLen, at + 36);
  buf.writeUInt32LE(dataLen, at + 40);
  buf.writeUInt32LE(0, at + 44);
  const payloadEnd = at + FRAME_HEADER_SIZE + payloadLength(tagsLen, dataLen);
  const markerAt = at + len - MARKER_SIZE;
  buf.fill(0, payloadEnd, markerAt);
  buf.writeUInt32LE(MARKER_MAGIC, markerAt);
  buf.writeUInt32LE((stamp.seq % 2 ** 32) >>> 0, markerAt + 4);
  buf.writeUInt32LE(crc32Range(buf, at + CRC_FROM, payloadEnd), at + 8);
  return len;
}

/** Writes a wrap marker (the rest of the ring is unused; continue at offset 0). */
export function encodeWrapMarker(buf: Buffer, at: number): void {
  buf.writeUInt32LE(FRAME_MAGIC, at);
  buf.writeUInt32LE(STATE_WRAP, at + 4);
}

/** What a frame header says, before its payload is checked. */
export interface FrameHead {
  seq: number;
  timeSec: number;
  timeNanos: number;
  tagsLen: number;
  dataLen: number;
  /** Total aligned length. */
  length: number;
  state: number;
}

/** Why a frame failed to validate. */
export type FrameProblem =
  | "magic"
  | "state"
  | "seq"
  | "lengths"
  | "bounds"
  | "marker"
  | "checksum"
  | "time";

/** Reads a frame header at `buf[at..]`. Returns a problem when the header alone is bad. */
export function readFrameHead(buf: Buffer, at: number): FrameHead | "magic" | "lengths" | "wrap" {
  if (buf.readUInt32LE(at) !== FRAME_MAGIC) return "magic";
  const state = buf.readUInt32LE(at + 4);
  if (state === STATE_WRAP) return "wrap";
  const tagsLen = buf.readUInt32LE(at + 36);
  const dataLen = buf.readUInt32LE(at + 40);
  if (buf.readUInt32LE(at + 12) !== lengthCheck(tagsLen, dataLen)) return "lengths";
  return {
    seq: readU64(buf, at + 16),
    timeSec: readU64(buf, at + 24),
    timeNanos: buf.readUInt32LE(at + 32),
    tagsLen,
    dataLen,
    length: frameLength(tagsLen, dataLen),
    state,
  };
}

/**
 * Checks a whole frame at `buf[at..]` (which must hold `head.length` bytes) against the
 * expected seq. Returns undefined when valid, else the problem.
 */
export function checkFrame(
  buf: Buffer,
  at: number,
  head: FrameHead,
  expectedSeq: number | undefined,
): FrameProblem | undefined {
  if (head.state !== STATE_COMMITTED) return "state";
  if (expectedSeq !== undefined && head.seq !== expectedSeq) return "seq";
  if (head.timeNanos >= 1e9 || !(head.timeSec <= MAX_TIME_SEC) || Number.isNaN(head.seq))
    return "time";
  const markerAt = at + head.length - MARKER_SIZE;
  if (buf.readUInt32LE(markerAt) !== MARKER_MAGIC) return "marker";
  if (buf.readUInt32LE(markerAt + 4) !== (head.seq % 2 ** 32) >>> 0) return "marker";
  const payloadEnd = at + FRAME_HEADER_SIZE + payloadLength(head.tagsLen, head.dataLen);
  if (crc32Range(buf, at + CRC_FROM, payloadEnd) !== buf.readUInt32LE(at + 8)) return "checksum";
  return undefined;
}
