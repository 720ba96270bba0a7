/**
 * Header codec tests without files: layout round trip and its checks, and the double-buffered
 * state: the newest valid slot wins, a torn slot falls back to the other, none valid → undefined.
 */
import { describe, expect, it } from "vitest";
import { computeLayout } from "../engine/layout.js";
import { isSpoolError } from "../errors.js";
import {
  decodeLayout,
  decodeState,
  emptyState,
  encodeLayout,
  encodeState,
  HEADER_SIZE,
  slotFor,
} from "./header.js";

describe("pool header", () => {
  const layout = computeLayout(1024 * 1024);

  it("round-trips the layout and rejects damage with Corrupt", () => {
    const buf = Buffer.alloc(HEADER_SIZE);
    encodeLayout(buf, layout);
    expect(decodeLayout(buf, "p", layout.fileSize)).toEqual(layout);
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
