/**
 * The tail behind the live view: follows one pool (replay, then live) into a RowBuffer, and
 * tells the view at most every `frameMs` that rows arrived.
 *
 * Invariants: memory stays bounded at any message rate: rows go into the bounded RowBuffer,
 * and the rows waiting for the next frame are bounded too: while paused, past `capacity`
 * waiting rows, or while the person reads older rows of a full buffer (`hold`), the tail stops
 * pulling, so the engine's backpressure makes the reader wait (a local tail stops reading the
 * file, a remote one stops reading the socket); what the ring overwrites meanwhile comes back
 * as a gap when reading resumes. Gap rows go in exactly where the tail reported them (before
 * the first message after the hole). The loop yields to the event loop every `YIELD_EVERY`
 * messages, so keys and frames are served during a fast replay. `stop()` aborts the tail at
 * once; nothing of an aborted tail reaches the buffer.
 */
import type { TailOptions } from "@spool/core/shared";
import { gapRow, messageRow, type NewRow, type RowBuffer } from "./rows.js";
import type { WatchPool } from "./sources.js";

/** Where a (re)start begins: the newest N, a seq, or a time. */
export type TailStart = { last: number } | { since: number } | { sinceTime: string };

export type TailState = "live" | "paused" | "holding" | "ended" | "error";

const YIELD_EVERY = 256;

export class LiveTail {
  readonly #pool: WatchPool;
  readonly #buffer: RowBuffer;
  readonly #onChange: () => void;
  readonly #frameMs: number;
  #pending: NewRow[] = [];
  #timer: NodeJS.Timeout | undefined;
  #controller: AbortController | undefined;
  #wake: (() => void) | undefined;
  #paused = false;
  #hold = false;
  #ended = false;
  /** The failure that ended the tail, if one did. */
  error: unknown;
  /** Messages received since the last start. */
  received = 0;

  constructor(pool: WatchPool, buffer: RowBuffer, onChange: () => void, frameMs = 50) {
    this.#pool = pool;
    this.#buffer = buffer;
    this.#onChange = onChange;
    this.#frameMs = frameMs;
  }

  get state(): TailState {
    if (this.error !== undefined) return "error";
    if (this.#ended) return "ended";
    if (this.#paused) return "paused";
    return this.#holding() ? "holding" : "live";
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** Pausing stops reading; resuming reads on from where it stopped. */
  setPaused(paused: boolean): void {
    this.#paused = paused;
    this.#release();
    this.#onChange();
  }

  /** While set, the tail stops reading once the buffer is full (nothing being read is dropped). */
  setHold(hold: boolean): void {
    if (this.#hold === hold) return;
    this.#hold = hold;
    this.#release();
  }

  /** (Re)starts: clears the buffer, replays from `start`, then follows live. */
  start(start: TailStart, tags: readonly string[] = []): void {
    this.stop();
    this.#buffer.clear();
    this.#pending = [];
    this.received = 0;
    this.error = undefined;
    this.#ended = false;
    const controller = new AbortController();
    this.#controller = controller;
    const options: TailOptions = {
      ...start,
      follow: true,
      signal: controller.signal,
      onGap: (gap) => {
        if (controller.signal.aborted) return;
        this.#pending.push(gapRow(gap));
        this.#schedule();
      },
      ...(tags.length > 0 ? { tags } : {}),
    };
    void this.#run(options, controller.signal);
    this.#onChange();
  }

  stop(): void {
    this.#controller?.abort();
    this.#controller = undefined;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#release();
  }

  async #run(options: TailOptions, signal: AbortSignal): Promise<void> {
    let sinceYield = 0;
    try {
      for await (const message of this.#pool.tail(options)) {
        if (signal.aborted) break;
        // held before it is shown: a message arriving as the person pauses waits too
        while (this.#holding() && !signal.aborted) {
          await new Promise<void>((resolve) => {
            this.#wake = resolve;
          });
        }
        if (signal.aborted) break;
        this.#pending.push(messageRow(message));
        this.received++;
        this.#schedule();
        if (++sinceYield >= YIELD_EVERY) {
          sinceYield = 0;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
      if (!signal.aborted) this.#ended = true;
    } catch (error) {
      if (!signal.aborted) this.error = error;
    }
    if (!signal.aborted) {
      this.#flush();
      this.#onChange();
    }
  }

  #holding(): boolean {
    if (this.#paused) return true;
    if (this.#pending.length >= this.#buffer.capacity) return true;
    return this.#hold && this.#buffer.rows.length + this.#pending.length >= this.#buffer.capacity;
  }

  #release(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #flush(): void {
    if (this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    this.#buffer.push(batch);
  }

  #schedule(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#flush();
      this.#onChange();
      if (!this.#holding()) this.#release();
    }, this.#frameMs);
  }
}
