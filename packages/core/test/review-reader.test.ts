/**
 * Review finding in engine/reader.ts `readRun`: when a read buffer ends exactly at the ring's
 * end and fewer than 48 bytes (a frame header) remain after the last frame, the bytes there were
 * decoded as a frame header unless they were an intact wrap marker. A wrap marker is not covered
 * by any checksum; with its state word damaged, `readFrameHead` read past the buffer and threw a
 * RangeError (not a SpoolError) out of tail/verify. With the default 1 MiB chunk this happens
 * when a read starts exactly 1 MiB before the ring's end; a small chunk shows it in a 16K pool.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FrameReader } from "../src/engine/reader.js";
import { createPool, openPool, verifyPool } from "../src/index.js";
import { openRawPool } from "./helpers/raw-pool.js";
import { useTempDirs } from "./helpers/temp-dir.js";

const tempDir = useTempDirs("spool-review-reader-");

describe("readRun at the ring's end", () => {
  it("treats fewer than 48 bytes before the ring's end as the end, even with a damaged wrap marker", async () => {
    const path = join(tempDir(), "p.spool");
    const pool = createPool(path, { size: "16K" }); // ring 8192
    // 128-byte frames (data of 52 bytes) tile [0, 8064); one 112-byte frame ends at 8176.
    pool.appendBatch(Array.from({ length: 63 }, () => ({ data: "x".repeat(50) })));
    pool.append("y".repeat(34));
    expect(pool.info().bytesUsed).toBe(8176);
    pool.append("x".repeat(50)); // does not fit: wrap marker at 8176, frame at 0
    const ringOffset = pool.layout.ringOffset;
    pool.close();

    // Damage the marker's state word (no checksum covers it): "WRAP" -> "CMTD".
    const fd = openSync(path, "r+");
    writeSync(fd, Buffer.from("CMTD", "latin1"), 0, 4, ringOffset + 8176 + 4);
    closeSync(fd);

    const { file, layout, state } = openRawPool(path);
    try {
      // A reader with a 4 KiB chunk, reading seq 33 (at ring offset 4096) on: one fill of
      // [4096, 8192) exactly, then 16 bytes before the ring's end.
      const reader = new FrameReader(file, layout, 4096);
      const run = reader.readRun(33, 4096, state, 4096);
      expect(run.problem).toBeUndefined();
      expect(run.frames.map((f) => f.seq)).toEqual(Array.from({ length: 32 }, (_, i) => 33 + i));
      expect(run.nextOffset).toBe(0);
      const rest = reader.readRun(run.nextSeq, run.nextOffset, state, 4096);
      expect(rest.frames.map((f) => f.seq)).toEqual([65]);
    } finally {
      file.close();
    }
    // The pool as a whole still reads, and appends still evict past the damaged marker.
    expect(verifyPool(path)).toMatchObject({ ok: true, messages: 60 });
    const again = openPool(path);
    const tail = again.tail({ since: 6, follow: false });
    const seqs: number[] = [];
    for await (const m of tail) seqs.push(m.seq);
    expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => 6 + i));
    for (let i = 0; i < 80; i++) again.append("x".repeat(50));
    expect(again.info().bounds?.newest).toBe(145);
    expect(verifyPool(path)).toMatchObject({ ok: true });
    again.close();
  });
});
