/**
 * Abort signals that follow other signals: a request the caller's signal and the pool handle's
 * close must both be able to cancel (a long-poll claim, a consumer loop).
 *
 * Invariants: the linked signal aborts as soon as any source aborts (at once when one already
 * has); `release()` removes every listener it added, so a finished request leaves nothing on a
 * long-lived signal (the pool handle's); it works where `AbortSignal.any` does not exist yet
 * (older browsers).
 */

/** A signal that aborts when any of `sources` does, and the release of its listeners. */
export interface LinkedSignal {
  readonly signal: AbortSignal;
  /** Aborts the linked signal itself (e.g. the iteration stopped). */
  abort(): void;
  /** Removes the listeners on the sources (call once the request ended). */
  release(): void;
}

/**
 * Links `sources` (undefined ones are skipped).
 *
 * @example
 * const linked = linkSignals(options.signal, scope);
 * try { await send(t, { ...input, signal: linked.signal }); } finally { linked.release(); }
 */
export function linkSignals(...sources: (AbortSignal | undefined)[]): LinkedSignal {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  const present = sources.filter((s): s is AbortSignal => s !== undefined);
  for (const source of present) {
    if (source.aborted) {
      controller.abort();
      break;
    }
    source.addEventListener("abort", abort, { once: true });
  }
  return {
    signal: controller.signal,
    abort,
    release: () => {
      for (const source of present) source.removeEventListener("abort", abort);
    },
  };
}
