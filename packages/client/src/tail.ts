/**
 * One HTTP tail (`GET /v0/pools/{pool}/tail`) as an async iterator of messages.
 *
 * Invariants: nothing is sent before the first `next()` (option errors surface there, as in the
 * local API); lines are read only as the consumer pulls (a slow consumer makes the server wait,
 * memory stays at one chunk plus one line); the request always asks for gap lines
 * (`gap_lines=1`), and gap lines are never delivered as messages: each is reported to `onGap`
 * (policy `continue`), exactly once and exact also under a tag filter, by the tail's GapCursor
 * (gap-cursor.ts: seqs must strictly increase, a jump without a gap line counts as a gap only
 * without a filter, for servers that predate gap lines); a malformed line is a protocol error; a
 * final `{"error": …}` line is thrown as a SpoolHttpError; `return()` (a `break`), the caller's
 * signal and the pool handle's close all abort the request and cancel the body at once, exactly
 * once; an abort by the caller's signal ends iteration normally (`onEnd("aborted")`), never throws.
 * With a durable cursor (`cursor=NAME`) the first seq is the server's (after the cursor's
 * committed seq), so the tail's order checks start at the first message; `autoAck` acks each
 * message when the next is asked for (cursors.ts).
 */
import type { TailEnd } from "@spool/core/shared";
import { autoAcking, RemoteCursor } from "./cursors.js";
import { NetworkError, usage } from "./errors.js";
import { GapCursor } from "./gap-cursor.js";
import { isAbort, networkError, poolPath, protocolError, send, type Transport } from "./http.js";
import { type LineSource, lineReader } from "./jsonl.js";
import type { RemoteMessage } from "./message.js";
import { checkTailOptions, type TailOptions, tailQuery } from "./options.js";
import { classifyTailLine } from "./tail-lines.js";
import { wsTailMessages } from "./ws-tail.js";

/** Where a tail's stream came from, for errors and for `follow`. */
export interface TailTarget {
  transport: Transport;
  pool: string;
  /** Aborted when the pool handle is closed. */
  scope?: AbortSignal | undefined;
}

/**
 * Tails `target.pool` with `options`: each iteration sends one request.
 *
 * @example
 * for await (const msg of tailMessages(target, { since: 1, max: 3 })) console.log(msg.seq);
 */
export function tailMessages<T>(
  target: TailTarget,
  options: TailOptions,
): AsyncIterable<RemoteMessage<T>> {
  if (options.transport === "websocket") return wsTailMessages<T>(target, options);
  return {
    [Symbol.asyncIterator]: () => {
      const tail = new TailIterator<T>(target, options);
      const name = options.cursor;
      if (options.autoAck !== true || name === undefined) return tail;
      // made at the first ack, after the tail checked the options at its first next()
      let cursor: RemoteCursor | undefined;
      return autoAcking<T>(tail, () => {
        cursor ??= new RemoteCursor(target, name);
        return cursor;
      }) as AsyncIterableIterator<RemoteMessage<T>>;
    },
  };
}

/** The iterator behind `tailMessages`; exported for `follow`, which reads one per connection. */
export class TailIterator<T> implements AsyncIterableIterator<RemoteMessage<T>> {
  readonly #target: TailTarget;
  readonly #options: TailOptions;
  readonly #controller = new AbortController();
  #lines: LineSource | undefined;
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #started = false;
  #finished = false;
  #delivered = 0;
  readonly #cursor: GapCursor;
  readonly #onAbort = (): void => this.#controller.abort();
  /** Called once the response started (status 200). */
  onConnected: (() => void) | undefined;

  constructor(target: TailTarget, options: TailOptions) {
    this.#target = target;
    this.#options = options;
    this.#cursor = new GapCursor({
      // with a durable cursor the server starts after the cursor's committed seq, which may be
      // before or after `since` (that only places a new cursor): the start is not known here
      since: options.cursor === undefined ? options.since : undefined,
      // a tag or where filter makes seq jumps normal (only gap lines report gaps then)
      filtered:
        (options.tags?.length ?? 0) > 0 ||
        (options.where !== undefined && options.where.length > 0),
      onGap: options.onGap,
    });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<RemoteMessage<T>, undefined>> {
    if (this.#finished) return { done: true, value: undefined };
    try {
      if (!this.#started) {
        this.#started = true;
        await this.#start();
        if (this.#finished) return { done: true, value: undefined };
      }
      const message = await this.#read();
      if (message) return { done: false, value: message };
      return { done: true, value: undefined };
    } catch (error) {
      if (this.#finished) return { done: true, value: undefined };
      if (this.#options.signal?.aborted) {
        this.#end("aborted");
        return { done: true, value: undefined };
      }
      this.#close();
      if (this.#target.scope?.aborted) throw closedError(this.#target.pool);
      throw error;
    }
  }

  async return(): Promise<IteratorResult<RemoteMessage<T>, undefined>> {
    this.#close();
    return { done: true, value: undefined };
  }

  async #start(): Promise<void> {
    checkTailOptions(this.#options);
    const { signal } = this.#options;
    const scope = this.#target.scope;
    if (scope?.aborted) throw closedError(this.#target.pool);
    if (signal?.aborted) {
      this.#end("aborted");
      return;
    }
    signal?.addEventListener("abort", this.#onAbort, { once: true });
    scope?.addEventListener("abort", this.#onAbort, { once: true });
    const response = await send(this.#target.transport, {
      method: "GET",
      path: poolPath(this.#target.pool, "/tail"),
      query: tailQuery(this.#options),
      signal: this.#controller.signal,
      accept: "application/jsonl",
    });
    if (!response.body) throw protocolError(response.status, "GET tail: the response has no body");
    this.#reader = response.body.getReader();
    this.#lines = lineReader(this.#reader);
    this.onConnected?.();
  }

  async #read(): Promise<RemoteMessage<T> | undefined> {
    const lines = this.#lines as LineSource;
    const max = this.#options.max;
    for (;;) {
      if (max !== undefined && this.#delivered >= max) {
        this.#end("max");
        return undefined;
      }
      let line: Uint8Array | undefined;
      try {
        line = await lines.next();
      } catch (error) {
        if (isAbort(error, this.#controller.signal)) throw error;
        throw networkError(`GET ${poolPath(this.#target.pool, "/tail")}`, error);
      }
      if (line === undefined) return this.#endOfStream(lines.partial);
      const item = classifyTailLine<T>(line);
      if (item.type === "error") throw item.error;
      if (item.type === "gap") {
        this.#cursor.gapLine(item.gap);
        continue;
      }
      this.#cursor.message(item.message.seq);
      this.#delivered++;
      return item.message;
    }
  }

  #endOfStream(partial: number): undefined {
    if (partial > 0) {
      throw new NetworkError(
        `GET ${poolPath(this.#target.pool, "/tail")}: the stream was cut off inside a line`,
        { hint: "the connection broke; resume with since = the last seq received + 1" },
      );
    }
    const max = this.#options.max;
    if (max !== undefined && this.#delivered >= max) this.#end("max");
    else if (this.#options.follow === false) this.#end("caught-up");
    else if (this.#options.timeoutMs !== undefined) this.#end("timeout");
    else {
      throw new NetworkError(
        `GET ${poolPath(this.#target.pool, "/tail")}: the stream ended without an end reason`,
        { hint: "the connection was closed early; resume with since = the last seq received + 1" },
      );
    }
    return undefined;
  }

  /** Ends by itself: releases everything and reports `reason`. */
  #end(reason: TailEnd): void {
    if (this.#finished) return;
    this.#close();
    this.#options.onEnd?.(reason);
  }

  /** Releases the request and the body, once. */
  #close(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#options.signal?.removeEventListener("abort", this.#onAbort);
    this.#target.scope?.removeEventListener("abort", this.#onAbort);
    this.#controller.abort();
    this.#reader?.cancel().catch(() => {});
  }

  /**
   * The lowest seq this tail can deliver next (after the last message or gap received), if known;
   * exact without a tag filter, a lower bound with one.
   */
  get expected(): number | undefined {
    return this.#cursor.expected;
  }
}

function closedError(pool: string) {
  return usage(
    `the pool handle of ${pool} is closed`,
    "open the pool again with client.openPool()",
  );
}
