/**
 * Tail cursor rules without files: start positions and gap detection.
 */
import { describe, expect, it } from "vitest";
import { gapBefore, startSeq } from "./tail-cursor.js";

describe("tail cursor", () => {
  const bounds = { oldest: 11, newest: 20 };
  it("starts at since, at the last N (never before the oldest), or after the newest", () => {
    expect(startSeq({ since: 15 }, bounds)).toBe(15);
    expect(startSeq({ last: 3 }, bounds)).toBe(18);
    expect(startSeq({ last: 0 }, bounds)).toBe(21);
    expect(startSeq({ last: 100 }, bounds)).toBe(11);
    expect(startSeq({}, bounds)).toBe(21);
    expect(startSeq({}, { oldest: 1, newest: 0 })).toBe(1);
  });

  it("reports a gap exactly when the expected seq was overwritten", () => {
    expect(gapBefore(11, bounds)).toBeUndefined();
    expect(gapBefore(25, bounds)).toBeUndefined();
    expect(gapBefore(4, bounds)).toEqual({ from: 4, to: 10, count: 7 });
  });
});
