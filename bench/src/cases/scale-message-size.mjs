// Scale curve: message size (100 B … 1 MiB). Per size, 8 distinct objects of about that many
// bytes as compact JSON, built from the ~1 KB events (as many whole events as fit in an
// `items` array, the rest a `pad` string; below one event's size, a small record and its pad).
// Spool: `pool.append(object)` (stringify included) on a pool filled with the same objects
// until its ring wrapped (every timed append evicts). Floor, as the core suite's: the same
// `JSON.stringify`, encoded into a reused buffer, one positioned `fs.writeSync` into a
// pre-zeroed file of the pool's size, wrapping. Throughput in bytes of JSON per second. Each
// run is bounded by a byte budget, a message count and a deadline. Pools and files are removed
// in `close`.
import { writeSync } from "node:fs";
import { join } from "node:path";
import { Pool } from "@spool/core";
import { timeLoop } from "../lib/measure.mjs";
import { closeFd, createZeroedFile } from "../lib/spool.mjs";
import { freshDir, removeDir } from "../lib/tmp.mjs";
import { syncPath } from "./scale-pool-size.mjs";

const VARIANTS = 8;

/** An object of about `target` bytes of compact JSON (variant `v` picks other events). */
export function sizedObject(target, v, eventTexts, events) {
  const obj = { kind: "scale", variant: v, items: [], pad: "" };
  let bytes = JSON.stringify(obj).length;
  // Whole events while they fit, skipping the ones that do not (bounded: one pass over the events).
  for (let k = 0, tries = 0; tries < events.length; k++, tries++) {
    const i = (v * 131 + k) % events.length;
    const add = eventTexts[i].length + (obj.items.length > 0 ? 1 : 0);
    if (bytes + add > target) continue;
    obj.items.push(events[i]);
    bytes += add;
    tries = 0;
  }
  obj.pad = "x".repeat(Math.max(0, target - bytes));
  return obj;
}

/** The objects of one size, their texts' byte lengths and the mean. */
export function sizedObjects(target, events) {
  const eventTexts = events.map((e) => JSON.stringify(e));
  const objects = Array.from({ length: VARIANTS }, (_, v) =>
    sizedObject(target, v, eventTexts, events),
  );
  const bytes = objects.map((o) => Buffer.byteLength(JSON.stringify(o)));
  return { objects, bytes, mean: bytes.reduce((a, b) => a + b, 0) / bytes.length };
}

/** Fills `pool` with `texts` (cycled) in batches of at most ~1 MiB until its ring wrapped. */
function fillUntilWrapped(pool, texts, bytesPerText) {
  const perBatch = Math.max(1, Math.floor((1 << 20) / bytesPerText));
  const cap = Math.ceil((pool.info().ringSize / bytesPerText) * 2) + 1000;
  for (let n = 0; n < cap; n += perBatch) {
    const batch = [];
    for (let k = 0; k < perBatch; k++)
      batch.push({ json: texts[(n + k) % texts.length], trusted: true });
    pool.appendBatch(batch);
    if ((pool.info().bounds?.oldest ?? 1) > 1) return;
  }
  throw new Error(`pool ${pool.path} did not wrap after ${cap} messages`);
}

function bytesOf(bytes, from, calls) {
  let sum = 0;
  for (let i = 0; i < calls; i++) sum += bytes[(from + i) % bytes.length];
  return sum;
}

/**
 * Two cases per size (Spool, floor), size by size. `sizes` = [{ label, bytes }]; returns the
 * cases and, per label, the objects' mean size (`means`).
 */
export function messageSizeCases(cfg, sizes, events) {
  const cases = [];
  const means = new Map();
  for (const size of sizes) {
    const { objects, bytes, mean } = sizedObjects(size.bytes, events);
    means.set(size.label, mean);
    const count = Math.max(
      cfg.sizeMinCount,
      Math.min(cfg.sizeMaxCount, Math.round(cfg.sizeBytesPerRun / mean)),
    );
    const warm = Math.max(10, Math.round(count / 10));
    let spool;
    cases.push({
      key: `spool append ${size.label}`,
      setup: () => {
        const dir = freshDir(`scale-msg-${size.label}`);
        const path = join(dir, "pool.spool");
        spool = { dir, pool: Pool.create(path, { size: cfg.sizePoolSize }) };
        fillUntilWrapped(
          spool.pool,
          objects.map((o) => JSON.stringify(o)),
          mean,
        );
        syncPath(path);
      },
      run: () => {
        const { pool } = spool;
        for (let i = 0; i < warm; i++) pool.append(objects[i % VARIANTS]);
        const r = timeLoop(count, cfg.sizeMaxMs, (i) =>
          pool.append(objects[(warm + i) % VARIANTS]),
        );
        return { ops: bytesOf(bytes, warm, r.calls), seconds: r.seconds, messages: r.calls };
      },
      close: () => {
        if (!spool) return;
        try {
          spool.pool.close();
        } finally {
          removeDir(spool.dir);
        }
      },
    });
    let floor;
    cases.push({
      key: `floor ${size.label}`,
      setup: () => {
        const dir = freshDir(`scale-floor-${size.label}`);
        const fileBytes = cfg.sizePoolBytes;
        floor = {
          dir,
          fd: createZeroedFile(join(dir, "floor.bin"), fileBytes),
          buf: Buffer.allocUnsafe(Math.max(...bytes) + 64),
          pos: 0,
          size: fileBytes,
        };
      },
      run: () => {
        const s = floor;
        const write = (i) => {
          const n = s.buf.write(JSON.stringify(objects[i % VARIANTS]), 0);
          if (s.pos + n > s.size) s.pos = 0;
          writeSync(s.fd, s.buf, 0, n, s.pos);
          s.pos += n;
        };
        for (let i = 0; i < warm; i++) write(i);
        const r = timeLoop(count, cfg.sizeMaxMs, (i) => write(warm + i));
        return { ops: bytesOf(bytes, warm, r.calls), seconds: r.seconds, messages: r.calls };
      },
      close: () => {
        if (!floor) return;
        try {
          closeFd(floor.fd);
        } finally {
          removeDir(floor.dir);
        }
      },
    });
  }
  return { cases, means };
}
