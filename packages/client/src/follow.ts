/**
 * `pool.follow()`: a tail that outlives connections. It reconnects after network errors and
 * server restarts, resuming at the next seq, with exponential backoff and jitter, and reports
 * its status (connecting, connected, reconnecting, gap, closed).
 *
 * Invariants: the start is pinned to a seq before the first message (from `since`, or from the
 * pool's bounds, as the local API's start rules do), and every reconnect resumes at the last
 * delivered seq + 1, so no message still in the pool is lost, none is delivered twice, and seqs
 * only ever increase; a gap (messages overwritten while away or while lagging) is reported, under
 * policy `continue`, as a status and to `onGap`, never hidden, exact also under a tag filter (the
 * server's gap lines, see tail.ts), and moves the resume point past it, so a reconnect never
 * reports seqs of a gap already reported; only retryable failures reconnect (network errors,
 * Busy, Io by default; never a TLS failure or Permission);
 * `break`, the signal and the handle's close end it at once, with no timer or request left; with
 * `follow: false` it ends (reason `caught-up`) once a connection caught up with the newest message
 * at the time of that connection's request. With `transport: "websocket"` each connection is a
 * WebSocket tail (ws-tail.ts) with the same resume, gap and retry rules (a socket that closes
 * without an end or error frame is a NetworkError, so it reconnects).
 *
 * With a durable cursor (`cursor: NAME`, spec/api/v0 §3.11) the resume point is the server's
 * cursor instead: every connection asks for `cursor=NAME` (and the pinned start, which only
 * places a new cursor), so it starts after whatever was acked, by this follower or any other
 * client; a message delivered but not acked before a disconnect is delivered again (at least
 * once; never skipped on the follower's own say-so), and a cursor reset or another client's ack
 * moves the resume point too. Progress is committed by `follower.ack(seq)` (retried like a
 * connection, which is safe: acks are monotonic), or by `autoAck`,
 * which acks each message when the next is asked for (never the one the follow ended on); an
 * autoAck that failed is retried before the next connection, so with autoAck a reconnect repeats
 * nothing.
 */
import {
  type CursorInfo,
  type Durability,
  type Gap,
  isSpoolError,
  type PoolInfo,
  type SpoolError,
  startSeq,
  type TailEnd,
} from "@spool/core/shared";
import { type BackoffOptions, backoffDelay, resolveBackoff, sleep } from "./backoff.js";
import { RemoteCursor } from "./cursors.js";
import { isNetworkError, isTlsError, usage } from "./errors.js";
import type { RemoteMessage } from "./message.js";
import { checkTailOptions, TAIL_OPTION_KEYS, type TailOptions } from "./options.js";
import { linkSignals } from "./signals.js";
import { TailIterator, type TailTarget } from "./tail.js";
import { WsTailIterator } from "./ws-tail.js";

/** The options `pool.follow()` knows: the tail's plus reconnect behaviour and status. */
const FOLLOW_OPTION_KEYS = [
  ...TAIL_OPTION_KEYS.filter((key) => key !== "sinceTime"),
  "backoff",
  "onStatus",
  "retryable",
];

/** Options of `pool.follow()`: the tail's options plus reconnect behaviour and status. */
export interface FollowOptions extends Omit<TailOptions, "sinceTime"> {
  /** Delays between reconnect attempts. */
  backoff?: BackoffOptions;
  /** Called with every status change (also dispatched as a `status` event). */
  onStatus?: (status: FollowStatus) => void;
  /** Which failures reconnect. Default: network errors (not TLS ones) and kinds Busy and Io. */
  retryable?: (error: SpoolError) => boolean;
}

/** What a follower is doing; `gap` reports overwritten messages and does not change `state`. */
export type FollowStatus =
  | { state: "connecting" }
  | { state: "connected"; since: number }
  | { state: "reconnecting"; attempt: number; delayMs: number; error: SpoolError }
  | { state: "gap"; gap: Gap }
  | { state: "closed"; reason: TailEnd | "break" | "error" };

/** The connection states of a follower (`FollowStatus` without `gap`). */
export type FollowState = Exclude<FollowStatus["state"], "gap">;

/**
 * The default `retryable`: the server was unreachable, busy (e.g. restarting) or had an I/O error;
 * never a TLS failure (TlsError) nor Permission (401/403), which retrying cannot fix.
 *
 * @example
 * pool.follow({ retryable: (e) => isRetryable(e) || e.kind === "NotFound" }); // wait for the pool
 */
export function isRetryable(error: SpoolError): boolean {
  // A refused certificate, a missing or wrong token (401) and a forbidden mode (403) stay so
  // until someone changes the configuration: retrying them would spin for ever.
  if (isTlsError(error) || error.kind === "Permission") return false;
  return isNetworkError(error) || error.kind === "Busy" || error.kind === "Io";
}

/**
 * A long-lived tail: iterate it once with `for await`; observe it with `onStatus`, the `status`
 * event (a CustomEvent whose `detail` is the FollowStatus) or the `state` property.
 *
 * @example
 * const follower = pool.follow({ since: 1, onStatus: (s) => console.log(s.state) });
 * for await (const msg of follower) render(msg.data);
 */
export class Follower<T = unknown> extends EventTarget implements AsyncIterable<RemoteMessage<T>> {
  readonly #target: TailTarget;
  readonly #options: FollowOptions;
  readonly #info: (signal: AbortSignal) => Promise<PoolInfo>;
  readonly #controller = new AbortController();
  #state: FollowState = "connecting";
  #iterated = false;
  #broken = false;
  #next: number | undefined;
  /** The pinned start (with a cursor: where a new cursor is placed). */
  #start: number | undefined;
  #cursor: RemoteCursor | undefined;
  /** autoAck: the seq the caller moved past, not acked yet (0: none). */
  #pendingAck = 0;

  /** @internal Made by `RemotePool.follow`. */
  constructor(
    target: TailTarget,
    options: FollowOptions,
    info: (signal: AbortSignal) => Promise<PoolInfo>,
  ) {
    super();
    this.#target = target;
    this.#options = options;
    this.#info = info;
  }

  /** The current connection state. */
  get state(): FollowState {
    return this.#state;
  }

  /**
   * The seq the follower resumes at on its next connection (known once the start is pinned);
   * with a cursor, the cursor's committed seq + 1 as this follower last saw it (read before each
   * connection, and answered by its acks).
   */
  get nextSeq(): number | undefined {
    return this.#next;
  }

  /**
   * With a cursor: commits progress up to `seq` (the server keeps the highest ack), so the next
   * connection, and any later follow or tail with this cursor, starts after it. Failures the
   * follow would reconnect after (`retryable`, e.g. the server restarting) are retried with its
   * `backoff` (safe: an ack is idempotent), until `signal` aborts or the pool handle closes;
   * others are thrown. Usage without a cursor. It may be called after the loop ended.
   *
   * @example
   * const follower = pool.follow({ cursor: "indexer" });
   * for await (const msg of follower) { await index(msg); await follower.ack(msg.seq); }
   */
  async ack(
    seq: number,
    options: { durability?: Durability; signal?: AbortSignal } = {},
  ): Promise<CursorInfo> {
    const cursor = this.#cursorHandle();
    const backoff = resolveBackoff(this.#options.backoff);
    const retry = this.#options.retryable ?? isRetryable;
    const stop = linkSignals(options.signal, this.#target.scope);
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          const info = await cursor.ack(seq, options);
          this.#next = info.committed + 1;
          return info;
        } catch (error) {
          if (stop.signal.aborted || !isSpoolError(error) || !retry(error)) throw error;
          if (attempt > backoff.maxAttempts) throw error;
          await sleep(backoffDelay(attempt, backoff), stop.signal);
          if (stop.signal.aborted) throw error;
        }
      }
    } finally {
      stop.release();
    }
  }

  #cursorHandle(): RemoteCursor {
    const name = this.#options.cursor;
    if (name === undefined) {
      throw usage(
        "ack needs a cursor",
        "follow with a durable cursor: pool.follow({ cursor: 'indexer' })",
      );
    }
    this.#cursor ??= new RemoteCursor(this.#target, name);
    return this.#cursor;
  }

  /** autoAck: acks the message the caller moved past (kept pending when it fails). */
  async #flushAck(): Promise<void> {
    if (this.#pendingAck === 0) return;
    const info = await this.#cursorHandle().ack(this.#pendingAck, {
      signal: this.#controller.signal,
    });
    this.#pendingAck = 0;
    this.#next = info.committed + 1;
  }

  /** With a cursor: where this connection starts (committed + 1), or `pinned` for a new cursor. */
  async #cursorStart(pinned: number): Promise<number> {
    try {
      const info = await this.#cursorHandle().info({ signal: this.#controller.signal });
      this.#next = info.committed + 1;
    } catch (error) {
      if (!isSpoolError(error, "NotFound")) throw error;
      this.#next = pinned; // the first connection creates it there
    }
    return this.#next;
  }

  [Symbol.asyncIterator](): AsyncIterator<RemoteMessage<T>, undefined> {
    if (this.#iterated) {
      throw usage("a follower can be iterated only once", "call pool.follow() again");
    }
    this.#iterated = true;
    const run = this.#run();
    return {
      next: () => run.next(),
      return: async () => {
        this.#broken = true;
        this.#controller.abort();
        await run.return(undefined);
        return { done: true, value: undefined };
      },
    };
  }

  #emit(status: FollowStatus): void {
    if (status.state !== "gap") this.#state = status.state;
    this.#options.onStatus?.(status);
    this.dispatchEvent(new CustomEvent("status", { detail: status }));
  }

  async *#run(): AsyncGenerator<RemoteMessage<T>, undefined> {
    const { signal } = this.#options;
    const stop = (): void => this.#controller.abort();
    signal?.addEventListener("abort", stop, { once: true });
    this.#target.scope?.addEventListener("abort", stop, { once: true });
    let reason: TailEnd | "break" | "error" = "error";
    try {
      checkTailOptions(this.#options, FOLLOW_OPTION_KEYS, "pool.follow()");
      const backoff = resolveBackoff(this.#options.backoff);
      if (signal?.aborted) stop();
      this.#emit({ state: "connecting" });
      let delivered = 0;
      let attempt = 0;
      for (;;) {
        if (this.#controller.signal.aborted) {
          reason = this.#stopReason();
          return undefined;
        }
        let ended: TailEnd | undefined;
        let tail: TailIterator<T> | WsTailIterator<T> | undefined;
        try {
          this.#start ??= await this.#pinStart();
          const pinned = this.#start;
          const withCursor = this.#options.cursor !== undefined;
          let since: number;
          if (withCursor) {
            await this.#flushAck();
            since = await this.#cursorStart(pinned);
          } else {
            this.#next ??= pinned;
            since = this.#next;
          }
          const connection = this.#connectionOptions(
            withCursor ? pinned : since,
            delivered,
            (end) => {
              ended = end;
            },
          );
          const target = { ...this.#target, scope: undefined };
          tail =
            this.#options.transport === "websocket"
              ? new WsTailIterator<T>(target, connection)
              : new TailIterator<T>(target, connection);
          tail.onConnected = () => {
            attempt = 0;
            this.#emit({ state: "connected", since });
          };
          for (let r = await tail.next(); !r.done; r = await tail.next()) {
            if (!withCursor) this.#next = r.value.seq + 1;
            delivered++;
            yield r.value;
            // the caller asked for the next message: it is done with this one
            if (this.#options.autoAck === true) {
              this.#pendingAck = r.value.seq;
              await this.#flushAck();
            }
          }
          if (ended === "max" || ended === "timeout" || ended === "caught-up") {
            reason = ended;
            return undefined;
          }
        } catch (error) {
          if (this.#controller.signal.aborted) continue;
          const retry = this.#options.retryable ?? isRetryable;
          attempt++;
          if (!isSpoolError(error) || !retry(error) || attempt > backoff.maxAttempts) {
            throw error;
          }
          const delayMs = backoffDelay(attempt, backoff);
          this.#emit({ state: "reconnecting", attempt, delayMs, error });
          await sleep(delayMs, this.#controller.signal);
        } finally {
          await tail?.return();
        }
      }
    } finally {
      signal?.removeEventListener("abort", stop);
      this.#target.scope?.removeEventListener("abort", stop);
      this.#controller.abort();
      if (this.#broken) reason = "break";
      this.#emit({ state: "closed", reason });
      if (
        reason === "aborted" ||
        reason === "max" ||
        reason === "timeout" ||
        reason === "caught-up"
      ) {
        this.#options.onEnd?.(reason);
      }
    }
  }

  #stopReason(): TailEnd | "break" {
    if (this.#broken) return "break";
    if (this.#target.scope?.aborted && !this.#options.signal?.aborted) {
      throw usage(
        `the pool handle of ${this.#target.pool} is closed`,
        "open the pool again with client.openPool()",
      );
    }
    return "aborted";
  }

  /** The first seq: `since`, else the local API's start rule over the pool's current bounds. */
  async #pinStart(): Promise<number> {
    if (this.#options.since !== undefined) return this.#options.since;
    const info = await this.#info(this.#controller.signal);
    const newest = info.bounds?.newest ?? 0;
    const oldest = info.bounds?.oldest ?? newest + 1;
    const last = this.#options.last;
    return startSeq(last === undefined ? {} : { last }, { oldest, newest });
  }

  /**
   * Options of one connection: resume at `since` (with a cursor: the start that places a new
   * cursor; a kept one resumes after its committed seq), with what is left of `max`.
   */
  #connectionOptions(
    since: number,
    delivered: number,
    onEnd: (reason: TailEnd) => void,
  ): TailOptions {
    const o = this.#options;
    return {
      since,
      signal: this.#controller.signal,
      onEnd,
      onGap: (gap) => {
        // Those seqs are gone: resume after them (under a filter, no message may follow soon);
        // with a cursor the server's cursor decides where a reconnect resumes.
        if (o.cursor === undefined) this.#next = Math.max(this.#next ?? 0, gap.to + 1);
        this.#emit({ state: "gap", gap });
        o.onGap?.(gap);
      },
      ...(o.max === undefined ? {} : { max: Math.max(0, o.max - delivered) }),
      ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }),
      ...(o.follow === false ? { follow: false } : {}),
      ...(o.tags === undefined ? {} : { tags: o.tags }),
      ...(o.where === undefined ? {} : { where: o.where }),
      ...(o.gapPolicy === undefined ? {} : { gapPolicy: o.gapPolicy }),
      ...(o.cursor === undefined ? {} : { cursor: o.cursor }),
    };
  }
}
