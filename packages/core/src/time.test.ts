/**
 * Time tests: nanosecond RFC 3339 rendering and exact parsing with offsets.
 */
import { describe, expect, it } from "vitest";
import { formatTime, now, parseTime } from "./time.js";

describe("time", () => {
  it("renders UTC with nine fractional digits", () => {
    expect(formatTime(0, 5)).toBe("1970-01-01T00:00:00.000000005Z");
    expect(formatTime(1_795_000_000, 123_456_789)).toBe("2026-11-18T11:06:40.123456789Z");
  });

  it("parses RFC 3339 exactly, with offsets, and rejects other text", () => {
    expect(parseTime("2026-11-18T11:06:40.123456789Z")).toEqual({
      sec: 1_795_000_000,
      nanos: 123_456_789,
    });
    expect(parseTime("2026-11-18T13:06:40.5+02:00")).toEqual({
      sec: 1_795_000_000,
      nanos: 500_000_000,
    });
    for (const bad of [
      "2026-13-01T00:00:00Z",
      "2026-02-30T00:00:00Z",
      "yesterday",
      "2026-11-18 08:26:40",
    ]) {
      expect(parseTime(bad), bad).toBeUndefined();
    }
  });

  it("reads the clock with nanoseconds in range", () => {
    const t = now();
    expect(t.nanos).toBeGreaterThanOrEqual(0);
    expect(t.nanos).toBeLessThan(1e9);
    expect(Math.abs(t.sec * 1000 - Date.now())).toBeLessThan(5000);
  });
});
