/**
 * Text helpers of the terminal views: sizes, rates, ages, and fitting text into a column.
 *
 * Invariants: pure; `cell` never returns more than `width` code points and never breaks a
 * surrogate pair; control characters (line breaks, escapes) in message text are shown as
 * spaces so one message is always one screen line.
 */

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** 1536 → "1.5 KiB". */
export function bytesText(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value >= 100 ? 0 : 1)} ${UNITS[unit]}`;
}

/** Messages per second, short: "-", "0", "3.2", "1.2k". */
export function rateText(rate: number | undefined): string {
  if (rate === undefined) return "-";
  if (rate === 0) return "0";
  if (rate < 10) return rate.toFixed(1);
  if (rate < 10_000) return String(Math.round(rate));
  return `${(rate / 1000).toFixed(rate < 100_000 ? 1 : 0)}k`;
}

/** Replaces control characters by spaces (one message, one line). */
export function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, " ");
}

/** `text` cut (with "…") or padded to exactly `width` code points; `right` pads on the left. */
export function cell(text: string, width: number, right = false): string {
  if (width <= 0) return "";
  const chars = Array.from(text);
  if (chars.length > width) return `${chars.slice(0, Math.max(0, width - 1)).join("")}…`;
  const pad = " ".repeat(width - chars.length);
  return right ? pad + text : text + pad;
}

/** The time of day of an RFC 3339 UTC time, to the millisecond: "10:15:30.123". */
export function clockText(time: string): string {
  const m = /T(\d{2}:\d{2}:\d{2})(\.\d{1,3})?/.exec(time);
  if (!m) return time;
  return `${m[1]}${(m[2] ?? ".").padEnd(4, "0")}`;
}
