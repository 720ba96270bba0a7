/**
 * A long-running archive of several pools (what `spool archive` and `spool serve --archive-pools`
 * run): one archiver per pool, each with its own PostgreSQL connection, until the signal aborts;
 * then every archiver commits the batch in hand and the call returns.
 *
 * Invariants: pools are opened read-write through core's file engine, or the engine given (the
 * archiver keeps its marker cursor in the pool); a pool that cannot be opened yet is retried like a lost
 * connection, so an archive can be started before its pools exist.
 */
import { FileEngine, type PoolEngine } from "@spool/core";
import type pg from "pg";
import { type ArchivePolicy, type ArchiverEvent, archivePool } from "./archiver.js";

export interface RunArchiveOptions {
  pools: readonly string[];
  /** The pool directory (default: SPOOL_DIR, else core's default). */
  dir?: string | undefined;
  /** The engine holding the pools instead of `dir` (the caller's: it is not closed here). */
  engine?: PoolEngine | undefined;
  connection: string | pg.ClientConfig;
  batchSize?: number | undefined;
  policy?: ArchivePolicy | undefined;
  signal: AbortSignal;
  onEvent?: ((event: ArchiverEvent) => void) | undefined;
}

/** Archives every pool of `options.pools` until the signal aborts. */
export async function runArchive(options: RunArchiveOptions): Promise<void> {
  const own = options.engine ? undefined : new FileEngine({ dir: options.dir });
  const engine = options.engine ?? (own as FileEngine);
  try {
    await Promise.all(
      options.pools.map((name) =>
        archivePool(() => engine.open(name), {
          connection: options.connection,
          signal: options.signal,
          ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
          ...(options.policy === undefined ? {} : { policy: options.policy }),
          ...(options.onEvent ? { onEvent: options.onEvent } : {}),
        }),
      ),
    );
  } finally {
    await own?.close();
  }
}
