/**
 * Taking a pool's writer lock without blocking the event loop, for processes that must keep
 * answering while another process holds the lock (a server): try the flock without waiting and,
 * while it is held elsewhere, sleep on a timer (growing from 1 ms to 5 ms) and try again, until
 * the lock timeout passes (Busy) or the caller's signal aborts.
 *
 * Invariants: the event loop is never blocked for longer than one try (a few µs); `locked` runs
 * in the same synchronous turn as the try that took the lock, so no other code of this process
 * runs while it is held (another append through the same descriptor would "take" the same flock
 * too: flock is per open file description); `locked` must release the lock before it returns or
 * throws (`commitLocked` does); `beforeWait` runs once, before the first sleep, and only if the
 * lock was not free at once.
 */
import { isSpoolError, SpoolError } from "../errors.js";
import type { PoolFile } from "../platform/file.js";
import { lockBusy, tryLockFile } from "../platform/lock.js";

/** Sleeps between tries, in ms: one pause per entry, then the last one repeated. */
const BACKOFF_MS = [1, 1, 2, 2, 3, 4, 5] as const;

export interface LockWaitOptions {
  /** Stops waiting (the lock is not taken, `locked` does not run). */
  signal?: AbortSignal | undefined;
  /** Called once before the first sleep (e.g. to copy shared buffers `locked` will need). */
  beforeWait?: (() => void) | undefined;
}

/**
 * Runs `locked` once the writer lock on `file` is held, waiting at most `timeoutMs` without
 * blocking the event loop; Busy after the timeout.
 */
export async function whenLocked<T>(
  file: PoolFile,
  timeoutMs: number,
  locked: () => T,
  options: LockWaitOptions = {},
): Promise<T> {
  const { signal } = options;
  const started = performance.now();
  for (let attempt = 0; ; attempt++) {
    if (signal?.aborted) throw abandoned(file.path, signal.reason);
    // `file.fd` throws Usage once the pool was closed while this append waited.
    if (tryLockFile(file.fd, file.path)) return locked();
    const waited = performance.now() - started;
    if (waited >= timeoutMs) throw lockBusy(file.path, timeoutMs);
    if (attempt === 0) options.beforeWait?.();
    const pause = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)] as number;
    await sleep(Math.min(pause, Math.max(0, timeoutMs - waited)), signal);
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (the loop then reports it). */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** The error of an append whose caller stopped waiting for the lock: its reason, if a SpoolError. */
function abandoned(path: string, reason: unknown): SpoolError {
  if (isSpoolError(reason)) return reason;
  return new SpoolError("Busy", "the append was cancelled while it waited for the pool's lock", {
    path,
    hint: "nothing was appended; retry the append",
    cause: reason,
  });
}
