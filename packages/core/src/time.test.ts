/**
 * Time tests: nanosecond RFC 3339 rendering, exact parsing with offsets, and the refusal of
 * impossible fields (with a reason per field, never a roll-over into a neighbouring time).
 */
import { describe, expect, it } from "vitest";
import { isSpoolError } from "./errors.js";
import { checkTime, formatTime, now, parseTime, requireTime } from "./time.js";

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

  it("refuses impossible fields, saying which one, instead of rolling them over", () => {
    const cases: [string, string][] = [
      ["2026-01-01T10:99:00Z", "minute 99 is out of range (00-59)"],
      ["2026-01-01T10:60:00Z", "minute 60 is out of range (00-59)"],
      ["2026-01-01T24:00:00Z", "hour 24 is out of range (00-23)"],
      ["2026-01-01T99:00:00Z", "hour 99 is out of range (00-23)"],
      ["2026-01-01T10:00:61Z", "second 61 is out of range (00-59)"],
      ["2026-01-01T10:00:99.5Z", "second 99 is out of range (00-59)"],
      [
        "2026-12-31T23:59:60Z",
        "second 60 is out of range (00-59): Spool times have no leap seconds",
      ],
      ["2026-04-31T00:00:00Z", "April has 30 days"],
      ["2026-06-31T00:00:00Z", "June has 30 days"],
      ["2026-09-31T00:00:00Z", "September has 30 days"],
      ["2026-11-31T00:00:00Z", "November has 30 days"],
      ["2026-01-32T00:00:00Z", "January has 31 days"],
      ["2026-02-29T00:00:00Z", "February 2026 has 28 days (2026 is not a leap year)"],
      ["1900-02-29T00:00:00Z", "February 1900 has 28 days (1900 is not a leap year)"],
      ["2028-02-30T00:00:00Z", "February 2028 has 29 days"],
      ["2026-01-00T00:00:00Z", "day 00 does not exist"],
      ["2026-00-10T00:00:00Z", "month 00 does not exist (01-12)"],
      ["2026-13-01T00:00:00Z", "month 13 does not exist (01-12)"],
      ["2026-01-01T10:00:00+99:99", "offset +99:99 is out of range (hours 00-23, minutes 00-59)"],
      ["2026-01-01T10:00:00+01:60", "offset +01:60 is out of range (hours 00-23, minutes 00-59)"],
      ["2026-01-01T10:00:00-24:00", "offset -24:00 is out of range (hours 00-23, minutes 00-59)"],
      ["2026-01-01", "not an RFC 3339 time with a time of day and an offset"],
      ["2026-01-01T10:00:00", "not an RFC 3339 time with a time of day and an offset"],
    ];
    for (const [text, reason] of cases) {
      expect(checkTime(text), text).toBe(reason);
      expect(parseTime(text), text).toBeUndefined();
    }
  });

  it("accepts the edges of every field", () => {
    const at = (text: string) => {
      const t = parseTime(text);
      return t && formatTime(t.sec, t.nanos);
    };
    expect(at("2028-02-29T23:59:59.999999999Z")).toBe("2028-02-29T23:59:59.999999999Z");
    expect(at("2000-02-29T00:00:00Z")).toBe("2000-02-29T00:00:00.000000000Z");
    expect(at("2026-04-30T00:00:00Z")).toBe("2026-04-30T00:00:00.000000000Z");
    expect(at("2026-12-31T23:59:59Z")).toBe("2026-12-31T23:59:59.000000000Z");
    expect(at("2026-01-01T00:00:00+23:59")).toBe("2025-12-31T00:01:00.000000000Z");
    expect(at("2026-01-01T00:00:00-23:59")).toBe("2026-01-01T23:59:00.000000000Z");
    expect(at("2026-01-01T00:00:00-00:00")).toBe("2026-01-01T00:00:00.000000000Z");
    expect(at("2026-01-01t00:00:00z")).toBe("2026-01-01T00:00:00.000000000Z");
    // Years below 100 are those years, not 1900 + year.
    expect(at("0050-03-01T00:00:00Z")).toBe("0050-03-01T00:00:00.000000000Z");
  });

  it("requireTime throws Usage naming the field, with the accepted forms as the hint", () => {
    expect(requireTime("2026-01-01T10:00:00+01:00", "--since")).toEqual({
      sec: Date.UTC(2026, 0, 1, 9) / 1000,
      nanos: 0,
    });
    try {
      requireTime("2026-01-01T10:99:00Z", "--since");
      expect.unreachable();
    } catch (error) {
      expect(isSpoolError(error) && error.kind).toBe("Usage");
      const e = error as Error & { hint?: string };
      expect(e.message).toBe(
        '--since "2026-01-01T10:99:00Z" is not a valid time: minute 99 is out of range (00-59)',
      );
      expect(e.hint).toContain("2026-11-22T10:15:30Z");
      expect(e.hint).toContain("+02:00");
    }
  });

  it("reads the clock with nanoseconds in range", () => {
    const t = now();
    expect(t.nanos).toBeGreaterThanOrEqual(0);
    expect(t.nanos).toBeLessThan(1e9);
    expect(Math.abs(t.sec * 1000 - Date.now())).toBeLessThan(5000);
  });
});

describe("times or ages (CLI --since, HTTP since_time)", () => {
  it("reads an age before now, or RFC 3339 text, else Usage", async () => {
    const { parseAge, requireTimeOrAge } = await import("./time.js");
    expect(parseAge("10m")).toBe(600_000);
    expect(parseAge("1.5s")).toBe(1500);
    expect(parseAge("10")).toBeUndefined();
    expect(requireTimeOrAge("2s", "since_time", 10_500)).toEqual({ sec: 8, nanos: 500_000_000 });
    expect(requireTimeOrAge("2026-11-18T11:06:40Z", "since_time")).toEqual({
      sec: 1_795_000_000,
      nanos: 0,
    });
    expect(() => requireTimeOrAge("yesterday", "since_time")).toThrow(
      /since_time must be an RFC 3339 time or an age/,
    );
    expect(() => requireTimeOrAge("2026-04-31T00:00:00Z", "since_time")).toThrow(
      /April has 30 days/,
    );
  });
});
