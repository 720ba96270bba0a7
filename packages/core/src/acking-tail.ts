/**
 * A tail that acks its cursor as it goes (`autoAck`): each message (or JSONL chunk) is acked
 * when the next one is asked for, so the seq acked is always one the consumer has handled, and
 * never the one the loop ended on.
 */

import type { Message } from "./message.js";
import { jsonlChunkLastSeq } from "./tail-jsonl.js";

/**
 * A tail that acks, when the next item is asked for, the last seq of the item before (a message,
 * or a JSONL chunk's last line): what the consumer asked past was handled. An ending tail
 * (return, throw) acks nothing more: the item it ended on may not have been handled.
 */
export function ackingTail<I extends Message | Buffer>(
  inner: AsyncIterable<I>,
  ack: (seq: number) => Promise<unknown>,
): AsyncIterableIterator<I> {
  const it = inner[Symbol.asyncIterator]();
  let pending = 0;
  return {
    async next() {
      if (pending > 0) {
        const seq = pending;
        pending = 0;
        await ack(seq);
      }
      const result = await it.next();
      if (!result.done) {
        const item = result.value;
        pending = Buffer.isBuffer(item) ? (jsonlChunkLastSeq(item) ?? 0) : (item as Message).seq;
      }
      return result;
    },
    return: (value?: unknown) =>
      it.return ? it.return(value) : Promise.resolve({ done: true, value: undefined }),
    throw: (error?: unknown) => (it.throw ? it.throw(error) : Promise.reject(error)),
    [Symbol.asyncIterator]() {
      return this;
    },
  } as AsyncIterableIterator<I>;
}
