/**
 * The guarded mapping of a pool's header and index, and for a writer its ring (platform/file.ts
 * `mapMeta`, `writeFrames`): a file cut
 * short under an open, mapped pool gives SpoolErrors (never a SIGBUS that kills the process);
 * handles with and without the mapping (SPOOL_NO_MAP=1) see each other's appends exactly; and a
 * SIGBUS that no guarded copy caused still reaches its default action.
 */
import { spawnSync } from "node:child_process";
import { closeSync, ftruncateSync, openSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { isSpoolError, Pool } from "../src/index.js";
import { useTempDirs } from "./helpers/temp-dir.js";

const tempDir = useTempDirs("spool-map-");

/** Opens a pool with the mapping on (default) or off. */
function openWith(path: string, mapped: boolean): Pool {
  const before = process.env.SPOOL_NO_MAP;
  if (mapped) delete process.env.SPOOL_NO_MAP;
  else process.env.SPOOL_NO_MAP = "1";
  try {
    return Pool.open(path);
  } finally {
    if (before === undefined) delete process.env.SPOOL_NO_MAP;
    else process.env.SPOOL_NO_MAP = before;
  }
}

/** Runs `fn`; returns "ok" or the SpoolError kind it threw (anything else fails the test). */
function outcome(fn: () => unknown): string {
  try {
    fn();
    return "ok";
  } catch (error) {
    if (!isSpoolError(error)) throw error;
    return error.kind;
  }
}

async function tailOutcome(pool: Pool): Promise<string> {
  try {
    for await (const _ of pool.tail({ since: 1, follow: false })) {
      // drain
    }
    return "ok";
  } catch (error) {
    if (!isSpoolError(error)) throw error;
    return error.kind;
  }
}

describe("the mapped header and index", () => {
  it("a file truncated under an open pool: the same outcomes as positioned I/O, no SIGBUS", async () => {
    // Cuts in the header, the index and the ring (a writer maps the whole file: fast appends
    // store their frames through the mapping), down to the last page only.
    for (const cut of [0, 100, 4096, 6000, 9000, 40_000, 61_440]) {
      const outcomes: string[][] = [];
      for (const mapped of [true, false]) {
        const path = join(tempDir(), "cut.spool");
        Pool.create(path, { size: "64K" }).close();
        const pool = openWith(path, mapped);
        for (let i = 0; i < 20; i++) pool.append({ i });
        truncateSync(path, cut); // the header (page 0) and/or the index pages lose their backing
        outcomes.push([
          outcome(() => pool.info()),
          outcome(() => pool.get(5)),
          outcome(() => pool.get(20)),
          await tailOutcome(pool),
          outcome(() => pool.append({ after: true })),
        ]);
        pool.close();
      }
      expect(outcomes[0], `cut at ${cut}`).toEqual(outcomes[1]);
      // With the whole ring gone (it starts at 8192 here), gets and tails fail as Corrupt (or
      // NotFound); info may still answer from an intact header. Past 8192, early frames remain.
      if (cut < 8192)
        for (const result of outcomes[0]?.slice(1, 4) ?? [])
          expect(["Corrupt", "NotFound"]).toContain(result);
    }
  });

  it("keeps working when the file grows back (a hole reads as zeros: Corrupt, no crash)", () => {
    const path = join(tempDir(), "hole.spool");
    Pool.create(path, { size: "64K" }).close();
    const pool = openWith(path, true);
    pool.append({ a: 1 });
    const fd = openSync(path, "r+");
    ftruncateSync(fd, 0);
    ftruncateSync(fd, 64 * 1024);
    closeSync(fd);
    expect(outcome(() => pool.info())).toBe("Corrupt");
    expect(outcome(() => pool.get(1))).toMatch(/Corrupt|NotFound/);
    pool.close();
  });

  it("mapped and unmapped handles see each other's appends exactly", () => {
    const path = join(tempDir(), "both.spool");
    Pool.create(path, { size: "256K" }).close();
    const mapped = openWith(path, true);
    const plain = openWith(path, false);
    for (let i = 1; i <= 3000; i++) {
      const writer = i % 3 === 0 ? plain : mapped;
      const msg = writer.append({ i }, { tags: [i % 2 ? "odd" : "even"] });
      expect(msg.seq).toBe(i);
    }
    const info = mapped.info();
    expect(plain.info()).toEqual(info);
    const oldest = info.bounds?.oldest ?? 1;
    expect(oldest).toBeGreaterThan(1); // wrapped: the index slots were rewritten many times
    for (let seq = oldest; seq <= 3000; seq++) {
      expect(mapped.get<{ i: number }>(seq).data.i).toBe(seq);
      expect(plain.get<{ i: number }>(seq).data.i).toBe(seq);
    }
    expect(outcome(() => mapped.get(oldest - 1))).toBe("NotFound");
    mapped.close();
    plain.close();
  });

  it("a SIGBUS no guarded copy caused still ends the process", () => {
    const native = fileURLToPath(new URL("../build/Release/spool_native.node", import.meta.url));
    const script = `
      const fs = require("node:fs");
      const addon = require(${JSON.stringify(native)});
      const file = ${JSON.stringify(join(tempDir(), "bus.bin"))};
      fs.writeFileSync(file, Buffer.alloc(8192));
      const fd = fs.openSync(file, "r+");
      const map = addon.mapOpen(fd, 8192, true); // installs the guard's handler
      if (typeof map === "number") process.exit(3);
      process.kill(process.pid, "SIGBUS");
      setTimeout(() => process.exit(4), 2000);
    `;
    const r = spawnSync(process.execPath, ["-e", script], { timeout: 10_000 });
    expect(r.signal).toBe("SIGBUS");
  });
});
