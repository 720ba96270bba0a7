/**
 * A pool: one ring-buffer file of JSON messages. Create, open, inspect, append, get and tail.
 *
 * Invariants: `create` never truncates or replaces an existing file (it links a fully written
 * temporary file into place); readers never take the lock and only expose messages within the
 * published bounds; every method throws SpoolError for conditions a caller can cause. The `…Async`
 * operations keep the event loop free while they wait (for the disk at create, for another
 * writer's lock at append) and keep the same rules as their synchronous twins, whose code they
 * share: only the waiting differs. The handle wires the pieces together: batch checks and
 * encoding (pool-batch.ts), lock-free reads of info and one message (pool-reads.ts), commits
 * (engine/writer.ts) and tails (tail.ts).
 */
import * as fs from "node:fs";
import * as nodePath from "node:path";
import { ackingTail } from "./acking-tail.js";
import { type AppendCondition, checkAppendCondition, checkCondition } from "./append-condition.js";
import type { CursorInfo, GroupInfo, GroupSettings } from "./consumers.js";
import { checkConsumerName } from "./consumers.js";
import { AppendQueue } from "./engine/append-queue.js";
import { type AppendInput, type EncodedFrame, FrameEncoder } from "./engine/encoder.js";
import { FrameReader } from "./engine/reader.js";
import { StateView } from "./engine/state-view.js";
import { startSeq } from "./engine/tail-cursor.js";
import {
  type CommitResult,
  commitFrames,
  commitLocked,
  type WriterContext,
} from "./engine/writer.js";
import { fromSystemError, SpoolError } from "./errors.js";
import {
  decodeLayout,
  HEADER_OPEN_SIZE,
  type PoolLayout,
  type PoolState,
} from "./format/header.js";
import type { Appended, Message } from "./message.js";
import { createPoolFile, createPoolFileAsync } from "./platform/create-file.js";
import { PoolFile } from "./platform/file.js";
import { holdPresence } from "./platform/lock.js";
import { encodeBatch } from "./pool-batch.js";
import { type ConsumerHost, LedgerCommits } from "./pool-consumers.js";
import { keptCursors, openTailCursor, PoolCursor } from "./pool-cursor.js";
import { keptGroups, PoolGroup } from "./pool-group.js";
import {
  type AppendOptions,
  type AsyncAppendOptions,
  type BatchAppendOptions,
  type CreateOptions,
  layoutFor,
  type OpenOptions,
  openOptionsOf,
  type PoolInfo,
  poolNameOf,
} from "./pool-options.js";
import { PoolProducer } from "./pool-producer.js";
import {
  appendAnswers,
  keptProducerState,
  keptProducers,
  openLedger,
  type PoolLedger,
} from "./pool-producers.js";
import { describePool, getMessage } from "./pool-reads.js";
import {
  checkProducer,
  type ProducerClaim,
  type ProducerInfo,
  type ProducerOptions,
} from "./producer.js";
import { type TailSource, tailMessages } from "./tail.js";
import { tailJsonl } from "./tail-jsonl.js";
import { checkOptions, type TailOptions } from "./tail-options.js";
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
  /** The ledger (producer state), or why the pool has none that can be used. */
  readonly #ledger: PoolLedger;
  /** What cursors and groups use of this handle. */
  readonly #host: ConsumerHost;
  /** Commits of ledger records alone: cursors and groups. */
  readonly #commits: LedgerCommits;
  /** Group commit of this handle's asynchronous appends (engine/append-queue.ts). */
  readonly #appends: AppendQueue;

  private constructor(
    file: PoolFile,
    layout: PoolLayout,
    lockTimeoutMs: number,
    ledger: PoolLedger,
  ) {
    this.#file = file;
    this.path = file.path;
    this.name = poolNameOf(file.path);
    this.layout = layout;
    this.#reader = new FrameReader(file, layout);
    this.#state = new StateView(file, layout.ringSize);
    this.#ledger = ledger;
    this.#writer = {
      ledger,
      file,
      layout,
      lockTimeoutMs,
      state: this.#state,
      reader: this.#reader,
      tailCache: new Map(),
    };
    this.#appends = new AppendQueue(file, lockTimeoutMs, (bytes, frames, d, c, p) =>
      commitLocked(this.#writer, bytes, frames, d, c, p),
    );
    this.#host = {
      path: this.path,
      name: this.name,
      writer: this.#writer,
      ledger,
      readState: () => this.readState(),
      get: (seq) => this.get(seq),
      openSibling: (name) =>
        Pool.open(nodePath.join(nodePath.dirname(this.path), `${name}.spool`), {
          lockTimeoutMs: lockTimeoutMs,
        }),
      assertWritable: () => file.assertWritable(),
    };
    this.#commits = new LedgerCommits(this.#host);
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
      const header = Buffer.alloc(HEADER_OPEN_SIZE);
      const n = file.readSome(header, 0, HEADER_OPEN_SIZE, 0);
      const layout = decodeLayout(header.subarray(0, n), path, stat.size);
      const ledger = openLedger(file, layout, header.subarray(0, n));
      const pool = new Pool(
        file,
        typeof ledger === "function" ? layout : { ...layout, ledger: ledger.layout },
        checkCount("lockTimeoutMs", options.lockTimeoutMs, 0) ?? 10_000,
        ledger,
      );
      // The header and index, read on every append and get, through a guarded mapping (for a
      // writable file the ring too, which fast appends store their frames through).
      file.mapMeta(layout.ringOffset, layout.fileSize);
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

  /** The pool's size, bounds and usage, and the producers, cursors and groups it keeps. */
  info(): PoolInfo {
    const info = describePool(this.readState(), this.layout, this.#reader, this.path);
    const producers = this.producers();
    info.producerCount = producers.length;
    info.producerCapacity = this.layout.ledger?.producerCapacity ?? 0;
    info.producers = producers;
    info.cursors = this.cursors();
    info.groups = this.groups();
    return info;
  }

  /**
   * A durable cursor (spec/api/v0 §3.11): its info, ack, reset and delete. A tail with
   * `{ cursor: name }` creates it.
   *
   * @example
   * for await (const msg of pool.tail({ cursor: "indexer" })) { index(msg); pool.cursor("indexer").ack(msg.seq); }
   */
  cursor(name: string): PoolCursor {
    return new PoolCursor(this.#commits, checkConsumerName(name, "cursor"));
  }

  /** The cursors the pool keeps, by name (none on a pool without a ledger). */
  cursors(): CursorInfo[] {
    return keptCursors(this.#commits);
  }

  /**
   * A consumer group (spec/api/v0 §3.12): members claim messages with a lease and ack or nack
   * them; `settings` (since, maxAttempts, deadLetter, retention) are stored by its next change.
   *
   * @example
   * const jobs = pool.group("workers", { maxAttempts: 5, deadLetter: "failed" });
   * for (const d of jobs.claim({ max: 10 })) { run(d.message.data); jobs.ack(d); }
   */
  group(name: string, settings?: GroupSettings): PoolGroup {
    return new PoolGroup(this.#host, this.#commits, checkConsumerName(name, "group"), settings);
  }

  /** The groups the pool keeps, by name (none on a pool without a ledger). */
  groups(): GroupInfo[] {
    return keptGroups(this.#commits);
  }

  /**
   * The producers the pool keeps (most recent first): epoch, last producer seq and the pool seq
   * it was stored at. Empty on a pool created before producer state existed.
   */
  producers(): ProducerInfo[] {
    return keptProducers(this.#ledger, () => this.readState(), this.path);
  }

  /**
   * The state the pool keeps for producer `id`, or null when it keeps none (never seen, or
   * dropped as the least recently used).
   *
   * @example
   * const last = pool.producerState("ingest")?.lastSeq ?? 0;
   */
  producerState(id: string): ProducerInfo | null {
    return keptProducerState(this.#ledger, () => this.readState(), id, this.path);
  }

  /**
   * A producer that numbers its own appends: it continues after the last seq the pool keeps for
   * `id` (from 1 for a new producer), and every append is deduplicated, so retrying one that
   * may have committed never stores it twice.
   *
   * @example
   * const ingest = pool.producer("ingest", { epoch: 2 });
   * ingest.append({ line: 1 });
   */
  producer(id: string, options: { epoch?: number } = {}): PoolProducer {
    const claim = checkProducer({ id, seq: 0, epoch: options.epoch }) as ProducerClaim;
    const kept = this.producerState(claim.id);
    if (typeof this.#ledger === "function") throw this.#ledger();
    return new PoolProducer(this, claim.id, claim.epoch, (kept?.lastSeq ?? 0) + 1);
  }

  /**
   * Appends one JSON value. Returns the committed message.
   *
   * @example
   * const msg = pool.append({ step: "lint", ok: true }, { tags: ["build"] });
   * console.log(msg.seq, msg.time);
   */
  append<T>(data: T, options: AppendOptions & { producer: ProducerOptions }): Appended<T>;
  append<T>(data: T, options?: AppendOptions): Message<T>;
  append<T>(data: T, options: AppendOptions = {}): Appended<T> {
    return this.appendBatch<T>([{ data, tags: options.tags }], options)[0] as Appended<T>;
  }

  /**
   * Appends JSON text (or UTF-8 bytes) as it is, after checking it parses; with `trusted`, the
   * caller guarantees valid single-line JSON and the check is skipped.
   */
  appendJson(
    json: string | Uint8Array,
    options: AppendOptions & { trusted?: boolean; producer: ProducerOptions },
  ): Appended;
  appendJson(json: string | Uint8Array, options?: AppendOptions & { trusted?: boolean }): Message;
  appendJson(
    json: string | Uint8Array,
    options: AppendOptions & { trusted?: boolean } = {},
  ): Appended {
    return this.appendBatch(
      [{ json, tags: options.tags, trusted: options.trusted === true }],
      options,
    )[0] as Appended;
  }

  /**
   * Appends many messages under one lock as one commit; returns them in order.
   *
   * @example
   * pool.appendBatch([{ data: 1 }, { data: 2, tags: ["x"] }]);
   */
  appendBatch<T = unknown>(
    inputs: readonly AppendInput[],
    options: BatchAppendOptions & { producer: ProducerOptions },
  ): Appended<T>[];
  appendBatch<T = unknown>(
    inputs: readonly AppendInput[],
    options?: BatchAppendOptions,
  ): Message<T>[];
  appendBatch<T = unknown>(
    inputs: readonly AppendInput[],
    options: BatchAppendOptions = {},
  ): Appended<T>[] {
    const durability = checkDurability(options.durability);
    const condition = checkAppendCondition(options);
    const producer = this.#checkProducer(options);
    const frames = this.#encode(inputs);
    if (frames.length === 0) return this.#emptyBatch(condition);
    const scratch = this.#encoder.buffer;
    const result = commitFrames(this.#writer, scratch, frames, durability, condition, producer);
    return this.#answer<T>(scratch, frames, result);
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
    options: AppendOptions & AsyncAppendOptions & { producer: ProducerOptions },
  ): Promise<Appended<T>>;
  async appendAsync<T>(data: T, options?: AppendOptions & AsyncAppendOptions): Promise<Message<T>>;
  async appendAsync<T>(
    data: T,
    options: AppendOptions & AsyncAppendOptions = {},
  ): Promise<Appended<T>> {
    const [message] = await this.appendBatchAsync<T>([{ data, tags: options.tags }], options);
    return message as Appended<T>;
  }

  /**
   * `appendJson` without blocking the event loop (see `appendAsync`).
   *
   * @example
   * const msg = await pool.appendJsonAsync('{"step":"lint"}', { trusted: true });
   */
  async appendJsonAsync(
    json: string | Uint8Array,
    options: AppendOptions & AsyncAppendOptions & { trusted?: boolean; producer: ProducerOptions },
  ): Promise<Appended>;
  async appendJsonAsync(
    json: string | Uint8Array,
    options?: AppendOptions & AsyncAppendOptions & { trusted?: boolean },
  ): Promise<Message>;
  async appendJsonAsync(
    json: string | Uint8Array,
    options: AppendOptions & AsyncAppendOptions & { trusted?: boolean } = {},
  ): Promise<Appended> {
    const [message] = await this.appendBatchAsync(
      [{ json, tags: options.tags, trusted: options.trusted === true }],
      options,
    );
    return message as Appended;
  }

  /**
   * `appendBatch` without blocking the event loop (see `appendAsync`): validated and encoded at
   * once (Usage errors come before any wait), committed as one commit once the lock is held.
   * Concurrent `flush` appends share one commit (one lock, one write, one publication, one
   * fdatasync pair), and appends that find the lock held wait in call order:
   * engine/append-queue.ts.
   *
   * @example
   * const messages = await pool.appendBatchAsync([{ data: 1 }, { data: 2 }], { durability: "flush" });
   */
  async appendBatchAsync<T = unknown>(
    inputs: readonly AppendInput[],
    options: BatchAppendOptions & AsyncAppendOptions & { producer: ProducerOptions },
  ): Promise<Appended<T>[]>;
  async appendBatchAsync<T = unknown>(
    inputs: readonly AppendInput[],
    options?: BatchAppendOptions & AsyncAppendOptions,
  ): Promise<Message<T>[]>;
  async appendBatchAsync<T = unknown>(
    inputs: readonly AppendInput[],
    options: BatchAppendOptions & AsyncAppendOptions = {},
  ): Promise<Appended<T>[]> {
    const durability = checkDurability(options.durability);
    const condition = checkAppendCondition(options);
    const producer = this.#checkProducer(options);
    const frames = this.#encode(inputs);
    if (frames.length === 0) return this.#emptyBatch(condition);
    this.#file.assertWritable();
    const committed = this.#appends.append(this.#encoder.buffer, frames, {
      durability,
      condition,
      producer,
      signal: options.signal,
    });
    const done = committed instanceof Promise ? await committed : committed;
    return this.#answer<T>(done.bytes, done.frames, done.result);
  }

  /**
   * An empty batch appends nothing and takes no lock; its condition is still answered (from the
   * published state), so a mismatched expectation is never reported as success.
   */
  #emptyBatch<T>(condition: AppendCondition | undefined): Appended<T>[] {
    if (condition?.expectedLastSeq !== undefined) {
      checkCondition(this.readState(), condition, this.#file.path);
    }
    return [];
  }

  /** The producer of an append's options, checked; Permission on a read-only handle. */
  #checkProducer(options: { producer?: ProducerOptions }): ProducerClaim | undefined {
    const producer = checkProducer(options.producer);
    if (producer) this.#file.assertWritable();
    return producer;
  }

  /** What an append answers, in input order (see pool-producers.ts). */
  #answer<T>(
    scratch: Buffer,
    frames: readonly EncodedFrame[],
    result: CommitResult,
  ): Appended<T>[] {
    return appendAnswers<T>(scratch, frames, result, (seq) => this.get<T>(seq));
  }

  /** Checks and encodes a batch into the encoder's buffer (Usage for what cannot be stored). */
  #encode(inputs: readonly AppendInput[]): EncodedFrame[] {
    return encodeBatch(this.#encoder, inputs, this.layout.ringSize, this.path);
  }

  /**
   * The message with `seq`. NotFound (with `seq`) when it was never written or was overwritten.
   *
   * @example
   * const msg = pool.get(42); console.log(msg.data);
   */
  get<T = unknown>(seq: number): Message<T> {
    return getMessage<T>(seq, this.#reader, () => this.readState(), this.path, this.layout);
  }

  /**
   * Follows the pool: replay (from `since` or the `last` N) then live messages, in seq order.
   *
   * @example
   * for await (const msg of pool.tail({ last: 10, timeoutMs: 1000 })) console.log(msg.data);
   */
  tail<T = unknown>(options: TailOptions = {}): AsyncIterable<Message<T>> {
    const pinned = this.#pinStart(options);
    const messages = tailMessages<T>(this.#tailSource(), pinned);
    if (pinned.autoAck !== true || pinned.cursor === undefined) return messages;
    const cursor = this.cursor(pinned.cursor);
    return ackingTail(messages, (seq) => cursor.ackAsync(seq));
  }

  /**
   * Like `tail`, but yields chunks of JSONL (one envelope per line) spliced from stored bytes;
   * `jsonlChunkLastSeq(chunk)` names each chunk's last seq (to ack after writing it).
   */
  tailJsonl(options: TailOptions = {}): AsyncIterable<Buffer> {
    const pinned = this.#pinStart(options);
    const chunks = tailJsonl(this.#tailSource(), pinned);
    if (pinned.autoAck !== true || pinned.cursor === undefined) return chunks;
    const cursor = this.cursor(pinned.cursor);
    return ackingTail(chunks, (seq) => cursor.ackAsync(seq));
  }

  #tailSource(): TailSource {
    return {
      path: this.path,
      ringOffset: this.layout.ringOffset,
      reader: new FrameReader(this.#file, this.layout),
      readState: () => this.readState(),
    };
  }

  /**
   * Pins the default start ("the next new message") to the moment `tail` is called; with a
   * cursor, the start is after its committed seq (a new cursor is created at the tail's start).
   */
  #pinStart(options: TailOptions): TailOptions {
    if (options.autoAck !== undefined && options.cursor === undefined) checkOptions(options);
    if (options.cursor !== undefined) {
      checkOptions(options); // every Usage error before the cursor is written
      const name = checkConsumerName(options.cursor, "cursor");
      const cursor = openTailCursor(this.#commits, name, (state) =>
        options.sinceTime !== undefined
          ? this.#commits.seqAt(options.sinceTime, state)
          : startSeq(options, state),
      );
      const { since: _s, sinceTime: _t, last: _l, ...rest } = options;
      return { ...rest, since: cursor.committed + 1 };
    }
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
