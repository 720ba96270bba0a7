/**
 * Pools of any `PoolEngine` other than a directory (a JetStream cluster) as the app's
 * `PoolSource`: handles opened on first use and kept for later requests, with the server's
 * create limits.
 *
 * Invariants: the engine is the caller's (the app never closes it; `close()` closes the pool
 * handles it opened); a handle is kept at most `REVALIDATE_MS` before the next use reopens it, so
 * a pool deleted or re-created by another server in front of the same engine is seen within
 * that time (operations on a deleted pool answer the engine's NotFound meanwhile); concurrent
 * opens of one name share one open; eviction (least recently used first, beyond `maxOpen`)
 * never closes a leased handle; delete is Busy while this app has leases on the pool; creates
 * are within `maxPoolSize` and, counted over the engine's listing, `maxTotalPoolBytes` (Usage).
 */
import {
  type EngineKind,
  type EnginePool,
  type PoolEngine,
  type PoolInfo,
  type PoolListEntry,
  SpoolError,
} from "@spool/core";
import type { Lease, PoolSource, ServedPool } from "./pool-source.js";

/** How long an open handle is used before the next use reopens it. */
export const REVALIDATE_MS = 5_000;

export interface EngineSourceOptions {
  /** Handles kept open between requests. */
  maxOpen: number;
  /** Largest pool a create may make, in bytes. */
  maxPoolSize: number;
  /** Bytes of all the engine's pools beyond which creates are refused. */
  maxTotalPoolBytes: number;
  /** Copies the engine keeps of each pool created here. */
  replicas: number;
}

interface Entry {
  served: ServedPool;
  openedAt: number;
  leases: number;
  retired: boolean;
}

export class EngineSource implements PoolSource {
  readonly #engine: PoolEngine;
  readonly #options: EngineSourceOptions;
  /** Insertion order is use order: the first entry is the least recently used. */
  readonly #entries = new Map<string, Entry>();
  readonly #opening = new Map<string, Promise<Entry>>();
  #closed = false;

  constructor(engine: PoolEngine, options: EngineSourceOptions) {
    this.#engine = engine;
    this.#options = options;
  }

  get kind(): EngineKind {
    return this.#engine.kind;
  }

  get location(): string {
    return this.#engine.location;
  }

  get size(): number {
    return this.#entries.size;
  }

  async open(name: string): Promise<ServedPool> {
    return (await this.#entry(name)).served;
  }

  async lease(name: string): Promise<Lease> {
    const entry = await this.#entry(name);
    entry.leases++;
    let released = false;
    return {
      pool: entry.served.pool,
      file: undefined,
      release: () => {
        if (released) return;
        released = true;
        entry.leases--;
        if (entry.leases > 0) return;
        if (entry.retired) void closeQuietly(entry.served.pool);
        else this.#evict(undefined);
      },
    };
  }

  async create(name: string, size: number): Promise<PoolInfo> {
    this.#checkOpen();
    const { maxPoolSize, maxTotalPoolBytes } = this.#options;
    if (size > maxPoolSize) {
      throw new SpoolError(
        "Usage",
        `a pool of ${size} bytes is larger than this server's maximum pool size (${maxPoolSize} bytes)`,
        {
          hint: `ask for size_bytes of at most ${maxPoolSize}, or have the server's operator raise --max-pool-size`,
        },
      );
    }
    const used = (await this.#engine.list()).reduce((sum, e) => sum + (e.info?.ringSize ?? 0), 0);
    if (used + size > maxTotalPoolBytes) {
      throw new SpoolError(
        "Usage",
        `a pool of ${size} bytes would take this server's pools to ${used + size} bytes, above its budget of ${maxTotalPoolBytes} bytes (${Math.max(0, maxTotalPoolBytes - used)} bytes left)`,
        {
          hint: "delete pools you no longer need or ask for a smaller size_bytes; the server's operator can raise --max-total-pool-bytes",
        },
      );
    }
    const { replicas } = this.#options;
    const pool = await this.#engine.create(name, replicas === 1 ? { size } : { size, replicas });
    const info = await pool.info();
    const stale = this.#entries.get(name);
    if (stale) void this.#retire(name, stale);
    this.#remember(name, pool);
    return info;
  }

  list(): Promise<PoolListEntry[]> {
    this.#checkOpen();
    return this.#engine.list();
  }

  async delete(name: string): Promise<void> {
    this.#checkOpen();
    const entry = this.#entries.get(name);
    if (entry && entry.leases > 0) {
      throw new SpoolError(
        "Busy",
        `pool ${name} is in use by ${entry.leases} open tail(s) or waiting append(s) on this server`,
        { hint: "retry when the tails have ended, or stop the clients following it" },
      );
    }
    // This app's handle is closed first, so the engine's in-use check sees only other users.
    if (entry) await this.#retire(name, entry);
    await this.#engine.delete(name);
  }

  close(): void {
    this.#closed = true;
    for (const [name, entry] of this.#entries) void this.#retire(name, entry);
  }

  #checkOpen(): void {
    if (this.#closed) {
      throw new SpoolError("Busy", "the server is shutting down", {
        hint: "retry against the restarted server",
      });
    }
  }

  async #entry(name: string): Promise<Entry> {
    this.#checkOpen();
    const cached = this.#entries.get(name);
    if (cached && Date.now() - cached.openedAt < REVALIDATE_MS) {
      this.#entries.delete(name);
      this.#entries.set(name, cached);
      return cached;
    }
    let opening = this.#opening.get(name);
    if (opening === undefined) {
      opening = this.#engine.open(name).then(
        (pool) => {
          this.#opening.delete(name);
          const old = this.#entries.get(name);
          if (old) void this.#retire(name, old);
          if (this.#closed) void closeQuietly(pool);
          return this.#remember(name, pool);
        },
        (error: unknown) => {
          this.#opening.delete(name);
          const old = this.#entries.get(name);
          if (old) void this.#retire(name, old);
          throw error;
        },
      );
      this.#opening.set(name, opening);
    }
    return opening;
  }

  #remember(name: string, pool: EnginePool): Entry {
    const entry: Entry = {
      served: { pool, file: undefined },
      openedAt: Date.now(),
      leases: 0,
      retired: this.#closed,
    };
    if (!this.#closed) {
      this.#entries.set(name, entry);
      this.#evict(entry);
    }
    return entry;
  }

  /** Forgets the entry; closes its handle now when no lease holds it (settles once closed). */
  #retire(name: string, entry: Entry): Promise<void> {
    if (this.#entries.get(name) === entry) this.#entries.delete(name);
    entry.retired = true;
    return entry.leases === 0 ? closeQuietly(entry.served.pool) : Promise.resolve();
  }

  /** Closes least recently used handles without leases, except `keep`, down to `maxOpen`. */
  #evict(keep: Entry | undefined): void {
    const { maxOpen } = this.#options;
    for (const [name, entry] of this.#entries) {
      if (this.#entries.size <= maxOpen) break;
      if (entry.leases === 0 && entry !== keep) void this.#retire(name, entry);
    }
  }
}

/** Closes a handle, ignoring a failure (a handle closed already, a lost connection). */
async function closeQuietly(pool: EnginePool): Promise<void> {
  try {
    await pool.close();
  } catch {
    // nothing more to release
  }
}
