/**
 * Corruption: damaged pool files never crash a reader, hang it, or make it lie.
 *
 * The fuzz test makes well over 1,000 damaged copies of small pools (16K-64K; fresh, half full,
 * wrapped many times, batched, with a tiny index, empty): 1-20 random bit flips anywhere or aimed
 * at the header, the state slots, the index, the ring, live frames, the bytes no reader needs and
 * wrap markers, and truncations to a random length. On each copy every operation (open, info,
 * get of every seq, tail and tailJsonl from seq 1, verify, append) either returns exactly what was
 * written for that seq or throws a SpoolError of an honest kind with a hint; nothing else is
 * thrown, nothing hangs (async steps have timers, synchronous ones a watchdog thread), and where
 * the outcome is predictable from the damage it is checked exactly (see helpers/corrupt-harness).
 *
 * A third of the cases then go on appending (wrapping the ring and the index over the damage):
 * every append gets the next seq, every open still reads every committed, undamaged message,
 * tails stop only at damaged ones, and verify reports every damaged message left.
 *
 * Seeded: a failure prints the seed and case index; replay with
 *   SPOOL_FUZZ_SEED=<seed> SPOOL_FUZZ_CASE=<index> npx vitest run test/corruption.test.ts
 * (SPOOL_FUZZ_SCALE=<n> multiplies the number of cases.)
 */
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isSpoolError, Pool, type SpoolError, verifyPool } from "../src/index.js";
import { crc32, describePool, SLOT_A, SLOT_B } from "./helpers/corrupt-format.js";
import {
  CATEGORIES,
  type CaseStats,
  type Category,
  describeMutation,
  type Mutation,
  makeMutation,
  predict,
  runCase,
} from "./helpers/corrupt-harness.js";
import { BASE_SPECS, type BasePool, buildBasePool } from "./helpers/corrupt-pools.js";
import { Watchdog } from "./helpers/corrupt-watchdog.js";
import { expectSpoolError } from "./helpers/expect-error.js";
import { caseSeed, Prng, seedFromEnv } from "./helpers/prng.js";

const SEED = seedFromEnv(0x5eed_c0de);
const SCALE = Number(process.env.SPOOL_FUZZ_SCALE ?? "1");
const ONLY_CASE =
  process.env.SPOOL_FUZZ_CASE === undefined ? undefined : Number(process.env.SPOOL_FUZZ_CASE);

/** How many damaged files of each kind one run makes (1,340 at scale 1). */
const PLAN: Record<Category, number> = {
  "bits-anywhere": 250,
  "header-static": 60,
  "header-unused": 60,
  "state-current": 80,
  "state-other": 60,
  "state-both": 40,
  index: 100,
  ring: 150,
  "ring-dead": 100,
  frame: 180,
  "frame-header-oldest": 100,
  "wrap-marker": 60,
  truncate: 100,
};

function flipBit(path: string, offset: number, bit: number): void {
  const bytes = readFileSync(path);
  bytes[offset] = (bytes[offset] as number) ^ (1 << bit);
  writeFileSync(path, bytes);
}

async function drainSeqs(pool: Pool): Promise<{ seqs: number[]; error: unknown }> {
  const seqs: number[] = [];
  try {
    for await (const m of pool.tail({ since: 1, follow: false, timeoutMs: 5000 })) seqs.push(m.seq);
  } catch (error) {
    return { seqs, error };
  }
  return { seqs, error: undefined };
}

describe("corrupted and truncated pool files", () => {
  let dir: string;
  let bases: BasePool[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "spool-corrupt-"));
    const prng = new Prng(SEED ^ 0xba5e);
    bases = BASE_SPECS.map((spec) => buildBasePool(dir, spec, prng));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("fuzz: every operation on >1,000 damaged files returns written data or an honest SpoolError, in bounded time", async () => {
    // The base pools cover what the cases aim at.
    expect(bases.some((b) => b.view.liveMarkers.length > 0)).toBe(true);
    expect(bases.some((b) => b.bounds && b.bounds.oldest > 1)).toBe(true);
    expect(bases.some((b) => b.bounds && b.bounds.oldest === 1)).toBe(true);

    const schedulePrng = new Prng(SEED);
    const schedule: Category[] = [];
    for (const category of CATEGORIES)
      for (let i = 0; i < Math.round(PLAN[category] * SCALE); i++) schedule.push(category);
    for (let i = schedule.length - 1; i > 0; i--) {
      const j = schedulePrng.int(0, i);
      [schedule[i], schedule[j]] = [schedule[j] as Category, schedule[i] as Category];
    }

    const seedText = `0x${SEED.toString(16)}`;
    const watchdog = new Watchdog(`corruption fuzz seed ${seedText}`, 30_000);
    const failures: string[] = [];
    const done: Record<string, number> = {};
    const outcomes = {
      openFailed: 0,
      pristine: 0,
      firstDamaged: 0,
      fallback: 0,
      seqReused: 0,
      verifyNotOk: 0,
      appendOk: 0,
      corruptReads: 0,
      messagesRead: 0,
    };
    let slowest: { ms: number; index: number } = { ms: 0, index: -1 };
    const started = performance.now();
    try {
      for (let index = 0; index < schedule.length; index++) {
        if (ONLY_CASE !== undefined && index !== ONLY_CASE) continue;
        const category = schedule[index] as Category;
        const prng = new Prng(caseSeed(SEED, index));
        let mutation: Mutation | undefined;
        let base: BasePool | undefined;
        for (let attempt = 0; attempt < 50 && !mutation; attempt++) {
          base = prng.pick(bases);
          mutation = makeMutation(prng, base, category);
        }
        if (!mutation || !base) throw new Error(`no base pool supports ${category}`);
        const what = `seed ${seedText} case ${index}: ${describeMutation(mutation)}`;
        const prediction = predict(base, mutation);
        const result = await runCase({
          path: join(dir, "damaged.spool"),
          base,
          mutation,
          tailLimitMs: 5000,
          // A third of the cases go on appending: up to about 1.5 laps of the ring.
          extraAppends: prng.chance(0.35)
            ? prng.int(1, Math.ceil((1.5 * base.view.layout.ringSize) / 112))
            : 0,
          step: (name) => watchdog.beat(`${what} [${name}]`),
        });
        done[category] = (done[category] ?? 0) + 1;
        const s: CaseStats = result.stats;
        outcomes.openFailed += Number(s.openFailed);
        outcomes.pristine += Number(prediction.pristine);
        outcomes.firstDamaged += Number(prediction.firstDamaged !== undefined);
        outcomes.fallback += Number(prediction.fallback !== undefined);
        outcomes.seqReused += Number(s.seqReused);
        outcomes.verifyNotOk += Number(s.verifyOk === false);
        outcomes.appendOk += Number(s.appendOk);
        outcomes.corruptReads += s.corruptReads;
        outcomes.messagesRead += s.messagesRead;
        if (s.ms > slowest.ms) slowest = { ms: s.ms, index };
        if (result.violations.length > 0) {
          failures.push(
            `${what}\n  replay: SPOOL_FUZZ_SEED=${SEED} SPOOL_FUZZ_CASE=${index}\n  - ${result.violations.slice(0, 6).join("\n  - ")}`,
          );
        }
      }
    } finally {
      await watchdog.stop();
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `corruption fuzz seed ${seedText}: ${Object.values(done).reduce((a, b) => a + b, 0)} files in ${seconds} s ` +
        `(slowest case ${slowest.index}: ${slowest.ms.toFixed(0)} ms); outcomes ${JSON.stringify(outcomes)}; per kind ${JSON.stringify(done)}`,
    );
    if (failures.length > 15)
      console.error(
        `all ${failures.length} failures:\n${failures.map((f) => f.split("\n").slice(0, 3).join(" | ")).join("\n")}`,
      );
    expect(
      failures.slice(0, 15).join("\n\n"),
      `${failures.length} damaged file(s) misbehaved`,
    ).toBe("");
    if (ONLY_CASE === undefined) {
      expect(Object.values(done).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(
        1000 * Math.min(1, SCALE),
      );
      // Every predictable class of damage actually occurred, so the exact checks ran.
      expect(outcomes.openFailed).toBeGreaterThan(100);
      expect(outcomes.pristine).toBeGreaterThan(200);
      expect(outcomes.firstDamaged).toBeGreaterThan(200);
      expect(outcomes.fallback).toBeGreaterThan(30);
      expect(outcomes.messagesRead).toBeGreaterThan(10_000);
    }
  });

  it("verify reports a damaged live frame (kind, offset, seq); get and tail stop exactly there", async () => {
    const path = join(dir, "one-frame.spool");
    const pool = Pool.create(path, { size: "16K" });
    for (let i = 1; i <= 20; i++) pool.append({ seq: i, text: `message ${i}` });
    pool.close();
    const view = describePool(readFileSync(path));
    const frame = view.frames.find((f) => f.seq === 7);
    if (!frame) throw new Error("seq 7 not found by the oracle");
    flipBit(path, frame.offset + 48 + 10, 3); // a payload byte

    const report = verifyPool(path);
    expect(report.ok).toBe(false);
    const errors = report.issues.filter((i) => i.severity === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ kind: "Corrupt", offset: frame.offset, seq: 7, path });
    expect(errors[0]?.message).toMatch(/1 message\(s\) \(7\.\.7\) are unreadable/);
    // The walk goes on past the damage: every other message is counted.
    expect(report.messages).toBe(19);

    const damaged = Pool.open(path);
    try {
      expect(damaged.get(6).data).toEqual({ seq: 6, text: "message 6" });
      expect(damaged.get(8).data).toEqual({ seq: 8, text: "message 8" });
      expect(expectSpoolError(() => damaged.get(7), "Corrupt").seq).toBe(7);
      const { seqs, error } = await drainSeqs(damaged);
      expect(seqs).toEqual([1, 2, 3, 4, 5, 6]);
      expect(isSpoolError(error, "Corrupt")).toBe(true);
      expect((error as SpoolError).seq).toBe(7);
    } finally {
      damaged.close();
    }
  });

  it("verify reports every damaged range and counts the messages after them", () => {
    const cases: { damage: number[]; ranges: [number, number][]; messages: number }[] = [
      {
        damage: [7, 15],
        ranges: [
          [7, 7],
          [15, 15],
        ],
        messages: 18,
      },
      { damage: [7, 8, 9], ranges: [[7, 9]], messages: 17 },
      { damage: [1], ranges: [[1, 1]], messages: 19 },
      {
        damage: [3, 20],
        ranges: [
          [3, 3],
          [20, 20],
        ],
        messages: 18,
      },
    ];
    for (const { damage, ranges, messages } of cases) {
      const path = join(dir, `ranges-${damage.join("-")}.spool`);
      const pool = Pool.create(path, { size: "16K" });
      for (let i = 1; i <= 20; i++) pool.append({ seq: i, text: `message ${i}` });
      pool.close();
      const view = describePool(readFileSync(path));
      const offsets = new Map(view.frames.map((f) => [f.seq, f.offset]));
      for (const seq of damage) flipBit(path, (offsets.get(seq) as number) + 48 + 10, 2);
      const report = verifyPool(path);
      const errors = report.issues.filter((i) => i.severity === "error");
      expect(
        errors.map((e) => e.seq),
        `damage ${damage}`,
      ).toEqual(ranges.map(([from]) => from));
      expect(errors.map((e) => e.offset)).toEqual(ranges.map(([from]) => offsets.get(from)));
      ranges.forEach(([from, to], i) => {
        const text = errors[i]?.message ?? "";
        if (to === 20) expect(text).toMatch(/no readable message follows/);
        else expect(text).toContain(`${to - from + 1} message(s) (${from}..${to}) are unreadable`);
      });
      expect(report.messages, `damage ${damage}`).toBe(messages);
      expect(report.ok).toBe(false);
    }
  });

  it("a truncated file is refused by open (Corrupt) and reported by verify with an offset", () => {
    const path = join(dir, "cut.spool");
    const pool = Pool.create(path, { size: "16K" });
    for (let i = 1; i <= 10; i++) pool.append({ seq: i });
    pool.close();
    const original = readFileSync(path);
    for (const length of [
      0,
      7,
      100,
      191,
      192,
      4095,
      4096,
      8192,
      original.length - 8,
      original.length - 1,
    ]) {
      writeFileSync(path, original);
      truncateSync(path, length);
      expectSpoolError(() => Pool.open(path), "Corrupt");
      const report = verifyPool(path);
      expect(report.ok, `verify of a file cut to ${length} bytes`).toBe(false);
      expect(report.issues[0]).toMatchObject({ kind: "Corrupt", severity: "error" });
      expect(typeof report.issues[0]?.offset).toBe("number");
    }
  });

  it("both state slots damaged: open throws Corrupt with a hint; verify names the slot offsets", () => {
    const path = join(dir, "no-state.spool");
    const pool = Pool.create(path, { size: "16K" });
    for (let i = 1; i <= 5; i++) pool.append({ seq: i });
    pool.close();
    flipBit(path, SLOT_A + 20, 1);
    flipBit(path, SLOT_B + 33, 6);
    expectSpoolError(() => Pool.open(path), "Corrupt");
    const report = verifyPool(path);
    expect(report.ok).toBe(false);
    expect(report.bounds).toBeNull();
    expect(report.issues.map((i) => i.offset)).toEqual(expect.arrayContaining([SLOT_A, SLOT_B]));
  });

  it("info survives a damaged oldest frame header: no stray exception, no made-up oldestTime", () => {
    // info() reports the oldest message's time from the frame at the tail; the header's time
    // field must be validated (checksum) before it is rendered.
    const path = join(dir, "bad-time.spool");
    const pool = Pool.create(path, { size: "16K" });
    const written = [1, 2, 3].map((i) => pool.append({ seq: i }));
    pool.close();
    const frame = describePool(readFileSync(path)).frames[0];
    if (!frame) throw new Error("no frame");
    const original = readFileSync(path);
    // bit 62 of time_sec (not a safe integer any more), bit 44 (a date past year 275760), a
    // nanosecond bit (nanos >= 1e9) and a low second bit (a plausible but wrong time).
    for (const [offset, bit] of [
      [frame.offset + 24 + 7, 6],
      [frame.offset + 24 + 5, 4],
      [frame.offset + 32 + 3, 7],
      [frame.offset + 24, 0],
    ] as const) {
      writeFileSync(path, original);
      flipBit(path, offset, bit);
      const damaged = Pool.open(path);
      try {
        let info: ReturnType<Pool["info"]> | undefined;
        try {
          info = damaged.info();
        } catch (error) {
          throw new Error(`info() threw ${String(error)} for a flipped bit at ${offset}.${bit}`, {
            cause: error,
          });
        }
        expect(info.bounds).toEqual({ oldest: 1, newest: 3 });
        expect(info.oldestTime).toBeNull(); // the oldest frame is unreadable, so its time is unknown
        expect(info.newestTime).toBe(written[2]?.time);
        expectSpoolError(() => damaged.get(1), "Corrupt");
        expect(damaged.get(2).data).toEqual({ seq: 2 });
      } finally {
        damaged.close();
      }
    }
  });

  it("the harness itself catches a wrong payload (a forged frame with a valid checksum)", async () => {
    // CRC-32 guards against damage, not forgery: rewrite seq 3's data and fix up its checksum.
    // Core then returns the forged message; the checks must flag it, proving they can fail.
    const base = bases.find((b) => b.spec.id === "16K-fresh");
    if (!base) throw new Error("base pool missing");
    const frame = base.view.frames.find((f) => f.seq === 3);
    if (!frame) throw new Error("no seq 3");
    const forged = Buffer.from(base.bytes);
    const text = forged.toString("latin1", frame.offset + 48, frame.checked[0]?.end);
    const at = text.indexOf('"seq":3') + '"seq":'.length;
    forged[frame.offset + 48 + at] = "4".charCodeAt(0);
    forged.writeUInt32LE(
      crc32(forged.subarray(frame.offset + 12, frame.checked[0]?.end)),
      frame.offset + 8,
    );
    const flips: [number, number][] = [];
    for (let i = 0; i < forged.length; i++) {
      const diff = (forged[i] as number) ^ (base.bytes[i] as number);
      for (let bit = 0; bit < 8; bit++) if (diff & (1 << bit)) flips.push([i, bit]);
    }
    const result = await runCase({
      path: join(dir, "forged.spool"),
      base,
      mutation: { category: "frame", baseId: base.spec.id, flips },
      tailLimitMs: 5000,
      extraAppends: 0,
      step: () => {},
    });
    expect(result.violations.filter((v) => v.includes("WRONG PAYLOAD"))).toEqual(
      expect.arrayContaining([
        expect.stringContaining("get(3): WRONG PAYLOAD: seq 3: data bytes differ"),
        expect.stringContaining("tail: WRONG PAYLOAD: seq 3"),
      ]),
    );
  });

  // When the newest state slot is damaged, readers fall back to the other slot, which predates
  // the last append. The next writer adopts the lost publication's committed frames before it
  // appends (engine/recover.ts), so the messages come back under their seqs and no seq is reused.
  /** A closed 16K pool holding {seq: 1} .. {seq: 10}, and the oracle's view of it. */
  function tenMessages(name: string): { path: string; view: ReturnType<typeof describePool> } {
    const path = join(dir, name);
    const pool = Pool.create(path, { size: "16K" });
    for (let i = 1; i <= 10; i++) pool.append({ seq: i });
    pool.close();
    return { path, view: describePool(readFileSync(path)) };
  }

  it("an append after damage to the newest state slot never reuses a seq", () => {
    const { path, view } = tenMessages("slot.spool");
    flipBit(path, view.currentSlot + 30, 0);
    const damaged = Pool.open(path);
    try {
      const next = damaged.append({ seq: "after damage" });
      expect(next.seq).toBe(11);
      expect(damaged.get(10).data).toEqual({ seq: 10 });
      expect(verifyPool(path).ok).toBe(true);
    } finally {
      damaged.close();
    }
  });

  it("refuses to append (Corrupt) when the lost publication's messages are damaged too", () => {
    const { path, view } = tenMessages("lost.spool");
    const last = view.frames.find((f) => f.seq === 10);
    if (!last) throw new Error("no seq 10");
    flipBit(path, view.currentSlot + 61, 4); // the newest slot's CRC: it claims generation + 1
    flipBit(path, last.offset + 48 + 3, 1); // and seq 10 itself no longer validates
    const damaged = Pool.open(path);
    try {
      // Readers see the older slot (up to 9); seq 10 was published, so it must not be reused.
      expect(damaged.info().bounds).toEqual({ oldest: 1, newest: 9 });
      const error = expectSpoolError(() => damaged.append({ seq: "would reuse 10" }), "Corrupt");
      expect(error.seq).toBe(10);
      expect(error.message).toMatch(/up to 10, but only up to 9 can be verified/);
      expect(error.hint).toMatch(/doctor/);
      expect(damaged.info().bounds).toEqual({ oldest: 1, newest: 9 }); // nothing was written
    } finally {
      damaged.close();
    }
  });
});
