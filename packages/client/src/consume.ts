/**
 * `group.consume()`: a worker loop over a consumer group, as an async iterable of deliveries that
 * carry their own `ack()`, `nack()` and `extend()`. It claims with long-polls (`waitMs` per
 * claim), hands out what a claim delivered one at a time, and claims again when they are out.
 *
 * Invariants: options are checked when `consume()` is called (core's checkers, unknown keys
 * refused), before any request; nothing is acked unless the caller acks it, so stopping the loop
 * (`break`, a throw in the loop body, `signal`, `pool.close()`) loses nothing: a delivery not
 * acked (held by the caller, or claimed and not handed out yet when `max` > 1) is redelivered
 * when its lease ends, with the next attempt; stopping cancels the claim in flight at once and
 * ends every lease renewal, leaving no timer; claims that fail with a retryable error (network,
 * Busy, Io: `isRetryable`) are retried with backoff, any other error is thrown; an empty answer
 * that came back sooner than the wait asked for (a server that cuts or ignores long-polls) is
 * followed by a pause, so the loop never spins. Each ack, nack and extend is one request (a
 * worker that wants ack and claim in one commit uses `group.claim({ ack })` itself).
 */
import {
  checkClaimOptions,
  checkDurationMs,
  type Delivery,
  type ExtendOptions,
  isSpoolError,
  type NackOptions,
  type SpoolError,
} from "@spool/core/shared";
import { type BackoffOptions, backoffDelay, resolveBackoff, sleep } from "./backoff.js";
import { usage } from "./errors.js";
import { isRetryable } from "./follow.js";
import type { RemoteGroup } from "./groups.js";
import { checkOptionKeys } from "./options.js";
import { linkSignals } from "./signals.js";

const CONSUME_OPTION_KEYS = [
  "max",
  "leaseMs",
  "member",
  "waitMs",
  "signal",
  "extendEvery",
  "backoff",
  "onRetry",
];

/** The longest pause after an empty answer that came back early (see the invariants). */
const EMPTY_PAUSE_MS = 1000;

/** Options of `group.consume()`. */
export interface ConsumeOptions {
  /** Most deliveries per claim, 1–1000 (default 1). */
  max?: number;
  /** Each delivery's lease, ms (default 30 000). */
  leaseMs?: number;
  /** Who claims (shown in the group's info); default: the server's HOST:PID. */
  member?: string;
  /** How long each claim waits for a message, ms (default 30 000; the server may cut it). */
  waitMs?: number;
  /** Ends the loop (the claim in flight is cancelled). */
  signal?: AbortSignal;
  /**
   * Renew the lease of each delivery the caller holds (handed out, not acked or nacked yet)
   * every this many ms, by `leaseMs` from then; shorter than `leaseMs`. Default: never.
   */
  extendEvery?: number;
  /** Delays between retries of a failed claim (default 100 ms growing to 5 s, without end). */
  backoff?: BackoffOptions;
  /** Called before each retry of a failed claim. */
  onRetry?: (error: SpoolError, attempt: number) => void;
}

/** A delivery handed out by `group.consume()`: core's Delivery plus its own ack, nack and extend. */
export interface ConsumedDelivery<T = unknown> extends Delivery<T> {
  /** Finishes it (Conflict when it is no longer this member's: its lease ended). */
  ack(options?: { signal?: AbortSignal }): Promise<void>;
  /** Gives it back: claimable again after `delayMs`, with `error` as its last error. */
  nack(options?: NackOptions & { signal?: AbortSignal }): Promise<void>;
  /** Renews its lease from now; answers (and stores in `leaseUntil`) the new end. */
  extend(options?: ExtendOptions & { signal?: AbortSignal }): Promise<string>;
}

/**
 * The iterable `group.consume()` returns; iterate it once.
 *
 * @example
 * for await (const d of group.consume({ max: 10, leaseMs: 60_000 })) {
 *   try { await handle(d.message.data); await d.ack(); }
 *   catch (e) { await d.nack({ delayMs: 5000, error: String(e) }); }
 * }
 */
export class GroupConsumer<T = unknown> implements AsyncIterable<ConsumedDelivery<T>> {
  readonly #group: RemoteGroup;
  readonly #scope: AbortSignal | undefined;
  readonly #options: ConsumeOptions;
  readonly #claim: { max: number; leaseMs: number; member?: string; waitMs: number };
  readonly #extendEvery: number;
  readonly #backoff: ReturnType<typeof resolveBackoff>;
  /** Renewal timers of the deliveries the caller holds. */
  readonly #timers = new Set<ReturnType<typeof setInterval>>();
  #iterated = false;

  /** @internal Made by `group.consume()`. */
  constructor(group: RemoteGroup, scope: AbortSignal | undefined, options: ConsumeOptions) {
    checkOptionKeys(options, CONSUME_OPTION_KEYS, "group.consume()");
    const checked = checkClaimOptions(options, () => "");
    this.#claim = {
      max: checked.max,
      leaseMs: checked.leaseMs,
      waitMs: checkDurationMs("waitMs", options.waitMs, 30_000),
      ...(options.member === undefined ? {} : { member: checked.member }),
    };
    this.#extendEvery = checkDurationMs("extendEvery", options.extendEvery, 0);
    if (this.#extendEvery > 0 && this.#extendEvery >= checked.leaseMs) {
      throw usage(
        `extendEvery (${this.#extendEvery} ms) must be shorter than leaseMs (${checked.leaseMs} ms)`,
        "renew well before the lease ends, e.g. leaseMs: 60000 with extendEvery: 20000",
      );
    }
    if (options.onRetry !== undefined && typeof options.onRetry !== "function") {
      throw usage("onRetry must be a function", "pass onRetry: (error, attempt) => …");
    }
    this.#backoff = resolveBackoff(options.backoff, "the backoff of group.consume()");
    this.#group = group;
    this.#scope = scope;
    this.#options = options;
  }

  [Symbol.asyncIterator](): AsyncIterator<ConsumedDelivery<T>, undefined> {
    if (this.#iterated) {
      throw usage("a consumer can be iterated only once", "call group.consume() again");
    }
    this.#iterated = true;
    const stop = linkSignals(this.#options.signal, this.#scope);
    const run = this.#run(stop.signal);
    const end = (): void => {
      stop.abort();
      stop.release();
      for (const timer of this.#timers) clearInterval(timer);
      this.#timers.clear();
    };
    return {
      next: async () => {
        try {
          const result = await run.next();
          if (result.done) end();
          return result;
        } catch (error) {
          end();
          throw error;
        }
      },
      return: async () => {
        end();
        await run.return(undefined);
        return { done: true, value: undefined };
      },
    };
  }

  async *#run(signal: AbortSignal): AsyncGenerator<ConsumedDelivery<T>, undefined> {
    const buffer: Delivery<T>[] = [];
    let failures = 0;
    for (;;) {
      if (signal.aborted) return undefined;
      const next = buffer.shift();
      if (next !== undefined) {
        yield this.#hold(next, signal);
        continue;
      }
      const began = Date.now();
      let claimed: Delivery<T>[];
      try {
        claimed = await this.#group.claim<T>({ ...this.#claim, signal });
      } catch (error) {
        if (signal.aborted) return undefined;
        failures++;
        if (!isSpoolError(error) || !isRetryable(error) || failures > this.#backoff.maxAttempts) {
          throw error;
        }
        this.#options.onRetry?.(error, failures);
        await sleep(backoffDelay(failures, this.#backoff), signal);
        continue;
      }
      failures = 0;
      if (claimed.length === 0) {
        const early = Math.min(this.#claim.waitMs, EMPTY_PAUSE_MS) - (Date.now() - began);
        if (early > 0) await sleep(early, signal);
      }
      buffer.push(...claimed);
    }
  }

  /** The delivery as handed out: its own ack, nack and extend, and its lease renewal. */
  #hold(d: Delivery<T>, signal: AbortSignal): ConsumedDelivery<T> {
    const group = this.#group;
    const ref = { seq: d.seq, attempt: d.attempt };
    let timer: ReturnType<typeof setInterval> | undefined;
    const release = (): void => {
      if (timer === undefined) return;
      clearInterval(timer);
      this.#timers.delete(timer);
      timer = undefined;
    };
    const held: ConsumedDelivery<T> = {
      ...d,
      ack: async (options = {}) => {
        release();
        await group.ack(ref, options);
      },
      nack: async (options = {}) => {
        release();
        await group.nack(ref, options);
      },
      extend: async (options = {}) => {
        const until = await group.extend(ref, options);
        held.leaseUntil = until;
        return until;
      },
    };
    if (this.#extendEvery > 0 && !signal.aborted) {
      let renewing = false;
      timer = setInterval(() => {
        if (renewing) return;
        renewing = true;
        group
          .extend(ref, { leaseMs: this.#claim.leaseMs })
          .then((until) => {
            held.leaseUntil = until;
          })
          // the lease is lost (or the pool closed): the caller's ack will say so
          .catch(release)
          .finally(() => {
            renewing = false;
          });
      }, this.#extendEvery);
      this.#timers.add(timer);
    }
    return held;
  }
}
