/**
 * A live progress line on a terminal stderr (`fed 12,345 messages · 48,000/s`) for long feeds.
 *
 * Invariants: draws only when stderr is a terminal, at most ten times a second, on one line
 * (carriage return + erase); `stop` erases it so the terminal is left clean; its timer never
 * keeps the process alive.
 */
import type { Io } from "./io.js";

export class Progress {
  readonly #io: Io;
  readonly #label: string;
  readonly #started = performance.now();
  #count = 0;
  #drawn = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(io: Io, label: string) {
    this.#io = io;
    this.#label = label;
    if (io.stderrTty) {
      this.#timer = setInterval(() => this.#draw(), 100);
      this.#timer.unref();
    }
  }

  add(n: number): void {
    this.#count += n;
  }

  /** Messages per second so far. */
  get rate(): number {
    const seconds = (performance.now() - this.#started) / 1000;
    return seconds > 0 ? this.#count / seconds : 0;
  }

  get elapsedMs(): number {
    return performance.now() - this.#started;
  }

  #draw(): void {
    const n = this.#count.toLocaleString("en-US");
    const rate = Math.round(this.rate).toLocaleString("en-US");
    this.#io.errRaw(`\r\u001b[K${this.#label} ${n} messages · ${rate}/s`);
    this.#drawn = true;
  }

  stop(): void {
    if (!this.#timer) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#drawn) this.#io.errRaw("\r\u001b[K");
  }
}
