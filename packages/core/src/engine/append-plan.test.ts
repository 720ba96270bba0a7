/**
 * Randomised tests of the append planner against an in-memory model of the ring: over many
 * seeds, frame sizes and wrap positions, the plan never overlaps a surviving frame, evicts only
 * the oldest, and leaves a ring a reader can walk from tail to head in seq order.
 */
import { describe, expect, it } from "vitest";
import { Prng } from "../../test/helpers/prng.js";
import { isSpoolError } from "../errors.js";
import { type AppendPlan, type ProbeResult, planAppend, type RingState } from "./append-plan.js";

/** A deterministic PRNG for `seed`, as a function returning floats in [0, 1). */
function rng(seed: number): () => number {
  const prng = new Prng(seed);
  return () => prng.next();
}

type Stored = { kind: "frame"; seq: number; length: number } | { kind: "wrap" };

/** The ring as bytes would hold it: what starts at each offset (stale entries stay until overwritten). */
class RingModel {
  readonly size: number;
  readonly stored = new Map<number, Stored & { end: number }>();
  state: RingState = { head: 0, tail: 0, oldest: 1, newest: 0 };

  constructor(size: number) {
    this.size = size;
  }

  probe = (offset: number): ProbeResult => {
    const entry = this.stored.get(offset);
    if (!entry || entry.kind === "wrap")
      return entry ? { wrap: true } : { wrap: false, seq: -1, length: 0 };
    return { wrap: false, seq: entry.seq, length: entry.length };
  };

  #write(start: number, end: number, value: Stored): void {
    for (const [offset, entry] of this.stored) {
      if (offset < end && start < entry.end) this.stored.delete(offset);
    }
    this.stored.set(start, { ...value, end });
  }

  apply(plan: AppendPlan, lengths: number[]): void {
    for (const marker of plan.wrapMarkers) this.#write(marker, marker + 8, { kind: "wrap" });
    plan.placements.forEach((at, i) => {
      const length = lengths[i] as number;
      this.#write(at, at + length, { kind: "frame", seq: this.state.newest + 1 + i, length });
    });
    this.state = { head: plan.head, tail: plan.tail, oldest: plan.oldest, newest: plan.newest };
  }

  /** Walks like a reader: from tail, frame by frame, jumping to 0 at a wrap marker or the end. */
  walk(): number[] {
    const seqs: number[] = [];
    let pos = this.state.tail;
    for (let seq = this.state.oldest; seq <= this.state.newest; seq++) {
      if (pos >= this.size) pos = 0;
      let entry = this.stored.get(pos);
      if (entry?.kind === "wrap") {
        pos = 0;
        entry = this.stored.get(0);
      }
      if (entry?.kind !== "frame" || entry.seq !== seq)
        throw new Error(`walk: seq ${seq} not at ${pos}`);
      seqs.push(seq);
      pos += entry.length;
    }
    const end = pos >= this.size ? 0 : pos;
    const head = this.state.head >= this.size ? 0 : this.state.head;
    if (this.state.newest >= this.state.oldest && end !== head)
      throw new Error(`walk ends at ${end}, head is ${head}`);
    return seqs;
  }
}

function randomLength(next: () => number, ringSize: number): number {
  const roll = next();
  const max = roll < 0.05 ? ringSize : roll < 0.2 ? ringSize / 3 : 512;
  return Math.max(64, Math.floor((next() * max) / 8) * 8);
}

describe("planAppend", () => {
  it("places the first frame at offset 0 of an empty ring", () => {
    const model = new RingModel(4096);
    const plan = planAppend(model.state, 4096, [64], model.probe);
    expect(plan).toMatchObject({
      placements: [0],
      wrapMarkers: [],
      evicted: 0,
      head: 64,
      tail: 0,
      oldest: 1,
      newest: 1,
    });
  });

  it("wraps with a marker and evicts exactly the overlapped oldest frames", () => {
    const model = new RingModel(1024);
    for (let i = 0; i < 4; i++)
      model.apply(planAppend(model.state, 1024, [240], model.probe), [240]);
    // head = 960: a 240-byte frame does not fit, so it wraps to 0 and evicts seq 1 only.
    const plan = planAppend(model.state, 1024, [240], model.probe);
    expect(plan.placements).toEqual([0]);
    expect(plan.wrapMarkers).toEqual([960]);
    expect(plan.evicted).toBe(1);
    expect(plan.oldest).toBe(2);
    expect(plan.tail).toBe(240);
    model.apply(plan, [240]);
    expect(model.walk()).toEqual([2, 3, 4, 5]);
  });

  it("frees the reserve ahead when it has to evict", () => {
    const model = new RingModel(4096);
    for (let i = 0; i < 16; i++)
      model.apply(planAppend(model.state, 4096, [256], model.probe), [256]);
    const plan = planAppend(model.state, 4096, [256], model.probe, { reserve: 1024 });
    expect(plan.evicted).toBe(5); // the frame's own 256 bytes plus 1024 reserved
    model.apply(plan, [256]);
    const next = planAppend(model.state, 4096, [256], model.probe, { reserve: 1024 });
    expect(next.evicted).toBe(0);
  });

  it("accepts a batch that fits even when the eviction reserve overlaps it", () => {
    const model = new RingModel(8192);
    model.apply(planAppend(model.state, 8192, [2552], model.probe), [2552]);
    const plan = planAppend(model.state, 8192, [2952, 2016, 2360], model.probe, { reserve: 512 });
    expect(plan.placements).toEqual([2552, 5504, 0]);
    model.apply(plan, [2952, 2016, 2360]);
    expect(model.walk()).toEqual([2, 3, 4]);
  });

  it("refuses a frame larger than the ring and a batch that would overwrite itself", () => {
    const model = new RingModel(1024);
    expect(() => planAppend(model.state, 1024, [1032], model.probe)).toThrow(/cannot fit/);
    model.apply(planAppend(model.state, 1024, [64], model.probe), [64]);
    try {
      planAppend(model.state, 1024, [512, 512], model.probe);
      expect.unreachable();
    } catch (error) {
      expect(isSpoolError(error, "Usage")).toBe(true);
    }
  });

  it("reports Corrupt when the oldest frame is not where the state says", () => {
    const model = new RingModel(1024);
    for (let i = 0; i < 4; i++)
      model.apply(planAppend(model.state, 1024, [240], model.probe), [240]);
    model.stored.delete(0);
    expect(() => planAppend(model.state, 1024, [240], model.probe)).toThrow(
      expect.objectContaining({ kind: "Corrupt", seq: 1 }),
    );
  });

  /** A resync over the model: the first stored frame after `offset` (ring order) with a seq ≥ `seq`. */
  function resyncOf(
    model: RingModel,
  ): (seq: number, offset: number) => { seq: number; offset: number } | undefined {
    return (seq, offset) => {
      const found = [...model.stored.entries()]
        .filter(([, e]) => e.kind === "frame" && e.seq >= seq && e.seq <= model.state.newest)
        .map(([at, e]) => ({ at, seq: (e as { seq: number }).seq }))
        .sort(
          (a, b) =>
            ((a.at - offset - 8 + model.size) % model.size) -
            ((b.at - offset - 8 + model.size) % model.size),
        )[0];
      return found && { seq: found.seq, offset: found.at };
    };
  }

  it("with a resync, evicts damaged oldest frames together with the room they take", () => {
    const model = new RingModel(1024);
    for (let i = 0; i < 4; i++)
      model.apply(planAppend(model.state, 1024, [240], model.probe), [240]);
    model.stored.delete(0); // seq 1's header is unreadable
    model.stored.delete(240); // and seq 2's
    const plan = planAppend(model.state, 1024, [240], model.probe, { resync: resyncOf(model) });
    // The new frame needs [0, 240): seqs 1 and 2 (unreadable, up to seq 3 at 480) go as one unit.
    expect(plan).toMatchObject({ placements: [0], evicted: 2, oldest: 3, tail: 480 });
    model.apply(plan, [240]);
    expect(model.walk()).toEqual([3, 4, 5]);
  });

  it("with a resync, passes a damaged wrap marker and evicts everything when nothing readable follows", () => {
    const model = new RingModel(1024);
    for (let i = 0; i < 4; i++)
      model.apply(planAppend(model.state, 1024, [240], model.probe), [240]);
    model.apply(planAppend(model.state, 1024, [240], model.probe), [240]); // wraps: marker at 960
    model.stored.delete(960);
    const resync = resyncOf(model);
    // Evicting 2, 3, 4 then meets the damaged marker before seq 5 (at 0): the resync finds 5.
    const plan = planAppend(model.state, 1024, [240, 240, 240], model.probe, { resync });
    expect(plan.oldest).toBeGreaterThan(4);
    model.apply(plan, [240, 240, 240]);
    expect(model.walk().at(-1)).toBe(plan.newest);
    const lost = new RingModel(1024);
    for (let i = 0; i < 3; i++) lost.apply(planAppend(lost.state, 1024, [240], lost.probe), [240]);
    lost.stored.clear(); // nothing readable at all
    const all = planAppend(lost.state, 1024, [240, 240, 240, 240], lost.probe, {
      resync: resyncOf(lost),
    });
    expect(all).toMatchObject({ evicted: 3, oldest: 4, tail: 720, placements: [720, 0, 240, 480] });
  });

  it("keeps the ring walkable over random sizes, batches and wrap positions", () => {
    for (let seed = 1; seed <= 300; seed++) {
      const next = rng(seed);
      const ringSize = 1024 + Math.floor(next() * 64) * 64;
      const reserve = next() < 0.5 ? 0 : Math.floor((next() * ringSize) / 64) * 8;
      const model = new RingModel(ringSize);
      for (let step = 0; step < 200; step++) {
        const lengths = Array.from({ length: 1 + Math.floor(next() * 4) }, () =>
          randomLength(next, ringSize),
        );
        const before = { ...model.state };
        let plan: AppendPlan;
        try {
          plan = planAppend(model.state, ringSize, lengths, model.probe, { reserve });
        } catch (error) {
          // Only batches that cannot fit may be refused, and then nothing changes.
          expect(isSpoolError(error, "Usage"), `seed ${seed} step ${step}`).toBe(true);
          expect(
            lengths.reduce((a, b) => a + b, 0) > ringSize / 2 || lengths.some((l) => l > ringSize),
          ).toBe(true);
          continue;
        }
        expect(plan.newest).toBe(before.newest + lengths.length);
        expect(plan.oldest).toBeGreaterThanOrEqual(before.oldest);
        expect(plan.oldest).toBeLessThanOrEqual(plan.newest - lengths.length + 1);
        plan.placements.forEach((at, i) => {
          expect(at % 8).toBe(0);
          expect(at + (lengths[i] as number)).toBeLessThanOrEqual(ringSize);
        });
        model.apply(plan, lengths);
        const seqs = model.walk();
        expect(seqs[0], `seed ${seed} step ${step}`).toBe(plan.oldest);
        expect(seqs.at(-1)).toBe(plan.newest);
      }
    }
  });
});
