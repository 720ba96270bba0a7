/**
 * Little-endian integer helpers for the pool format.
 *
 * Invariant: every u64 in the format is read as a JS number and is only valid up to
 * Number.MAX_SAFE_INTEGER; larger values are reported as NaN so callers treat them as corrupt.
 */
import { crc32 as zlibCrc32 } from "node:zlib";
import { loadNative } from "../platform/native.js";

const TWO_32 = 2 ** 32;

export function readU64(buf: Uint8Array, offset: number): number {
  const view = buf as Buffer;
  const lo = view.readUInt32LE(offset);
  const hi = view.readUInt32LE(offset + 4);
  if (hi > 0x1fffff) return Number.NaN;
  return hi * TWO_32 + lo;
}

export function writeU64(buf: Uint8Array, offset: number, value: number): void {
  const view = buf as Buffer;
  view.writeUInt32LE((value % TWO_32) >>> 0, offset);
  view.writeUInt32LE(Math.floor(value / TWO_32) >>> 0, offset + 4);
}

/** CRC-32 (IEEE) of `bytes`, continuing from `initial`. */
export function crc32(bytes: Uint8Array, initial = 0): number {
  return zlibCrc32(bytes, initial);
}

/** The CRC-32 of `buf[start, end)`, as `crc32` computes it. */
type RangeCrc = (buf: Uint8Array, start: number, end: number) => number;

let rangeCrc: RangeCrc | undefined;

/**
 * The checksum of every frame, state slot and ledger record: the native addon's CRC-32
 * (hardware folding where the CPU has it; ~70 ns for a 1 KB frame against ~390 ns through
 * node:zlib, most of which is the call), else node:zlib's, which gives the same value. The
 * addon is the one every pool operation loads anyway; an older build without `crc32` or no
 * addon at all falls back.
 */
function chooseRangeCrc(): RangeCrc {
  try {
    const addon = loadNative();
    if (typeof addon.crc32 === "function") {
      const native = addon.crc32;
      return (buf, start, end) => native(buf, start, end, 0);
    }
  } catch {
    // No addon here: node:zlib gives the same checksum.
  }
  return (buf, start, end) => zlibCrc32(buf.subarray(start, end));
}

/** The CRC-32 of `buf[start, end)` (zlib's crc32 of that range), through the fastest path here. */
export function crc32Range(buf: Uint8Array, start: number, end: number): number {
  rangeCrc ??= chooseRangeCrc();
  return rangeCrc(buf, start, end);
}

/** Rounds `n` up to a multiple of 8 (exact for any safe integer, unlike 32-bit bit masks). */
export function align8(n: number): number {
  const rest = n % 8;
  return rest === 0 ? n : n + 8 - rest;
}

/** Rounds `n` up to a multiple of `unit` (a power of two or any positive integer). */
export function alignUp(n: number, unit: number): number {
  return Math.ceil(n / unit) * unit;
}

/** Four ASCII characters as the little-endian u32 whose bytes spell them. */
export function fourcc(text: string): number {
  return Buffer.from(text, "latin1").readUInt32LE(0);
}
