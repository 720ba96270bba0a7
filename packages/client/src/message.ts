/**
 * Messages received over HTTP, with core's `Message` shape and its lazy decoding: a message keeps
 * its envelope's raw JSON line and parses `data` (and tags, and the time fields) on first access.
 *
 * Invariants: the canonical envelope line the server splices
 * (`{"seq":N,"time":"…","meta":{"tags":[…]},"data":…}`) is located with a few byte comparisons,
 * never a full parse; any other spelling of an envelope (another server, extra spaces) falls
 * back to one JSON.parse, so every valid envelope is accepted; a line that is not an envelope
 * (or has a seq that is not a positive safe integer) is refused; `toJsonLine()` is the line as
 * received, with its newline, byte for byte. A producer's duplicate (the original envelope with
 * `"duplicate":true` as its last member) is a message with `duplicate: true` whose `data` excludes
 * the mark; a receipt (`{"seq":N|null,"duplicate":true}`, a duplicate whose original the pool no
 * longer shows) is the plain object `{ seq, duplicate: true }`, core's receipt shape.
 */
import { type Envelope, type Message, parseTime } from "@spool/core/shared";

/**
 * A producer's duplicate whose original the pool cannot show (overwritten since, or committed
 * before the producer's last commit): the fields of core's `DuplicateReceipt` (its JSON, which
 * the server sends), `seq` the pool seq of the original when known, else null. Spelled here
 * because core's class has a Node-only `toJsonLine` the SDK cannot offer in every runtime; a
 * type test keeps the two in step.
 */
export interface DuplicateReceipt {
  /** The pool seq the original was stored at, when known. */
  readonly seq: number | null;
  readonly duplicate: true;
}

/** What a producer's append answers per message: the committed (or original) message, or a receipt. */
export type Appended<T = unknown> = Message<T> | DuplicateReceipt;

/**
 * True for a receipt (a duplicate without its original), false for a message.
 *
 * @example
 * const answer = await pool.append(data, { producer: { id: "ingest", seq: 7 } });
 * if (isDuplicateReceipt(answer)) console.log("already stored at", answer.seq);
 */
export function isDuplicateReceipt(value: Appended<unknown>): value is DuplicateReceipt {
  return value.duplicate === true && !("time" in value);
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

const SEQ_PREFIX = ascii('{"seq":');
const TIME_PREFIX = ascii(',"time":"');
const TAGS_PREFIX = ascii('","meta":{"tags":');
const DATA_PREFIX = ascii('},"data":');
/** How a duplicate's envelope ends: the mark, then the envelope's closing brace. */
const DUPLICATE_SUFFIX = ascii(',"duplicate":true}');

function ascii(text: string): Uint8Array {
  return encoder.encode(text);
}

function matchesAt(bytes: Uint8Array, at: number, expected: Uint8Array): boolean {
  if (at + expected.length > bytes.length) return false;
  for (let i = 0; i < expected.length; i++) if (bytes[at + i] !== expected[i]) return false;
  return true;
}

/** Where the parts of a canonical envelope line sit (byte offsets into the line). */
interface Spans {
  seq: number;
  time: string;
  tagsStart: number;
  tagsEnd: number;
  dataStart: number;
  dataEnd: number;
  /** The line ends with the duplicate mark (a valid JSON value never ends so). */
  duplicate: boolean;
}

/** Locates the parts of a canonical line (`line` ends with `}` or `}\n`); undefined otherwise. */
function canonicalSpans(line: Uint8Array): Spans | undefined {
  if (!matchesAt(line, 0, SEQ_PREFIX)) return undefined;
  let at = SEQ_PREFIX.length;
  let seq = 0;
  const digitsStart = at;
  while (at < line.length) {
    const c = line[at] as number;
    if (c < 0x30 || c > 0x39) break;
    seq = seq * 10 + (c - 0x30);
    at++;
  }
  if (at === digitsStart || at - digitsStart > 16 || !matchesAt(line, at, TIME_PREFIX)) {
    return undefined;
  }
  at += TIME_PREFIX.length;
  const timeStart = at;
  while (at < line.length && line[at] !== 0x22) at++;
  const time = decoder.decode(line.subarray(timeStart, at));
  if (!matchesAt(line, at, TAGS_PREFIX)) return undefined;
  at += TAGS_PREFIX.length;
  const tagsStart = at;
  if (line[at] !== 0x5b) return undefined;
  // The tags array holds strings only: find its `]` outside every string.
  let inString = false;
  for (at++; at < line.length; at++) {
    const c = line[at];
    if (inString) {
      if (c === 0x5c) at++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5d) break;
  }
  if (at >= line.length) return undefined;
  const tagsEnd = at + 1;
  if (!matchesAt(line, tagsEnd, DATA_PREFIX)) return undefined;
  const dataStart = tagsEnd + DATA_PREFIX.length;
  let end = line.length;
  if (line[end - 1] === 0x0a) end--;
  if (line[end - 1] !== 0x7d || end - 1 <= dataStart) return undefined;
  const suffixAt = end - DUPLICATE_SUFFIX.length;
  if (suffixAt > dataStart && matchesAt(line, suffixAt, DUPLICATE_SUFFIX)) {
    return { seq, time, tagsStart, tagsEnd, dataStart, dataEnd: suffixAt, duplicate: true };
  }
  return { seq, time, tagsStart, tagsEnd, dataStart, dataEnd: end - 1, duplicate: false };
}

/**
 * A message received from a Spool server. Implements core's `Message`: `data` is decoded on
 * first access; `dataBytes` and `toJsonLine()` give the bytes as the server sent them.
 *
 * @example
 * for await (const msg of pool.tail({ last: 10, max: 10 })) console.log(msg.seq, msg.tags, msg.data);
 */
export class RemoteMessage<T = unknown> implements Message<T> {
  readonly seq: number;
  readonly time: string;
  /** The envelope's JSON line, ending in a newline. */
  readonly #line: Uint8Array;
  readonly #spans: Spans | undefined;
  #tags: string[] | undefined;
  #data: T | undefined;
  #decoded = false;
  #dataBytes: Uint8Array | undefined;
  #instant: { sec: number; nanos: number } | undefined;
  #duplicate: boolean;

  private constructor(line: Uint8Array, seq: number, time: string, spans: Spans | undefined) {
    this.#line = line;
    this.seq = seq;
    this.time = time;
    this.#spans = spans;
    this.#duplicate = spans?.duplicate === true;
  }

  /** True only on a producer's duplicate (the original message, answered instead of a copy). */
  get duplicate(): true | undefined {
    return this.#duplicate ? true : undefined;
  }

  /**
   * A message from one JSON line (with or without its newline; the bytes are kept as given, so
   * pass a copy you own). Throws a TypeError naming the problem when the line is no envelope.
   *
   * @example
   * const msg = RemoteMessage.fromLine(new TextEncoder().encode('{"seq":1,"time":"2026-11-22T10:15:30.123456789Z","meta":{"tags":[]},"data":1}\n'));
   */
  static fromLine<T = unknown>(line: Uint8Array): RemoteMessage<T> {
    const spans = canonicalSpans(line);
    if (spans && Number.isSafeInteger(spans.seq) && spans.seq >= 1) {
      const withNewline = line[line.length - 1] === 0x0a ? line : appendNewline(line);
      return new RemoteMessage<T>(withNewline, spans.seq, spans.time, spans);
    }
    return RemoteMessage.fromEnvelope<T>(JSON.parse(decoder.decode(line)), line);
  }

  /**
   * A message from an already parsed envelope (its `data` is then not decoded again).
   *
   * @example
   * const msg = RemoteMessage.fromEnvelope({ seq: 1, time: "2026-11-22T10:15:30.123456789Z", meta: { tags: [] }, data: 1 });
   */
  static fromEnvelope<T = unknown>(value: unknown, line?: Uint8Array): RemoteMessage<T> {
    const env = value as Partial<Envelope<T>> | null;
    const tags = env?.meta?.tags;
    if (
      typeof env !== "object" ||
      env === null ||
      typeof env.seq !== "number" ||
      !Number.isSafeInteger(env.seq) ||
      env.seq < 1 ||
      typeof env.time !== "string" ||
      !Array.isArray(tags) ||
      !tags.every((t) => typeof t === "string") ||
      !("data" in env)
    ) {
      throw new TypeError("not a message envelope: expected {seq, time, meta: {tags}, data}");
    }
    const bytes =
      line === undefined
        ? encoder.encode(`${JSON.stringify(env)}\n`)
        : line[line.length - 1] === 0x0a
          ? line
          : appendNewline(line);
    const message = new RemoteMessage<T>(bytes, env.seq, env.time, undefined);
    message.#duplicate = env.duplicate === true;
    message.#tags = tags;
    message.#data = env.data as T;
    message.#decoded = true;
    return message;
  }

  get tags(): string[] {
    if (this.#tags === undefined) {
      const s = this.#spans as Spans;
      this.#tags =
        s.tagsEnd - s.tagsStart <= 2
          ? []
          : (JSON.parse(decoder.decode(this.#line.subarray(s.tagsStart, s.tagsEnd))) as string[]);
    }
    return this.#tags;
  }

  get data(): T {
    if (!this.#decoded) {
      this.#data = JSON.parse(decoder.decode(this.dataBytes)) as T;
      this.#decoded = true;
    }
    return this.#data as T;
  }

  get dataBytes(): Uint8Array {
    if (this.#dataBytes === undefined) {
      const s = this.#spans;
      this.#dataBytes = s
        ? this.#line.subarray(s.dataStart, s.dataEnd)
        : encoder.encode(JSON.stringify(this.data));
    }
    return this.#dataBytes;
  }

  get timeSec(): number {
    return this.#time().sec;
  }

  get timeNanos(): number {
    return this.#time().nanos;
  }

  #time(): { sec: number; nanos: number } {
    this.#instant ??= parseTime(this.time) ?? { sec: Number.NaN, nanos: Number.NaN };
    return this.#instant;
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

  toJsonLine(): Uint8Array {
    return this.#line;
  }
}

function appendNewline(line: Uint8Array): Uint8Array {
  const out = new Uint8Array(line.length + 1);
  out.set(line);
  out[line.length] = 0x0a;
  return out;
}

/**
 * The message of a `{"<key>":<envelope>}` response body, sliced from the bytes when the server
 * spliced it canonically, parsed otherwise.
 */
export function messageFromBody<T>(body: Uint8Array, key: string): RemoteMessage<T> {
  return fromBody(body, key, (value) => RemoteMessage.fromEnvelope<T>(value));
}

/**
 * The value under `key` of a `{"<key>":…}` response body: a message sliced from the bytes when
 * the server spliced an envelope canonically, else `fromParsed` of the parsed value.
 */
function fromBody<T, R>(
  body: Uint8Array,
  key: string,
  fromParsed: (value: unknown) => R,
): RemoteMessage<T> | R {
  const prefix = ascii(`{"${key}":`);
  let end = body.length;
  while (end > 0 && (body[end - 1] === 0x0a || body[end - 1] === 0x20)) end--;
  if (matchesAt(body, 0, prefix) && body[end - 1] === 0x7d) {
    const inner = body.subarray(prefix.length, end - 1);
    if (canonicalSpans(inner)) return RemoteMessage.fromLine<T>(appendNewline(inner));
  }
  const parsed = JSON.parse(decoder.decode(body)) as Record<string, unknown>;
  return fromParsed(parsed[key]);
}

/** A receipt from its wire shape `{"seq":N|null,"duplicate":true}`, or undefined for anything else. */
function receiptOf(value: unknown): DuplicateReceipt | undefined {
  const r = value as { seq?: unknown; duplicate?: unknown; time?: unknown } | null;
  if (typeof r !== "object" || r === null || r.duplicate !== true || "time" in r) return undefined;
  const seq = r.seq;
  if (seq !== null && (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 1)) {
    return undefined;
  }
  return Object.freeze({ seq, duplicate: true as const });
}

/** An append's answer from a parsed envelope or receipt (a TypeError for anything else). */
export function appendedFromEnvelope<T>(value: unknown): Appended<T> {
  return receiptOf(value) ?? RemoteMessage.fromEnvelope<T>(value);
}

/**
 * The answer of a `{"<key>":<envelope or receipt>}` append response: a message sliced from the
 * bytes when the server spliced it canonically (a duplicate included), else parsed.
 */
export function appendedFromBody<T>(body: Uint8Array, key: string): Appended<T> {
  return fromBody(body, key, (value) => appendedFromEnvelope<T>(value));
}
