/**
 * Review finding: a batch that is not an array, or that holds null, crashed appendBatch with a
 * TypeError ("inputs is not iterable", "Cannot read properties of null") instead of a Usage
 * SpoolError. JS callers (and servers that forward parsed JSON bodies) can pass these.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type AppendInput, createPool } from "../src/index.js";
import { useTempDirs } from "./helpers/temp-dir.js";

const tempDir = useTempDirs("spool-review-bad-");

describe("batch shape", () => {
  it("a non-array batch and null or non-object items are Usage, and nothing is appended", () => {
    const pool = createPool(join(tempDir(), "p.spool"), { size: "64K" });
    const bad: unknown[] = [{}, { length: 1, 0: { data: 1 } }, [null], [{ data: 1 }, null], [7]];
    for (const inputs of bad) {
      expect(() => pool.appendBatch(inputs as AppendInput[]), JSON.stringify(inputs)).toThrow(
        expect.objectContaining({ kind: "Usage" }),
      );
    }
    expect(pool.info().bounds).toBeNull();
    pool.close();
  });
});
