/**
 * The queue of a producer's appends and how the next batch is taken from it.
 *
 * Invariants: a batch is taken from the head, in order; the messages of one entry (one append or
 * one appendBatch) are never split; a batch holds at least one entry and otherwise stays within
 * the message and byte bounds; an entry marked solo (its batch failed with Usage) goes alone.
 */
import type { Appended } from "./message.js";

/** One caller's append (one message, or the messages of one appendBatch). */
export interface Entry {
  /** Each message as its batch item text `{"data":…,"tags":…}`. */
  items: string[];
  bytes: number;
  /** When it was appended (performance.now()). */
  arrived: number;
  /** Appended while a batch was in flight: the next batch may linger for more. */
  lingers: boolean;
  /** Sent alone (after its batch failed with Usage). */
  solo: boolean;
  resolve(answers: Appended<unknown>[]): void;
  reject(error: unknown): void;
}

/** The next batch: entries from the head of `queue` within the bounds (at least one). */
export function takeBatch(
  queue: Entry[],
  bounds: { maxMessages: number; maxBytes: number },
): Entry[] {
  const first = queue.shift() as Entry;
  const batch = [first];
  if (first.solo) return batch;
  let count = first.items.length;
  let bytes = first.bytes;
  while (queue.length > 0) {
    const next = queue[0] as Entry;
    if (next.solo) break;
    if (count + next.items.length > bounds.maxMessages || bytes + next.bytes > bounds.maxBytes) {
      break;
    }
    queue.shift();
    batch.push(next);
    count += next.items.length;
    bytes += next.bytes;
  }
  return batch;
}
