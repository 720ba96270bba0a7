/**
 * The file engine behind the engine-neutral interface (engine-api.ts): a directory of pool files
 * as a `PoolEngine`, and one open `Pool` as an `EnginePool`.
 *
 * Invariants: a thin adapter with no semantics of its own — every call is the `Pool`'s
 * asynchronous twin (or its synchronous read, which never waits), so a file pool answers the
 * same bytes and errors through this interface as through its class; a pool is named by a
 * reference as the local API takes it (a name in the engine's directory, or a path; a URL is
 * Usage); `close()` closes every
 * handle the engine opened and later calls on them fail as on a closed `Pool`.
 */

import type { CursorInfo, GroupSettings } from "./consumers.js";
import type { AppendInput } from "./engine/encoder.js";
import type {
  EngineCreateOptions,
  EngineCursor,
  EngineGroup,
  EngineKind,
  EnginePool,
  PoolEngine,
} from "./engine-api.js";
import { SpoolError } from "./errors.js";
import type { Appended, Message } from "./message.js";
import type { Pool } from "./pool.js";
import {
  createPoolAsync,
  deletePool,
  listPools,
  openPool,
  type PoolListEntry,
} from "./pool-dir.js";
import type {
  AppendOptions,
  AsyncAppendOptions,
  BatchAppendOptions,
  OpenOptions,
  PoolInfo,
} from "./pool-options.js";
import type { ProducerInfo, ProducerOptions } from "./producer.js";
import type { TailOptions } from "./tail-options.js";

/** One file pool as an `EnginePool`. */
export class FileEnginePool implements EnginePool {
  readonly engine: EngineKind = "file";
  /** The file pool itself, for callers that want its synchronous API or fan-out paths. */
  readonly pool: Pool;
  readonly #onClose: ((handle: FileEnginePool) => void) | undefined;

  constructor(pool: Pool, onClose?: (handle: FileEnginePool) => void) {
    this.pool = pool;
    this.#onClose = onClose;
  }

  get name(): string {
    return this.pool.name;
  }

  async info(): Promise<PoolInfo> {
    return this.pool.info();
  }

  append<T>(
    data: T,
    options: AppendOptions & AsyncAppendOptions & { producer: ProducerOptions },
  ): Promise<Appended<T>>;
  append<T>(data: T, options?: AppendOptions & AsyncAppendOptions): Promise<Message<T>>;
  append<T>(data: T, options?: AppendOptions & AsyncAppendOptions): Promise<Appended<T>> {
    return this.pool.appendAsync(data, options);
  }

  appendJson(
    json: string | Uint8Array,
    options?: AppendOptions & AsyncAppendOptions,
  ): Promise<Appended> {
    return this.pool.appendJsonAsync(json, options);
  }

  appendBatch<T = unknown>(
    inputs: readonly AppendInput[],
    options?: BatchAppendOptions & AsyncAppendOptions,
  ): Promise<Appended<T>[]> {
    return this.pool.appendBatchAsync<T>(inputs, options);
  }

  async get<T = unknown>(seq: number): Promise<Message<T>> {
    return this.pool.get<T>(seq);
  }

  tail<T = unknown>(options?: TailOptions): AsyncIterable<Message<T>> {
    return this.pool.tail<T>(options);
  }

  async producerState(id: string): Promise<ProducerInfo | null> {
    return this.pool.producerState(id);
  }

  cursor(name: string): EngineCursor {
    const cursor = this.pool.cursor(name);
    return {
      name: cursor.name,
      info: async () => cursor.info(),
      ack: (seq, options) => cursor.ackAsync(seq, options),
      reset: (to) => cursor.resetAsync(to),
      delete: () => cursor.deleteAsync(),
    };
  }

  async cursors(): Promise<CursorInfo[]> {
    return this.pool.cursors();
  }

  /** The group's asynchronous twins (`…Async`): the same plans, bytes and errors as the class. */
  group(name: string, settings?: GroupSettings): EngineGroup {
    const group = this.pool.group(name, settings);
    return {
      name: group.name,
      ensure: () => group.ensureAsync(),
      claim: (options) => group.claimAsync(options),
      ack: (deliveries) => group.ackAsync(deliveries),
      nack: (delivery, options) => group.nackAsync(delivery, options),
      extend: (delivery, options) => group.extendAsync(delivery, options),
      info: async () => group.info(),
      delete: () => group.deleteAsync(),
    };
  }

  async groups() {
    return this.pool.groups();
  }

  async close(): Promise<void> {
    this.pool.close();
    this.#onClose?.(this);
  }
}

/** Where a file engine keeps pools, and how it opens them. */
export interface FileEngineOptions extends OpenOptions {
  /** The pool directory (default: SPOOL_DIR, else the platform default; see `defaultPoolDir`). */
  dir?: string | undefined;
}

/**
 * A directory of pool files as a `PoolEngine`.
 *
 * @example
 * const engine = new FileEngine({ dir: "/tmp/pools" });
 * const pool = await engine.create("build", { size: "1M" });
 * await pool.append({ step: "lint" });
 */
export class FileEngine implements PoolEngine {
  readonly kind: EngineKind = "file";
  readonly #options: FileEngineOptions;
  readonly #open = new Set<FileEnginePool>();

  constructor(options: FileEngineOptions = {}) {
    this.#options = options;
  }

  get location(): string {
    return this.#options.dir ?? "";
  }

  async create(name: string, options: EngineCreateOptions = {}): Promise<EnginePool> {
    const { replicas, ...create } = options;
    if (replicas !== undefined && replicas !== 1) {
      throw new SpoolError(
        "Usage",
        `a file pool has one copy; replicas ${String(replicas)} needs a replicating engine`,
        {
          hint: "leave replicas out (or 1) for file pools, or create the pool on a JetStream cluster (nats://host:port/POOL)",
        },
      );
    }
    const lockTimeoutMs = create.lockTimeoutMs ?? this.#options.lockTimeoutMs;
    const pool = await createPoolAsync(name, {
      ...create,
      dir: this.#options.dir,
      ...(lockTimeoutMs === undefined ? {} : { lockTimeoutMs }),
    });
    return this.#track(pool);
  }

  async open(name: string): Promise<EnginePool> {
    const { dir, ...open } = this.#options;
    return this.#track(openPool(name, { ...open, dir }));
  }

  async list(): Promise<PoolListEntry[]> {
    return listPools({ dir: this.#options.dir });
  }

  async delete(name: string, options: { force?: boolean } = {}): Promise<void> {
    deletePool(name, { dir: this.#options.dir, force: options.force === true });
  }

  async close(): Promise<void> {
    for (const handle of this.#open) handle.pool.close();
    this.#open.clear();
  }

  #track(pool: Pool): FileEnginePool {
    const handle = new FileEnginePool(pool, (closed) => this.#open.delete(closed));
    this.#open.add(handle);
    return handle;
  }
}
