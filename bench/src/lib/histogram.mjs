// A log-bucketed latency histogram: constant memory whatever the count, mergeable across
// processes (plain JSON), percentiles within ±1% of the exact value. Values are milliseconds;
// values below 1 µs (including small negative ones from clocks of two processes) land in the
// lowest bucket, and the exact minimum and maximum are kept beside the buckets.

const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);
/** Bucket 0 holds everything up to 1 µs; bucket i ≥ 1 holds (1 µs·G^(i-1), 1 µs·G^i]. */
const FLOOR_MS = 0.001;

export function newHistogram() {
  return { counts: {}, count: 0, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY };
}

function bucketOf(ms) {
  if (!(ms > FLOOR_MS)) return 0;
  return 1 + Math.floor(Math.log(ms / FLOOR_MS) / LOG_GROWTH);
}

/** The value a bucket stands for: the geometric middle of its bounds. */
function bucketValue(bucket) {
  if (bucket === 0) return FLOOR_MS;
  return FLOOR_MS * GROWTH ** (bucket - 0.5);
}

export function record(h, ms) {
  const b = bucketOf(ms);
  h.counts[b] = (h.counts[b] ?? 0) + 1;
  h.count++;
  if (ms < h.min) h.min = ms;
  if (ms > h.max) h.max = ms;
}

/** Adds `other` into `h` (both as made by newHistogram, possibly sent over IPC). */
export function merge(h, other) {
  for (const [b, n] of Object.entries(other.counts)) h.counts[b] = (h.counts[b] ?? 0) + n;
  h.count += other.count;
  if (other.count > 0) {
    h.min = Math.min(h.min, other.min);
    h.max = Math.max(h.max, other.max);
  }
  return h;
}

/** The p-th percentile (0..100) by nearest rank, clamped to the exact min and max. */
export function quantile(h, p) {
  if (h.count === 0) return Number.NaN;
  const rank = Math.min(h.count, Math.max(1, Math.ceil((p / 100) * h.count)));
  const buckets = Object.keys(h.counts)
    .map(Number)
    .sort((a, b) => a - b);
  let seen = 0;
  for (const b of buckets) {
    seen += h.counts[b];
    if (seen >= rank) return Math.min(h.max, Math.max(h.min, bucketValue(b)));
  }
  return h.max;
}
