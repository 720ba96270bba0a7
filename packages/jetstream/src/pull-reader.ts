/**
 * A tail's read strategy on JetStream: one ephemeral pull consumer of the pool's stream (ack
 * none, in memory, one replica, from a given seq: what nats.js's ordered consumer makes), read
 * through one plain subscription instead of the client's consume machinery (a queued iterator,
 * a parsed JsMsg and a promise per message: about half of a replay's CPU). Deliveries land in a
 * local buffer the tail takes synchronously; it waits only when the buffer is empty.
 *
 * Invariants:
 * - Deliveries are handed out in the order the server sent them, each once. One pull request
 *   (BATCH messages, EXPIRES_MS) is outstanding at a time, and the next is sent only when that
 *   one is done (every message came, or the server said it expired) and at most BATCH / 2 are
 *   buffered: a reader holds at most 1.5 × BATCH deliveries, however slow its tail.
 * - A delivery whose consumer seq is not the next one (the connection or the server lost one),
 *   a 409 status (consumer deleted, leadership change), no responders, or an unreadable
 *   delivery marks the reader `lost`: nothing after it is handed out, and the tail replaces the
 *   reader from its expected seq, exactly as nats.js's ordered consumer resets. A stream seq
 *   jump with contiguous consumer seqs is a real gap (the ring discarded those), left to the
 *   tail's state machine.
 * - A pull the server never answers (lost in a reconnect) is sent again EXPIRES_MS + GRACE_MS
 *   after it was sent; `close()` ends the subscription and deletes the consumer.
 */
import { AckPolicy, DeliverPolicy } from "@nats-io/jetstream";
import { createInbox, type Msg, nanos, nuid, type Subscription } from "@nats-io/transport-node";
import type { Instant } from "@spool/core";
import type { PoolContext } from "./context.js";
import { deliveryOf } from "./delivery.js";
import { toSpoolError } from "./errors.js";

/** The name prefix of tail consumers (they count as readers: `delete` is Busy while one is). */
export const TAIL_CONSUMER_PREFIX = "spool-r-";

/** Messages asked for by one pull. */
export const BATCH = 256;
/** How long one pull waits on the server for messages before it expires (408). */
const EXPIRES_MS = 5000;
/** How long past its expiry a pull without any answer is taken as lost. */
const GRACE_MS = 2000;
/** A consumer without pulls for this long is removed by the server (a tail gone quiet). */
const INACTIVE_MS = 30_000;

/** One delivered message: its stream seq, stored time and the NATS message (data, headers). */
export interface Delivery {
  seq: number;
  time: Instant;
  msg: Msg;
}

export type ReaderWake = "message" | "timer" | "aborted" | "lost";

export class PullReader {
  readonly #ctx: PoolContext;
  readonly #name: string;
  readonly #inbox: string;
  readonly #next: string;
  readonly #sub: Subscription;
  #buffer: (Delivery | undefined)[] = [];
  #head = 0;
  /** Messages the outstanding pull may still bring (0: none outstanding). */
  #asked = 0;
  /** When the outstanding pull is taken as lost. */
  #deadline = 0;
  #consumerSeq = 0;
  #lost: string | undefined;
  #wake: ((why: ReaderWake) => void) | undefined;

  private constructor(ctx: PoolContext, name: string) {
    this.#ctx = ctx;
    this.#name = name;
    this.#inbox = createInbox();
    this.#next = `$JS.API.CONSUMER.MSG.NEXT.${ctx.stream}.${name}`;
    this.#sub = ctx.nc.subscribe(this.#inbox, { callback: (_error, msg) => this.#arrived(msg) });
  }

  /** A reader from stream seq `from` on (Io and the like as SpoolErrors). */
  static async open(ctx: PoolContext, from: number): Promise<PullReader> {
    const reader = new PullReader(ctx, `${TAIL_CONSUMER_PREFIX}${nuid.next()}`);
    try {
      await ctx.jsm.consumers.add(ctx.stream, {
        name: reader.#name,
        ack_policy: AckPolicy.None,
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: from,
        mem_storage: true,
        num_replicas: 1,
        inactive_threshold: nanos(INACTIVE_MS),
      });
    } catch (error) {
      reader.#sub.unsubscribe();
      throw toSpoolError(error, ctx.path, `tail of pool ${ctx.name}`);
    }
    reader.#pull();
    return reader;
  }

  /** Why the reader stopped handing out deliveries, or undefined while it reads. */
  get lost(): string | undefined {
    return this.#lost;
  }

  /** Deliveries received and not taken yet. */
  get buffered(): number {
    return this.#buffer.length - this.#head;
  }

  /** The next buffered delivery, or undefined (wait, or replace a lost reader). */
  take(): Delivery | undefined {
    if (this.#head === this.#buffer.length) {
      this.#maybePull();
      return undefined;
    }
    const delivery = this.#buffer[this.#head];
    this.#buffer[this.#head++] = undefined;
    if (this.#head === this.#buffer.length) {
      this.#buffer = [];
      this.#head = 0;
    }
    this.#maybePull();
    return delivery;
  }

  /** Waits for a delivery, the reader's loss, `ms` or the abort, whichever comes first. */
  wait(ms: number, signal: AbortSignal | undefined): Promise<ReaderWake> {
    if (this.#head < this.#buffer.length) return Promise.resolve("message");
    if (this.#lost !== undefined) return Promise.resolve("lost");
    if (signal?.aborted) return Promise.resolve("aborted");
    return new Promise<ReaderWake>((resolve) => {
      const onAbort = (): void => finish("aborted");
      const timer = setTimeout(() => finish("timer"), Math.max(0, ms));
      const finish = (why: ReaderWake): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.#wake = undefined;
        resolve(why);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#wake = finish;
    });
  }

  /** Ends the subscription and deletes the consumer on the server. */
  async close(): Promise<void> {
    this.#stop("closed");
    if (!this.#ctx.nc.isClosed()) {
      await this.#ctx.jsm.consumers.delete(this.#ctx.stream, this.#name).catch(() => {});
    }
  }

  #pull(): void {
    if (this.#lost !== undefined || this.#ctx.nc.isClosed()) return;
    this.#asked = BATCH;
    this.#deadline = Date.now() + EXPIRES_MS + GRACE_MS;
    try {
      this.#ctx.nc.publish(
        this.#next,
        JSON.stringify({ batch: BATCH, expires: nanos(EXPIRES_MS) }),
        { reply: this.#inbox },
      );
    } catch (error) {
      this.#stop(`the pull failed: ${(error as Error).message}`);
    }
  }

  #maybePull(): void {
    if (this.#buffer.length - this.#head > BATCH / 2) return;
    if (this.#asked > 0 && Date.now() < this.#deadline) return;
    this.#pull();
  }

  #arrived(msg: Msg): void {
    if (this.#lost !== undefined) return;
    const reply = msg.reply ?? "";
    if (reply.startsWith("$JS.ACK.")) {
      const delivered = deliveryOf(reply);
      if (delivered === undefined) {
        this.#stop(`an unreadable delivery ${reply}`);
        return;
      }
      if (delivered.consumerSeq !== this.#consumerSeq + 1) {
        this.#stop(
          `delivery ${delivered.consumerSeq} came after ${this.#consumerSeq}: one was lost`,
        );
        return;
      }
      this.#consumerSeq = delivered.consumerSeq;
      this.#buffer.push({ seq: delivered.seq, time: delivered.time, msg });
      if (--this.#asked <= 0) {
        this.#asked = 0;
        this.#maybePull();
      }
      this.#wake?.("message");
      return;
    }
    const code = msg.headers?.code ?? 0;
    if (code === 100) return; // a heartbeat
    if (code === 404 || code === 408) {
      // The pull ended (expired, or nothing to wait for): ask again when there is room.
      this.#asked = 0;
      this.#maybePull();
      return;
    }
    this.#stop(`JetStream answered the pull with ${code} ${msg.headers?.description ?? ""}`);
  }

  #stop(why: string): void {
    if (this.#lost !== undefined) return;
    this.#lost = why;
    try {
      this.#sub.unsubscribe();
    } catch {
      // the connection closed: its subscriptions went with it
    }
    this.#wake?.("lost");
  }
}
