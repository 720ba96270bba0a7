// The native CRC-32 (native/crc32.c: PCLMULQDQ folding where the CPU has it, a table
// elsewhere) against node:zlib's crc32 and against the test oracle's own table: every length
// from 0 to 1 KiB and beyond, every start alignment, chained initial values, and range errors.
import { randomBytes } from "node:crypto";
import { crc32 as zlibCrc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { crc32Range } from "../src/format/bytes.js";
import { loadNative } from "../src/platform/native.js";
import { crc32 as oracleCrc32 } from "./helpers/corrupt-format.js";

const native = loadNative();

describe("the native CRC-32", () => {
  it("is built into the addon", () => {
    expect(typeof native.crc32).toBe("function");
  });

  it("equals zlib's for every length up to 1,100 bytes at every alignment", () => {
    const bytes = randomBytes(1200);
    const crc = native.crc32 as NonNullable<typeof native.crc32>;
    for (let len = 0; len <= 1100; len++) {
      for (const start of [0, 1, 3, 7, 8, 13]) {
        const want = zlibCrc32(bytes.subarray(start, start + Math.min(len, 1200 - start)));
        const end = start + Math.min(len, 1200 - start);
        if (crc(bytes, start, end, 0) !== want) {
          throw new Error(`crc32 differs from zlib at length ${len}, start ${start}`);
        }
      }
    }
  });

  it("equals zlib's for large buffers and chains through the initial value", () => {
    const crc = native.crc32 as NonNullable<typeof native.crc32>;
    for (const size of [4096, 65_536, 1_048_583]) {
      const bytes = randomBytes(size);
      expect(crc(bytes, 0, size, 0)).toBe(zlibCrc32(bytes));
      const cut = Math.floor(size / 3) + 5;
      const first = crc(bytes, 0, cut, 0);
      expect(crc(bytes, cut, size, first)).toBe(zlibCrc32(bytes));
      expect(crc(bytes, 0, size, 0xdeadbeef)).toBe(zlibCrc32(bytes, 0xdeadbeef));
    }
  });

  it("matches the oracle on frame-like data (zeros, repeated bytes, all ones)", () => {
    for (const fill of [0x00, 0x20, 0xff]) {
      for (const size of [0, 12, 60, 127, 128, 129, 1024, 5000]) {
        const bytes = Buffer.alloc(size, fill);
        expect(crc32Range(bytes, 0, size)).toBe(oracleCrc32(bytes));
      }
    }
  });

  it("refuses a range outside the buffer or arguments of the wrong type", () => {
    const crc = native.crc32 as NonNullable<typeof native.crc32>;
    const bytes = Buffer.alloc(16);
    expect(() => crc(bytes, 0, 17, 0)).toThrow(RangeError);
    expect(() => crc(bytes, 9, 8, 0)).toThrow(RangeError);
    expect(() => crc(bytes, -1, 8, 0)).toThrow(RangeError);
    expect(() => crc("text" as unknown as Uint8Array, 0, 1, 0)).toThrow(TypeError);
  });

  it("reads a view's bytes, not its backing buffer's", () => {
    const backing = randomBytes(256);
    const view = backing.subarray(100, 200);
    expect(crc32Range(view, 10, 90)).toBe(zlibCrc32(backing.subarray(110, 190)));
  });
});
