/**
 * The message envelope: `{seq, time, meta: {tags}, data}`, defined once for every surface.
 *
 * Invariants: a StoredMessage keeps the exact stored UTF-8 bytes of `data` and `tags`; `data` is
 * decoded on first access only; `toJsonLine` splices the stored bytes into the envelope without
 * parsing or stringifying them, and its output is byte-for-byte the JSON of `toJSON()` (modulo
 * the writer's own spacing inside `data`).
 */
import { DATA_SEPARATOR, FRAME_HEADER_SIZE, payloadLength } from "./format/frame.js";
import { formatTime } from "./time.js";

/** The JSON shape of a message, as every surface shows it. */
export interface Envelope<T = unknown> {
  seq: number;
  time: string;
  meta: { tags: string[] };
  data: T;
  /** Present (true) only on a producer's duplicate: the original message, not written again. */
  duplicate?: true;
}

/** A committed message. */
export interface Message<T = unknown> {
  /** Per-pool sequence number, from 1, strictly increasing, never reused. */
  readonly seq: number;
  /** Commit time as RFC 3339 UTC text with nanoseconds. */
  readonly time: string;
  /** Commit time: whole seconds since the epoch. */
  readonly timeSec: number;
  /** Commit time: nanoseconds within the second. */
  readonly timeNanos: number;
  /** Exact-match filter keys. */
  readonly tags: string[];
  /** The writer's JSON value, decoded on first access. */
  readonly data: T;
  /** The stored UTF-8 JSON bytes of `data`. */
  readonly dataBytes: Uint8Array;
  /** True only on a producer's duplicate (the original message, answered instead of a copy). */
  readonly duplicate?: true | undefined;
  /** The envelope as a plain object (used by JSON.stringify). */
  toJSON(): Envelope<T>;
  /** The envelope as one JSON line with a trailing newline, spliced from the stored bytes. */
  toJsonLine(): Uint8Array;
}

const textDecoder = new TextDecoder();

/**
 * A message backed by a stored frame payload (`tags},"data":data}\n`, a copy owned by the
 * message).
 */
export class StoredMessage<T = unknown> implements Message<T> {
  readonly seq: number;
  readonly timeSec: number;
  readonly timeNanos: number;
  /** The stored payload: the JSONL tail of the envelope. */
  readonly payload: Buffer;
  readonly #tagsLen: number;
  readonly #dataLen: number;
  #data: T | undefined;
  #decoded = false;
  #tags: string[] | undefined;
  #time: string | undefined;
  #duplicate = false;

  constructor(
    seq: number,
    timeSec: number,
    timeNanos: number,
    payload: Buffer,
    tagsLen: number,
    dataLen: number,
  ) {
    this.seq = seq;
    this.timeSec = timeSec;
    this.timeNanos = timeNanos;
    this.payload = payload;
    this.#tagsLen = tagsLen;
    this.#dataLen = dataLen;
  }

  /** The stored tags JSON array text. */
  get tagsBytes(): Buffer {
    return this.payload.subarray(0, this.#tagsLen);
  }

  /** The stored UTF-8 JSON bytes of `data`. */
  get dataBytes(): Buffer {
    const start = this.#tagsLen + DATA_SEPARATOR.length;
    return this.payload.subarray(start, start + this.#dataLen);
  }

  get time(): string {
    this.#time ??= formatTime(this.timeSec, this.timeNanos);
    return this.#time;
  }

  get tags(): string[] {
    this.#tags ??=
      this.#tagsLen <= 2
        ? []
        : (JSON.parse(this.payload.toString("utf8", 0, this.#tagsLen)) as string[]);
    return this.#tags;
  }

  get data(): T {
    if (!this.#decoded) {
      this.#data = JSON.parse(textDecoder.decode(this.dataBytes)) as T;
      this.#decoded = true;
    }
    return this.#data as T;
  }

  get duplicate(): true | undefined {
    return this.#duplicate ? true : undefined;
  }

  /** Marks this message as a producer's duplicate (the answer to a retried append). */
  markDuplicate(): this {
    this.#duplicate = true;
    return this;
  }

  toJSON(): Envelope<T> {
    const envelope: Envelope<T> = {
      seq: this.seq,
      time: this.time,
      meta: { tags: [...this.tags] },
      data: this.data,
    };
    if (this.#duplicate) envelope.duplicate = true;
    return envelope;
  }

  /** The envelope as one JSON line (with a trailing newline), built from the stored bytes. */
  toJsonLine(): Buffer {
    const prefix = envelopePrefix(this.seq, this.time);
    if (!this.#duplicate) {
      const out = Buffer.allocUnsafe(prefix.length + this.payload.length);
      this.payload.copy(out, out.write(prefix, 0, "latin1"));
      return out;
    }
    // The payload ends `}\n`: the envelope's closing brace gets the duplicate mark before it.
    const body = this.payload.length - 2;
    const out = Buffer.allocUnsafe(prefix.length + body + DUPLICATE_SUFFIX.length);
    const at = out.write(prefix, 0, "latin1");
    this.payload.copy(out, at, 0, body);
    out.write(DUPLICATE_SUFFIX, at + body, "latin1");
    return out;
  }
}

/** How a duplicate's envelope line ends: the mark, then the envelope's closing brace. */
const DUPLICATE_SUFFIX = ',"duplicate":true}\n';

/**
 * A producer's duplicate whose original the pool cannot show: overwritten since, or committed
 * before the producer's last commit (the pool knows the pool seqs of that commit only).
 */
export class DuplicateReceipt {
  readonly duplicate = true as const;
  /** The pool seq the original was stored at, when known. */
  readonly seq: number | null;

  constructor(seq: number | null) {
    this.seq = seq;
  }

  toJSON(): { seq: number | null; duplicate: true } {
    return { seq: this.seq, duplicate: true };
  }

  toJsonLine(): Uint8Array {
    return Buffer.from(`${JSON.stringify(this.toJSON())}\n`, "latin1");
  }
}

/** What a producer's append answers per message: the committed (or original) message, or a receipt. */
export type Appended<T = unknown> = Message<T> | DuplicateReceipt;

/** The ASCII text of an envelope up to the tags array. */
export function envelopePrefix(seq: number, time: string): string {
  return `{"seq":${seq},"time":"${time}","meta":{"tags":`;
}

/**
 * Writes one envelope line into `out` at `at`: the prefix text, then the stored payload
 * `src[payloadStart, payloadStart + payloadLen)`. Returns the new offset, or -1 without room.
 */
export function writeEnvelopeLine(
  out: Buffer,
  at: number,
  seq: number,
  time: string,
  src: Buffer,
  payloadStart: number,
  payloadLen: number,
): number {
  const prefix = envelopePrefix(seq, time);
  if (at + prefix.length + payloadLen > out.length) return -1;
  at += out.write(prefix, at, "latin1");
  return at + src.copy(out, at, payloadStart, payloadStart + payloadLen);
}

/** Builds a message from a validated frame (copying its payload out of `buf`). */
export function messageFromFrame<T>(
  buf: Buffer,
  at: number,
  frame: {
    seq: number;
    head: { timeSec: number; timeNanos: number; tagsLen: number; dataLen: number };
  },
): StoredMessage<T> {
  const start = at + FRAME_HEADER_SIZE;
  const { tagsLen, dataLen } = frame.head;
  const payload = Buffer.from(buf.subarray(start, start + payloadLength(tagsLen, dataLen)));
  return new StoredMessage<T>(
    frame.seq,
    frame.head.timeSec,
    frame.head.timeNanos,
    payload,
    tagsLen,
    dataLen,
  );
}
