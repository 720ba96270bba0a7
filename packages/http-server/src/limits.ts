/**
 * Limits that protect the server: the request body size (413) and the number of concurrent
 * tails (423 Busy, never queued), plus the registry of open tails that `close()` ends.
 *
 * Invariants: a tail slot is taken before the response starts and released exactly once when
 * the tail ends for any reason (end, error, client disconnect, shutdown); the open-tail count
 * never exceeds the configured maximum; the body limit applies to every body alike (single and
 * batch appends, create, open), whether or not the client sent Content-Length: a declared
 * length is trusted (the server's HTTP parser never delivers more bytes than declared), any other
 * body is counted while it streams in and cut off at the limit.
 */
import { SpoolError } from "@spool/core";
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { errorResponse, withStatus } from "./errors.js";

/**
 * 413 with the error envelope for bodies over `maxBytes` (`onReject` sees the error first).
 *
 * A body with a declared length (Content-Length, no Transfer-Encoding) is judged by that number
 * alone: past Node's HTTP parser the body cannot be longer than declared, and the route then reads
 * it through the server's direct path without building a web Request (the costly part of hono's
 * streaming limiter). Any other body (chunked, or no length at all, e.g. a stream handed to
 * `app.fetch`) goes through hono's streaming limiter, which counts the bytes as they arrive.
 */
export function limitBody(
  maxBytes: number,
  onReject?: (error: SpoolError) => void,
): MiddlewareHandler {
  const reject = (): Response => {
    const error = withStatus(
      new SpoolError("Usage", `request body is larger than ${maxBytes} bytes`, {
        hint: "send smaller messages or split a batch into several requests",
      }),
      413,
    );
    onReject?.(error);
    return errorResponse(error);
  };
  const streaming = bodyLimit({ maxSize: maxBytes, onError: reject });
  return async (c, next) => {
    const length = declaredLength(c.req.raw.headers);
    if (length === undefined) return streaming(c, next);
    if (length > maxBytes) return reject();
    await next();
  };
}

/** The body's declared length: Content-Length in plain digits without Transfer-Encoding, else undefined. */
function declaredLength(headers: Headers): number | undefined {
  const value = headers.get("content-length");
  if (value === null || !/^\d{1,15}$/.test(value) || headers.has("transfer-encoding")) {
    return undefined;
  }
  return Number(value);
}

/** One open tail: its abort (ends the stream) and its slot. */
export interface TailSlot {
  readonly signal: AbortSignal;
  /** Ends the tail with `reason` (shown as the final error line when it is a SpoolError). */
  abort(reason?: unknown): void;
  /** Frees the slot (idempotent). */
  release(): void;
}

export class TailSlots {
  readonly #max: number;
  readonly #open = new Set<AbortController>();
  #waiters: (() => void)[] = [];

  constructor(max: number) {
    this.#max = max;
  }

  get count(): number {
    return this.#open.size;
  }

  /** Takes a slot or throws Busy (423) when all are in use. */
  acquire(): TailSlot {
    if (this.#open.size >= this.#max) {
      throw new SpoolError("Busy", `too many open tails (limit ${this.#max})`, {
        hint: "retry later, or raise the server's maximum of concurrent tails",
      });
    }
    const controller = new AbortController();
    this.#open.add(controller);
    return {
      signal: controller.signal,
      abort: (reason) => controller.abort(reason),
      release: () => {
        if (!this.#open.delete(controller) || this.#open.size > 0) return;
        const waiters = this.#waiters;
        this.#waiters = [];
        for (const wake of waiters) wake();
      },
    };
  }

  /** Resolves when no tail is open. */
  drained(): Promise<void> {
    if (this.#open.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Aborts every open tail with `reason`. */
  abortAll(reason: unknown): void {
    for (const controller of [...this.#open]) controller.abort(reason);
  }
}
