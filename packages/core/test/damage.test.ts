/**
 * Damage followed by use: a file cut short under a live writer, a zeroed state slot, and one
 * damaged frame once the index has wrapped. Each case checks that no acknowledged message is
 * lost, no seq is handed out twice, only the damaged message's own reads fail, and doctor
 * (verify) reports what happened.
 */
import { closeSync, openSync, readFileSync, statSync, truncateSync, writeSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isSpoolError, Pool, type SpoolError, verifyPool } from "../src/index.js";
import { describePool, SLOT_A, SLOT_B } from "./helpers/corrupt-format.js";
import { expectSpoolError } from "./helpers/expect-error.js";
import { useTempDirs } from "./helpers/temp-dir.js";

const tempDir = useTempDirs("spool-damage-");

/** Overwrites `length` bytes at file offset `offset` with zeros. */
function zero(path: string, offset: number, length: number): void {
  const fd = openSync(path, "r+");
  try {
    writeSync(fd, Buffer.alloc(length), 0, length, offset);
  } finally {
    closeSync(fd);
  }
}

async function tailSeqs(pool: Pool, since: number): Promise<{ seqs: number[]; error: unknown }> {
  const seqs: number[] = [];
  try {
    for await (const m of pool.tail({ since, follow: false })) seqs.push(m.seq);
  } catch (error) {
    return { seqs, error };
  }
  return { seqs, error: undefined };
}

describe("a file cut short under a live writer", () => {
  for (const cut of ["to half its size", "within its last page"] as const) {
    it(`refuses appends (Corrupt) ${cut}, acknowledges nothing a fresh open cannot read, and leaves the file as it was`, () => {
      const path = join(tempDir(), "cut.spool");
      const writer = Pool.create(path, { size: "64K" });
      try {
        for (let i = 1; i <= 100; i++) writer.append({ i });
        const size = writer.layout.fileSize;
        const to = cut === "to half its size" ? size / 2 : size - 100;
        truncateSync(path, to);
        for (let attempt = 0; attempt < 4; attempt++) {
          const error = expectSpoolError(() => writer.append({ late: attempt }), "Corrupt");
          expect(error.message).toMatch(/truncated: \d+ bytes, header says \d+/);
          expect(error.hint).toMatch(/doctor/);
          expect(error.offset).toBe(to);
        }
        expectSpoolError(() => writer.appendBatch([{ data: 1 }, { data: 2 }]), "Corrupt");
        // Nothing was written: the file is still exactly as short as it was cut.
        expect(statSync(path).size).toBe(to);
        // A fresh open says what the live writer said.
        expectSpoolError(() => Pool.open(path), "Corrupt");
        expect(verifyPool(path).ok).toBe(false);
      } finally {
        writer.close();
      }
    });
  }

  it("a second writer process's view: the refusal holds with the mapping off (positioned I/O only)", () => {
    const previous = process.env.SPOOL_NO_MAP;
    process.env.SPOOL_NO_MAP = "1";
    try {
      const path = join(tempDir(), "nomap.spool");
      const writer = Pool.create(path, { size: "64K" });
      try {
        writer.append({ before: true });
        truncateSync(path, 4096 + 100);
        expectSpoolError(() => writer.append({ after: true }), "Corrupt");
        expect(statSync(path).size).toBe(4096 + 100);
      } finally {
        writer.close();
      }
    } finally {
      if (previous === undefined) delete process.env.SPOOL_NO_MAP;
      else process.env.SPOOL_NO_MAP = previous;
    }
  });
});

describe("a zeroed state slot", () => {
  /** A closed 16K pool with `count` messages; the file offsets of its newest and other slot. */
  function poolWith(count: number): { path: string; newest: number; other: number } {
    const path = join(tempDir(), "slots.spool");
    const pool = Pool.create(path, { size: "16K" });
    for (let i = 1; i <= count; i++) pool.append({ i });
    pool.close();
    const view = describePool(readFileSync(path));
    return { path, newest: view.currentSlot, other: view.otherSlot };
  }

  it("the newest slot zeroed: doctor reports it, the next append brings the message back under its seq and never reuses it", () => {
    const { path, newest } = poolWith(3);
    expect(newest).toBe(SLOT_A); // generation 4 after three appends
    zero(path, SLOT_A, 64);
    const report = verifyPool(path);
    const messages = report.issues.map((i) => i.message).join("\n");
    expect(messages).toMatch(/state slot at offset 64 is damaged/);
    expect(messages).toMatch(/message\(s\) 3\.\.3 are committed past the published head/);
    const pool = Pool.open(path);
    try {
      expect(pool.info().bounds).toEqual({ oldest: 1, newest: 2 }); // readers see the older slot
      const next = pool.append({ after: "damage" });
      expect(next.seq).toBe(4);
      expect(pool.get(3).data).toEqual({ i: 3 });
      expect(pool.info().bounds).toEqual({ oldest: 1, newest: 4 });
    } finally {
      pool.close();
    }
    expect(verifyPool(path)).toMatchObject({ ok: true, issues: [] });
  });

  it("the newest slot zeroed and its message damaged: appends are refused (Corrupt), doctor says so", () => {
    const { path } = poolWith(3);
    const third = describePool(readFileSync(path)).frames.find((f) => f.seq === 3);
    if (!third) throw new Error("no seq 3");
    zero(path, SLOT_A, 64);
    zero(path, third.offset + 48, 4); // seq 3's payload: its checksum fails, its header still names 3
    const pool = Pool.open(path);
    try {
      const error = expectSpoolError(() => pool.append({ would: "reuse 3" }), "Corrupt");
      expect(error.seq).toBe(3);
      expect(error.message).toMatch(/could reuse its seq/);
      expect(pool.info().bounds).toEqual({ oldest: 1, newest: 2 }); // nothing was written
    } finally {
      pool.close();
    }
    const report = verifyPool(path);
    expect(report.ok).toBe(false);
    expect(
      report.issues.some((i) => i.severity === "error" && /appends are refused/.test(i.message)),
    ).toBe(true);
  });

  it("the older slot zeroed: a warning only; appends continue after the newest", () => {
    const { path, other } = poolWith(3);
    zero(path, other, 64);
    const report = verifyPool(path);
    expect(report.ok).toBe(true);
    expect(report.issues).toEqual([
      expect.objectContaining({ severity: "warning", offset: other }),
    ]);
    const pool = Pool.open(path);
    try {
      expect(pool.append({ next: true }).seq).toBe(4);
    } finally {
      pool.close();
    }
  });

  it("slot B zeroed after the first append is damage, not a new pool's unused slot", () => {
    const { path, newest, other } = poolWith(1);
    expect([newest, other]).toEqual([SLOT_A, SLOT_B]);
    zero(path, SLOT_B, 64);
    expect(verifyPool(path).issues).toEqual([
      expect.objectContaining({ severity: "warning", offset: SLOT_B }),
    ]);
  });

  it("a new pool's all-zero slot A is not damage", () => {
    const { path } = poolWith(0);
    expect(verifyPool(path)).toMatchObject({ ok: true, issues: [] });
    const pool = Pool.open(path);
    try {
      expect(pool.append({ first: true }).seq).toBe(1);
    } finally {
      pool.close();
    }
  });
});

describe("one damaged frame, once the index has wrapped", () => {
  for (const indexStride of [1, 4]) {
    it(`stride ${indexStride}: later messages stay readable by get and tail; only the damaged one fails`, async () => {
      const path = join(tempDir(), "wrapped-index.spool");
      const pool = Pool.create(path, { size: "64K", indexStride });
      try {
        const capacity = pool.layout.indexCapacity;
        for (let i = 1; i <= 250; i++) pool.append({ i });
        const fifty = describePool(readFileSync(path)).frames.find((f) => f.seq === 50);
        if (!fifty) throw new Error("no seq 50");
        zero(path, fifty.offset, 16); // magic, state, crc, len_check of seq 50's header
        expect(pool.get(123).data).toEqual({ i: 123 });
        // Reuse the index slots of 123 and the seqs around it.
        for (let i = 251; i <= 123 + capacity * indexStride + indexStride; i++) pool.append({ i });
        const fresh = Pool.open(path);
        try {
          for (const reader of [pool, fresh]) {
            for (const seq of [49, 51, 52, 53, 123, 200, 250]) {
              expect(reader.get(seq).data).toEqual({ i: seq });
            }
            const error = expectSpoolError(() => reader.get(50), "Corrupt");
            expect(error.seq).toBe(50);
            const from123 = await tailSeqs(reader, 123);
            expect(from123.error).toBeUndefined();
            expect(from123.seqs[0]).toBe(123);
            expect(from123.seqs.at(-1)).toBe(reader.info().bounds?.newest);
            const from40 = await tailSeqs(reader, 40);
            expect(from40.seqs).toEqual([40, 41, 42, 43, 44, 45, 46, 47, 48, 49]);
            expect(isSpoolError(from40.error, "Corrupt")).toBe(true);
            expect((from40.error as SpoolError).seq).toBe(50);
          }
        } finally {
          fresh.close();
        }
        const report = verifyPool(path);
        const errors = report.issues.filter((i) => i.severity === "error");
        expect(errors).toHaveLength(1);
        expect(errors[0]).toMatchObject({ seq: 50 });
        const bounds = pool.info().bounds;
        if (!bounds) throw new Error("empty");
        expect(report.messages).toBe(bounds.newest - bounds.oldest); // all but seq 50
      } finally {
        pool.close();
      }
    });
  }
});

describe("appends over damage", () => {
  it("evict damaged old messages with the room they take: appends never stall, and the damage is gone once overwritten", () => {
    const path = join(tempDir(), "heal.spool");
    const pool = Pool.create(path, { size: "16K" });
    try {
      for (let i = 1; i <= 40; i++) pool.append({ i });
      const frames = describePool(readFileSync(path)).frames;
      for (const seq of [1, 2, 20]) {
        const frame = frames.find((f) => f.seq === seq);
        if (!frame) throw new Error(`no seq ${seq}`);
        zero(path, frame.offset, 16);
      }
      expect(verifyPool(path).ok).toBe(false);
      let last = 40;
      for (let i = 0; i < 200; i++) {
        const m = pool.append({ i: last + 1 });
        expect(m.seq).toBe(last + 1);
        last = m.seq;
      }
      const bounds = pool.info().bounds;
      expect(bounds?.newest).toBe(240);
      expect(bounds && bounds.oldest > 20).toBe(true);
      const report = verifyPool(path);
      expect(report).toMatchObject({ ok: true, issues: [] });
      const fresh = Pool.open(path);
      try {
        for (let s = bounds?.oldest ?? 1; s <= 240; s++)
          expect(fresh.get(s).data).toEqual({ i: s });
      } finally {
        fresh.close();
      }
    } finally {
      pool.close();
    }
  });
});
