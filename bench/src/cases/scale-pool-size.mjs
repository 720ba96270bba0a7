// Scale curve: pool size (1 MiB … 4 GiB). One pool per size, created by @spool/core
// (`Pool.create` writes and syncs every byte of the file up front), then filled with the ~1 KB
// events until its ring wrapped or `cfg.fillCap` messages were in, whichever came first (a
// pool too large to fill in bounded time is measured on a filled window of `fillCap`
// messages), and synced. Then, in interleaved rounds over the sizes: single appends
// (`pool.append(event)`, stringify included), gets of uniformly random seqs among the messages
// the pool holds, and JSONL replays (`tailJsonl`) of its newest min(held, replayCount)
// messages, repeated until `replayCount` lines were read. A size may come twice, with core's
// default index capacity and with one of its own. Sizes that do not fit on the temp
// directory's file system (free space from statfs, as `df` shows it, with a margin) are skipped
// and reported. Every pool is closed and removed in `close`, also after a failure.
import { closeSync, fsyncSync, openSync, statfsSync } from "node:fs";
import { join } from "node:path";
import { Pool } from "@spool/core";
import { nowMs, timeLoop } from "../lib/measure.mjs";
import { rng } from "../lib/payload.mjs";
import { freshDir, removeDir, tempRoot } from "../lib/tmp.mjs";

/** Free space left beside the pools, for the rest of the run and everyone else. */
const MARGIN_BYTES = 2 * 1024 ** 3;

export const GiB = 1024 ** 3;

/** Bytes free for an unprivileged user on the file system of the run's temp directory. */
export function freeBytes() {
  const s = statfsSync(tempRoot());
  return s.bavail * s.bsize;
}

/** Writes a file's dirty pages to disk, so no timed case starts with its writeback in flight. */
export function syncPath(path) {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Appends `texts` (cycled) in batches of 100 until the ring wrapped or `cap` messages are in. */
function fill(pool, texts, cap) {
  let n = 0;
  while (n < cap) {
    const batch = [];
    for (let k = 0; k < 100; k++)
      batch.push({ json: texts[(n + k) % texts.length], trusted: true });
    pool.appendBatch(batch);
    n += 100;
    if ((pool.info().bounds?.oldest ?? 1) > 1) return { filled: n, wrapped: true };
  }
  return { filled: n, wrapped: false };
}

/**
 * The sizes that fit (all held at once, ascending) and the ones skipped. `sizes` =
 * [{ label, size, bytes, indexCapacity? }] (a pool with its own index capacity, else core's default).
 */
export function planSizes(sizes, free = freeBytes()) {
  const fit = [];
  const skipped = [];
  let used = 0;
  for (const s of [...sizes].sort((a, b) => a.bytes - b.bytes)) {
    if (used + s.bytes + MARGIN_BYTES <= free) {
      fit.push(s);
      used += s.bytes;
    } else skipped.push(s);
  }
  return { fit, skipped, free };
}

/** Creates and fills one pool per size; returns the fixtures (the caller closes them). */
export function preparePools(cfg, sizes, texts, log) {
  const fixtures = [];
  try {
    for (const s of sizes) {
      const dir = freshDir(`scale-size-${s.size}`);
      const path = join(dir, "pool.spool");
      const fx = { ...s, dir, path };
      fixtures.push(fx);
      let t = nowMs();
      const index = s.indexCapacity === undefined ? {} : { indexCapacity: s.indexCapacity };
      fx.pool = Pool.create(path, { size: s.size, ...index });
      fx.createSeconds = (nowMs() - t) / 1000;
      t = nowMs();
      Object.assign(fx, fill(fx.pool, texts, cfg.fillCap));
      syncPath(path);
      fx.fillSeconds = (nowMs() - t) / 1000;
      const info = fx.pool.info();
      fx.info = info;
      log(
        `  ${s.label}: created in ${fx.createSeconds.toFixed(1)} s; ${fx.filled} messages in ${fx.fillSeconds.toFixed(1)} s (${fx.wrapped ? "wrapped" : `window, ${((info.bytesUsed / info.ringSize) * 100).toFixed(0)}% of the ring`}); index ${info.indexCapacity} slots, stride ${info.indexStride}`,
      );
    }
    return fixtures;
  } catch (error) {
    closePools(fixtures);
    throw error;
  }
}

export function closePools(fixtures) {
  for (const fx of fixtures) {
    try {
      fx.pool?.close();
    } finally {
      removeDir(fx.dir);
    }
  }
}

function countLines(chunk) {
  let lines = 0;
  for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) lines++;
  return lines;
}

/** The cases, kind by kind over every size (appends of every size, then gets, then replays). */
export function poolSizeCases(cfg, fixtures, events) {
  const rand = rng(7);
  const fractions = Float64Array.from({ length: cfg.getCount }, () => rand());
  const appends = fixtures.map((fx) => ({
    key: `append ${fx.label}`,
    run: () => {
      for (let i = 0; i < cfg.warm; i++) fx.pool.append(events[i % events.length]);
      const r = timeLoop(cfg.appendCount, cfg.maxMs, (i) =>
        fx.pool.append(events[(cfg.warm + i) % events.length]),
      );
      return { ops: r.calls, seconds: r.seconds };
    },
  }));
  const gets = fixtures.map((fx) => ({
    key: `get ${fx.label}`,
    run: () => {
      const { oldest, newest } = fx.pool.info().bounds;
      const span = newest - oldest + 1;
      // The index keeps a slot for each of the newest indexCapacity indexed seqs: a get of an
      // older one walks frame headers (engine/reader.ts `locate`).
      const { indexCapacity, indexStride } = fx.info;
      const beyondIndex = Math.max(0, span - indexCapacity * indexStride) / span;
      const seqAt = (i) => oldest + Math.floor(fractions[i % fractions.length] * span);
      for (let i = 0; i < cfg.warm; i++) fx.pool.get(seqAt(fractions.length - 1 - i));
      const r = timeLoop(cfg.getCount, cfg.getMaxMs, (i) => {
        const seq = seqAt(i);
        if (fx.pool.get(seq).seq !== seq) throw new Error(`get(${seq}) returned another message`);
      });
      return { ops: r.calls, seconds: r.seconds, held: span, beyondIndex };
    },
  }));
  const replays = fixtures.map((fx) => ({
    key: `replay ${fx.label}`,
    run: async () => {
      const { oldest, newest } = fx.pool.info().bounds;
      const length = Math.min(newest - oldest + 1, cfg.replayCount);
      const since = newest - length + 1;
      const pass = async () => {
        let lines = 0;
        for await (const chunk of fx.pool.tailJsonl({ since, follow: false }))
          lines += countLines(chunk);
        if (lines !== length) throw new Error(`replay read ${lines} lines, expected ${length}`);
        return lines;
      };
      await pass();
      const start = nowMs();
      let lines = 0;
      while (lines < cfg.replayCount) lines += await pass();
      return { ops: lines, seconds: (nowMs() - start) / 1000, passLength: length };
    },
  }));
  return [...appends, ...gets, ...replays];
}
