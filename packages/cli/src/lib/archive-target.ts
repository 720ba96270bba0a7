/**
 * Local pools read across the archive tier (`--archive URL`, else $SPOOL_ARCHIVE): the pool is
 * wrapped in @spool/archive's ArchivedPool, so fetch, follow, pool info and doctor reach below
 * the ring without a code path of their own; plus the text and JSON of the archive's side of
 * info, and doctor's archive issues.
 *
 * Invariants: loaded only when an archive is given (it is where pg is imported); gets, tails
 * and gap reports are the archive package's (which are core's); JSONL lines are core's rendering
 * of each message, byte-identical to the ring's; `close()` also ends the PostgreSQL connections.
 */

import { ArchivedPool, ArchiveReader } from "@spool/archive";
import {
  type Appended,
  type AppendInput,
  type ArchiveInfo,
  type ArchiveInfoJson,
  archiveInfoJson,
  type BatchAppendOptions,
  FileEnginePool,
  type Message,
  openPool,
  type Pool,
  type PoolInfo,
  type ProducerInfo,
  type ProducerOptions,
  type TailOptions,
  type VerifyReport,
} from "@spool/core";
import { type ConsumerAccess, localConsumers } from "./consumer-handles.js";
import type { PoolTarget } from "./target.js";

/** The archive lines of `spool pool info`. */
export function archiveInfoText(archive: ArchiveInfo | null): string {
  if (!archive) return "archive:   (nothing archived)";
  const bounds = archive.bounds ? `${archive.bounds.oldest}..${archive.bounds.newest}` : "empty";
  return [
    `archive:   ${bounds} (${archive.messageCount} messages), watermark ${archive.watermark}, lag ${archive.lag}`,
    `archive gaps: ${archive.gapMessages} messages${archive.gapCount > 0 ? ` (${archive.gapCount} recorded ranges)` : ""}`,
  ].join("\n");
}

class ArchivedTarget implements PoolTarget {
  readonly #pool: Pool;
  readonly #archived: ArchivedPool;
  readonly #reader: ArchiveReader;

  constructor(pool: Pool, url: string) {
    this.#pool = pool;
    this.#reader = new ArchiveReader(url);
    this.#archived = new ArchivedPool(new FileEnginePool(pool), this.#reader);
  }
  get name(): string {
    return this.#pool.name;
  }
  get location(): string {
    return this.#pool.path;
  }
  append(
    inputs: readonly AppendInput[],
    options: BatchAppendOptions & { producer: ProducerOptions },
  ): Promise<Appended[]>;
  append(inputs: readonly AppendInput[], options?: BatchAppendOptions): Promise<Message[]>;
  async append(inputs: readonly AppendInput[], options: BatchAppendOptions = {}) {
    return this.#pool.appendBatch(inputs, options);
  }
  async producerState(id: string): Promise<ProducerInfo | null> {
    return this.#pool.producerState(id);
  }
  get(seq: number): Promise<Message> {
    return this.#archived.get(seq);
  }
  info(): Promise<PoolInfo> {
    return this.#archived.info();
  }
  async *tailJsonl(options: TailOptions): AsyncIterable<Buffer> {
    for await (const message of this.#archived.tail(options)) {
      yield Buffer.from(message.toJsonLine());
    }
  }
  tail(options: TailOptions): AsyncIterable<Message> {
    return this.#archived.tail(options);
  }
  consumers(): ConsumerAccess {
    return localConsumers(this.#pool);
  }
  close(): void {
    this.#pool.close();
    void this.#reader.close();
  }
}

/** A local pool whose reads cross into the archive at `url`. */
export function archivedTarget(pool: Pool, url: string): PoolTarget {
  return new ArchivedTarget(pool, url);
}

/**
 * Doctor's archive check of each verified pool: adds `archive` to the report and an issue for
 * an archive gap (warning: seqs neither tier holds) or an unreachable archive (Io, error).
 */
export async function checkArchives(
  reports: VerifyReport[],
  url: string,
  open: (path: string) => Pool = (path) => openPool(path, { readOnly: true }),
): Promise<(VerifyReport & { archive?: ArchiveInfoJson | null })[]> {
  const reader = new ArchiveReader(url);
  try {
    const out: (VerifyReport & { archive?: ArchiveInfoJson | null })[] = [];
    for (const report of reports) {
      if (!report.ok && report.messages === 0) {
        out.push(report);
        continue;
      }
      let pool: Pool | undefined;
      try {
        pool = open(report.path);
        const info = await new ArchivedPool(new FileEnginePool(pool), reader).info();
        const issues = [...report.issues];
        if (info.archive && info.archive.gapMessages > 0) {
          issues.push({
            kind: "RetentionGap",
            severity: "warning",
            path: report.path,
            message: `archive gap: ${info.archive.gapMessages} messages were overwritten before they were archived (neither tier holds them)`,
          });
        }
        out.push({ ...report, issues, archive: archiveInfoJson(info.archive) });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        out.push({
          ...report,
          ok: false,
          issues: [
            ...report.issues,
            { kind: "Io", severity: "error", path: report.path, message: `archive: ${message}` },
          ],
        });
      } finally {
        pool?.close();
      }
    }
    return out;
  } finally {
    await reader.close();
  }
}
