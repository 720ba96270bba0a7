/**
 * A hang guard for long fuzz loops. Timers cannot interrupt a synchronous infinite loop on the
 * test's own thread, so a watchdog runs on a worker thread: the loop records a heartbeat and a
 * description of the current step in shared memory; if the heartbeat stops for `stallMs`, the
 * watchdog writes the description to stderr and kills the test process (the run then fails
 * loudly instead of hanging). Async steps are bounded separately by the caller's own timers.
 */
import { Worker } from "node:worker_threads";

const TEXT_BYTES = 4096;

const WATCHDOG_SOURCE = `
const { workerData } = require("node:worker_threads");
const { writeSync } = require("node:fs");
const beats = new Int32Array(workerData.beats);
const text = new Uint8Array(workerData.text);
let last = Atomics.load(beats, 0);
let since = Date.now();
const timer = setInterval(() => {
  if (Atomics.load(beats, 1) === 1) return clearInterval(timer);
  const now = Atomics.load(beats, 0);
  if (now !== last) { last = now; since = Date.now(); return; }
  if (Date.now() - since < workerData.stallMs) return;
  const len = Atomics.load(beats, 2);
  const what = Buffer.from(text.subarray(0, len)).toString("utf8");
  writeSync(2, "\\n[" + workerData.label + "] no progress for " + workerData.stallMs + " ms; stuck in: " + what + "\\nkilling the test process\\n");
  process.kill(process.pid, "SIGKILL");
}, 100);
`;

export class Watchdog {
  readonly #beats = new Int32Array(new SharedArrayBuffer(12));
  readonly #text = new Uint8Array(new SharedArrayBuffer(TEXT_BYTES));
  readonly #worker: Worker;

  constructor(label: string, stallMs: number) {
    this.#worker = new Worker(WATCHDOG_SOURCE, {
      eval: true,
      workerData: { beats: this.#beats.buffer, text: this.#text.buffer, stallMs, label },
    });
    this.#worker.unref();
  }

  /** Records progress and what is being done now (shown if the process is killed). */
  beat(what: string): void {
    const bytes = Buffer.from(what.slice(0, TEXT_BYTES / 4), "utf8");
    this.#text.set(bytes.subarray(0, TEXT_BYTES));
    Atomics.store(this.#beats, 2, Math.min(bytes.length, TEXT_BYTES));
    Atomics.add(this.#beats, 0, 1);
  }

  async stop(): Promise<void> {
    Atomics.store(this.#beats, 1, 1);
    await this.#worker.terminate();
  }
}
