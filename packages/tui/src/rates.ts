/**
 * Append rates from successive snapshots of pools: messages per second between the two latest
 * observations of each pool's newest seq.
 *
 * Invariants: a rate needs two observations of the same pool at different instants; it is never
 * negative (a pool recreated between snapshots restarts at 0); pools missing from a snapshot are
 * forgotten; the clock is a parameter (pure, testable).
 */

interface Observation {
  newest: number;
  at: number;
}

export class RateMeter {
  readonly #seen = new Map<string, Observation>();
  readonly #rates = new Map<string, number>();

  /** Records each pool's newest seq (0 when empty) at `at` ms; returns this. */
  observe(pools: Iterable<{ name: string; newest: number }>, at: number): this {
    const listed = new Set<string>();
    for (const { name, newest } of pools) {
      listed.add(name);
      const last = this.#seen.get(name);
      if (last !== undefined && at > last.at) {
        const added = newest - last.newest;
        this.#rates.set(name, added <= 0 ? 0 : (added * 1000) / (at - last.at));
      }
      if (last === undefined || at > last.at) this.#seen.set(name, { newest, at });
    }
    for (const name of [...this.#seen.keys()]) {
      if (listed.has(name)) continue;
      this.#seen.delete(name);
      this.#rates.delete(name);
    }
    return this;
  }

  /** Messages per second of `name`, undefined before its second observation. */
  rate(name: string): number | undefined {
    return this.#rates.get(name);
  }
}
