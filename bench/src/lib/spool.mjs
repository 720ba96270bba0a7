// Spool pools and plain files prepared for measuring: pools filled until they wrapped (the
// steady state of a bounded pool, where every append evicts the oldest messages) and
// pre-zeroed plain files of the same size (the floor's file, laid out like a pool's). Both are
// synced to disk before timing, so no case starts with another's writeback in flight.
import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";
import { Pool } from "@spool/core";

/**
 * Creates a pool of `size` and appends `texts` (already encoded JSON, cycled) in batches of 100
 * until the ring has wrapped once. Bounded: gives up after `maxMessages`.
 */
export function createFullPool(path, size, texts, maxMessages = 2_000_000) {
  const pool = Pool.create(path, { size });
  let i = 0;
  while (i < maxMessages) {
    const batch = [];
    for (let k = 0; k < 100; k++)
      batch.push({ json: texts[(i + k) % texts.length], trusted: true });
    pool.appendBatch(batch);
    i += 100;
    if ((pool.info().bounds?.oldest ?? 1) > 1) {
      syncFile(path);
      return pool;
    }
  }
  throw new Error(`pool ${path} did not wrap after ${maxMessages} messages`);
}

/** Creates a pool of `size` holding exactly `texts.length` messages (throws if they do not fit). */
export function createPoolWith(path, size, texts) {
  const pool = Pool.create(path, { size });
  for (let i = 0; i < texts.length; i += 100) {
    const batch = [];
    for (let k = i; k < Math.min(i + 100, texts.length); k++)
      batch.push({ json: texts[k], trusted: true });
    pool.appendBatch(batch);
  }
  const info = pool.info();
  if (info.bounds?.oldest !== 1 || info.messageCount !== texts.length) {
    pool.close();
    throw new Error(`pool ${path} of ${size} cannot hold ${texts.length} messages`);
  }
  syncFile(path);
  return pool;
}

/**
 * Writes the file's dirty pages to disk before timing starts, as `createZeroedFile` does for the
 * floor's file: otherwise the kernel's writeback of the fill competes with the timed appends.
 */
function syncFile(path) {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Creates a plain file of `bytes` zero bytes (written, like a pool's ring) and returns its fd. */
export function createZeroedFile(path, bytes) {
  const fd = openSync(path, "w+");
  const zeros = Buffer.alloc(1 << 20);
  for (let at = 0; at < bytes; at += zeros.length)
    writeSync(fd, zeros, 0, Math.min(zeros.length, bytes - at), at);
  fsyncSync(fd);
  return fd;
}

export function closeFd(fd) {
  closeSync(fd);
}
