/**
 * Header codec tests without files: layout round trip and its checks, and the double-buffered
 * state: the newest valid slot wins, a torn slot falls back to the other, none valid → undefined.
 */
import { describe, expect, it } from "vitest";
import { computeLayout } from "../engine/layout.js";
import { isSpoolError } from "../errors.js";
import { crc32 } from "./bytes.js";
import {
  decodeLayout,
  decodeState,
  emptyState,
  encodeLayout,
  encodeState,
  HEADER_SIZE,
  MAX_INDEX_STRIDE,
  slotFor,
} from "./header.js";

describe("pool header", () => {
  const layout = computeLayout(1024 * 1024);

  it("round-trips the layout and rejects damage with Corrupt", () => {
    const buf = Buffer.alloc(HEADER_SIZE);
    encodeLayout(buf, layout);
    // The static block holds everything but the ledger, which has its own descriptor.
    expect({ ...decodeLayout(buf, "p", layout.fileSize), ledger: layout.ledger }).toEqual(layout);
    for (const offset of [0, 9, 20, 33, 50, 61]) {
      const bad = Buffer.from(buf);
      bad[offset] = (bad[offset] as number) ^ 0x10;
      expect(() => decodeLayout(bad, "p", layout.fileSize)).toThrow(
        expect.objectContaining({ kind: "Corrupt" }),
      );
    }
    try {
      decodeLayout(buf, "p", layout.fileSize - 1);
      expect.unreachable();
    } catch (error) {
      expect(isSpoolError(error, "Corrupt")).toBe(true);
      expect((error as Error).message).toMatch(/truncated/);
    }
  });

  it("reads an index stride of 0 (reserved bytes before the field existed) as 1", () => {
    const buf = Buffer.alloc(HEADER_SIZE);
    encodeLayout(buf, { ...layout, indexStride: 5 });
    buf.writeUInt32LE(0, 56);
    buf.writeUInt32LE(crc32(buf.subarray(0, 60)), 60);
    expect(decodeLayout(buf, "p", layout.fileSize).indexStride).toBe(1);
    buf.writeUInt32LE(MAX_INDEX_STRIDE + 1, 56);
    buf.writeUInt32LE(crc32(buf.subarray(0, 60)), 60);
    expect(() => decodeLayout(buf, "p", layout.fileSize)).toThrow(/layout is inconsistent/);
  });

  it("matches the worked example of spec/format/v0 (16K pool header, bytes 0-63)", () => {
    const example =
      "53504f4f4c504c000000000000100000" +
      "00400000000000000010000000000000" +
      "40000000100000000020000000000000" +
      "002000000000000001000000f5cdf0ad";
    const buf = Buffer.alloc(HEADER_SIZE);
    encodeLayout(buf, computeLayout(16 * 1024));
    expect(buf.subarray(0, 64).toString("hex")).toBe(example);
  });

  it("picks the valid state slot with the highest generation", () => {
    const buf = Buffer.alloc(HEADER_SIZE);
    const first = { ...emptyState(), generation: 7, newest: 10, oldest: 1, head: 800 };
    const second = { ...first, generation: 8, newest: 11, head: 880 };
    encodeState(buf, slotFor(7), first);
    encodeState(buf, slotFor(8), second);
    expect(decodeState(buf, layout.ringSize)).toEqual(second);
    buf[slotFor(8) + 9] = (buf[slotFor(8) + 9] as number) ^ 1; // tear the newer slot
    expect(decodeState(buf, layout.ringSize)).toEqual(first);
    buf[slotFor(7) + 9] = (buf[slotFor(7) + 9] as number) ^ 1;
    expect(decodeState(buf, layout.ringSize)).toBeUndefined();
  });

  it("rejects a state whose bounds make no sense", () => {
    const buf = Buffer.alloc(HEADER_SIZE);
    encodeState(buf, slotFor(3), { ...emptyState(), generation: 3, oldest: 5, newest: 2 });
    expect(decodeState(buf, layout.ringSize)).toBeUndefined();
  });
});
