/**
 * Where the app's pools come from: one interface over the served engine, so the routes program
 * against core's engine-neutral `EnginePool` (spec/api/v0 §3.13) whatever holds the pools.
 *
 * Two sources implement it: `FileSource` (a directory of pool files, through the file registry
 * of pools.ts with its handle cache, leases and create budget) and `EngineSource`
 * (engine-source.ts: any other `PoolEngine`, e.g. a JetStream cluster).
 *
 * Invariants: a served pool always has its `EnginePool`; `file` is the file `Pool` underneath
 * when the source is a directory (for the file engine's own fast paths: shared JSONL chunks,
 * consumer groups), and undefined otherwise; a lease keeps its pool open until released, and
 * `withLease` releases on every path.
 */
import {
  type EngineKind,
  type EnginePool,
  FileEnginePool,
  listPools,
  type Pool,
  type PoolInfo,
  type PoolListEntry,
  SpoolError,
} from "@spool/core";
import type { PoolRegistry } from "./pools.js";

/** A pool as the routes use it. */
export interface ServedPool {
  readonly pool: EnginePool;
  /** The file pool underneath (file sources only). */
  readonly file: Pool | undefined;
}

/** A served pool held open until `release` (tails, appends waiting for a lock). */
export interface Lease extends ServedPool {
  release(): void;
}

export interface PoolSource {
  /** The engine holding the pools. */
  readonly kind: EngineKind;
  /** Where they are (the directory, `nats://host:port`). */
  readonly location: string;
  /** The pool named `name` (NotFound if it does not exist). */
  open(name: string): Promise<ServedPool>;
  lease(name: string): Promise<Lease>;
  /** Creates a pool of `size` bytes within the server's limits; answers its info. */
  create(name: string, size: number): Promise<PoolInfo>;
  list(): Promise<PoolListEntry[]>;
  /** Deletes a pool: Busy while this app tails it. */
  delete(name: string): Promise<void>;
  /** Closes every pool (leased ones as their last lease ends). */
  close(): void;
  /** Pools held open now. */
  readonly size: number;
}

/** The file registry as a `PoolSource`: each cached `Pool` with its `FileEnginePool`. */
export class FileSource implements PoolSource {
  readonly kind: EngineKind = "file";
  readonly #registry: PoolRegistry;
  readonly #served = new WeakMap<Pool, ServedPool>();

  constructor(registry: PoolRegistry) {
    this.#registry = registry;
  }

  get location(): string {
    return this.#registry.dir;
  }

  get size(): number {
    return this.#registry.size;
  }

  async open(name: string): Promise<ServedPool> {
    return this.#serve(this.#registry.get(name));
  }

  async lease(name: string): Promise<Lease> {
    const lease = this.#registry.lease(name);
    const served = this.#serve(lease.pool);
    return { pool: served.pool, file: served.file, release: lease.release };
  }

  create(name: string, size: number): Promise<PoolInfo> {
    return this.#registry.create(name, size);
  }

  async list(): Promise<PoolListEntry[]> {
    return listPools({ dir: this.#registry.dir });
  }

  async delete(name: string): Promise<void> {
    this.#registry.delete(name);
  }

  close(): void {
    this.#registry.close();
  }

  #serve(file: Pool): ServedPool {
    let served = this.#served.get(file);
    if (served === undefined) {
      served = { pool: new FileEnginePool(file), file };
      this.#served.set(file, served);
    }
    return served;
  }
}

/**
 * Runs `use` with `name`'s pool leased until the promise settles, so a change waiting for the
 * pool's lock never finds its handle closed under it.
 *
 * @example
 * const info = await withLease(ctx.pools, "jobs", ({ pool }) => pool.producerState("w-1"));
 */
export async function withLease<R>(
  source: PoolSource,
  name: string,
  use: (served: ServedPool) => Promise<R>,
): Promise<R> {
  const lease = await source.lease(name);
  try {
    return await use(lease);
  } finally {
    lease.release();
  }
}

/** The file pool of `served`, or Usage naming what the served engine does not have. */
export function fileOnly(served: ServedPool, what: string, source: PoolSource): Pool {
  if (served.file !== undefined) return served.file;
  throw unavailable(what, source);
}

/** Usage: the served engine does not have `what` (spec/api/v0 §3.13). */
export function unavailable(what: string, source: PoolSource): SpoolError {
  return new SpoolError(
    "Usage",
    `${what} are not available on ${source.kind} pools through this server yet`,
    {
      hint: `serve a pool directory for ${what} (spool serve --dir DIR), or see the engine's spec for what it offers`,
    },
  );
}
