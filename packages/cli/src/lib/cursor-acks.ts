/**
 * `follow --cursor`'s acknowledgements: a seq is acked only once everything printed up to it
 * has been written to stdout (the stream's write callback fired), so a follow killed at any
 * moment is re-delivered at most what it had not written yet.
 *
 * Invariants: acks are committed in increasing seq order, one at a time, the pending ones folded
 * into the highest (an ack is monotonic: acking 7 covers 1..7); a seq whose bytes were not
 * written (stdout's reader went away) is never acked, nor any seq after it; the first failed
 * ack stops further acks and is reported once (`onError`) and again by `settle`.
 */
import type { CursorHandle } from "./consumer-handles.js";
import type { Output } from "./io.js";

export class CursorAcks {
  readonly #cursor: CursorHandle;
  readonly #out: Output;
  readonly #onError: (error: unknown) => void;
  /** The highest seq whose bytes were written. */
  #wanted = 0;
  /** The highest seq acked. */
  #acked = 0;
  /** Writes whose callback has not fired yet. */
  #waiting = 0;
  /** Once a write failed, nothing later is acked. */
  #stopped = false;
  #running: Promise<void> | undefined;
  #error: unknown;
  #idle: (() => void) | undefined;

  constructor(cursor: CursorHandle, out: Output, onError: (error: unknown) => void) {
    this.#cursor = cursor;
    this.#out = out;
    this.#onError = onError;
  }

  /** The highest seq committed so far. */
  get acked(): number {
    return this.#acked;
  }

  /** `seq` was handled (printed, or left out by a filter): ack it once the output before it is written. */
  handled(seq: number): void {
    if (this.#stopped || seq <= 0) return;
    this.#waiting++;
    this.#out.afterWrites((written) => {
      this.#waiting--;
      if (!written) this.#stopped = true;
      else if (!this.#stopped && seq > this.#wanted) {
        this.#wanted = seq;
        this.#running ??= this.#commit();
      }
      this.#checkIdle();
    });
  }

  async #commit(): Promise<void> {
    try {
      while (this.#error === undefined && this.#wanted > this.#acked) {
        const seq = this.#wanted;
        try {
          await this.#cursor.ack(seq);
          this.#acked = seq;
        } catch (error) {
          this.#error = error;
          this.#stopped = true;
          this.#onError(error);
        }
      }
    } finally {
      this.#running = undefined;
      this.#checkIdle();
    }
  }

  #checkIdle(): void {
    if (this.#waiting === 0 && this.#running === undefined) this.#idle?.();
  }

  /**
   * Flushes stdout and waits for every ack of what was written; throws the first failed ack.
   */
  async settle(): Promise<void> {
    await this.#out.flush();
    if (this.#waiting > 0 || this.#running !== undefined) {
      await new Promise<void>((resolve) => {
        this.#idle = resolve;
        this.#checkIdle();
      });
      this.#idle = undefined;
    }
    if (this.#error !== undefined) throw this.#error;
  }
}
