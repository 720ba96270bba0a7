/**
 * Commit times: a clock with nanosecond fields and RFC 3339 rendering and parsing.
 *
 * Invariants: rendered times are UTC with exactly nine fractional digits
 * (`2026-11-22T10:15:30.123456789Z`); `parseTime` accepts any RFC 3339 offset and returns
 * seconds + nanoseconds exactly (no float rounding of the fraction).
 */

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

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9})\d*)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Parses RFC 3339 text; undefined when it is not valid RFC 3339. */
export function parseTime(text: string): Instant | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m as unknown as string[];
  const base = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(base)) return undefined;
  const check = new Date(base);
  if (check.getUTCDate() !== Number(d) || check.getUTCMonth() !== Number(mo) - 1) return undefined;
  let offsetSec = 0;
  if (zone && zone !== "Z" && zone !== "z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    offsetSec = sign * (Number(zone.slice(1, 3)) * 3600 + Number(zone.slice(4, 6)) * 60);
  }
  return { sec: base / 1000 - offsetSec, nanos: Number((frac ?? "").padEnd(9, "0")) };
}
