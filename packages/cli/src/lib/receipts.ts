/**
 * Feed receipts: what was stored (seq, time, meta), never the data itself.
 *
 * Invariants: a JSON receipt is exactly `{"seq":N,"time":"…","meta":{"tags":[…]}}` on one line,
 * built without re-serialising the message; a human receipt is one line.
 */
import type { Message } from "@spool/core";
import { paint } from "./style.js";

/** JSON receipt lines for `messages` that all carry the tags whose JSON text is `tagsJson`. */
export function receiptLines(messages: readonly Message[], tagsJson: string): string {
  let out = "";
  for (const m of messages)
    out += `{"seq":${m.seq},"time":"${m.time}","meta":{"tags":${tagsJson}}}\n`;
  return out;
}

/** One human receipt line. */
export function receiptText(color: boolean, m: Message): string {
  const tags = m.tags.length > 0 ? ` ${paint(color, "yellow", `[${m.tags.join(",")}]`)}` : "";
  return `${paint(color, "green", "stored")} ${paint(color, "cyan", `#${m.seq}`)} ${paint(color, "dim", m.time)}${tags}\n`;
}
