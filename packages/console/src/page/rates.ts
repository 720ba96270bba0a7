/**
 * Append rates of the pool list, from successive polls: messages per second between the last
 * two observations of a pool's newest seq.
 *
 * Invariants: a rate needs two observations of the same pool; it is never negative (a pool
 * deleted and recreated between polls restarts its history); forgotten pools are dropped.
 */

interface Sample {
  newest: number;
  at: number;
}

export class RateMeter {
  #last = new Map<string, Sample>();
  #rates = new Map<string, number>();

  /** Records `newest` seq of every listed pool at time `at` (ms); pools not listed are dropped. */
  observe(pools: readonly { name: string; newest: number }[], at: number): void {
    const seen = new Set<string>();
    for (const { name, newest } of pools) {
      seen.add(name);
      const last = this.#last.get(name);
      if (last && at > last.at) {
        const delta = newest - last.newest;
        this.#rates.set(name, delta < 0 ? 0 : (delta * 1000) / (at - last.at));
      }
      this.#last.set(name, { newest, at });
    }
    for (const name of [...this.#last.keys()]) {
      if (!seen.has(name)) {
        this.#last.delete(name);
        this.#rates.delete(name);
      }
    }
  }

  /** Messages per second (undefined before the second observation). */
  rate(name: string): number | undefined {
    return this.#rates.get(name);
  }
}
