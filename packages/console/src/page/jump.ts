/**
 * What the jump box means: a seq (digits), an age before now (`90s`, `10m`, `2h`, `1d`,
 * `500ms`), or a time (RFC 3339 text, checked by the SDK and the server).
 *
 * Invariants: pure (the clock is a parameter); an age becomes an RFC 3339 UTC time; a seq is
 * at least 1; blank text means "back to the live end".
 */

export type JumpTarget = { live: true } | { seq: number } | { time: string };

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

export function parseJump(text: string, now: number): JumpTarget {
  const value = text.trim();
  if (value === "") return { live: true };
  if (/^\d+$/.test(value)) return { seq: Math.max(1, Number(value)) };
  const age = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(value);
  if (age) {
    const ms = Number(age[1]) * (UNIT_MS[age[2] as string] as number);
    return { time: new Date(now - ms).toISOString() };
  }
  return { time: value };
}
