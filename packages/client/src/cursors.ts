/**
 * Durable cursors of a remote pool (spec/api/v0 §3.11 over spec/http/v0 §3.3):
 * `pool.cursor(name)` → RemoteCursor {info, ack, reset, delete}, `pool.cursors()`, and the
 * `autoAck` of a tail with a cursor.
 *
 * Invariants: the name is checked by core's `checkConsumerName` when the handle is made, and
 * every argument by core's checkers (`checkAckSeq`, `checkDurability`, `requireTime`) before any
 * request, unknown option keys refused with Usage naming them; every call is one request and
 * answers core's `CursorInfo` (core's reader; another shape is a protocol error); errors are the
 * server's kinds (NotFound for an unknown cursor, Usage for an ack past the newest seq,
 * Permission for a token that may not consume); an ack is monotonic on the server (a lower one
 * changes nothing), so several clients acking one cursor end at the highest seq. `autoAck` acks
 * a message when the next one is asked for, never the one a tail ended on (core's rule).
 */
import {
  type CursorInfo,
  checkAckSeq,
  checkConsumerName,
  checkDurability,
  type Durability,
  type Message,
  requireTime,
} from "@spool/core/shared";
import { type ConsumerTarget, checkOpen, cursorPath } from "./consumer-target.js";
import { cursorFromAnswer, cursorsFromAnswer } from "./consumer-wire.js";
import { usage } from "./errors.js";
import { sendJson } from "./http.js";
import { checkOptionKeys } from "./options.js";

/** The options each cursor call knows; any other is refused with Usage naming it. */
const KNOWN = {
  signal: ["signal"],
  ack: ["durability", "signal"],
  to: ["seq", "time"],
} as const;

/** Where `cursor.reset` moves a cursor: the next tail delivers `seq` first, or the first message at or after `time`. */
export type CursorResetTarget = { seq: number } | { time: string | Date };

/**
 * A durable cursor of a remote pool: a named position kept by the pool (in its ledger), shared by
 * every client and process. Get one from `pool.cursor(name)`; a tail or follow with
 * `cursor: name` creates it.
 *
 * @example
 * const cursor = pool.cursor("indexer");
 * await cursor.ack(42); // the next tail with cursor "indexer" starts at 43
 * const { committed, lag } = await cursor.info();
 */
export class RemoteCursor {
  /** The cursor's name. */
  readonly name: string;
  readonly #target: ConsumerTarget;

  /** @internal Made by `pool.cursor()`. */
  constructor(target: ConsumerTarget, name: string) {
    checkOpen(target);
    this.#target = target;
    this.name = checkConsumerName(name, "cursor");
  }

  /**
   * The cursor as the pool keeps it: `{name, committed, lag, ackTime, createdTime}`; NotFound
   * when the pool keeps no cursor of this name.
   *
   * @example
   * const { committed } = await pool.cursor("indexer").info();
   */
  async info(options: { signal?: AbortSignal } = {}): Promise<CursorInfo> {
    checkOpen(this.#target);
    checkOptionKeys(options, KNOWN.signal, "cursor.info()");
    return this.#call("GET", "", undefined, options.signal);
  }

  /**
   * Commits progress: the cursor's committed seq becomes `seq` when that is higher (a lower or
   * equal ack changes nothing). Usage for a seq the pool never held; NotFound for an unknown
   * cursor. `durability: "flush"` syncs the commit.
   *
   * @example
   * await pool.cursor("indexer").ack(msg.seq);
   */
  async ack(
    seq: number,
    options: { durability?: Durability; signal?: AbortSignal } = {},
  ): Promise<CursorInfo> {
    checkOpen(this.#target);
    checkOptionKeys(options, KNOWN.ack, "cursor.ack()");
    const body: Record<string, unknown> = { seq: checkAckSeq(seq) };
    if (options.durability !== undefined) body.durability = checkDurability(options.durability);
    return this.#call("POST", "/ack", body, options.signal);
  }

  /**
   * Moves the cursor, backwards too: the next tail delivers `seq` first, or the first message
   * committed at or after `time` (RFC 3339 text or a Date); creates the cursor when absent.
   *
   * @example
   * await pool.cursor("indexer").reset({ seq: 1 }); // re-read everything the pool holds
   */
  async reset(to: CursorResetTarget, options: { signal?: AbortSignal } = {}): Promise<CursorInfo> {
    checkOpen(this.#target);
    checkOptionKeys(options, KNOWN.signal, "cursor.reset()");
    return this.#call("POST", "/reset", resetBody(to), options.signal);
  }

  /**
   * Removes the cursor; answers what it was (NotFound when absent).
   *
   * @example
   * const last = await pool.cursor("indexer").delete();
   */
  async delete(options: { signal?: AbortSignal } = {}): Promise<CursorInfo> {
    checkOpen(this.#target);
    checkOptionKeys(options, KNOWN.signal, "cursor.delete()");
    return this.#call("DELETE", "", undefined, options.signal);
  }

  async #call(
    method: "GET" | "POST" | "DELETE",
    suffix: string,
    body: Record<string, unknown> | undefined,
    signal: AbortSignal | undefined,
  ): Promise<CursorInfo> {
    const path = cursorPath(this.#target, this.name, suffix);
    const answer = await sendJson(this.#target.transport, {
      method,
      path,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    return cursorFromAnswer(answer, `${method} ${path}`);
  }
}

/** The body of a reset: `{seq}` or `{time}` (Usage for anything else, before any request). */
function resetBody(to: unknown): { seq: number } | { time: string } {
  if (typeof to !== "object" || to === null || Array.isArray(to)) {
    throw usage("reset takes { seq } or { time }", "e.g. cursor.reset({ seq: 1 })");
  }
  checkOptionKeys(to, KNOWN.to, "cursor.reset()");
  const { seq, time } = to as { seq?: unknown; time?: unknown };
  if ((seq === undefined) === (time === undefined)) {
    throw usage(
      seq === undefined
        ? "reset takes { seq } or { time }"
        : "reset takes { seq } or { time }, not both",
      "e.g. cursor.reset({ seq: 1 }) or cursor.reset({ time: '2026-12-01T00:00:00Z' })",
    );
  }
  if (seq !== undefined) return { seq: checkAckSeq(seq) };
  if (time instanceof Date) {
    if (!Number.isFinite(time.getTime())) {
      throw usage("reset's time is an invalid Date", "pass a valid Date or RFC 3339 text");
    }
    return { time: time.toISOString() };
  }
  if (typeof time !== "string") {
    throw usage(
      `reset's time must be RFC 3339 text or a Date, got ${JSON.stringify(time)}`,
      "e.g. cursor.reset({ time: '2026-12-01T00:00:00Z' })",
    );
  }
  requireTime(time, "time");
  return { time };
}

/**
 * The cursors the pool keeps, by name.
 *
 * @example
 * for (const c of await listCursors(target)) console.log(c.name, c.committed, c.lag);
 */
export async function listCursors(
  target: ConsumerTarget,
  options: { signal?: AbortSignal } = {},
): Promise<CursorInfo[]> {
  checkOpen(target);
  checkOptionKeys(options, KNOWN.signal, "pool.cursors()");
  const path = cursorPath(target);
  const answer = await sendJson(target.transport, { method: "GET", path, signal: options.signal });
  return cursorsFromAnswer(answer, `GET ${path}`);
}

/**
 * A tail with `autoAck`: when the next message is asked for, the one before is acked first (it
 * was handled); the message a tail ended on (break, throw, end) is never acked. An ack that
 * fails is thrown from `next()` (the message stays unacked, so it is delivered again later).
 */
export function autoAcking<T>(
  inner: AsyncIterator<Message<T>, undefined>,
  cursor: () => RemoteCursor,
): AsyncIterableIterator<Message<T>> {
  let pending = 0;
  return {
    async next() {
      if (pending > 0) {
        await cursor().ack(pending);
        pending = 0;
      }
      const result = await inner.next();
      if (!result.done) pending = result.value.seq;
      return result;
    },
    async return() {
      pending = 0;
      await inner.return?.();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
