/**
 * Reconnect delays: exponential backoff with jitter, and an abortable sleep.
 *
 * Invariants: a delay is never above `maxMs` and never below `(1 - jitter)` of the exponential
 * step (so it is bounded on both sides); options are checked once (Usage on nonsense); a sleep
 * ends early, without throwing, when its signal aborts, and leaves no timer behind.
 */
import { usage } from "./errors.js";
import { checkOptionKeys } from "./options.js";

const BACKOFF_KEYS = ["initialMs", "maxMs", "factor", "jitter", "maxAttempts"];

/** How `follow` waits between reconnect attempts. */
export interface BackoffOptions {
  /** Delay before the first retry, in ms. Default 100. */
  initialMs?: number;
  /** Largest delay, in ms. Default 5000. */
  maxMs?: number;
  /** Growth per attempt. Default 2. */
  factor?: number;
  /** Fraction (0–1) of each delay that is randomised away, so clients do not retry in step. Default 0.5. */
  jitter?: number;
  /** Give up (throw the last error) after this many consecutive failed attempts. Default: never. */
  maxAttempts?: number;
}

export type ResolvedBackoff = Required<BackoffOptions>;

/** Checks and defaults backoff options. */
export function resolveBackoff(
  options: BackoffOptions = {},
  where = "the backoff of pool.follow()",
): ResolvedBackoff {
  checkOptionKeys(options, BACKOFF_KEYS, where);
  const out: ResolvedBackoff = {
    initialMs: options.initialMs ?? 100,
    maxMs: options.maxMs ?? 5000,
    factor: options.factor ?? 2,
    jitter: options.jitter ?? 0.5,
    maxAttempts: options.maxAttempts ?? Number.POSITIVE_INFINITY,
  };
  const ok =
    Number.isFinite(out.initialMs) &&
    out.initialMs >= 0 &&
    Number.isFinite(out.maxMs) &&
    out.maxMs >= out.initialMs &&
    Number.isFinite(out.factor) &&
    out.factor >= 1 &&
    out.jitter >= 0 &&
    out.jitter <= 1 &&
    out.maxAttempts >= 0;
  if (!ok) {
    throw usage(
      `invalid backoff options ${JSON.stringify(options)}`,
      "use 0 ≤ initialMs ≤ maxMs, factor ≥ 1, 0 ≤ jitter ≤ 1 and maxAttempts ≥ 0, e.g. { initialMs: 100, maxMs: 5000 }",
    );
  }
  return out;
}

/**
 * The delay before retry number `attempt` (1 for the first retry).
 *
 * @example
 * backoffDelay(3, resolveBackoff({ initialMs: 100, jitter: 0 })) // 400
 */
export function backoffDelay(
  attempt: number,
  backoff: ResolvedBackoff,
  random: () => number = Math.random,
): number {
  const step = Math.min(
    backoff.maxMs,
    backoff.initialMs * backoff.factor ** Math.max(0, attempt - 1),
  );
  return Math.round(step * (1 - backoff.jitter * random()));
}

/** Waits `ms`, or less if `signal` aborts (resolves either way). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
