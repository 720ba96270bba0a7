/**
 * Tailing a pool as an async iterable: replay from a start seq, then follow live messages.
 *
 * Invariants: strictly ascending seqs with no duplicate and no gap at the replay→live hand-over
 * (both are the same cursor reading the same ring); gaps are detected on raw seqs before the tag
 * filter; memory is bounded by one read chunk (the iterator reads only when pulled); abort,
 * `break`, `max` and the idle timeout end iteration at once and release the change watcher.
 * Followers of one open pool share work at the live edge without sharing any mutable state:
 * the published state is read once per change event (notify.ts `shared`), a caught-up
 * follower takes frames another follower just read and validated as an immutable copy
 * (reader.ts `takeSharedRun`; replays always read the ring themselves), and with
 * `sharedChunks` their JSONL is formatted once. A read that fails validation always re-reads
 * the state itself. The cursor's rules (expected seq, gaps and their policy, max, end reasons,
 * the idle timeout and backoff, tag and where filters after gap accounting) are the
 * engine-neutral TailMachine (tail-machine.ts); this module is the file engine's read strategy
 * and wait around it. Options live in tail-options.ts, the JSONL form in tail-jsonl.ts.
 */

import type { FrameReader, FrameRef, Run } from "./engine/reader.js";
import { seqAtOrAfter } from "./engine/seek.js";
import { shareRun, type TakenRun, takeSharedRun } from "./engine/shared-runs.js";
import { startSeq } from "./engine/tail-cursor.js";
import { SpoolError } from "./errors.js";
import { FRAME_HEADER_SIZE, payloadLength } from "./format/frame.js";
import type { PoolState } from "./format/header.js";
import { type Message, messageFromFrame, StoredMessage } from "./message.js";
import { type Subscription, subscribe } from "./platform/notify.js";
import { hasEveryTag, TailMachine, whereKeepsEnvelope } from "./tail-machine.js";
import { type CheckedOptions, checkOptions, type TailOptions } from "./tail-options.js";
import type { Instant } from "./time.js";

/** What a tail reads from. */
export interface TailSource {
  path: string;
  /** File offset of the ring (error offsets are file offsets). */
  ringOffset: number;
  reader: FrameReader;
  readState: () => PoolState;
}

/** Validated, filtered frames of one read, and where they came from. */
export interface Batch {
  buf: Buffer;
  frames: FrameRef[];
  /** Set when `frames` are exactly a shared run's frames from `origin.from` on. */
  origin?: TakenRun | undefined;
}

const MAX_FRAMES_PER_RUN = 4096;
/** Consecutive failed reads of one live seq before it is reported as Corrupt. */
const MAX_READ_RETRIES = 4;

function hasTags(buf: Buffer, frame: FrameRef, wanted: readonly string[]): boolean {
  if (frame.head.tagsLen <= 2) return false;
  const start = frame.at + FRAME_HEADER_SIZE;
  const tags = JSON.parse(buf.toString("utf8", start, start + frame.head.tagsLen)) as string[];
  return hasEveryTag(tags, wanted);
}

/** The envelope a where expression sees, decoded from a frame (tags and data parsed). */
function envelopeOf(buf: Buffer, frame: FrameRef): unknown {
  const start = frame.at + FRAME_HEADER_SIZE;
  const { tagsLen, dataLen, timeSec, timeNanos } = frame.head;
  return new StoredMessage(
    frame.seq,
    timeSec,
    timeNanos,
    buf.subarray(start, start + payloadLength(tagsLen, dataLen)),
    tagsLen,
    dataLen,
  ).toJSON();
}

/** Evaluating where expressions hands the event loop a turn at least this often (ms). */
const WHERE_SLICE_MS = 10;

/**
 * The frames the where expressions keep; failures go to `onWhereError`. Each message's cost is
 * bounded by its step budget, but a run holds up to 4096 messages: every WHERE_SLICE_MS of
 * evaluation the event loop gets a turn (other tails, a server's requests), and an abort
 * noticed then ends the filtering (the caller sees the abort next).
 */
async function whereFilter(
  buf: Buffer,
  frames: FrameRef[],
  opts: CheckedOptions,
  options: TailOptions,
  stop: AbortSignal,
): Promise<FrameRef[]> {
  const kept: FrameRef[] = [];
  let sliceStart = Date.now();
  for (const frame of frames) {
    if (Date.now() - sliceStart >= WHERE_SLICE_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (stop.aborted || options.signal?.aborted) return kept;
      sliceStart = Date.now();
    }
    if (whereKeeps(buf, frame, opts, options)) kept.push(frame);
  }
  return kept;
}

function whereKeeps(
  buf: Buffer,
  frame: FrameRef,
  opts: CheckedOptions,
  options: TailOptions,
): boolean {
  return whereKeepsEnvelope(
    opts.where,
    frame.seq,
    () => envelopeOf(buf, frame),
    options.onWhereError,
  );
}

/** The commit time of `seq`, or undefined when it is not readable (overwritten meanwhile). */
function timeAt(source: TailSource, seq: number, state: PoolState): Instant | undefined {
  const indexed = source.reader.locate(seq, state);
  for (const offset of [indexed, undefined]) {
    const at = offset ?? source.reader.scan(seq, state);
    if (at === undefined) continue;
    const frame = source.reader.readOne(seq, at, state);
    if (frame) return { sec: frame.head.timeSec, nanos: frame.head.timeNanos };
  }
  return undefined;
}

/**
 * Wraps a tail generator so that `return()`/`throw()` also end it while a pull is pending: an
 * async generator queues a `return()` behind a running `next()`, and a following tail's `next()`
 * can wait for a message indefinitely (an idle pool), so the queued return (and the release of
 * the watcher in its `finally`) would wait with it. `stop` wakes the wait; the loop then ends.
 */
export function stoppable<T>(
  start: (stop: AbortSignal) => AsyncGenerator<T>,
): AsyncIterableIterator<T> {
  const stop = new AbortController();
  const gen = start(stop.signal);
  return {
    next: () => gen.next(),
    return: (value?: unknown) => {
      stop.abort();
      return gen.return(value as undefined);
    },
    throw: (error?: unknown) => {
      stop.abort();
      return gen.throw(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** The shared cursor loop: yields batches of validated, filtered frames. */
export async function* batches(
  source: TailSource,
  options: TailOptions,
  stop: AbortSignal,
): AsyncGenerator<Batch> {
  const opts = checkOptions(options);
  const signal = options.signal;
  const sub = opts.follow ? subscribe(source.path) : undefined;
  // An abort frees the watcher at once, even if the consumer never pulls again.
  const release = (): void => sub?.release();
  signal?.addEventListener("abort", release, { once: true });
  const cancel = signal ? AbortSignal.any([signal, stop]) : stop;
  try {
    let mark = sub?.mark() ?? 0;
    let state = source.readState();
    const start =
      opts.sinceTime === undefined
        ? startSeq(opts, state)
        : seqAtOrAfter(state.oldest, state.newest, opts.sinceTime, (seq) =>
            timeAt(source, seq, state),
          );
    const cursor = new TailMachine(
      opts,
      { onGap: options.onGap, onEnd: options.onEnd, signal, stop, path: source.path },
      start,
      Date.now(),
    );
    /** The file offset of the expected seq when the last run ended cleanly there. */
    let pos: number | undefined;
    let retries = 0;
    /** Set once the tail has caught up: only then does it take runs other tails shared. */
    let live = false;
    for (;;) {
      const step = cursor.step(state, Date.now());
      if (step.do === "end") return;
      if (step.do === "read") {
        const expected = step.from;
        if (step.reposition) pos = undefined;
        // A follower that has caught up wants, after a change, what every other caught-up
        // follower of this file wants: the new frames, which one of them may have just read.
        let run: Run | TakenRun | undefined = live
          ? takeSharedRun(source.reader.file, expected, state)
          : undefined;
        if (!run) {
          const offset = pos ?? source.reader.locate(expected, state);
          run =
            offset === undefined
              ? undefined
              : source.reader.readRun(expected, offset, state, MAX_FRAMES_PER_RUN);
          if ((!run || run.frames.length === 0) && pos === undefined) {
            // The index only suggests an offset: when the frame is not there, walk from the tail.
            const scanned = source.reader.scan(expected, state);
            if (scanned !== undefined && scanned !== offset) {
              run = source.reader.readRun(expected, scanned, state, MAX_FRAMES_PER_RUN);
            }
          }
          if (run) shareRun(source.reader.file, run, state);
        }
        if (!run || run.frames.length === 0) {
          // An overwrite racing this read looks like damage until the state is read again: a
          // fresh state either shows the seq evicted (a gap) or lets a retry find it.
          const fresh = source.readState();
          state = fresh;
          if (expected < fresh.oldest) continue;
          if (pos !== undefined) {
            pos = undefined;
            continue;
          }
          if (++retries < MAX_READ_RETRIES) continue;
          throw new SpoolError(
            "Corrupt",
            `message ${expected} is within the pool's bounds but unreadable (${run?.problem?.reason ?? "not found"})`,
            {
              path: source.path,
              seq: expected,
              offset:
                run?.problem === undefined ? undefined : source.ringOffset + run.problem.offset,
              hint: "run `spool doctor` on the pool",
            },
          );
        }
        retries = 0;
        pos = run.problem ? undefined : run.nextOffset;
        let frames =
          opts.tags.length > 0
            ? run.frames.filter((f) => hasTags(run.buf, f, opts.tags))
            : run.frames;
        if (opts.where) frames = await whereFilter(run.buf, frames, opts, options, cancel);
        const take = cursor.advance(run.nextSeq, frames.length, Date.now());
        if (take < frames.length) frames = frames.slice(0, take);
        if (frames.length > 0) {
          const origin = "origin" in run && frames === run.frames ? run : undefined;
          yield { buf: run.buf, frames, origin };
        } else {
          // A run the filter emptied: nothing reached the consumer, so nothing awaited. Let the
          // event loop turn (an abort, other tails, a server's requests) before the next run,
          // or a filter matching nothing in a large pool would hold the thread for seconds.
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
        if (!run.problem && cursor.expected <= state.newest) continue;
        mark = sub?.mark() ?? 0;
        state = sharedState(source, sub);
        continue;
      }
      if (!sub) return; // unreachable: a tail that does not follow ends at caught-up
      live = true;
      // Caught up: a follower at the live edge reads small runs (or takes shared ones), so it
      // gives a chunk grown by its replay back while it waits.
      source.reader.shrink();
      await sub.wait(step.ms, mark, cancel);
      cursor.waited();
      mark = sub.mark();
      state = sharedState(source, sub);
    }
  } finally {
    signal?.removeEventListener("abort", release);
    sub?.release();
  }
}

/**
 * The published state, read once for every tail of the same open pool file that asks right
 * after the same change event (see `Subscription.shared`): at the live edge, one change wakes
 * every follower and each would otherwise read the same header. Must be called right after
 * `sub.mark()`. A read that found damage always re-reads with `source.readState()` itself.
 */
function sharedState(source: TailSource, sub: Subscription | undefined): PoolState {
  return sub ? sub.shared(source.reader.file, () => source.readState()) : source.readState();
}

/** Messages, one by one (payloads are copied out of the read buffer). */
export function tailMessages<T>(
  source: TailSource,
  options: TailOptions,
): AsyncIterableIterator<Message<T>> {
  return stoppable((stop) => messageStream<T>(source, options, stop));
}

async function* messageStream<T>(
  source: TailSource,
  options: TailOptions,
  stop: AbortSignal,
): AsyncGenerator<Message<T>> {
  const signal = options.signal;
  for await (const batch of batches(source, options, stop)) {
    const messages = batch.frames.map((frame) => messageFromFrame<T>(batch.buf, frame.at, frame));
    for (const message of messages) {
      if (signal?.aborted) return options.onEnd?.("aborted");
      yield message;
    }
  }
}
