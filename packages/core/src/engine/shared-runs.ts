/**
 * Runs shared between the tails of one open pool file at the live edge: a run one follower just
 * read and validated is kept (copied once) so the other caught-up followers take it instead of
 * reading the ring again.
 *
 * Invariants: only bytes that were validated are handed out, copied once into a buffer nobody
 * writes again; only frames no newer than a published newest seq; a seq a taker's state shows
 * overwritten is never handed out; at most SHARED_RUNS × SHARED_RUN_BYTES of copies per file.
 */
import type { PoolState } from "../format/header.js";
import type { PoolFile } from "../platform/file.js";
import type { Run } from "./reader.js";

/** Largest run (bytes of frames) kept for other tails of the same file. */
const SHARED_RUN_BYTES = 256 * 1024;
/** Most runs kept per file (so at most SHARED_RUNS × SHARED_RUN_BYTES of copies per file). */
const SHARED_RUNS = 4;

/** A run kept for the tails of one open file (see `shareRun`); read-only once kept. */
export interface SharedRun extends Run {
  /** A slot for output derived from these frames by whoever needs it first (e.g. JSONL). */
  derived?: unknown;
}

/** A run taken from a shared run: its frames are `origin.frames` from index `from` on. */
export interface TakenRun extends Run {
  origin: SharedRun;
  from: number;
}

/** Per open pool file, the last few runs tails read up to the live edge (see `shareRun`). */
const liveRuns = new WeakMap<PoolFile, readonly SharedRun[]>();

const firstSeq = (run: Run): number => run.frames[0]?.seq ?? run.nextSeq;

/**
 * Offers a run just read by one tail to the other tails of the same open file: kept only when
 * it is whole (no problem), ends at the published newest seq of `state` (the live edge: every
 * follower near it wants these frames next) and is at most SHARED_RUN_BYTES. Its validated
 * frames are copied into a buffer of their own, which is never written again. The last
 * SHARED_RUNS such runs are kept (a run another kept run covers is not kept twice), so
 * followers a little behind the newest ones find theirs too.
 *
 * Safe to hand out later because a committed seq is never reused: the copy holds exactly the
 * bytes that passed `checkFrame` for that seq, so an overwrite in the file after the check can
 * never tear what a taker delivers (it reads the copy, not the file).
 */
export function shareRun(file: PoolFile, run: Run, state: PoolState): void {
  const first = run.frames[0];
  const last = run.frames[run.frames.length - 1];
  if (run.problem || !first || !last || run.nextSeq !== state.newest + 1) return;
  const start = first.at;
  const end = last.at + last.head.length;
  if (end - start > SHARED_RUN_BYTES) return;
  const known = liveRuns.get(file) ?? [];
  if (known.some((k) => firstSeq(k) <= first.seq && k.nextSeq >= run.nextSeq)) return;
  const buf = Buffer.allocUnsafe(end - start);
  run.buf.copy(buf, 0, start, end);
  const shared: SharedRun = {
    buf,
    frames: run.frames.map((f) => ({ seq: f.seq, at: f.at - start, head: f.head })),
    nextSeq: run.nextSeq,
    nextOffset: run.nextOffset,
  };
  const kept = known.filter((k) => firstSeq(k) < first.seq || k.nextSeq > run.nextSeq);
  kept.push(shared);
  liveRuns.set(file, kept.slice(-SHARED_RUNS));
}

/**
 * The frames from `seq` on of a kept run of `file` that holds `seq` (the one reaching furthest),
 * else undefined (the caller reads the ring itself). The frames may reach past the newest seq
 * of the taker's own (older) state: they were published when they were read, and a published
 * seq stays committed with the same bytes. A seq that `state` shows overwritten is never
 * handed out. The result's buffer and frame records are shared: read them, never write them.
 */
export function takeSharedRun(file: PoolFile, seq: number, state: PoolState): TakenRun | undefined {
  if (seq < state.oldest) return undefined;
  let best: SharedRun | undefined;
  for (const run of liveRuns.get(file) ?? []) {
    if (seq >= firstSeq(run) && seq < run.nextSeq && (!best || run.nextSeq > best.nextSeq))
      best = run;
  }
  if (!best) return undefined;
  const from = seq - firstSeq(best);
  return {
    buf: best.buf,
    frames: from === 0 ? best.frames : best.frames.slice(from),
    nextSeq: best.nextSeq,
    nextOffset: best.nextOffset,
    origin: best,
    from,
  };
}
