/**
 * The JSONL line of a message: core's spliced stored bytes when available, otherwise the
 * envelope's JSON (the two are equal modulo the writer's spacing inside `data`).
 *
 * Invariants: the result is one envelope on one line, ending with a newline.
 */
import type { Message } from "@spool/core";

export function messageLine(message: Message): Buffer {
  const stored = message as unknown as { toJsonLine?: () => Buffer };
  if (typeof stored.toJsonLine === "function") return stored.toJsonLine();
  return Buffer.from(`${JSON.stringify(message)}\n`);
}
