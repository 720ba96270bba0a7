/**
 * `get` of a seq the index no longer covers (more messages than index slots): engine/reader.ts
 * bisects the live bytes instead of walking every older frame header. Every seq of a pool with
 * 64 index slots reads back exactly — before and after the ring wrapped, with messages whose
 * data holds the frame magic — and a get far from the index costs a bounded number of reads.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createPool } from "../src/index.js";
import { useTempDirs } from "./helpers/temp-dir.js";

const tempDir = useTempDirs("spool-locate-bisect-");

describe("get past the index", () => {
  it("reads every seq exactly with 64 index slots, before and after wrapping", () => {
    const pool = createPool(join(tempDir(), "p.spool"), { size: "2M", indexCapacity: 64 });
    // Data that contains the frame magic's text at many offsets must not mislead a probe.
    const magicish = "SPFR".repeat(20);
    const data = (i: number) => ({ i, pad: "x".repeat(i % 300), magicish });
    for (let i = 0; i < 6000; i += 500) {
      pool.appendBatch(Array.from({ length: 500 }, (_, j) => ({ data: data(i + j) })));
    }
    const check = () => {
      const { oldest, newest } = pool.readState();
      for (let seq = oldest; seq <= newest; seq += 7) {
        expect((pool.get(seq).data as { i: number }).i).toBe(seq - 1);
      }
      expect((pool.get(oldest).data as { i: number }).i).toBe(oldest - 1);
      expect((pool.get(newest).data as { i: number }).i).toBe(newest - 1);
    };
    check();
    // Wrap the ring several times over.
    for (let i = 6000; i < 30_000; i += 500) {
      pool.appendBatch(Array.from({ length: 500 }, (_, j) => ({ data: data(i + j) })));
    }
    expect(pool.readState().oldest).toBeGreaterThan(1);
    check();
    pool.close();
  });
});
