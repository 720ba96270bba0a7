/**
 * The message envelope: `{seq, time, meta: {tags}, data}`, defined once for every surface.
 *
 * Invariants: a StoredMessage keeps the exact stored UTF-8 bytes of `data` and `tags`; `data` is
 * decoded on first access only; `toJsonLine` splices the stored bytes into the envelope without
 * parsing or stringifying them, and its output is byte-for-byte the JSON of `toJSON()` (modulo
 * the writer's own spacing inside `data`).
 */
import { FRAME_HEADER_SIZE } from "./format/frame.js";
import { formatTime } from "./time.js";

/** The JSON shape of a message, as every surface shows it. */
export interface Envelope<T = unknown> {
  seq: number;
  time: string;
  meta: { tags: string[] };
  data: T;
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
  /** The envelope as a plain object (used by JSON.stringify). */
  toJSON(): Envelope<T>;
}

const textDecoder = new TextDecoder();
const EMPTY_TAGS = Buffer.from("[]");

/** A message backed by stored bytes (the buffers are copies owned by the message). */
export class StoredMessage<T = unknown> implements Message<T> {
  readonly seq: number;
  readonly timeSec: number;
  readonly timeNanos: number;
  readonly dataBytes: Buffer;
  /** The stored tags JSON array text. */
  readonly tagsBytes: Buffer;
  #data: T | undefined;
  #decoded = false;
  #tags: string[] | undefined;
  #time: string | undefined;

  constructor(seq: number, timeSec: number, timeNanos: number, tagsBytes: Buffer, dataBytes: Buffer) {
    this.seq = seq;
    this.timeSec = timeSec;
    this.timeNanos = timeNanos;
    this.tagsBytes = tagsBytes.length === 2 ? EMPTY_TAGS : tagsBytes;
    this.dataBytes = dataBytes;
  }

  get time(): string {
    this.#time ??= formatTime(this.timeSec, this.timeNanos);
    return this.#time;
  }

  get tags(): string[] {
    this.#tags ??= this.tagsBytes.length === 2 ? [] : (JSON.parse(this.tagsBytes.toString("utf8")) as string[]);
    return this.#tags;
  }

  get data(): T {
    if (!this.#decoded) {
      this.#data = JSON.parse(textDecoder.decode(this.dataBytes)) as T;
      this.#decoded = true;
    }
    return this.#data as T;
  }

  toJSON(): Envelope<T> {
    return { seq: this.seq, time: this.time, meta: { tags: [...this.tags] }, data: this.data };
  }

  /** The envelope as one JSON line (with a trailing newline), built from the stored bytes. */
  toJsonLine(): Buffer {
    const prefix = envelopePrefix(this.seq, this.time);
    const out = Buffer.allocUnsafe(
      prefix.length + this.tagsBytes.length + DATA_KEY.length + this.dataBytes.length + 2,
    );
    let at = out.write(prefix, 0, "latin1");
    at += this.tagsBytes.copy(out, at);
    at += DATA_KEY.copy(out, at);
    at += this.dataBytes.copy(out, at);
    out[at++] = 0x7d; // }
    out[at] = 0x0a; // \n
    return out;
  }
}

const DATA_KEY = Buffer.from('},"data":');

/** The ASCII text of an envelope up to the tags array. */
export function envelopePrefix(seq: number, time: string): string {
  return `{"seq":${seq},"time":"${time}","meta":{"tags":`;
}

/**
 * Writes one envelope line into `out` at `at` from its parts; returns the new offset, or -1 when
 * `out` has no room. `tags` and `data` are stored JSON bytes given as ranges of `src`.
 */
export function writeEnvelopeLine(
  out: Buffer,
  at: number,
  seq: number,
  time: string,
  src: Buffer,
  tagsStart: number,
  tagsLen: number,
  dataStart: number,
  dataLen: number,
): number {
  const prefix = envelopePrefix(seq, time);
  const need = prefix.length + tagsLen + DATA_KEY.length + dataLen + 2;
  if (at + need > out.length) return -1;
  at += out.write(prefix, at, "latin1");
  at += src.copy(out, at, tagsStart, tagsStart + tagsLen);
  at += DATA_KEY.copy(out, at);
  at += src.copy(out, at, dataStart, dataStart + dataLen);
  out[at++] = 0x7d;
  out[at++] = 0x0a;
  return at;
}

/** Builds a message from a validated frame (copying its payload out of `buf`). */
export function messageFromFrame<T>(buf: Buffer, at: number, frame: { seq: number; head: { timeSec: number; timeNanos: number; tagsLen: number; dataLen: number } }): StoredMessage<T> {
  const start = at + FRAME_HEADER_SIZE;
  const { tagsLen, dataLen } = frame.head;
  const payload = Buffer.from(buf.subarray(start, start + tagsLen + dataLen));
  return new StoredMessage<T>(frame.seq, frame.head.timeSec, frame.head.timeNanos, payload.subarray(0, tagsLen), payload.subarray(tagsLen));
}
