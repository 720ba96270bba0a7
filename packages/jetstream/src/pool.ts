/**
 * One Spool pool on JetStream (`EnginePool`): appends, reads, tails and info over the pool's
 * stream, with the semantics of spec/api/v0 and the deviations of spec/engines/jetstream/v0.
 *
 * Invariants: stateless beyond its context (every answer comes from the stream, so any number
 * of handles, on any hosts, see one pool); seqs are the stream's seqs (from 1, never reused);
 * the handle holds no server resources between calls (a tail's consumer lives as long as its
 * loop), so `close()` has nothing to release.
 */
import {
  type Appended,
  type AppendInput,
  type AppendOptions,
  type AsyncAppendOptions,
  type BatchAppendOptions,
  type CursorInfo,
  checkProducerId,
  type EngineCursor,
  type EngineGroup,
  type EngineKind,
  type EnginePool,
  formatTime,
  type GroupInfo,
  type GroupSettings,
  type Message,
  type PoolInfo,
  type ProducerInfo,
  type ProducerOptions,
  producerInfo,
  SpoolError,
  type TailOptions,
} from "@spool/core";
import { type AppendRequest, appendInputs } from "./appends.js";
import type { PoolContext } from "./context.js";
import { JetStreamCursor, listCursors } from "./cursors.js";
import { JetStreamGroup, listGroups } from "./groups.js";
import {
  healthOf,
  poolHealthReport,
  type StreamHealthOptions,
  type StreamHealthReport,
} from "./health.js";
import { listProducers, readProducer } from "./producers.js";
import { getMessage, stateOf, streamInfo } from "./reads.js";
import { instantOf } from "./stored.js";
import { tailPool } from "./tail.js";

function checkSignal(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  const reason: unknown = signal.reason;
  if (reason instanceof SpoolError) throw reason;
  throw new SpoolError("Busy", "the append was aborted before it was sent: nothing was appended", {
    hint: "retry the append",
  });
}

export class JetStreamPool implements EnginePool {
  readonly name: string;
  readonly engine: EngineKind = "jetstream";
  readonly #ctx: PoolContext;

  constructor(ctx: PoolContext) {
    this.#ctx = ctx;
    this.name = ctx.name;
  }

  /** The pool reference `nats://host:port/POOL`. */
  get path(): string {
    return this.#ctx.path;
  }

  /** The JetStream stream holding the pool. */
  get stream(): string {
    return this.#ctx.stream;
  }

  /** How many copies of the pool the cluster keeps. */
  get replicas(): number {
    return this.#ctx.replicas;
  }

  async info(): Promise<PoolInfo> {
    const ctx = this.#ctx;
    const stream = await streamInfo(ctx);
    const state = stateOf(stream);
    const time = (ts: string | undefined): string | null => {
      if (ts === undefined) return null;
      const i = instantOf(ts, ctx.path);
      return formatTime(i.sec, i.nanos);
    };
    const [producers, cursors, groups] = await Promise.all([
      listProducers(ctx),
      listCursors(ctx),
      listGroups(ctx),
    ]);
    return {
      name: ctx.name,
      path: ctx.path,
      formatVersion: 0,
      fileSize: ctx.ringSize,
      ringSize: ctx.ringSize,
      indexCapacity: 0,
      indexStride: 1,
      bounds:
        state.messages === 0 ? null : { oldest: state.bounds.oldest, newest: state.bounds.newest },
      messageCount: state.messages,
      bytesUsed: state.bytes,
      bytesFree: Math.max(0, ctx.ringSize - state.bytes),
      maxMessageBytes: ctx.maxMessageBytes,
      oldestTime: time(state.firstTs),
      newestTime: time(state.lastTs),
      producerCount: producers.length,
      producerCapacity: 0,
      producers,
      cursors,
      groups,
      health: healthOf(stream, ctx.nc.info?.server_name),
    };
  }

  /** The stream's health as findings for `doctor` (health.ts); never throws for what it finds. */
  streamHealth(options: StreamHealthOptions = {}): Promise<StreamHealthReport> {
    return poolHealthReport(this.#ctx, options);
  }

  append<T>(
    data: T,
    options: AppendOptions & AsyncAppendOptions & { producer: ProducerOptions },
  ): Promise<Appended<T>>;
  append<T>(data: T, options?: AppendOptions & AsyncAppendOptions): Promise<Message<T>>;
  async append<T>(data: T, options: AppendOptions & AsyncAppendOptions = {}): Promise<Appended<T>> {
    checkSignal(options.signal);
    const [one] = await appendInputs<T>(
      this.#ctx,
      [{ data, tags: options.tags }],
      options as AppendRequest,
    );
    return one as Appended<T>;
  }

  async appendJson(
    json: string | Uint8Array,
    options: AppendOptions & AsyncAppendOptions = {},
  ): Promise<Appended> {
    checkSignal(options.signal);
    const [one] = await appendInputs(
      this.#ctx,
      [{ json, tags: options.tags }],
      options as AppendRequest,
    );
    return one as Appended;
  }

  async appendBatch<T = unknown>(
    inputs: readonly AppendInput[],
    options: BatchAppendOptions & AsyncAppendOptions = {},
  ): Promise<Appended<T>[]> {
    checkSignal(options.signal);
    return appendInputs<T>(this.#ctx, inputs, options as AppendRequest);
  }

  get<T = unknown>(seq: number): Promise<Message<T>> {
    return getMessage<T>(this.#ctx, seq);
  }

  tail<T = unknown>(options: TailOptions = {}): AsyncIterable<Message<T>> {
    const ctx = this.#ctx;
    return { [Symbol.asyncIterator]: () => tailPool<T>(ctx, options) };
  }

  async producerState(id: string): Promise<ProducerInfo | null> {
    checkProducerId(id);
    const ctx = this.#ctx;
    const state = await readProducer(ctx, id);
    return state === undefined ? null : producerInfo(state);
  }

  /** A durable cursor (spec/engines/jetstream/v0 §8.1). */
  cursor(name: string): EngineCursor {
    return new JetStreamCursor(this.#ctx, name);
  }

  cursors(): Promise<CursorInfo[]> {
    return listCursors(this.#ctx);
  }

  /** A consumer group (spec/engines/jetstream/v0 §8.2). */
  group(name: string, settings?: GroupSettings): EngineGroup {
    return new JetStreamGroup(this.#ctx, name, settings);
  }

  groups(): Promise<GroupInfo[]> {
    return listGroups(this.#ctx);
  }

  close(): void {}
}
