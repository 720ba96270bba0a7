/**
 * Notices on stderr: things a user or a script should know that are not errors (a drop in a
 * follow, a rejected record in a feed, a summary).
 *
 * Invariants: on a terminal a notice is one coloured line `kind: text`; otherwise it is one JSON
 * line `{"notice":{"kind":…,…fields}}`, never mixed with stdout data; `DropReporter` prints at
 * most one drop notice per second, folding the gaps in between into it, and flushes the rest
 * when the follow ends.
 */
import type { Gap } from "@spool/core";
import type { Io } from "./io.js";
import { paint } from "./style.js";

/** Prints one notice. */
export function notice(io: Io, kind: string, fields: Record<string, unknown>, human: string): void {
  if (io.stderrTty) io.errLine(`${paint(io.colorErr, "yellow", `${kind}:`)} ${human}`);
  else io.errLine(JSON.stringify({ notice: { kind, ...fields } }));
}

/** Folds retention gaps into at most one `drop` notice per interval. */
export class DropReporter {
  readonly #io: Io;
  readonly #pool: string;
  readonly #intervalMs: number;
  #pending: Gap | undefined;
  #lastAt = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;

  constructor(io: Io, pool: string, intervalMs = 1000) {
    this.#io = io;
    this.#pool = pool;
    this.#intervalMs = intervalMs;
  }

  /** Records a gap (called by the tail's onGap). */
  add(gap: Gap): void {
    this.#pending = this.#pending
      ? { from: this.#pending.from, to: gap.to, count: this.#pending.count + gap.count }
      : { ...gap };
    const wait = this.#lastAt + this.#intervalMs - Date.now();
    if (wait <= 0) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), wait);
  }

  /** Prints the pending drop notice, if any. */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const gap = this.#pending;
    if (!gap) return;
    this.#pending = undefined;
    this.#lastAt = Date.now();
    notice(
      this.#io,
      "drop",
      { pool: this.#pool, from: gap.from, to: gap.to, count: gap.count },
      `${gap.count} message(s) of ${this.#pool} were overwritten before they were read (seq ${gap.from}..${gap.to})`,
    );
  }
}
