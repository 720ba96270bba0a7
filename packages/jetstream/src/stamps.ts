/**
 * Append times without a second round trip. nats-server 2.9's PubAck carries no timestamp, so
 * each connection that appends to a pool keeps one headers-only push consumer on its stream
 * (`spool-t-…`, ack none, deliver new, flow control, heartbeats): the reply subject of every
 * delivery carries the stream seq and the stored timestamp in nanoseconds, and the delivery
 * reaches the client about when the PubAck does. An append waits for the delivery of its seq
 * instead of reading its message back (spec/engines/jetstream/v0 §3).
 *
 * Invariants:
 * - A time comes only from a delivery of the stream's consumer for exactly that seq, received
 *   after the append took its mark (before it published), from the same consumer generation:
 *   a delivery received earlier cannot be of that message (stale stamps of a deleted stream
 *   with the same seqs are never used).
 * - Whenever a time is not known that way (no consumer, a consumer that skipped the seq or went
 *   quiet, the wait ran out) the answer is undefined and the caller reads the message back: the
 *   answer is always the stream's stored timestamp, never a guess.
 * - A consumer that shows no delivery nor heartbeat for QUIET_MS is dropped and made again on
 *   the next append; one unused for IDLE_MS is deleted; the connection's close ends them all.
 *   Held memory is bounded (EARLY_LIMIT early stamps per pool and connection).
 */
import { AckPolicy, DeliverPolicy, type JetStreamManager } from "@nats-io/jetstream";
import {
  createInbox,
  type Msg,
  type NatsConnection,
  nanos,
  nuid,
  type Subscription,
} from "@nats-io/transport-node";
import type { Instant } from "@spool/core";
import { deliveryOf } from "./delivery.js";

/** The name prefix of the stamps consumers (not readers: `delete` does not count them). */
export const STAMP_CONSUMER_PREFIX = "spool-t-";

/** Heartbeat the server sends an idle stamps consumer. */
const HEARTBEAT_MS = 1000;
/** No delivery nor heartbeat for this long: the consumer is gone (node loss, stream deleted). */
const QUIET_MS = 3 * HEARTBEAT_MS;
/** Longest an append waits for its stamp before reading its message back. */
const WAIT_MS = 1000;
/** A stamps consumer unused for this long is deleted. */
const IDLE_MS = 30_000;
/** After a consumer could not be made, appends read back for this long before trying again. */
const RETRY_MS = 30_000;
/** Stamps that arrived before their append asked, kept at most (the oldest are dropped). */
const EARLY_LIMIT = 4096;

/** Taken before an append publishes: which consumer, and how many deliveries it had seen. */
export interface StampMark {
  readonly generation: number;
  readonly seen: number;
}

interface Waiter {
  resolve: (time: Instant | undefined) => void;
  timer: ReturnType<typeof setTimeout>;
}

interface Live {
  generation: number;
  name: string;
  sub: Subscription;
}

/** The stream seq and the stored timestamp in a JetStream delivery's reply subject. */
export function deliveryStamp(reply: string): { seq: number; time: Instant } | undefined {
  const delivered = deliveryOf(reply);
  return delivered && { seq: delivered.seq, time: delivered.time };
}

/** The stamps of one stream on one connection. */
class StreamStamps {
  readonly #nc: NatsConnection;
  readonly #jsm: JetStreamManager;
  readonly #stream: string;
  #live: Live | undefined;
  #making: Promise<Live | undefined> | undefined;
  #generation = 0;
  /** Deliveries seen by the current consumer. */
  #seen = 0;
  /** Highest seq it delivered. */
  #highest = 0;
  #lastHeard = 0;
  #lastUsed = 0;
  #retryAt = 0;
  #idle: ReturnType<typeof setInterval> | undefined;
  readonly #early = new Map<number, { time: Instant; seen: number }>();
  readonly #waiters = new Map<number, Waiter[]>();

  constructor(nc: NatsConnection, jsm: JetStreamManager, stream: string) {
    this.#nc = nc;
    this.#jsm = jsm;
    this.#stream = stream;
  }

  /** The mark of an append about to publish, or undefined when its time is to be read back. */
  async mark(): Promise<StampMark | undefined> {
    this.#lastUsed = Date.now();
    let live = this.#live;
    if (live && this.#lastUsed - this.#lastHeard > QUIET_MS) {
      this.#drop();
      live = undefined;
    }
    if (!live) {
      if (this.#lastUsed < this.#retryAt || this.#nc.isClosed()) return undefined;
      this.#making ??= this.#make().finally(() => {
        this.#making = undefined;
      });
      live = await this.#making;
      if (!live) return undefined;
    }
    return { generation: live.generation, seen: this.#seen };
  }

  /** The stored time of `seq` appended after `mark`, or undefined (read it back). */
  timeOf(seq: number, mark: StampMark): Promise<Instant | undefined> | Instant | undefined {
    if (this.#live?.generation !== mark.generation) return undefined;
    const early = this.#early.get(seq);
    if (early !== undefined && early.seen > mark.seen) {
      this.#early.delete(seq);
      return early.time;
    }
    if (this.#highest >= seq) return undefined;
    return new Promise((resolve) => {
      const waiter: Waiter = {
        resolve,
        timer: setTimeout(() => {
          this.#unwait(seq, waiter);
          resolve(undefined);
          if (Date.now() - this.#lastHeard > QUIET_MS) this.#drop();
        }, WAIT_MS),
      };
      const list = this.#waiters.get(seq);
      if (list) list.push(waiter);
      else this.#waiters.set(seq, [waiter]);
    });
  }

  #unwait(seq: number, waiter: Waiter): void {
    const list = this.#waiters.get(seq);
    if (!list) return;
    const rest = list.filter((w) => w !== waiter);
    if (rest.length === 0) this.#waiters.delete(seq);
    else this.#waiters.set(seq, rest);
  }

  async #make(): Promise<Live | undefined> {
    const generation = ++this.#generation;
    const name = `${STAMP_CONSUMER_PREFIX}${nuid.next()}`;
    const inbox = createInbox();
    this.#seen = 0;
    this.#highest = 0;
    this.#early.clear();
    const sub = this.#nc.subscribe(inbox, {
      callback: (_error, msg) => this.#arrived(generation, msg),
    });
    try {
      await this.#jsm.consumers.add(this.#stream, {
        name,
        deliver_subject: inbox,
        headers_only: true,
        ack_policy: AckPolicy.None,
        deliver_policy: DeliverPolicy.New,
        flow_control: true,
        idle_heartbeat: nanos(HEARTBEAT_MS),
        inactive_threshold: nanos(10_000),
        mem_storage: true,
      });
    } catch {
      sub.unsubscribe();
      this.#retryAt = Date.now() + RETRY_MS;
      return undefined;
    }
    if (generation !== this.#generation || this.#nc.isClosed()) {
      sub.unsubscribe();
      return undefined;
    }
    this.#lastHeard = Date.now();
    const live: Live = { generation, name, sub };
    this.#live = live;
    this.#idle ??= setInterval(() => {
      if (Date.now() - this.#lastUsed > IDLE_MS && this.#waiters.size === 0) this.#drop();
    }, IDLE_MS / 3);
    this.#idle.unref?.();
    return live;
  }

  #arrived(generation: number, msg: Msg): void {
    if (generation !== this.#generation) return;
    this.#lastHeard = Date.now();
    const reply = msg.reply ?? "";
    if (!reply.startsWith("$JS.ACK.")) {
      // Flow control asks for a reply; a heartbeat may name a stalled flow to answer.
      if (reply !== "") msg.respond();
      else {
        const stalled = msg.headers?.get("Nats-Consumer-Stalled");
        if (stalled) this.#nc.publish(stalled);
      }
      return;
    }
    const stamp = deliveryStamp(reply);
    if (stamp === undefined) return;
    const { seq, time } = stamp;
    this.#seen++;
    if (seq > this.#highest) this.#highest = seq;
    const waiting = this.#waiters.get(seq);
    if (waiting) {
      this.#waiters.delete(seq);
      for (const w of waiting) {
        clearTimeout(w.timer);
        w.resolve(time);
      }
    } else {
      this.#early.set(seq, { time, seen: this.#seen });
      if (this.#early.size > EARLY_LIMIT) {
        const oldest = this.#early.keys().next().value as number;
        this.#early.delete(oldest);
      }
    }
    // Deliveries come in seq order: a waiter below this seq will not get its stamp (the ring
    // discarded its message before it was delivered); it reads back now.
    for (const [s, list] of this.#waiters) {
      if (s >= seq) break;
      this.#waiters.delete(s);
      for (const w of list) {
        clearTimeout(w.timer);
        w.resolve(undefined);
      }
    }
  }

  /** Stops the consumer: every waiter reads back, the next append makes a new one. */
  #drop(): void {
    const live = this.#live;
    this.#live = undefined;
    this.#generation++;
    this.#early.clear();
    for (const list of this.#waiters.values()) {
      for (const w of list) {
        clearTimeout(w.timer);
        w.resolve(undefined);
      }
    }
    this.#waiters.clear();
    if (this.#idle) clearInterval(this.#idle);
    this.#idle = undefined;
    if (!live) return;
    try {
      live.sub.unsubscribe();
    } catch {
      // the connection is closing: its subscriptions go with it
    }
    if (!this.#nc.isClosed()) this.#jsm.consumers.delete(this.#stream, live.name).catch(() => {});
  }

  /** Drops the consumer (its stream was deleted, or the connection closes). */
  stop(): void {
    this.#drop();
  }
}

const byConnection = new WeakMap<NatsConnection, Map<string, StreamStamps>>();

/** The stamps of `stream` on `nc` (made on first use, shared by every handle of the pool). */
export function stampsOf(nc: NatsConnection, jsm: JetStreamManager, stream: string): StreamStamps {
  let streams = byConnection.get(nc);
  if (!streams) {
    const made = new Map<string, StreamStamps>();
    streams = made;
    byConnection.set(nc, made);
    nc.closed()
      .then(() => {
        for (const s of made.values()) s.stop();
        made.clear();
      })
      .catch(() => {});
  }
  let stamps = streams.get(stream);
  if (!stamps) {
    stamps = new StreamStamps(nc, jsm, stream);
    streams.set(stream, stamps);
  }
  return stamps;
}

/** Forgets the stamps of a deleted stream on `nc`. */
export function dropStamps(nc: NatsConnection, stream: string): void {
  const streams = byConnection.get(nc);
  streams?.get(stream)?.stop();
  streams?.delete(stream);
}

export type { StreamStamps };
