/**
 * The app's open pools: one `Pool` per name, opened on first use and kept for later requests.
 *
 * Invariants: a cached handle is revalidated on every use (a `stat` of its path: a pool deleted
 * or replaced by another process is closed and reopened, or answered NotFound); a pool with
 * leases (open tails) is never closed under them — replacements retire it and the last lease
 * closes it; eviction (least recently used first, once more than `maxOpen` pools are open)
 * closes only pools without leases and never the pool the current call opened, created or
 * returns, so a request never gets a closed pool. While leases pin more pools than `maxOpen`,
 * the registry holds more than `maxOpen` pools (every pinned one plus the one in use) and
 * evicts down to the limit again as leases end and pools are used. Delete refuses with Busy
 * while this app has tails on the pool and closes this app's handle first, so core's in-use
 * check sees only other processes.
 */
import * as fs from "node:fs";
import { createPool, deletePool, openPool, type Pool, SpoolError } from "@spool/core";

interface Entry {
  pool: Pool;
  dev: number;
  ino: number;
  leases: number;
  retired: boolean;
}

export interface Lease {
  pool: Pool;
  release(): void;
}

export class PoolRegistry {
  readonly #dir: string;
  readonly #readOnly: boolean;
  readonly #maxOpen: number;
  /** Insertion order is use order (re-inserted on use): the first entry is least recently used. */
  readonly #entries = new Map<string, Entry>();
  #closed = false;

  constructor(dir: string, options: { readOnly: boolean; maxOpen: number }) {
    this.#dir = dir;
    this.#readOnly = options.readOnly;
    this.#maxOpen = options.maxOpen;
  }

  get dir(): string {
    return this.#dir;
  }

  /** The open pool named `name` (NotFound if it does not exist). */
  get(name: string): Pool {
    return this.#entry(name).pool;
  }

  /** The pool, held open until `release` (for tails). */
  lease(name: string): Lease {
    const entry = this.#entry(name);
    entry.leases++;
    let released = false;
    return {
      pool: entry.pool,
      release: () => {
        if (released) return;
        released = true;
        entry.leases--;
        if (entry.leases > 0) return;
        if (entry.retired) entry.pool.close();
        else this.#evict(undefined);
      },
    };
  }

  /** Creates a pool (AlreadyExists if present) and keeps it open. */
  create(name: string, size: number): Pool {
    this.#checkOpen();
    const pool = createPool(name, { dir: this.#dir, size });
    // A handle cached for a file deleted behind our back must not leak when the name is reused.
    const stale = this.#entries.get(name);
    if (stale) this.#retire(name, stale);
    this.#remember(name, pool);
    return pool;
  }

  /** Deletes a pool: Busy while this app tails it; core's checks for other processes. */
  delete(name: string): void {
    this.#checkOpen();
    const entry = this.#entries.get(name);
    if (entry) {
      if (entry.leases > 0) {
        throw new SpoolError(
          "Busy",
          `pool ${name} has ${entry.leases} open tail(s) on this server`,
          {
            hint: "retry when the tails have ended, or stop the clients following it",
          },
        );
      }
      this.#entries.delete(name);
      entry.pool.close();
    }
    deletePool(name, { dir: this.#dir });
  }

  /** Closes every pool (leased ones as their last lease ends). */
  close(): void {
    this.#closed = true;
    for (const [name, entry] of this.#entries) this.#retire(name, entry);
  }

  /** Number of pools currently held open. */
  get size(): number {
    return this.#entries.size;
  }

  #checkOpen(): void {
    if (this.#closed) {
      throw new SpoolError("Busy", "the server is shutting down", {
        hint: "retry against the restarted server",
      });
    }
  }

  #entry(name: string): Entry {
    this.#checkOpen();
    const cached = this.#entries.get(name);
    if (cached) {
      let stat: fs.Stats | undefined;
      try {
        stat = fs.statSync(cached.pool.path);
      } catch {
        stat = undefined;
      }
      if (stat && stat.ino === cached.ino && stat.dev === cached.dev && !cached.pool.closed) {
        this.#entries.delete(name);
        this.#entries.set(name, cached);
        return cached;
      }
      this.#retire(name, cached);
    }
    const pool = openPool(name, { dir: this.#dir, readOnly: this.#readOnly });
    return this.#remember(name, pool);
  }

  #remember(name: string, pool: Pool): Entry {
    let dev = -1;
    let ino = -1;
    try {
      const stat = fs.statSync(pool.path);
      dev = stat.dev;
      ino = stat.ino;
    } catch {
      // revalidated (and reopened) on next use
    }
    const entry: Entry = { pool, dev, ino, leases: 0, retired: false };
    this.#entries.set(name, entry);
    this.#evict(entry);
    return entry;
  }

  #retire(name: string, entry: Entry): void {
    if (this.#entries.get(name) === entry) this.#entries.delete(name);
    entry.retired = true;
    if (entry.leases === 0 && !entry.pool.closed) entry.pool.close();
  }

  /** Closes least recently used pools without leases, except `keep`, down to `maxOpen`. */
  #evict(keep: Entry | undefined): void {
    if (this.#entries.size <= this.#maxOpen) return;
    for (const [name, entry] of this.#entries) {
      if (this.#entries.size <= this.#maxOpen) break;
      if (entry.leases === 0 && entry !== keep) this.#retire(name, entry);
    }
  }
}
