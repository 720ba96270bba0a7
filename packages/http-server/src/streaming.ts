/**
 * A tail as a web ReadableStream over core's `pool.tailJsonl()` (or an engine pool's `tail()`), in one of the tail framings
 * (JSONL or Server-Sent Events, see framing.ts).
 *
 * Every way a tail stream ends goes through one function, `settle(reason)`:
 *
 * | reason       | cause                                                  | final record      |
 * |--------------|--------------------------------------------------------|-------------------|
 * | `end`        | core ended the tail (`max`, `timeout`, `caught-up`)    | the framing's end |
 * | `error`      | core (or the framing) failed after the response began  | an error record   |
 * | `shutdown`   | the app's `close()` aborted the tail slot with Busy    | an error record   |
 * | `client`     | the client went away (request abort, stream cancel)    | none              |
 *
 * Invariant: `settle` runs its effects once, whichever end comes first (later calls, from the
 * same or another cause, do nothing): it stops the heartbeat, detaches the abort listeners,
 * writes the final record (if any, after pending gap records) and closes the stream, aborts the
 * tail slot (so core's generator stops even mid-wait), reports an error record (`onError`), and,
 * once core's generator no longer reads the pool, releases the pool lease and the tail slot and
 * reports the end (`onEnd`) — each exactly once. Nothing else in this module releases or reports.
 *
 * Other invariants: chunks are core's batched JSONL buffers of a file pool (whole lines spliced
 * from the stored bytes, ~64 KiB each), or one stored line per message of another engine's tail
 * (engineLines), reframed per chunk — no per-message parse, stringify or write; the stream
 * is pull-based, so a slow client makes the tail wait instead of memory grow (at most one chunk
 * is queued here); gaps reported by core during a pull are written before that pull's chunk, so
 * they sit exactly where the seqs jump; an idle stream writes the framing's heartbeat (if any)
 * only into an empty queue.
 */
import {
  type EnginePool,
  type Gap,
  isSpoolError,
  type SpoolError,
  type TailEnd,
  type TailOptions,
  type WhereError,
} from "@spool/core";
import { toSpoolError } from "./errors.js";
import type { TailFraming } from "./framing.js";
import type { TailSlot } from "./limits.js";
import type { Lease } from "./pool-source.js";

/**
 * An engine's tail as JSONL chunks: each message's stored line (core's `toJsonLine`, so the
 * bytes are a file pool's for the same message), one chunk per message.
 */
async function* engineLines(pool: EnginePool, options: TailOptions): AsyncGenerator<Buffer> {
  for await (const message of pool.tail(options)) {
    const line = message.toJsonLine();
    yield Buffer.isBuffer(line) ? line : Buffer.from(line.buffer, line.byteOffset, line.byteLength);
  }
}

/** Why a tail stream ended: the one argument of `settle` (see the module header). */
export type SettleReason =
  | { type: "end"; end: Exclude<TailEnd, "aborted"> }
  | { type: "error"; error: SpoolError }
  | { type: "shutdown"; error: SpoolError }
  | { type: "client" };

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
  /** The error as the final record shows it (remote wording and paths, remote.ts). */
  remote?: ((error: SpoolError) => SpoolError) | undefined;
  /** Called once with the error that ended the stream after it started (a final record). */
  onError?: ((error: SpoolError) => void) | undefined;
  /** Called once, with the reason, when the tail has ended and released everything. */
  onEnd?: ((reason: SettleReason) => void) | undefined;
}

/** Streams `lease.pool`'s tail in `input.framing`; see the module invariants. */
export function tailStream(input: TailStreamInput): ReadableStream<Uint8Array> {
  const { lease, slot, framing } = input;
  /** Gap records written by core's callback during the current pull, in order. */
  let pending: Uint8Array[] = [];
  let coreEnd: TailEnd | undefined;
  const options: TailOptions = {
    ...input.options,
    signal: slot.signal,
    onGap: (gap) => {
      input.onGap?.(gap);
      const record = framing.gap(gap);
      if (record) pending.push(record);
    },
    ...(input.onWhereError === undefined ? {} : { onWhereError: input.onWhereError }),
    onEnd: (reason) => {
      coreEnd = reason;
    },
  };
  const chunks = (
    lease.file
      ? // The framings never modify a chunk (JSONL passes it on, SSE copies), so caught-up
        // followers of one file pool may share the same formatted bytes.
        lease.file.tailJsonl({ ...options, sharedChunks: true })
      : engineLines(lease.pool, options)
  )[Symbol.asyncIterator]();

  let settled: SettleReason | undefined;
  /** A pull is waiting for core's next chunk. */
  let waiting = false;
  let controllerRef: ReadableStreamDefaultController<Uint8Array> | undefined;
  /** When the stream last handed bytes to the client's queue (for heartbeats). */
  let lastWrite = Date.now();
  let heartbeat: ReturnType<typeof setInterval> | undefined;

  /** Everything pending plus `last` as one chunk (one write), and clears the pending list. */
  const drain = (last?: Uint8Array): Uint8Array | undefined => {
    if (pending.length === 0) return last;
    const parts = last ? [...pending, last] : pending;
    pending = [];
    if (parts.length <= 1) return parts[0];
    return Buffer.concat(parts);
  };

  /** The record a reason writes last (none when the client is gone). */
  const finalRecord = (reason: SettleReason): Uint8Array | undefined => {
    switch (reason.type) {
      case "end":
        return framing.end(reason.end);
      case "error":
      case "shutdown":
        return framing.error(input.remote ? input.remote(reason.error) : reason.error);
      case "client":
        return undefined;
    }
  };

  /** The one way the stream ends; see the module invariants. */
  const settle = (reason: SettleReason): void => {
    if (settled !== undefined) return;
    settled = reason;
    if (heartbeat !== undefined) clearInterval(heartbeat);
    input.requestSignal?.removeEventListener("abort", onRequestAbort);
    slot.signal.removeEventListener("abort", onSlotAbort);
    // Stops core's generator (its watcher too) even while a pull waits at the live edge; the
    // abort reason of a shutdown stays the slot's first one.
    if (!slot.signal.aborted) slot.abort();
    if (reason.type === "error" || reason.type === "shutdown") input.onError?.(reason.error);
    const release = (): void => {
      lease.release();
      slot.release();
      input.onEnd?.(reason);
    };
    const stopped = chunks.return?.();
    // A pull waiting in core holds its generator: `return()` settles after that pull, so the
    // lease is released only once core no longer reads the pool. Otherwise core's generator is
    // at rest or finished, and everything is released before the final record is written (a
    // client that saw the end finds the slot free).
    if (waiting && stopped) stopped.then(release, release);
    else {
      stopped?.catch(() => {});
      release();
    }
    if (!controllerRef) return;
    try {
      const last = reason.type === "client" ? undefined : drain(finalRecord(reason));
      if (last) controllerRef.enqueue(last);
      controllerRef.close();
    } catch {
      // the client cancelled the stream meanwhile
    }
  };

  /** The reason of an aborted slot: a SpoolError reason is the app's shutdown. */
  const abortReason = (): SettleReason => {
    const why: unknown = slot.signal.reason;
    return isSpoolError(why) ? { type: "shutdown", error: why } : { type: "client" };
  };

  function onRequestAbort(): void {
    settle({ type: "client" });
  }
  function onSlotAbort(): void {
    settle(abortReason());
  }
  input.requestSignal?.addEventListener("abort", onRequestAbort, { once: true });
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
            if (settled || (controller.desiredSize ?? 0) <= 0) return;
            if (Date.now() - lastWrite < every) return;
            lastWrite = Date.now();
            controller.enqueue(beat);
          }, every);
          heartbeat.unref?.();
        }
        if (input.requestSignal?.aborted) settle({ type: "client" });
        else if (slot.signal.aborted) settle(abortReason());
      },
      async pull(controller) {
        if (settled) return;
        let next: IteratorResult<Buffer>;
        waiting = true;
        try {
          next = await chunks.next();
        } catch (error) {
          waiting = false;
          settle({ type: "error", error: toSpoolError(error) });
          return;
        }
        waiting = false;
        if (settled) return;
        if (next.done) {
          // Core ends with "aborted" only when the slot was aborted, which settles first.
          settle(
            coreEnd === undefined || coreEnd === "aborted"
              ? abortReason()
              : { type: "end", end: coreEnd },
          );
          return;
        }
        lastWrite = Date.now();
        try {
          controller.enqueue(drain(framing.lines(next.value)) as Uint8Array);
        } catch (error) {
          settle({ type: "error", error: toSpoolError(error) });
        }
      },
      cancel() {
        settle({ type: "client" });
      },
    },
    { highWaterMark: 1 },
  );
}
