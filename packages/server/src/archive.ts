/**
 * The archive tier of a server (`--archive URL`, `--archive-pools A,B`; spec/archive/v0): the
 * served engine wrapped so that gets and tails below the ring are answered from the archive
 * (HTTP and the SDK need no new parameter), and, for the pools named, archivers running beside
 * the server until it closes.
 *
 * Invariants: loaded only when an archive is configured (pg is imported here only); `stop()`
 * stops the archivers (each commits the batch in hand), then ends the archive's connections and
 * closes only the file engine it made itself (the caller's engine is the caller's to close).
 */
import { ArchivedEngine, runArchive } from "@spool/archive";
import { FileEngine, type PoolEngine } from "@spool/core";
import type { Logger } from "./log.js";

export interface ServedArchive {
  /** The engine to serve: the pools, reading across the archive. */
  engine: PoolEngine;
  stop(): Promise<void>;
}

/** Wraps the served pools (`engine`, else the directory `dir`) and starts the archivers. */
export function serveArchive(
  archive: { url: string; pools: readonly string[]; policy: "best-effort" | "required" },
  served: { dir: string; engine: PoolEngine | undefined },
  log: Logger,
): ServedArchive {
  const own = served.engine ? undefined : new FileEngine({ dir: served.dir });
  const inner = served.engine ?? (own as FileEngine);
  const wrapped = new ArchivedEngine(inner, { connection: archive.url });
  const control = new AbortController();
  const running =
    archive.pools.length === 0
      ? Promise.resolve()
      : runArchive({
          pools: archive.pools,
          engine: inner,
          policy: archive.policy,
          connection: archive.url,
          signal: control.signal,
          onEvent: (event) => {
            if (event.type === "started")
              log.info("archiving", { pool: event.pool, watermark: event.watermark });
            else if (event.type === "gap")
              log.warn("archive gap", { pool: event.pool, from: event.from, to: event.to });
            else if (event.type === "retry")
              log.warn("archive retry", {
                pool: event.pool,
                error: event.error instanceof Error ? event.error.message : String(event.error),
                delay_ms: event.delayMs,
              });
          },
        }).catch((error: unknown) => log.error("archiver stopped", { error: String(error) }));
  return {
    engine: wrapped,
    async stop() {
      control.abort();
      await running;
      await wrapped.reader.close();
      await own?.close();
    },
  };
}
