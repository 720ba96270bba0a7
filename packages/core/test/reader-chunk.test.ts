/**
 * engine/reader.ts's chunk: a reader starts small (FIRST_CHUNK), grows while runs fill it with
 * more frames waiting (×4, up to its chunk size), and `shrink()` gives the chunk back (none held
 * until the next read) without touching the buffers of runs already returned. Every seq is read once, in order,
 * whatever the chunk size on the way.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CHUNK_SIZE, FIRST_CHUNK, FrameReader } from "../src/engine/reader.js";
import { createPool } from "../src/index.js";
import { openRawPool } from "./helpers/raw-pool.js";
import { useTempDirs } from "./helpers/temp-dir.js";

const tempDir = useTempDirs("spool-reader-chunk-");

describe("the reader's chunk", () => {
  it("starts small, grows during a long read, and shrinks back; runs keep their bytes", () => {
    const path = join(tempDir(), "p.spool");
    const pool = createPool(path, { size: "8M" });
    const count = 4000;
    for (let i = 0; i < count; i += 500) {
      pool.appendBatch(
        Array.from({ length: 500 }, (_, j) => ({ data: { i: i + j, pad: "x".repeat(900) } })),
      );
    }
    pool.close();
    const { file, layout, state } = openRawPool(path);
    try {
      const reader = new FrameReader(file, layout);
      expect(reader.chunkBytes).toBe(FIRST_CHUNK);
      const sizes: number[] = [];
      const seqs: number[] = [];
      let seq = 1;
      let offset = state.tail;
      let first: { buf: Buffer; bytes: Buffer } | undefined;
      while (seq <= state.newest) {
        const run = reader.readRun(seq, offset, state, 4096);
        expect(run.problem).toBeUndefined();
        for (const f of run.frames) seqs.push(f.seq);
        if (!first) {
          const f = run.frames[0];
          if (!f) throw new Error("empty first run");
          first = {
            buf: run.buf,
            bytes: Buffer.from(run.buf.subarray(f.at, f.at + f.head.length)),
          };
        }
        sizes.push(reader.chunkBytes);
        seq = run.nextSeq;
        offset = run.nextOffset;
      }
      expect(seqs).toEqual(Array.from({ length: count }, (_, i) => i + 1));
      // 16 KiB → 64 KiB → 256 KiB → 1 MiB, never beyond.
      expect(sizes.slice(0, 3)).toEqual([4 * FIRST_CHUNK, 16 * FIRST_CHUNK, CHUNK_SIZE]);
      expect(Math.max(...sizes)).toBe(CHUNK_SIZE);
      expect(reader.holdsChunk).toBe(true);
      reader.shrink();
      expect(reader.holdsChunk).toBe(false);
      expect(reader.chunkBytes).toBe(FIRST_CHUNK);
      // Reads after the shrink never write into a buffer a run was returned with.
      reader.readRun(1, state.tail, state, 4096);
      if (!first) throw new Error("no first run");
      expect(first.buf.subarray(0, first.bytes.length).equals(first.bytes)).toBe(true);
    } finally {
      file.close();
    }
  });

  it("never grows past a small ring", () => {
    const path = join(tempDir(), "small.spool");
    const pool = createPool(path, { size: "16K" });
    pool.appendBatch(Array.from({ length: 40 }, (_, i) => ({ data: { i, pad: "x".repeat(100) } })));
    const ringSize = pool.layout.ringSize;
    pool.close();
    const { file, layout } = openRawPool(path);
    try {
      const reader = new FrameReader(file, layout);
      expect(reader.chunkBytes).toBe(Math.min(FIRST_CHUNK, ringSize));
    } finally {
      file.close();
    }
  });
});
