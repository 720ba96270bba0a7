// Timing helpers: bounded timed loops (by count and by wall time), interleaved rounds with the
// median taken, percentiles, and number formatting. Every loop here stops at its count or its
// deadline, whichever comes first.

/** Monotonic time in milliseconds (fractional). */
export function nowMs() {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Wall-clock time in milliseconds with sub-millisecond precision, comparable across processes. */
export function wallMs() {
  return performance.timeOrigin + performance.now();
}

/**
 * Runs `body(i)` for i = 0..count-1, stopping early once `maxMs` passed (checked every 64
 * calls). Returns how many calls ran and the seconds they took.
 */
export function timeLoop(count, maxMs, body) {
  const start = nowMs();
  const deadline = start + maxMs;
  let i = 0;
  while (i < count) {
    body(i);
    i++;
    if ((i & 63) === 0 && nowMs() > deadline) break;
  }
  return { calls: i, seconds: (nowMs() - start) / 1000 };
}

/** Like timeLoop for an async body. */
export async function timeLoopAsync(count, maxMs, body) {
  const start = nowMs();
  const deadline = start + maxMs;
  let i = 0;
  while (i < count) {
    await body(i);
    i++;
    if ((i & 63) === 0 && nowMs() > deadline) break;
  }
  return { calls: i, seconds: (nowMs() - start) / 1000 };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The p-th percentile (0..100) by nearest rank. */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

/**
 * Runs each case once per round, round-robin, so slow drift of the machine hits every case
 * alike. A case is `{ key, setup?, run: async (round) => ({ ops, seconds, ...more }), close? }`:
 * setup runs once before the first round (in order), close once after the last. Returns, per
 * key, the per-round rates (ops/s), the median rate and every round's full result (`details`).
 */
export async function runRounds(cases, rounds, log) {
  const results = new Map(cases.map((c) => [c.key, { rates: [], ops: 0, details: [] }]));
  try {
    for (const c of cases) await c.setup?.();
    for (let r = 0; r < rounds; r++) {
      for (const c of cases) {
        await breathe();
        const result = await c.run(r);
        const entry = results.get(c.key);
        entry.rates.push(result.ops / result.seconds);
        entry.ops = result.ops;
        entry.details.push(result);
      }
    }
  } finally {
    for (const c of cases) await c.close?.();
  }
  for (const [key, entry] of results) {
    entry.rate = median(entry.rates);
    log?.(
      `  ${key.padEnd(30)} ${entry.rates.map((x) => formatCount(x)).join("  ")}  -> median ${formatCount(entry.rate)}/s (${entry.ops} ops per round)`,
    );
  }
  return results;
}

/** 1234 -> "1.23k", 1234567 -> "1.23M". */
export function formatCount(n) {
  if (!Number.isFinite(n)) return String(n);
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(2)}k`;
  return n >= 100 ? n.toFixed(0) : n.toFixed(1);
}

export function formatMs(ms) {
  if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`;
  return `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
}

/** Lets pending I/O callbacks and timers run between measurements. */
export function breathe(ms = 20) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
