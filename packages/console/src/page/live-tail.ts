/**
 * The live tail behind the pool view: follows a pool with the SDK's reconnecting follower and
 * hands the page what arrived, at most once per animation frame.
 *
 * Invariants: memory stays bounded at any message rate: rows go into the RowBuffer (bounded),
 * and the rows waiting for the next frame are bounded too: past `capacity` of them, or while
 * paused, or while the person reads older rows of a full buffer (`holdWhenFull`), the tail stops
 * pulling, so the stream's backpressure makes the server wait (the follower resumes by seq
 * afterwards; what the ring overwrote meanwhile is reported as a gap). Gap notices are inserted
 * exactly where the tail reported them, before the first message after the jump. `stop()`
 * aborts the request at once.
 */
import type { FollowStatus, RemotePool } from "@spool/client";
import type { NewRow, RowBuffer } from "./rows.js";

export type TailStart = { last: number } | { since: number };

export interface LiveTailEvents {
  /** Called once per frame in which rows were added to the buffer. */
  onRows(): void;
  onStatus(status: FollowStatus): void;
  onError(error: unknown): void;
}

const decoder = new TextDecoder();

export class LiveTail {
  readonly #pool: RemotePool;
  readonly #buffer: RowBuffer;
  readonly #events: LiveTailEvents;
  #pending: NewRow[] = [];
  #frame = 0;
  #controller: AbortController | undefined;
  #wake: (() => void) | undefined;
  #paused = false;
  #holdWhenFull = false;
  /** Messages received since the last start. */
  received = 0;

  constructor(pool: RemotePool, buffer: RowBuffer, events: LiveTailEvents) {
    this.#pool = pool;
    this.#buffer = buffer;
    this.#events = events;
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** Pausing stops reading (the server waits); resuming reads on from where it stopped. */
  setPaused(paused: boolean): void {
    this.#paused = paused;
    this.#release();
  }

  /** While set, the tail stops reading once the buffer is full (nothing the reader sees is dropped). */
  setHoldWhenFull(hold: boolean): void {
    this.#holdWhenFull = hold;
    this.#release();
  }

  /** (Re)starts following: clears the buffer, then replays from `start` and goes on live. */
  start(start: TailStart): void {
    this.stop();
    this.#buffer.clear();
    this.#pending = [];
    this.received = 0;
    const controller = new AbortController();
    this.#controller = controller;
    const follower = this.#pool.follow({
      ...start,
      signal: controller.signal,
      onStatus: (status) => {
        if (controller.signal.aborted) return;
        if (status.state === "gap") {
          const { from, to, count } = status.gap;
          this.#pending.push({ kind: "gap", from, to, count });
          this.#schedule();
        }
        this.#events.onStatus(status);
      },
    });
    void this.#run(follower, controller.signal);
  }

  stop(): void {
    this.#controller?.abort();
    this.#controller = undefined;
    if (this.#frame !== 0) cancelAnimationFrame(this.#frame);
    this.#frame = 0;
    this.#release();
  }

  async #run(follower: AsyncIterable<import("@spool/client").RemoteMessage>, signal: AbortSignal) {
    try {
      for await (const message of follower) {
        if (signal.aborted) break;
        // Held before it is shown: a message that arrives as the person pauses waits too.
        while (this.#holding() && !signal.aborted) {
          await new Promise<void>((resolve) => {
            this.#wake = resolve;
          });
        }
        if (signal.aborted) break;
        this.#pending.push({
          kind: "message",
          seq: message.seq,
          time: message.time,
          tags: message.tags,
          text: decoder.decode(message.dataBytes),
        });
        this.received++;
        this.#schedule();
      }
    } catch (error) {
      if (!signal.aborted) this.#events.onError(error);
    }
  }

  #holding(): boolean {
    if (this.#paused) return true;
    const total = this.#buffer.rows.length + this.#pending.length;
    if (this.#pending.length >= this.#buffer.capacity) return true;
    return this.#holdWhenFull && total >= this.#buffer.capacity;
  }

  #release(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #schedule(): void {
    if (this.#frame !== 0) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      const batch = this.#pending;
      this.#pending = [];
      this.#buffer.push(batch);
      this.#events.onRows();
      if (!this.#holding()) this.#release();
    });
  }
}
