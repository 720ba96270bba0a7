/**
 * A small seeded PRNG (mulberry32) for the randomised test suites, so every
 * random choice can be replayed from a printed seed. Not for anything but tests.
 */

/** Mixes a run seed and a case index into an independent 32-bit seed for that case. */
export function caseSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** The run seed: SPOOL_FUZZ_SEED when set (decimal or 0x hex), else `fallback`. */
export function seedFromEnv(fallback: number): number {
  const raw = process.env.SPOOL_FUZZ_SEED;
  if (raw === undefined || raw === "") return fallback >>> 0;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new Error(`SPOOL_FUZZ_SEED must be a whole number, got ${raw}`);
  return value >>> 0;
}

export class Prng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("pick from an empty list");
    return items[this.int(0, items.length - 1)] as T;
  }

  /** `count` distinct integers drawn from [0, range), in no particular order. */
  distinct(count: number, range: number): number[] {
    const n = Math.min(count, range);
    const chosen = new Set<number>();
    while (chosen.size < n) chosen.add(this.int(0, range - 1));
    return [...chosen];
  }

  /** Text of `length` characters: mostly ASCII, some multi-byte and escaped characters. */
  text(length: number): string {
    const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-.,:;!?";
    const special = ["é", "ß", "€", "你", "😀", '"', "\\", "\n", "\t", "\u2028"];
    let out = "";
    for (let i = 0; i < length; i++)
      out += this.chance(0.05) ? this.pick(special) : alphabet[this.int(0, alphabet.length - 1)];
    return out;
  }
}
