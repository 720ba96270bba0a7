/**
 * What the jump prompt means: a seq (digits), an age before now (`10m`, `2h`, `90s`, `1d`), an
 * RFC 3339 time, or nothing (back to the live end). Times and ages follow core's one rule
 * (`requireTimeOrAge`, the rule of `follow --since` and HTTP's `since_time`).
 *
 * Invariants: pure (the clock is a parameter); a seq is at least 1; an age or time becomes the
 * tail's `sinceTime` (the first message committed at or after it); bad text is an error message
 * for the status line, never a thrown exception.
 */
import { formatTime, isSpoolError, requireTimeOrAge } from "@spool/core/shared";

export type JumpTarget = { live: true } | { since: number } | { sinceTime: string };

export function parseJump(
  text: string,
  nowMs: number,
): { ok: true; target: JumpTarget } | { ok: false; error: string } {
  const value = text.trim();
  if (value === "") return { ok: true, target: { live: true } };
  if (/^\d+$/.test(value)) {
    const seq = Number(value);
    if (!Number.isSafeInteger(seq) || seq < 1) {
      return { ok: false, error: `a seq is a whole number ≥ 1 (got ${value})` };
    }
    return { ok: true, target: { since: seq } };
  }
  try {
    const at = requireTimeOrAge(value, "jump", nowMs);
    return { ok: true, target: { sinceTime: formatTime(at.sec, at.nanos) } };
  } catch (error) {
    return { ok: false, error: isSpoolError(error) ? error.message : String(error) };
  }
}

/** The target as the status line names it. */
export function jumpText(target: JumpTarget): string {
  if ("live" in target) return "live";
  if ("since" in target) return `from #${target.since}`;
  return `from ${target.sinceTime}`;
}
