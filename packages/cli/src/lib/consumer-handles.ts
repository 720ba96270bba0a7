/**
 * Durable cursors and consumer groups as the CLI's commands use them (spec/api/v0 §3.11–3.12),
 * behind one small promise-based interface, and its local implementation over @spool/core's
 * PoolCursor and PoolGroup. A remote pool gets the SDK-backed one (remote-consumers.ts).
 *
 * Invariants: a handle never redefines what an operation means (checks, errors and their kinds
 * are core's or the server's); local operations that write wait for the pool's lock without
 * blocking the event loop (the `…Async` twins), so a worker's lease timers keep running.
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
  Pool,
  PoolCursor,
  PoolGroup,
} from "@spool/core";

/** Where a cursor reset puts the next tail: at a seq, or the first message at or after a time. */
export type CursorTarget = { seq: number } | { time: string };

/** One durable cursor of one pool. */
export interface CursorHandle {
  readonly name: string;
  /** NotFound when the pool does not keep it. */
  info(): Promise<CursorInfo>;
  /** Commits progress up to `seq` (monotonic). */
  ack(seq: number): Promise<CursorInfo>;
  /** Moves the cursor (creates it when absent). */
  reset(to: CursorTarget): Promise<CursorInfo>;
  /** Removes it; answers what it was (NotFound when absent). */
  delete(): Promise<CursorInfo>;
}

/** One consumer group of one pool, as a member uses it. */
export interface GroupHandle {
  readonly name: string;
  /** Up to `max` deliveries, waiting up to `waitMs` for one ([] when none came or cancelled). */
  claim(options: ClaimWaitOptions): Promise<Delivery[]>;
  ack(delivery: DeliveryRef): Promise<void>;
  nack(delivery: DeliveryRef, options: NackOptions): Promise<void>;
  /** Renews the lease from now; answers its new end (RFC 3339). */
  extend(delivery: DeliveryRef, options: ExtendOptions): Promise<string>;
  /** NotFound when the pool does not keep it. */
  info(): Promise<GroupInfo>;
  delete(): Promise<GroupInfo>;
  /** The last move to the dead-letter pool that failed (retried by the next claim or nack). */
  deadLetterError(): Error | undefined;
}

/** The consumer side of a pool target. */
export interface ConsumerAccess {
  cursor(name: string): CursorHandle;
  cursors(): Promise<CursorInfo[]>;
  group(name: string, settings?: GroupSettings): GroupHandle;
  groups(): Promise<GroupInfo[]>;
}

class LocalCursor implements CursorHandle {
  readonly #cursor: PoolCursor;
  constructor(cursor: PoolCursor) {
    this.#cursor = cursor;
  }
  get name(): string {
    return this.#cursor.name;
  }
  async info(): Promise<CursorInfo> {
    return this.#cursor.info();
  }
  ack(seq: number): Promise<CursorInfo> {
    return this.#cursor.ackAsync(seq);
  }
  reset(to: CursorTarget): Promise<CursorInfo> {
    return this.#cursor.resetAsync(to);
  }
  delete(): Promise<CursorInfo> {
    return this.#cursor.deleteAsync();
  }
}

class LocalGroup implements GroupHandle {
  readonly #group: PoolGroup;
  constructor(group: PoolGroup) {
    this.#group = group;
  }
  get name(): string {
    return this.#group.name;
  }
  claim(options: ClaimWaitOptions): Promise<Delivery[]> {
    return this.#group.claimAsync(options);
  }
  async ack(delivery: DeliveryRef): Promise<void> {
    await this.#group.ackAsync(delivery);
  }
  nack(delivery: DeliveryRef, options: NackOptions): Promise<void> {
    return this.#group.nackAsync(delivery, options);
  }
  extend(delivery: DeliveryRef, options: ExtendOptions): Promise<string> {
    return this.#group.extendAsync(delivery, options);
  }
  async info(): Promise<GroupInfo> {
    return this.#group.info();
  }
  delete(): Promise<GroupInfo> {
    return this.#group.deleteAsync();
  }
  deadLetterError(): Error | undefined {
    return this.#group.deadLetterError;
  }
}

/** The consumer side of a local pool handle. */
export function localConsumers(pool: Pool): ConsumerAccess {
  return {
    cursor: (name) => new LocalCursor(pool.cursor(name)),
    cursors: async () => pool.cursors(),
    group: (name, settings) => new LocalGroup(pool.group(name, settings)),
    groups: async () => pool.groups(),
  };
}
