/**
 * Measuring how long the event loop was blocked while some work ran: a 5 ms interval timer
 * records the longest gap between its ticks. A blocked loop shows as one long gap; a free one
 * keeps the gaps near 5 ms (plus scheduling noise).
 */

export interface Measured<T> {
  value: T;
  /** Longest time between two ticks (or the start and the first tick), in ms. */
  maxGapMs: number;
  /** Wall time of the work, in ms. */
  elapsedMs: number;
}

/** Runs `work` (started after the timer) and reports the loop's longest gap meanwhile. */
export async function measureLoop<T>(work: () => Promise<T>): Promise<Measured<T>> {
  const started = performance.now();
  let last = started;
  let maxGapMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
  }, 5);
  try {
    const value = await work();
    const end = performance.now();
    maxGapMs = Math.max(maxGapMs, end - last);
    return { value, maxGapMs, elapsedMs: end - started };
  } finally {
    clearInterval(timer);
  }
}
