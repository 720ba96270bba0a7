/**
 * The app's open pools: one `Pool` per name, opened on first use and kept for later requests,
 * and the server's create limits (the largest pool, the bytes of all pools of the directory).
 *
 * Invariants: a cached handle is revalidated on every use (a `stat` of its path: a pool deleted
 * or replaced by another process is closed and reopened, or answered NotFound); a pool with
 * leases (open tails, waiting appends) is never closed under them — replacements retire it and
 * the last lease closes it; eviction (least recently used first, once more than `maxOpen` pools
 * are open) closes only pools without leases and never the pool the current call opened,
 * created or returns, so a request never gets a closed pool. While leases pin more pools than
 * `maxOpen`, the registry holds more than `maxOpen` pools (every pinned one plus the one in
 * use) and evicts down to the limit again as leases end and pools are used. Delete refuses with
 * Busy while this app has tails on the pool and closes this app's handle first, so core's in-use
 * check sees only other processes. Creates never block the event loop (core's async create)
 * and run one at a time, so the directory's bytes counted for the budget include every pool
 * this app created before.
 */
import * as fs from "node:fs";
import { join } from "node:path";
import {
  createPoolAsync,
  deletePool,
  openPool,
  POOL_EXTENSION,
  type Pool,
  type PoolInfo,
  poolFileSize,
  SpoolError,
} from "@spool/core";

interface Entry {
  pool: Pool;
  dev: number;
  ino: number;
  leases: number;
  retired: boolean;
}

export interface RegistryLease {
  pool: Pool;
  release(): void;
}

export interface RegistryOptions {
  readOnly: boolean;
  /** Pools kept open between requests. */
  maxOpen: number;
  /** Largest pool file a create may make, in bytes. */
  maxPoolSize: number;
  /** Bytes of all pool files of the directory beyond which creates are refused. */
  maxTotalPoolBytes: number;
  /** Lock timeout of every pool handle (how long an append waits for another writer). */
  lockTimeoutMs: number;
}

export class PoolRegistry {
  readonly #dir: string;
  readonly #options: RegistryOptions;
  /** Insertion order is use order (re-inserted on use): the first entry is least recently used. */
  readonly #entries = new Map<string, Entry>();
  /** The create running now (creates run one after another). */
  #creating: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(dir: string, options: RegistryOptions) {
    this.#dir = dir;
    this.#options = options;
  }

  get dir(): string {
    return this.#dir;
  }

  /** The open pool named `name` (NotFound if it does not exist). */
  get(name: string): Pool {
    return this.#entry(name).pool;
  }

  /** The pool, held open until `release` (for tails). */
  lease(name: string): RegistryLease {
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

  /**
   * Creates a pool of `size` bytes (AlreadyExists if present; Usage above the size limit or the
   * directory's budget), keeps it open and answers its info. The file is written without
   * blocking the event loop; creates queue behind each other.
   */
  async create(name: string, size: number): Promise<PoolInfo> {
    this.#checkOpen();
    const fileSize = poolFileSize(size);
    const { maxPoolSize } = this.#options;
    if (fileSize > maxPoolSize) {
      throw new SpoolError(
        "Usage",
        `a pool of ${fileSize} bytes is larger than this server's maximum pool size (${maxPoolSize} bytes)`,
        {
          hint: `ask for size_bytes of at most ${maxPoolSize}, or have the server's operator raise --max-pool-size`,
        },
      );
    }
    const run = this.#creating.then(() => this.#createNow(name, size, fileSize));
    this.#creating = run.catch(() => undefined);
    return run;
  }

  async #createNow(name: string, size: number, fileSize: number): Promise<PoolInfo> {
    this.#checkOpen();
    // An existing pool is AlreadyExists (core decides it), whatever the budget says.
    if (!(await exists(join(this.#dir, `${name}${POOL_EXTENSION}`)))) {
      await this.#checkBudget(fileSize);
    }
    const pool = await createPoolAsync(name, {
      dir: this.#dir,
      size,
      lockTimeoutMs: this.#options.lockTimeoutMs,
    });
    const info = pool.info();
    if (this.#closed) {
      pool.close(); // shut down while the file was written: the pool exists, nobody keeps it open
      return info;
    }
    // A handle cached for a file deleted behind our back must not leak when the name is reused.
    const stale = this.#entries.get(name);
    if (stale) this.#retire(name, stale);
    this.#remember(name, pool);
    return info;
  }

  /** Usage when `fileSize` more bytes would take the directory's pools past the budget. */
  async #checkBudget(fileSize: number): Promise<void> {
    const budget = this.#options.maxTotalPoolBytes;
    const used = await poolBytes(this.#dir);
    if (used + fileSize <= budget) return;
    throw new SpoolError(
      "Usage",
      `a pool of ${fileSize} bytes would take this server's pools to ${used + fileSize} bytes, above its budget of ${budget} bytes (${Math.max(0, budget - used)} bytes left)`,
      {
        hint: "delete pools you no longer need or ask for a smaller size_bytes; the server's operator can raise --max-total-pool-bytes",
      },
    );
  }

  /** Deletes a pool: Busy while this app tails it; core's checks for other processes. */
  delete(name: string): void {
    this.#checkOpen();
    const entry = this.#entries.get(name);
    if (entry) {
      if (entry.leases > 0) {
        throw new SpoolError(
          "Busy",
          `pool ${name} is in use by ${entry.leases} open tail(s) or waiting append(s) on this server`,
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
      // A missing file answers undefined rather than throwing (no error object per miss).
      let stat: fs.Stats | undefined;
      try {
        stat = fs.statSync(cached.pool.path, { throwIfNoEntry: false });
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
    const pool = openPool(name, {
      dir: this.#dir,
      readOnly: this.#options.readOnly,
      lockTimeoutMs: this.#options.lockTimeoutMs,
    });
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
    const { maxOpen } = this.#options;
    if (this.#entries.size <= maxOpen) return;
    for (const [name, entry] of this.#entries) {
      if (this.#entries.size <= maxOpen) break;
      if (entry.leases === 0 && entry !== keep) this.#retire(name, entry);
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return fs.promises.access(path).then(
    () => true,
    () => false,
  );
}

/** Bytes of the pool files (`*.spool`, not dot-files) in `dir`; 0 when it does not exist. */
async function poolBytes(dir: string): Promise<number> {
  let names: string[];
  try {
    names = await fs.promises.readdir(dir);
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return 0;
    throw error;
  }
  const sizes = await Promise.all(
    names
      .filter((n) => n.endsWith(POOL_EXTENSION) && !n.startsWith("."))
      .map((n) =>
        fs.promises.stat(join(dir, n)).then(
          (stat) => (stat.isFile() ? stat.size : 0),
          () => 0, // gone since the listing
        ),
      ),
  );
  return sizes.reduce((sum, size) => sum + size, 0);
}
