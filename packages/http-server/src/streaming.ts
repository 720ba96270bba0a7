/**
 * The JSONL tail as a web ReadableStream over core's `pool.tailJsonl()`.
 *
 * Invariants: chunks are core's batched JSONL buffers (whole lines spliced from the stored bytes,
 * ~64 KiB each), enqueued as they are — no per-message parse, stringify or write; the stream is
 * pull-based, so a slow client makes the tail wait instead of memory grow (at most one chunk is
 * queued here); a failure after the response started is one final `{"error": …}` line, then the
 * end; a client disconnect (stream cancel or request abort) or the app's shutdown stops the tail
 * at once and frees its reader, watcher, pool lease and tail slot, exactly once.
 */
import { isSpoolError, type Pool, type TailOptions } from "@spool/core";
import { errorLine, toSpoolError } from "./errors.js";
import type { TailSlot } from "./limits.js";
import type { Lease } from "./pools.js";

export interface JsonlTailInput {
  lease: Lease;
  slot: TailSlot;
  options: Omit<TailOptions, "signal">;
  /** The request's signal: aborted when the client goes away. */
  requestSignal?: AbortSignal | undefined;
  /** Called once when the tail has ended and released everything. */
  onEnd?: (() => void) | undefined;
}

const encoder = new TextEncoder();

/** Streams `lease.pool`'s tail as JSONL chunks; see the module invariants. */
export function jsonlTail(input: JsonlTailInput): ReadableStream<Uint8Array> {
  const { lease, slot } = input;
  const pool: Pool = lease.pool;
  const chunks = pool.tailJsonl({ ...input.options, signal: slot.signal })[Symbol.asyncIterator]();
  let pulling = false;
  let finished = false;
  let controllerRef: ReadableStreamDefaultController<Uint8Array> | undefined;

  const onRequestAbort = (): void => slot.abort();
  input.requestSignal?.addEventListener("abort", onRequestAbort, { once: true });

  const finish = (): void => {
    if (finished) return;
    finished = true;
    input.requestSignal?.removeEventListener("abort", onRequestAbort);
    slot.signal.removeEventListener("abort", onSlotAbort);
    // The iterator's return ends core's generator (and releases its watcher) even mid-wait.
    void chunks.return?.().catch(() => {});
    lease.release();
    slot.release();
    input.onEnd?.();
  };

  /** A final error line for a shutdown (a SpoolError abort reason), then the end. */
  const closeWithReason = (controller: ReadableStreamDefaultController<Uint8Array>): void => {
    const reason: unknown = slot.signal.reason;
    try {
      if (isSpoolError(reason)) controller.enqueue(encoder.encode(errorLine(reason)));
      controller.close();
    } catch {
      // already cancelled by the client
    }
  };

  function onSlotAbort(): void {
    // A pull in progress sees the tail end and finishes; otherwise nothing will pull again
    // (a stalled or gone client), so finish now.
    if (pulling || finished) return;
    finish();
    if (controllerRef) closeWithReason(controllerRef);
  }
  slot.signal.addEventListener("abort", onSlotAbort, { once: true });

  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controllerRef = controller;
        if (slot.signal.aborted) onSlotAbort();
      },
      async pull(controller) {
        if (finished) return;
        pulling = true;
        try {
          const next = await chunks.next();
          if (finished) return;
          if (next.done || slot.signal.aborted) {
            finish();
            closeWithReason(controller);
            return;
          }
          controller.enqueue(next.value);
        } catch (error) {
          if (finished) return;
          finish();
          try {
            controller.enqueue(encoder.encode(errorLine(toSpoolError(error))));
            controller.close();
          } catch {
            // the client is gone
          }
        } finally {
          pulling = false;
        }
      },
      cancel() {
        slot.abort();
        finish();
      },
    },
    { highWaterMark: 1 },
  );
}
