/**
 * Limits that protect the server: the request body size (413) and the number of concurrent
 * tails (423 Busy, never queued), plus the registry of open tails that `close()` ends.
 *
 * Invariants: a tail slot is taken before the response starts and released exactly once when
 * the tail ends for any reason (end, error, client disconnect, shutdown); the open-tail count
 * never exceeds the configured maximum; the body limit applies to every body alike (single and
 * batch appends, create, open), whether or not the client sent Content-Length.
 */
import { SpoolError } from "@spool/core";
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { errorResponse, withStatus } from "./errors.js";

/** 413 with the error envelope for bodies over `maxBytes` (`onReject` sees the error first). */
export function limitBody(
  maxBytes: number,
  onReject?: (error: SpoolError) => void,
): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      const error = withStatus(
        new SpoolError("Usage", `request body is larger than ${maxBytes} bytes`, {
          hint: "send smaller messages or split a batch into several requests",
        }),
        413,
      );
      onReject?.(error);
      return errorResponse(error);
    },
  });
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
