/**
 * A tail as a web ReadableStream over core's `pool.tailJsonl()`, in one of the tail framings
 * (JSONL or Server-Sent Events, see framing.ts).
 *
 * Invariants: chunks are core's batched JSONL buffers (whole lines spliced from the stored bytes,
 * ~64 KiB each), reframed per chunk — no per-message parse, stringify or write; the stream is
 * pull-based, so a slow client makes the tail wait instead of memory grow (at most one chunk is
 * queued here); gaps reported by core during a pull are written before that pull's chunk, so they
 * sit exactly where the seqs jump; a failure after the response started is one final error record
 * (line or event), then the end; a normal end (`max`, `timeout_ms`) writes the framing's end
 * record; an idle stream writes the framing's heartbeat (if any) only into an empty queue; a
 * client disconnect (stream cancel or request abort) or the app's shutdown stops the
 * tail at once and frees its reader, watcher, pool lease and tail slot, exactly once.
 */
import {
  type Gap,
  isSpoolError,
  type Pool,
  type SpoolError,
  type TailEnd,
  type TailOptions,
  type WhereError,
} from "@spool/core";
import { toSpoolError } from "./errors.js";
import type { TailFraming } from "./framing.js";
import type { TailSlot } from "./limits.js";
import type { Lease } from "./pools.js";

export interface TailStreamInput {
  lease: Lease;
  slot: TailSlot;
  framing: TailFraming;
  options: Omit<TailOptions, "signal" | "onGap" | "onEnd">;
  /** The request's signal: aborted when the client goes away. */
  requestSignal?: AbortSignal | undefined;
  /** Write the framing's heartbeat after this long without a write (0 or absent: never). */
  heartbeatMs?: number | undefined;
  /** Called for every gap core reports (under gap policy `continue`). */
  onGap?: ((gap: Gap) => void) | undefined;
  /** Called for every message a where expression failed on (the message is dropped). */
  onWhereError?: ((error: WhereError) => void) | undefined;
  /** Called once with the error that ended the stream after it started (a final record). */
  onError?: ((error: SpoolError) => void) | undefined;
  /** Called once when the tail has ended and released everything. */
  onEnd?: (() => void) | undefined;
}

/** Streams `lease.pool`'s tail in `input.framing`; see the module invariants. */
export function tailStream(input: TailStreamInput): ReadableStream<Uint8Array> {
  const { lease, slot, framing } = input;
  const pool: Pool = lease.pool;
  /** Gap records written by core's callback during the current pull, in order. */
  let pending: Uint8Array[] = [];
  let endReason: TailEnd | undefined;
  const chunks = pool
    .tailJsonl({
      ...input.options,
      // The framings never modify a chunk (JSONL passes it on, SSE copies), so caught-up
      // followers of one pool may share the same formatted bytes.
      sharedChunks: true,
      signal: slot.signal,
      onGap: (gap) => {
        input.onGap?.(gap);
        const record = framing.gap(gap);
        if (record) pending.push(record);
      },
      ...(input.onWhereError === undefined ? {} : { onWhereError: input.onWhereError }),
      onEnd: (reason) => {
        endReason = reason;
      },
    })
    [Symbol.asyncIterator]();
  let pulling = false;
  let finished = false;
  let controllerRef: ReadableStreamDefaultController<Uint8Array> | undefined;

  const onRequestAbort = (): void => slot.abort();
  input.requestSignal?.addEventListener("abort", onRequestAbort, { once: true });

  /** When the stream last handed bytes to the client's queue (for heartbeats). */
  let lastWrite = Date.now();
  let heartbeat: ReturnType<typeof setInterval> | undefined;

  const finish = (): void => {
    if (finished) return;
    finished = true;
    if (heartbeat !== undefined) clearInterval(heartbeat);
    input.requestSignal?.removeEventListener("abort", onRequestAbort);
    slot.signal.removeEventListener("abort", onSlotAbort);
    // The iterator's return ends core's generator (and releases its watcher) even mid-wait.
    void chunks.return?.().catch(() => {});
    lease.release();
    slot.release();
    input.onEnd?.();
  };

  /** Everything pending plus `last` as one chunk (one write), and clears the pending list. */
  const drain = (last?: Uint8Array): Uint8Array | undefined => {
    if (pending.length === 0) return last;
    const parts = last ? [...pending, last] : pending;
    pending = [];
    if (parts.length <= 1) return parts[0];
    return Buffer.concat(parts);
  };

  /** Final bytes (pending gaps, then `last`), then the end; a gone client is ignored. */
  const close = (
    controller: ReadableStreamDefaultController<Uint8Array>,
    last: Uint8Array | undefined,
  ): void => {
    try {
      const tail = drain(last);
      if (tail) controller.enqueue(tail);
      controller.close();
    } catch {
      // already cancelled by the client
    }
  };

  const fail = (error: SpoolError): Uint8Array => {
    input.onError?.(error);
    return framing.error(error);
  };

  /** The end after a shutdown (a SpoolError abort reason: a final error record) or an end. */
  const closeAfterAbort = (controller: ReadableStreamDefaultController<Uint8Array>): void => {
    const reason: unknown = slot.signal.reason;
    close(controller, isSpoolError(reason) ? fail(reason) : undefined);
  };

  function onSlotAbort(): void {
    // A pull in progress sees the tail end and finishes; otherwise nothing will pull again
    // (a stalled or gone client), so finish now.
    if (pulling || finished) return;
    finish();
    if (controllerRef) closeAfterAbort(controllerRef);
  }
  slot.signal.addEventListener("abort", onSlotAbort, { once: true });

  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controllerRef = controller;
        const opening = framing.start();
        if (opening) controller.enqueue(opening);
        const beat = framing.heartbeat;
        const every = input.heartbeatMs ?? 0;
        if (beat && every > 0) {
          // Only into an empty queue (a client that reads): a stalled client gets nothing more.
          heartbeat = setInterval(() => {
            if (finished || (controller.desiredSize ?? 0) <= 0) return;
            if (Date.now() - lastWrite < every) return;
            lastWrite = Date.now();
            controller.enqueue(beat);
          }, every);
          heartbeat.unref?.();
        }
        if (slot.signal.aborted) onSlotAbort();
      },
      async pull(controller) {
        if (finished) return;
        pulling = true;
        try {
          const next = await chunks.next();
          if (finished) return;
          if (slot.signal.aborted) {
            finish();
            closeAfterAbort(controller);
            return;
          }
          if (next.done) {
            finish();
            const reason = endReason;
            close(
              controller,
              reason === undefined || reason === "aborted" ? undefined : framing.end(reason),
            );
            return;
          }
          lastWrite = Date.now();
          controller.enqueue(drain(framing.lines(next.value)) as Uint8Array);
        } catch (error) {
          if (finished) return;
          finish();
          close(controller, fail(toSpoolError(error)));
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
