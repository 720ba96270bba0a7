/**
 * Commit times: a clock with nanosecond fields and RFC 3339 rendering and parsing.
 *
 * Invariants: rendered times are UTC with exactly nine fractional digits
 * (`2026-11-22T10:15:30.123456789Z`); `parseTime` accepts any RFC 3339 offset and returns
 * seconds + nanoseconds exactly (no float rounding of the fraction); it refuses impossible
 * fields (month 13, April 31, Feb 29 of a common year, hour 24, minute 60, second 60 (no leap
 * seconds), offsets past ±23:59), never rolling them over into a neighbouring time.
 */

import { SpoolError } from "./errors.js";

/** A point in time as whole seconds since the epoch and nanoseconds within the second. */
export interface Instant {
  sec: number;
  nanos: number;
}

/**
 * Now, from the wall clock (so clock adjustments are seen), with the sub-millisecond digits of
 * the monotonic clock. Not monotonic by itself: writers clamp times so a pool's never go back.
 */
export function now(): Instant {
  const ms = Date.now();
  const sec = Math.floor(ms / 1000);
  const subMs = Math.floor((performance.now() % 1) * 1e6);
  return { sec, nanos: (ms - sec * 1000) * 1e6 + subMs };
}

/** `a` compared with `b`: negative, zero or positive. */
export function compareInstants(a: Instant, b: Instant): number {
  return a.sec - b.sec || a.nanos - b.nanos;
}

let cachedSec = -1;
let cachedPrefix = "";

/** RFC 3339 UTC text with nanoseconds. */
export function formatTime(sec: number, nanos: number): string {
  if (sec !== cachedSec) {
    cachedSec = sec;
    cachedPrefix = new Date(sec * 1000).toISOString().slice(0, 19);
  }
  return `${cachedPrefix}.${String(nanos).padStart(9, "0")}Z`;
}

/** The accepted forms, for hints. */
const TIME_FORMS =
  "YYYY-MM-DDTHH:MM:SS[.fraction] then Z or ±HH:MM, e.g. 2026-11-22T10:15:30Z, " +
  "2026-11-22T10:15:30.123456789Z or 2026-11-22T12:15:30+02:00";

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9})\d*)?([Zz]|[+-]\d{2}:\d{2})$/;

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** A field outside `0..max` (two digits), as a reason; undefined when in range. */
function outOfRange(name: string, value: number, max: number): string | undefined {
  const pad = (n: number) => String(n).padStart(2, "0");
  return value > max ? `${name} ${pad(value)} is out of range (00-${pad(max)})` : undefined;
}

/**
 * Checks RFC 3339 text field by field: the instant, or why the text is not a time Spool accepts.
 * Leap seconds (`:60`) are refused: Spool's clock counts POSIX seconds, which have none.
 *
 * @example
 * checkTime("2026-11-22T10:15:30Z")  // { sec: 1795342530, nanos: 0 }
 * checkTime("2026-02-29T00:00:00Z")  // "February 2026 has 28 days (2026 is not a leap year)"
 */
export function checkTime(text: string): Instant | string {
  const m = RFC3339.exec(text);
  if (!m) return "not an RFC 3339 time with a time of day and an offset";
  const [, y, mo, d, , , , frac, zone] = m as unknown as string[];
  const field = (i: number): number => Number(m[i]);
  const [year, month, day] = [field(1), field(2), field(3)];
  const [hour, minute, second] = [field(4), field(5), field(6)];
  if (month < 1 || month > 12) return `month ${mo} does not exist (01-12)`;
  const days = daysInMonth(year, month);
  if (day < 1 || day > days) {
    if (day < 1) return `day ${d} does not exist`;
    const name = MONTHS[month - 1] as string;
    return month === 2
      ? `February ${y} has ${days} days${days === 28 ? ` (${y} is not a leap year)` : ""}`
      : `${name} has ${days} days`;
  }
  const reason =
    outOfRange("hour", hour, 23) ??
    outOfRange("minute", minute, 59) ??
    (second === 60
      ? "second 60 is out of range (00-59): Spool times have no leap seconds"
      : outOfRange("second", second, 59));
  if (reason) return reason;
  let offsetSec = 0;
  if (zone !== "Z" && zone !== "z") {
    const zoneText = zone as string;
    const offHours = Number(zoneText.slice(1, 3));
    const offMinutes = Number(zoneText.slice(4, 6));
    if (offHours > 23 || offMinutes > 59) {
      return `offset ${zoneText} is out of range (hours 00-23, minutes 00-59)`;
    }
    offsetSec = (zoneText.startsWith("-") ? -1 : 1) * (offHours * 3600 + offMinutes * 60);
  }
  // setUTCFullYear, unlike Date.UTC, keeps years 0-99 as they are (not 1900-1999).
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return { sec: date.getTime() / 1000 - offsetSec, nanos: Number((frac ?? "").padEnd(9, "0")) };
}

/**
 * Parses RFC 3339 text; undefined when it is not a valid time (see `checkTime` for the rules and
 * `requireTime` for an error that says why).
 *
 * @example
 * parseTime("2026-11-22T12:15:30.5+02:00") // { sec: 1795342530, nanos: 500000000 }
 * parseTime("2026-01-01T10:99:00Z")        // undefined
 */
export function parseTime(text: string): Instant | undefined {
  const result = checkTime(text);
  return typeof result === "string" ? undefined : result;
}

/**
 * Parses RFC 3339 text given as `what` (a flag or field name), or throws a Usage SpoolError that
 * says which field is wrong, with the accepted forms as the hint.
 *
 * @example
 * requireTime("2026-04-31T00:00:00Z", "--since")
 * // throws Usage: --since "2026-04-31T00:00:00Z" is not a valid time: April has 30 days
 */
export function requireTime(text: string, what: string): Instant {
  const result = checkTime(text);
  if (typeof result !== "string") return result;
  throw new SpoolError("Usage", `${what} ${JSON.stringify(text)} is not a valid time: ${result}`, {
    hint: `write ${TIME_FORMS}`,
  });
}

const AGE_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const AGE = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/;

/** An age such as `10m`, `1.5h`, `500ms` or `2d` in milliseconds (a unit is required), else undefined. */
export function parseAge(text: string): number | undefined {
  const m = AGE.exec(text);
  return m ? Math.round(Number(m[1]) * (AGE_UNITS[m[2] as string] as number)) : undefined;
}

/**
 * An instant given as RFC 3339 text or as an age before `nowMs` (`10m` = ten minutes ago), the
 * one rule the CLI's `--since` and HTTP's `since_time` share; Usage naming `what` otherwise.
 *
 * @example
 * requireTimeOrAge("10m", "since_time") // { sec: <ten minutes ago>, nanos: … }
 */
export function requireTimeOrAge(text: string, what: string, nowMs = Date.now()): Instant {
  const age = parseAge(text);
  if (age !== undefined) {
    const ms = nowMs - age;
    const sec = Math.floor(ms / 1000);
    return { sec, nanos: Math.round((ms - sec * 1000) * 1e6) };
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) return requireTime(text, what);
  throw new SpoolError(
    "Usage",
    `${what} must be an RFC 3339 time or an age such as 10m (got ${JSON.stringify(text)})`,
    {
      hint: `write ${TIME_FORMS}, or an age: a number with a unit ms, s, m, h or d (10m = ten minutes ago)`,
    },
  );
}

/**
 * The instant of a time given as RFC 3339 text or a Date (a cursor reset's `time`, spec/api/v0
 * §3.11); Usage for anything else or an invalid Date.
 */
export function requireTimeInput(time: unknown, what = "time"): Instant {
  if (time instanceof Date) {
    const ms = time.getTime();
    if (!Number.isFinite(ms)) {
      throw new SpoolError("Usage", `${what} is an invalid Date`, {
        hint: 'pass a valid Date or RFC 3339 text, e.g. "2026-11-22T10:00:00Z"',
      });
    }
    const sec = Math.floor(ms / 1000);
    return { sec, nanos: (ms - sec * 1000) * 1_000_000 };
  }
  if (typeof time !== "string") {
    throw new SpoolError("Usage", `${what} must be RFC 3339 text or a Date`, {
      hint: 'e.g. "2026-11-22T10:00:00Z"',
    });
  }
  return requireTime(time, what);
}
