/**
 * The pool operations as one engine-neutral, asynchronous interface: what a pool on disk (the
 * file engine), a pool on a NATS JetStream cluster (`@spool/jetstream`) and a pool behind a Spool
 * server (`@spool/client`) all answer, so servers, drivers and tools program against this and not
 * against one engine's class.
 *
 * Invariants: types only (node-free; exported from the shared entry of core); every operation keeps
 * the semantics spec/api/v0 gives it (the envelope, seqs from 1 strictly increasing and never
 * reused, gaps reported, errors as SpoolError of the spec's kind); an engine that cannot give a
 * guarantee lists the deviation in its engine spec (spec/engines/<engine>/v0) and reports it at
 * run time (an error or a field), never silently. Operations an engine does not have are absent
 * (`cursor`, `cursors`, `group`, `groups` are optional): callers answer Usage for them, with a
 * hint naming the engine that has them.
 */

import type {
  ClaimWaitOptions,
  CursorInfo,
  Delivery,
  DeliveryRef,
  ExtendOptions,
  GroupInfo,
  GroupSettings,
  NackOptions,
} from "./consumers.js";
import type { AppendInput } from "./engine/encoder.js";
import type { Appended, Message } from "./message.js";
import type { PoolListEntry } from "./pool-dir.js";
import type {
  AppendOptions,
  AsyncAppendOptions,
  BatchAppendOptions,
  CreateOptions,
  PoolInfo,
} from "./pool-options.js";
import type { ProducerInfo, ProducerOptions } from "./producer.js";
import type { TailOptions } from "./tail-options.js";
import type { Durability } from "./validate.js";

/** Which engine a pool lives on. */
export type EngineKind = "file" | "jetstream" | "http";

/** What any engine's create takes: the file engine's options, plus what another engine adds. */
export interface EngineCreateOptions extends CreateOptions {
  /** Copies of the pool an engine with replication keeps (JetStream: 1, 3 or 5; default 1). */
  replicas?: number;
}

/** A set of pools on one engine: a directory, a NATS cluster, a Spool server. */
export interface PoolEngine {
  readonly kind: EngineKind;
  /** Where the pools are, as a user would write it (a directory, `nats://host:port`, a URL). */
  readonly location: string;
  /** Creates a pool; AlreadyExists when it exists. */
  create(name: string, options?: EngineCreateOptions): Promise<EnginePool>;
  /** Opens a pool; NotFound when it does not exist. */
  open(name: string): Promise<EnginePool>;
  /** The pools, sorted by name; one that cannot be read is listed with its error. */
  list(): Promise<PoolListEntry[]>;
  /** Deletes a pool; NotFound when absent, Busy where the engine sees it in use. */
  delete(name: string, options?: { force?: boolean }): Promise<void>;
  /** Releases the engine's connections (open pools stop working). */
  close(): Promise<void>;
}

/** The cursor operations of spec/api/v0 §3.11, as an engine offers them. */
export interface EngineCursor {
  readonly name: string;
  info(): Promise<CursorInfo>;
  /** Commits progress up to `seq` (higher wins; Usage past the newest seq). */
  ack(seq: number, options?: { durability?: Durability }): Promise<CursorInfo>;
  reset(to: { seq: number } | { time: string | Date }): Promise<CursorInfo>;
  /** Forgets the cursor; answers what it was. NotFound when the pool keeps no such cursor. */
  delete(): Promise<CursorInfo>;
}

/**
 * The consumer-group operations of spec/api/v0 §3.12, as an engine offers them: the settings
 * given to `group(name, settings)` are stored by `ensure` and by every claim.
 */
export interface EngineGroup {
  readonly name: string;
  /** Creates the group when absent and stores the settings given; answers its info. */
  ensure(): Promise<GroupInfo>;
  /**
   * Up to `max` deliveries leased for `leaseMs` (acking `ack` first, all or none); with `waitMs`,
   * waits up to that long for something to claim and answers [] when nothing came.
   */
  claim<T = unknown>(options?: ClaimWaitOptions): Promise<Delivery<T>[]>;
  /** Finishes deliveries (one or a list; all or none); answers how many. */
  ack(deliveries: DeliveryRef | readonly DeliveryRef[]): Promise<number>;
  /** Gives a delivery back: claimable after `delayMs`, or given up after its last attempt. */
  nack(delivery: DeliveryRef, options?: NackOptions): Promise<void>;
  /** Renews a delivery's lease from now; answers the new lease end (RFC 3339 UTC). */
  extend(delivery: DeliveryRef, options?: ExtendOptions): Promise<string>;
  /** The group's state; NotFound when the pool keeps no such group. */
  info(): Promise<GroupInfo>;
  /** Removes the group and its deliveries; answers what it was. NotFound when absent. */
  delete(): Promise<GroupInfo>;
}

/** One pool on some engine. */
export interface EnginePool {
  readonly name: string;
  readonly engine: EngineKind;
  info(): Promise<PoolInfo>;
  append<T>(
    data: T,
    options: AppendOptions & AsyncAppendOptions & { producer: ProducerOptions },
  ): Promise<Appended<T>>;
  append<T>(data: T, options?: AppendOptions & AsyncAppendOptions): Promise<Message<T>>;
  /** Appends JSON text as stored (normalised as spec/api/v0 §3.2 says). */
  appendJson(
    json: string | Uint8Array,
    options?: AppendOptions & AsyncAppendOptions,
  ): Promise<Appended>;
  /** Appends many messages as one commit (all or none, or the engine spec's deviation). */
  appendBatch<T = unknown>(
    inputs: readonly AppendInput[],
    options?: BatchAppendOptions & AsyncAppendOptions,
  ): Promise<Appended<T>[]>;
  /** The message at `seq`; NotFound when the pool no longer (or never) held it. */
  get<T = unknown>(seq: number): Promise<Message<T>>;
  /** Replays then follows, with the tail options of spec/api/v0 §3.5. */
  tail<T = unknown>(options?: TailOptions): AsyncIterable<Message<T>>;
  /** The producer state the pool keeps for `id`, or null. */
  producerState(id: string): Promise<ProducerInfo | null>;
  cursor?(name: string): EngineCursor;
  cursors?(): Promise<CursorInfo[]>;
  group?(name: string, settings?: GroupSettings): EngineGroup;
  groups?(): Promise<GroupInfo[]>;
  /** Releases the handle (a file pool's descriptor; nothing for a stateless remote pool). */
  close(): void | Promise<void>;
}
