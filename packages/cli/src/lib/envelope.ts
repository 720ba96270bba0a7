/**
 * The JSONL line of a message: core's rendering, which splices the stored bytes.
 *
 * Invariants: the result is one envelope on one line, ending with a newline.
 */
import type { Message } from "@spool/core";

export function messageLine(message: Message): Buffer {
  const line = message.toJsonLine();
  return Buffer.isBuffer(line) ? line : Buffer.from(line.buffer, line.byteOffset, line.byteLength);
}
