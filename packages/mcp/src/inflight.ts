/**
 * A count of tool calls and resource reads in progress, so that a stdio server whose client
 * closed stdin right after its requests (`printf … | spool mcp`) answers them before it exits.
 *
 * Invariants: every `begin()` is matched by exactly one call of the function it returns (the
 * handlers call it in `finally`); `idle()` resolves once nothing is in progress, after letting
 * requests already read from stdin reach their handlers (a few event-loop turns with nothing
 * started).
 */
import { setImmediate as turn } from "node:timers/promises";

export class InFlight {
  #count = 0;
  #started = 0;
  #waiters: (() => void)[] = [];

  /** Marks one call as started; call the answer when it has finished. */
  begin(): () => void {
    this.#count++;
    this.#started++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#count--;
      if (this.#count === 0) for (const wake of this.#waiters.splice(0)) wake();
    };
  }

  /** Resolves when no call is in progress and none started during the last few turns. */
  async idle(): Promise<void> {
    for (;;) {
      const seen = this.#started;
      for (let i = 0; i < 5; i++) await turn();
      if (this.#count > 0) {
        await new Promise<void>((resolve) => this.#waiters.push(resolve));
        continue;
      }
      if (this.#started === seen) return;
    }
  }
}
