/**
 * An engine whose pools read across the tiers: wraps any `PoolEngine` so that every pool it
 * creates or opens is an `ArchivedPool` over one shared archive reader. This is how the CLI, the
 * server and the API get cross-tier reads without a change to each surface: they are handed this
 * engine instead of the plain one.
 *
 * Invariants: list and delete are the wrapped engine's (the archive keeps a deleted pool's rows
 * under its old incarnation); `close()` closes the wrapped engine and the reader.
 */
import type { EngineCreateOptions, EngineKind, PoolEngine, PoolListEntry } from "@spool/core";
import type pg from "pg";
import { ArchivedPool } from "./archived-pool.js";
import { ArchiveReader } from "./reader.js";

/**
 * @example
 * const engine = new ArchivedEngine(new FileEngine({ dir }), { connection: "postgres://..." });
 * const pool = await engine.open("build");
 * for await (const m of pool.tail({ since: 1, follow: false })) console.log(m.seq);
 */
export class ArchivedEngine implements PoolEngine {
  readonly inner: PoolEngine;
  readonly reader: ArchiveReader;

  constructor(inner: PoolEngine, options: { connection: string | pg.PoolConfig }) {
    this.inner = inner;
    this.reader = new ArchiveReader(options.connection);
  }

  get kind(): EngineKind {
    return this.inner.kind;
  }

  get location(): string {
    return this.inner.location;
  }

  async create(name: string, options?: EngineCreateOptions): Promise<ArchivedPool> {
    return new ArchivedPool(await this.inner.create(name, options), this.reader);
  }

  async open(name: string): Promise<ArchivedPool> {
    return new ArchivedPool(await this.inner.open(name), this.reader);
  }

  list(): Promise<PoolListEntry[]> {
    return this.inner.list();
  }

  delete(name: string, options?: { force?: boolean }): Promise<void> {
    return this.inner.delete(name, options);
  }

  async close(): Promise<void> {
    await this.inner.close();
    await this.reader.close();
  }
}
