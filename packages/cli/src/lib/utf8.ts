/**
 * Strict streaming UTF-8 decoding for `feed`: input bytes become text the way node decodes them,
 * except that every byte which is not part of a well-formed UTF-8 sequence becomes
 * `INVALID_UTF8_MARK` (a lone surrogate) instead of U+FFFD, so a record holding one can be refused
 * while a real U+FFFD in the input is kept as it is.
 *
 * Invariants: the marker cannot come from well-formed UTF-8 (UTF-8 cannot encode surrogates), so
 * a record contains it only if its input bytes were invalid; a sequence split across chunks is
 * decoded intact; an incomplete sequence at the end of the input is invalid. Valid input takes a
 * fast path (one native validity check per chunk).
 */
import { isUtf8 } from "node:buffer";

/** Stands in for each invalid input byte in decoded text. */
export const INVALID_UTF8_MARK = "\uD800";

/** Length of the well-formed sequence starting at `buf[i]`, or 0 if it is not one (or incomplete). */
function sequenceLength(buf: Uint8Array, i: number): number {
  const b0 = buf[i] as number;
  if (b0 < 0x80) return 1;
  let length: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (b0 >= 0xc2 && b0 <= 0xdf) length = 2;
  else if (b0 >= 0xe0 && b0 <= 0xef) {
    length = 3;
    if (b0 === 0xe0) lo = 0xa0; // no overlong forms
    if (b0 === 0xed) hi = 0x9f; // no surrogates
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    length = 4;
    if (b0 === 0xf0) lo = 0x90; // no overlong forms
    if (b0 === 0xf4) hi = 0x8f; // nothing above U+10FFFF
  } else return 0;
  if (i + length > buf.length) return 0;
  const b1 = buf[i + 1] as number;
  if (b1 < lo || b1 > hi) return 0;
  for (let k = 2; k < length; k++) {
    const b = buf[i + k] as number;
    if (b < 0x80 || b > 0xbf) return 0;
  }
  return length;
}

/** Where a sequence that the end of `buf` cuts short begins (`buf.length` if none does). */
function incompleteTailStart(buf: Buffer): number {
  for (let back = 1; back <= 3 && back <= buf.length; back++) {
    const b = buf[buf.length - back] as number;
    if (b < 0x80) return buf.length; // ASCII: nothing open
    if (b < 0xc0) continue; // a continuation byte: look further back
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
    return back < need ? buf.length - back : buf.length;
  }
  return buf.length;
}

/** Decodes `buf` completely, marking every invalid byte. */
function decodeMarked(buf: Buffer): string {
  let out = "";
  let runStart = 0;
  let i = 0;
  while (i < buf.length) {
    const length = sequenceLength(buf, i);
    if (length > 0) {
      i += length;
      continue;
    }
    out += buf.toString("utf8", runStart, i) + INVALID_UTF8_MARK;
    i++;
    runStart = i;
  }
  return out + buf.toString("utf8", runStart, i);
}

/** A streaming decoder: `write` each chunk, then `end`; `sawInvalid` tells whether any marker was produced. */
export class StrictUtf8Decoder {
  #carry: Buffer | undefined;
  sawInvalid = false;

  write(chunk: Buffer): string {
    const buf = this.#carry ? Buffer.concat([this.#carry, chunk]) : chunk;
    const cut = incompleteTailStart(buf);
    this.#carry = cut < buf.length ? Buffer.from(buf.subarray(cut)) : undefined;
    const whole = cut < buf.length ? buf.subarray(0, cut) : buf;
    if (isUtf8(whole)) return whole.toString("utf8");
    this.sawInvalid = true;
    return decodeMarked(whole);
  }

  end(): string {
    const rest = this.#carry;
    this.#carry = undefined;
    if (!rest) return "";
    this.sawInvalid = true;
    return decodeMarked(rest); // incomplete at the end of the input: every byte is invalid
  }
}
