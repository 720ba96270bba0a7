/**
 * A pool whose reads cross from the archive into the ring: an `EnginePool` wrapper (around any
 * engine's pool) that serves a get below the ring from the archive, and replays a tail whose
 * `since`/`sinceTime` lies below the ring from the archive before handing over to the ring's own
 * tail at the next seq; `info` adds what the archive holds (`archive`).
 *
 * Invariants (spec/api/v0 §4, spec/archive/v0): one cursor over raw seqs across both tiers: every
 * seq is delivered at most once and in order; a seq neither tier holds is a gap reported exactly
 * as the ring reports one (core's retentionGap under policy `error`, `onGap` under `continue`),
 * before any filter; the hand-over starts the ring's tail at the first seq the archive phase did
 * not account for, so the ring's tail reports whatever the ring lost meanwhile; tags and where
 * filters, max and abort hold across the seam; every other operation is the wrapped pool's.
 */
import {
  type Appended,
  type AppendInput,
  type AppendOptions,
  type ArchiveInfo,
  type AsyncAppendOptions,
  type BatchAppendOptions,
  type CursorInfo,
  checkTailOptions,
  type EngineCursor,
  type EngineGroup,
  type EngineKind,
  type EnginePool,
  formatTime,
  type Gap,
  type GroupInfo,
  type GroupSettings,
  hasEveryTag,
  isSpoolError,
  type Message,
  type PoolInfo,
  type ProducerInfo,
  type ProducerOptions,
  retentionGap,
  type TailOptions,
  whereKeepsEnvelope,
} from "@spool/core";
import type { ArchiveReader } from "./reader.js";
import { messageOfRow } from "./rows.js";

export type ArchivedPoolInfo = PoolInfo & { archive: ArchiveInfo | null };

/** Rows read from the archive per query during a replay. */
const PAGE = 1000;

export class ArchivedPool implements EnginePool {
  readonly inner: EnginePool;
  readonly #reader: ArchiveReader;
  readonly cursor?: (name: string) => EngineCursor;
  readonly cursors?: () => Promise<CursorInfo[]>;
  readonly group?: (name: string, settings?: GroupSettings) => EngineGroup;
  readonly groups?: () => Promise<GroupInfo[]>;

  constructor(inner: EnginePool, reader: ArchiveReader) {
    this.inner = inner;
    this.#reader = reader;
    const { cursor, cursors, group, groups } = inner;
    if (cursor) this.cursor = (name) => cursor.call(inner, name);
    if (cursors) this.cursors = () => cursors.call(inner);
    if (group) this.group = (name, settings) => group.call(inner, name, settings);
    if (groups) this.groups = () => groups.call(inner);
  }

  get name(): string {
    return this.inner.name;
  }

  get engine(): EngineKind {
    return this.inner.engine;
  }

  async info(): Promise<ArchivedPoolInfo> {
    const info = await this.inner.info();
    const row = await this.#reader.row(this.inner);
    if (!row) return { ...info, archive: null };
    const stats = await this.#reader.stats(row);
    const newest = info.bounds?.newest ?? 0;
    const ringOldest = info.bounds?.oldest ?? newest + 1;
    const overwritten = Math.max(0, ringOldest - 1 - stats.watermark);
    return {
      ...info,
      archive: {
        watermark: stats.watermark,
        bounds: stats.bounds,
        messageCount: stats.messageCount,
        lag: Math.max(0, newest - stats.watermark),
        gapMessages: stats.gapMessages + overwritten,
        gapCount: stats.gapCount,
      },
    };
  }

  append<T>(
    data: T,
    options: AppendOptions & AsyncAppendOptions & { producer: ProducerOptions },
  ): Promise<Appended<T>>;
  append<T>(data: T, options?: AppendOptions & AsyncAppendOptions): Promise<Message<T>>;
  append<T>(data: T, options?: AppendOptions & AsyncAppendOptions): Promise<Appended<T>> {
    return this.inner.append(data, options);
  }

  appendJson(
    json: string | Uint8Array,
    options?: AppendOptions & AsyncAppendOptions,
  ): Promise<Appended> {
    return this.inner.appendJson(json, options);
  }

  appendBatch<T = unknown>(
    inputs: readonly AppendInput[],
    options?: BatchAppendOptions & AsyncAppendOptions,
  ): Promise<Appended<T>[]> {
    return this.inner.appendBatch<T>(inputs, options);
  }

  producerState(id: string): Promise<ProducerInfo | null> {
    return this.inner.producerState(id);
  }

  /** The message at `seq`: the ring's, else the archive's; NotFound when neither holds it. */
  async get<T = unknown>(seq: number): Promise<Message<T>> {
    try {
      return await this.inner.get<T>(seq);
    } catch (error) {
      if (!isSpoolError(error, "NotFound") || !Number.isSafeInteger(seq) || seq < 1) throw error;
      const row = await this.#reader.row(this.inner);
      const found = row ? await this.#reader.one(row, seq) : null;
      if (!found) throw error;
      return messageOfRow<T>(found.seq, found.time, found.tags, found.data);
    }
  }

  tail<T = unknown>(options: TailOptions = {}): AsyncIterable<Message<T>> {
    return this.#tail<T>(options);
  }

  async *#tail<T>(options: TailOptions): AsyncGenerator<Message<T>> {
    const checked = checkTailOptions(options);
    if (options.cursor !== undefined || (checked.since === undefined && !checked.sinceTime)) {
      return yield* this.inner.tail<T>(options);
    }
    const info = await this.inner.info();
    const ringOldest = info.bounds?.oldest ?? (info.bounds?.newest ?? 0) + 1;
    const sinceTime = checked.sinceTime
      ? formatTime(checked.sinceTime.sec, checked.sinceTime.nanos)
      : undefined;
    const below =
      checked.since !== undefined
        ? checked.since < ringOldest
        : info.oldestTime !== null && (sinceTime as string) < info.oldestTime;
    const row = below ? await this.#reader.row(this.inner) : null;
    if (!row) return yield* this.inner.tail<T>(options);
    let expected = checked.since ?? (await this.#reader.seqAt(row, sinceTime as string));
    if (expected === null) return yield* this.inner.tail<T>(options);
    const path = info.path;
    let delivered = 0;
    for (;;) {
      if (options.signal?.aborted) return;
      const now = await this.inner.info();
      const oldest = now.bounds?.oldest ?? (now.bounds?.newest ?? 0) + 1;
      if (expected >= oldest) break;
      const rows = await this.#reader.range(row, expected, oldest, PAGE);
      if (rows.length === 0) break; // neither tier holds `expected`: the ring's tail reports it
      for (const r of rows) {
        if (options.signal?.aborted) return;
        if (r.seq > expected) {
          const gap: Gap = { from: expected, to: r.seq - 1, count: r.seq - expected };
          if (checked.gapPolicy === "error") throw retentionGap(gap, path);
          options.onGap?.(gap);
        }
        expected = r.seq + 1;
        if (!hasEveryTag(r.tags, checked.tags)) continue;
        const message = messageOfRow<T>(r.seq, r.time, r.tags, r.data);
        if (!whereKeepsEnvelope(checked.where, r.seq, () => message.toJSON(), options.onWhereError))
          continue;
        yield message;
        delivered++;
        if (checked.max !== undefined && delivered >= checked.max) {
          options.onEnd?.("max");
          return;
        }
      }
    }
    const { sinceTime: _time, last: _last, ...rest } = options;
    const handOver: TailOptions = { ...rest, since: expected };
    if (checked.max !== undefined) handOver.max = checked.max - delivered;
    yield* this.inner.tail<T>(handOver);
  }

  close(): void | Promise<void> {
    return this.inner.close();
  }
}
