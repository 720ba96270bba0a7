/**
 * Regression: a writer's cache of frame heads near the tail (used to plan evictions) must never
 * be trusted for frames that are not live. Two ways it went wrong, both deterministic here:
 * - one writer, a ring smaller than the 64 KiB probe read: the probe also read the previous
 *   lap's frames past the head, remembered them, and a later eviction met a remembered stale
 *   seq where the live frame was: the append failed with Corrupt ("expected message N at ring
 *   offset X while making room");
 * - two writers (two Pool handles, like two processes): the first remembered live frames, the
 *   second wrapped the ring over them, and the first's next eviction trusted its stale memory.
 * After each scenario every append succeeded, the seqs are contiguous and verify is clean.
 */
import { afterEach, describe, expect, it } from "vitest";
import { Pool, verifyPool } from "../src/index.js";
import { makeTempDir, type TempDir } from "./helpers/temp.js";

/** A message whose encoded size varies with `i`, so frame boundaries differ from lap to lap. */
function varied(i: number): { i: number; pad: string } {
  return { i, pad: "x".repeat((i * 7) % 300) };
}

async function expectHealthy(pool: Pool, newest: number): Promise<void> {
  const bounds = pool.info().bounds;
  expect(bounds?.newest).toBe(newest);
  const seqs: number[] = [];
  for await (const m of pool.tail({ since: bounds?.oldest as number, follow: false }))
    seqs.push(m.seq);
  expect(seqs).toEqual(
    Array.from(
      { length: newest - (bounds?.oldest as number) + 1 },
      (_, k) => (bounds?.oldest as number) + k,
    ),
  );
  const report = verifyPool(pool.path);
  expect(report.issues).toEqual([]);
}

describe("eviction planning with remembered frame heads", () => {
  let tmp: TempDir | undefined;
  afterEach(() => {
    tmp?.cleanup();
    tmp = undefined;
  });

  it("one writer on a ring smaller than the probe read wraps many times without a false Corrupt", async () => {
    tmp = makeTempDir();
    const pool = Pool.create(tmp.path("small.spool"), { size: "64K" });
    try {
      expect(pool.layout.ringSize).toBeLessThan(64 * 1024);
      let seq = 0;
      for (let i = 0; i < 20_000; i++) {
        if (i % 5 === 0)
          seq = pool.appendBatch([{ data: varied(i) }, { data: varied(i + 1) }]).at(-1)
            ?.seq as number;
        else seq = pool.append(varied(i)).seq;
      }
      expect(pool.info().bounds?.oldest).toBeGreaterThan(1000); // many laps
      await expectHealthy(pool, seq);
    } finally {
      pool.close();
    }
  });

  it("a writer whose remembered frames were overwritten by another writer still appends", async () => {
    tmp = makeTempDir();
    const path = tmp.path("shared.spool");
    const a = Pool.create(path, { size: "256K" });
    const b = Pool.open(path);
    try {
      // Equal-sized frames: after a whole lap, old and new frame boundaries coincide.
      const msg = (i: number) => ({ i: i % 10, pad: "y".repeat(100) });
      let i = 0;
      let seq = 0;
      const perLap = Math.ceil(a.layout.ringSize / 160);
      for (let round = 0; round < 40; round++) {
        // A appends until it has evicted (and remembered the frames near the tail)...
        for (let k = 0; k < 50; k++) seq = a.append(msg(i++)).seq;
        // ...then B writes a bit more than a lap, overwriting everything A remembered.
        for (let k = 0; k < perLap + 7 * round; k++) seq = b.append(msg(i++)).seq;
      }
      await expectHealthy(a, seq);
    } finally {
      a.close();
      b.close();
    }
  });
});
