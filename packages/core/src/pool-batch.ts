/**
 * The pieces of a pool append around the commit: checking and encoding a batch, and the messages
 * handed back once it committed.
 *
 * Invariants: a batch is refused (Usage) before anything is written when it is not an array or
 * holds a message the ring cannot hold; the returned messages are copied out of the encoded
 * bytes with the seqs and times the commit stamped, in input order.
 */
import type { AppendInput, EncodedFrame, FrameEncoder } from "./engine/encoder.js";
import type { Committed } from "./engine/writer.js";
import { SpoolError } from "./errors.js";
import { type Message, messageFromFrame } from "./message.js";
import { maxPayloadBytes } from "./pool-options.js";

/** Checks and encodes a batch into `encoder`'s buffer (Usage for what cannot be stored). */
export function encodeBatch(
  encoder: FrameEncoder,
  inputs: readonly AppendInput[],
  ringSize: number,
  path: string,
): EncodedFrame[] {
  if (!Array.isArray(inputs)) {
    throw new SpoolError("Usage", "a batch must be an array of messages", {
      hint: "pass a list such as [{ data: 1 }, { data: 2, tags: ['x'] }]",
    });
  }
  if (inputs.length === 0) return [];
  const frames = encoder.encode(inputs);
  for (const frame of frames) {
    if (frame.length > ringSize) {
      throw new SpoolError(
        "Usage",
        `message is ${frame.dataLen + frame.tagsLen} bytes (data plus tags); this pool holds at most ${maxPayloadBytes(ringSize)} bytes per message`,
        { path, hint: "create a larger pool (--size) or send a smaller message" },
      );
    }
  }
  return frames;
}

/** The committed messages, copied out of the encoded bytes. */
export function committedMessages<T>(
  scratch: Buffer,
  frames: readonly EncodedFrame[],
  committed: readonly Committed[],
): Message<T>[] {
  const messages: Message<T>[] = [];
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i] as (typeof frames)[number];
    const c = committed[i] as (typeof committed)[number];
    // Spelled out, not spread: an object spread here cost ~2 µs per message.
    const head = {
      timeSec: c.timeSec,
      timeNanos: c.timeNanos,
      tagsLen: frame.tagsLen,
      dataLen: frame.dataLen,
    };
    messages.push(messageFromFrame<T>(scratch, frame.at, { seq: c.seq, head }));
  }
  return messages;
}

/** Where the last encoded frame ends in the encoder's buffer. */
export function encodedEnd(frames: readonly EncodedFrame[]): number {
  const last = frames[frames.length - 1];
  return last === undefined ? 0 : last.at + last.length;
}
