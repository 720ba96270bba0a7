/**
 * A pool: one ring-buffer file of JSON messages. Create, open, inspect, append, get and tail.
 *
 * Invariants: `create` never truncates or replaces an existing file (it links a fully written
 * temporary file into place); readers never take the lock and only expose messages within the
 * published bounds; every method throws SpoolError for conditions a caller can cause. The `…Async`
 * operations keep the event loop free while they wait (for the disk at create, for another
 * writer's lock at append) and keep the same rules as their synchronous twins, whose code they
 * share: only the waiting differs.
 */
import * as fs from "node:fs";
import { type AppendInput, type EncodedFrame, FrameEncoder } from "./engine/encoder.js";
import { whenLocked } from "./engine/lock-wait.js";
import { FrameReader } from "./engine/reader.js";
import { StateView } from "./engine/state-view.js";
import {
  type AppendCondition,
  type Committed,
  checkCondition,
  commitFrames,
  commitLocked,
  type WriterContext,
} from "./engine/writer.js";
import { fromSystemError, SpoolError } from "./errors.js";
import {
  decodeLayout,
  HEADER_READ_SIZE,
  type PoolLayout,
  type PoolState,
} from "./format/header.js";
import { type Message, messageFromFrame } from "./message.js";
import { createPoolFile, createPoolFileAsync } from "./platform/create-file.js";
import { PoolFile } from "./platform/file.js";
import { holdPresence } from "./platform/lock.js";
import {
  type AppendOptions,
  type AsyncAppendOptions,
  type BatchAppendOptions,
  type CreateOptions,
  layoutFor,
  maxPayloadBytes,
  type OpenOptions,
  openOptionsOf,
  type PoolInfo,
  poolNameOf,
} from "./pool-options.js";
import { type TailSource, tailMessages } from "./tail.js";
import { tailJsonl } from "./tail-jsonl.js";
import type { TailOptions } from "./tail-options.js";
import { formatTime } from "./time.js";
import { checkCount, checkDurability } from "./validate.js";

export { maxPayloadBytes, poolFileSize, poolNameOf } from "./pool-options.js";
export type {
  AppendOptions,
  AsyncAppendOptions,
  BatchAppendOptions,
  CreateOptions,
  OpenOptions,
  PoolInfo,
};

export class Pool {
  readonly path: string;
  readonly name: string;
  readonly layout: PoolLayout;
  readonly #file: PoolFile;
  readonly #reader: FrameReader;
  readonly #encoder = new FrameEncoder();
  readonly #state: StateView;
  /** What every append commits through (one per handle, not one per append). */
  readonly #writer: WriterContext;

  private constructor(file: PoolFile, layout: PoolLayout, lockTimeoutMs: number) {
    this.#file = file;
    this.path = file.path;
    this.name = poolNameOf(file.path);
    this.layout = layout;
    this.#reader = new FrameReader(file, layout);
    this.#state = new StateView(file, layout.ringSize);
    this.#writer = {
      file,
      layout,
      lockTimeoutMs,
      state: this.#state,
      reader: this.#reader,
      tailCache: new Map(),
    };
  }

  /**
   * Creates a pool file (and its parent directories). AlreadyExists if the path exists.
   *
   * @example
   * const pool = Pool.create("/tmp/pools/build.spool", { size: "64M" });
   */
  static create(path: string, options: CreateOptions = {}): Pool {
    createPoolFile(path, layoutFor(options));
    return Pool.open(path, openOptionsOf(options));
  }

  /**
   * `create` without blocking the event loop: the file's bytes are written and synced on
   * libuv's threadpool, so a server keeps answering while a large pool is created. Same rules
   * and errors as `create` (the file is fully written, synced and linked into place; never
   * truncates; AlreadyExists if the path exists).
   *
   * @example
   * const pool = await Pool.createAsync("/var/lib/spool/big.spool", { size: "1G" });
   */
  static async createAsync(path: string, options: CreateOptions = {}): Promise<Pool> {
    await createPoolFileAsync(path, layoutFor(options));
    return Pool.open(path, openOptionsOf(options));
  }

  /**
   * Opens an existing pool. NotFound if absent; Corrupt if it is not a readable pool.
   *
   * @example
   * const pool = Pool.open("/tmp/pools/build.spool");
   */
  static open(path: string, options: OpenOptions = {}): Pool {
    let file: PoolFile;
    try {
      file = PoolFile.open(path, options.readOnly === true);
    } catch (error) {
      if (error instanceof SpoolError && error.kind === "NotFound") {
        throw new SpoolError("NotFound", `pool not found: ${path}`, {
          path,
          hint: "create it first (`spool pool create NAME`), or check --dir / SPOOL_DIR",
          cause: error,
        });
      }
      throw error;
    }
    try {
      const stat = fs.fstatSync(file.fd);
      if (!stat.isFile()) {
        throw new SpoolError("Usage", `not a pool file: ${path}`, {
          path,
          hint: "pass a .spool file or a pool name",
        });
      }
      const header = Buffer.alloc(HEADER_READ_SIZE);
      const n = file.readSome(header, 0, HEADER_READ_SIZE, 0);
      const layout = decodeLayout(header.subarray(0, n), path, stat.size);
      const pool = new Pool(
        file,
        layout,
        checkCount("lockTimeoutMs", options.lockTimeoutMs, 0) ?? 10_000,
      );
      // The header and index, read on every append and get, through a guarded mapping.
      file.mapMeta(layout.ringOffset);
      pool.readState();
      holdPresence(file.fd);
      return pool;
    } catch (error) {
      file.close();
      throw fromSystemError(error, path, "open");
    }
  }

  /** True once `close` was called. */
  get closed(): boolean {
    return this.#file.closed;
  }

  /** Reads the published state (both slots in one read; retries a torn read). */
  readState(): PoolState {
    return this.#state.read();
  }

  /** The pool's size, bounds and usage. */
  info(): PoolInfo {
    const state = this.readState();
    const empty = state.oldest > state.newest;
    const ringSize = this.layout.ringSize;
    let used = 0;
    if (!empty)
      used = state.head > state.tail ? state.head - state.tail : ringSize - state.tail + state.head;
    let oldestTime: string | null = null;
    if (!empty) {
      // Only a fully validated frame (checksum included) may supply the time: a damaged header
      // must neither throw from the date formatting nor show a made-up time.
      const oldest = this.#reader.readRun(state.oldest, state.tail, state, 1).frames[0];
      if (oldest) oldestTime = formatTime(oldest.head.timeSec, oldest.head.timeNanos);
    }
    return {
      name: this.name,
      path: this.path,
      formatVersion: 0,
      fileSize: this.layout.fileSize,
      ringSize,
      indexCapacity: this.layout.indexCapacity,
      indexStride: this.layout.indexStride,
      bounds: empty ? null : { oldest: state.oldest, newest: state.newest },
      messageCount: empty ? 0 : state.newest - state.oldest + 1,
      bytesUsed: used,
      bytesFree: ringSize - used,
      maxMessageBytes: maxPayloadBytes(ringSize),
      oldestTime,
      newestTime: empty ? null : formatTime(state.newestTimeSec, state.newestTimeNanos),
    };
  }

  /**
   * Appends one JSON value. Returns the committed message.
   *
   * @example
   * const msg = pool.append({ step: "lint", ok: true }, { tags: ["build"] });
   * console.log(msg.seq, msg.time);
   */
  append<T>(data: T, options: AppendOptions = {}): Message<T> {
    return this.appendBatch<T>([{ data, tags: options.tags }], options)[0] as Message<T>;
  }

  /**
   * Appends JSON text (or UTF-8 bytes) as it is, after checking it parses; with `trusted`, the
   * caller guarantees valid single-line JSON and the check is skipped.
   */
  appendJson(
    json: string | Uint8Array,
    options: AppendOptions & { trusted?: boolean } = {},
  ): Message {
    return this.appendBatch(
      [{ json, tags: options.tags, trusted: options.trusted === true }],
      options,
    )[0] as Message;
  }

  /**
   * Appends many messages under one lock as one commit; returns them in order.
   *
   * @example
   * pool.appendBatch([{ data: 1 }, { data: 2, tags: ["x"] }]);
   */
  appendBatch<T = unknown>(
    inputs: readonly AppendInput[],
    options: BatchAppendOptions = {},
  ): Message<T>[] {
    const durability = checkDurability(options.durability);
    const condition = checkAppendCondition(options);
    const frames = this.#encode(inputs);
    if (frames.length === 0) return this.#emptyBatch(condition);
    const scratch = this.#encoder.buffer;
    const committed = commitFrames(this.#writer, scratch, frames, durability, condition);
    return this.#messages<T>(scratch, frames, committed);
  }

  /**
   * `append` without blocking the event loop: while another writer holds the pool's lock, the
   * wait is timer sleeps (not a blocked thread), up to the lock timeout (then Busy). The commit
   * itself is the synchronous one (microseconds).
   *
   * @example
   * const msg = await pool.appendAsync({ step: "lint" }, { tags: ["build"] });
   */
  async appendAsync<T>(
    data: T,
    options: AppendOptions & AsyncAppendOptions = {},
  ): Promise<Message<T>> {
    const [message] = await this.appendBatchAsync<T>([{ data, tags: options.tags }], options);
    return message as Message<T>;
  }

  /**
   * `appendJson` without blocking the event loop (see `appendAsync`).
   *
   * @example
   * const msg = await pool.appendJsonAsync('{"step":"lint"}', { trusted: true });
   */
  async appendJsonAsync(
    json: string | Uint8Array,
    options: AppendOptions & AsyncAppendOptions & { trusted?: boolean } = {},
  ): Promise<Message> {
    const [message] = await this.appendBatchAsync(
      [{ json, tags: options.tags, trusted: options.trusted === true }],
      options,
    );
    return message as Message;
  }

  /**
   * `appendBatch` without blocking the event loop (see `appendAsync`): validated and encoded at
   * once (Usage errors come before any wait), committed as one commit once the lock is held.
   *
   * @example
   * const messages = await pool.appendBatchAsync([{ data: 1 }, { data: 2 }], { durability: "flush" });
   */
  async appendBatchAsync<T = unknown>(
    inputs: readonly AppendInput[],
    options: BatchAppendOptions & AsyncAppendOptions = {},
  ): Promise<Message<T>[]> {
    const durability = checkDurability(options.durability);
    const condition = checkAppendCondition(options);
    const frames = this.#encode(inputs);
    if (frames.length === 0) return this.#emptyBatch(condition);
    this.#file.assertWritable();
    // The encoder's buffer is shared by this handle's appends: one that has to wait keeps its
    // own copy, and the messages are built in the turn that commits.
    let bytes = this.#encoder.buffer;
    return whenLocked(
      this.#file,
      this.#writer.lockTimeoutMs,
      () =>
        this.#messages<T>(
          bytes,
          frames,
          commitLocked(this.#writer, bytes, frames, durability, condition),
        ),
      {
        signal: options.signal,
        beforeWait: () => {
          bytes = Buffer.from(bytes.subarray(0, encodedEnd(frames)));
        },
      },
    );
  }

  /**
   * An empty batch appends nothing and takes no lock; its condition is still answered (from the
   * published state), so a mismatched expectation is never reported as success.
   */
  #emptyBatch<T>(condition: AppendCondition | undefined): Message<T>[] {
    if (condition?.expectedLastSeq !== undefined) {
      checkCondition(this.readState(), condition, this.#file.path);
    }
    return [];
  }

  /** Checks and encodes a batch into the encoder's buffer (Usage for what cannot be stored). */
  #encode(inputs: readonly AppendInput[]): EncodedFrame[] {
    if (!Array.isArray(inputs)) {
      throw new SpoolError("Usage", "a batch must be an array of messages", {
        hint: "pass a list such as [{ data: 1 }, { data: 2, tags: ['x'] }]",
      });
    }
    if (inputs.length === 0) return [];
    const frames = this.#encoder.encode(inputs);
    for (const frame of frames) {
      if (frame.length > this.layout.ringSize) {
        throw new SpoolError(
          "Usage",
          `message is ${frame.dataLen + frame.tagsLen} bytes (data plus tags); this pool holds at most ${maxPayloadBytes(this.layout.ringSize)} bytes per message`,
          { path: this.path, hint: "create a larger pool (--size) or send a smaller message" },
        );
      }
    }
    return frames;
  }

  /** The committed messages, copied out of the encoded bytes. */
  #messages<T>(
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

  /**
   * The message with `seq`. NotFound (with `seq`) when it was never written or was overwritten.
   *
   * @example
   * const msg = pool.get(42); console.log(msg.data);
   */
  get<T = unknown>(seq: number): Message<T> {
    if (!Number.isSafeInteger(seq) || seq < 1) {
      throw new SpoolError("Usage", `seq must be a whole number ≥ 1, got ${String(seq)}`, {
        hint: "sequence numbers start at 1",
      });
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      const state = this.readState();
      if (seq > state.newest || seq < state.oldest) throw this.#missing(seq, state);
      let offset: number | undefined;
      // The index gives a candidate offset; the frame there is validated in full, and a failed
      // candidate falls back to walking from the tail.
      const indexed = this.#reader.locate(seq, state);
      for (const candidate of [indexed, "scan"] as const) {
        offset = candidate === "scan" ? this.#reader.scan(seq, state) : candidate;
        if (offset === undefined) continue;
        const frame = this.#reader.readOne(seq, offset, state);
        if (frame) return messageFromFrame<T>(this.#reader.lastBuffer, frame.at, frame);
      }
      const after = this.readState();
      if (seq < after.oldest) throw this.#missing(seq, after);
      if (attempt === 2) {
        throw new SpoolError(
          "Corrupt",
          `message ${seq} is within the pool's bounds but unreadable`,
          {
            path: this.path,
            seq,
            offset: offset === undefined ? undefined : this.layout.ringOffset + offset,
            hint: "run `spool doctor` on the pool",
          },
        );
      }
    }
    throw new SpoolError("Internal", "unreachable");
  }

  #missing(seq: number, state: PoolState): SpoolError {
    const overwritten = seq < state.oldest;
    return new SpoolError(
      "NotFound",
      overwritten
        ? `message ${seq} was overwritten (oldest is ${state.oldest})`
        : `message ${seq} does not exist (newest is ${state.newest})`,
      {
        path: this.path,
        seq,
        hint: overwritten
          ? "the pool wrapped; use a larger pool to keep more history"
          : "ask for a seq within the pool's bounds (see `spool pool info`)",
      },
    );
  }

  /**
   * Follows the pool: replay (from `since` or the `last` N) then live messages, in seq order.
   *
   * @example
   * for await (const msg of pool.tail({ last: 10, timeoutMs: 1000 })) console.log(msg.data);
   */
  tail<T = unknown>(options: TailOptions = {}): AsyncIterable<Message<T>> {
    return tailMessages<T>(this.#tailSource(), this.#pinStart(options));
  }

  /** Like `tail`, but yields chunks of JSONL (one envelope per line) spliced from stored bytes. */
  tailJsonl(options: TailOptions = {}): AsyncIterable<Buffer> {
    return tailJsonl(this.#tailSource(), this.#pinStart(options));
  }

  #tailSource(): TailSource {
    return {
      path: this.path,
      ringOffset: this.layout.ringOffset,
      reader: new FrameReader(this.#file, this.layout),
      readState: () => this.readState(),
    };
  }

  /** Pins the default start ("the next new message") to the moment `tail` is called. */
  #pinStart(options: TailOptions): TailOptions {
    if (
      options.since !== undefined ||
      options.last !== undefined ||
      options.sinceTime !== undefined
    ) {
      return options;
    }
    return { ...options, since: this.readState().newest + 1 };
  }

  /** Closes the file; further use throws Usage. */
  close(): void {
    this.#file.close();
  }
}

/** Where the last encoded frame ends in the encoder's buffer. */
function encodedEnd(frames: readonly EncodedFrame[]): number {
  const last = frames[frames.length - 1];
  return last === undefined ? 0 : last.at + last.length;
}

/** The condition of an append's options, checked (Usage for a bad expected seq). */
function checkAppendCondition(options: BatchAppendOptions): AppendCondition | undefined {
  const expectedLastSeq = checkCount("expectedLastSeq", options.expectedLastSeq, 0);
  return expectedLastSeq === undefined ? undefined : { expectedLastSeq };
}
