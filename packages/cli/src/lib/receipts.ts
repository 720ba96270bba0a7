/**
 * Feed receipts: what was stored (seq, time, meta), never the data itself.
 *
 * Invariants: a JSON receipt is exactly `{"seq":N,"time":"…","meta":{"tags":[…]}}` on one line,
 * built without re-serialising the message; a producer's duplicate (stored before, not again)
 * is the same receipt for the original with `,"duplicate":true` before the closing brace, or
 * `{"seq":N|null,"duplicate":true}` when the pool no longer holds the original; a human receipt
 * is one line.
 */
import type { Appended, Message } from "@spool/core";
import { paint } from "./style.js";

/** A duplicate whose original the pool cannot show (no time, no tags; the seq when known). */
interface BareDuplicate {
  readonly seq: number | null;
  readonly duplicate: true;
}

function isBare(answer: Appended): answer is Appended & BareDuplicate {
  return typeof (answer as Partial<Message>).time !== "string";
}

/**
 * JSON receipt lines for `answers`; messages stored now all carry the tags whose JSON text is
 * `tagsJson` (a duplicate shows its original's tags).
 */
export function receiptLines(answers: readonly Appended[], tagsJson: string): string {
  let out = "";
  for (const m of answers) {
    if (isBare(m)) out += `{"seq":${m.seq ?? "null"},"duplicate":true}\n`;
    else if (m.duplicate)
      out += `{"seq":${m.seq},"time":"${m.time}","meta":{"tags":${JSON.stringify(m.tags)}},"duplicate":true}\n`;
    else out += `{"seq":${m.seq},"time":"${m.time}","meta":{"tags":${tagsJson}}}\n`;
  }
  return out;
}

/** One human receipt line. */
export function receiptText(color: boolean, m: Appended): string {
  if (isBare(m)) {
    const seq = m.seq === null ? "" : ` ${paint(color, "cyan", `#${m.seq}`)}`;
    return `${paint(color, "yellow", "duplicate")}${seq} ${paint(color, "dim", "(stored before, not again; the pool no longer shows it)")}\n`;
  }
  const tags = m.tags.length > 0 ? ` ${paint(color, "yellow", `[${m.tags.join(",")}]`)}` : "";
  const word = m.duplicate ? paint(color, "yellow", "duplicate") : paint(color, "green", "stored");
  const note = m.duplicate ? ` ${paint(color, "dim", "(stored before, not again)")}` : "";
  return `${word} ${paint(color, "cyan", `#${m.seq}`)} ${paint(color, "dim", m.time)}${tags}${note}\n`;
}
