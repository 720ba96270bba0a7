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
 * the state itself.
 */

import {
  type FrameReader,
  type FrameRef,
  type Run,
  type SharedRun,
  shareRun,
  type TakenRun,
  takeSharedRun,
} from "./engine/reader.js";
import { type Gap, gapBefore, startSeq } from "./engine/tail-cursor.js";
import { SpoolError } from "./errors.js";
import { FRAME_HEADER_SIZE, payloadLength } from "./format/frame.js";
import type { PoolState } from "./format/header.js";
import { type Message, messageFromFrame, writeEnvelopeLine } from "./message.js";
import { type Subscription, subscribe } from "./platform/notify.js";
import { formatTime } from "./time.js";
import { checkCount, checkGapPolicy, checkTag, type GapPolicy } from "./validate.js";

/** Why a tail ended by itself. */
export type TailEnd = "max" | "timeout" | "caught-up" | "aborted";

export interface TailOptions {
  /** First seq to deliver (inclusive). */
  since?: number;
  /** Replay the last N messages first. */
  last?: number;
  /** Stop after delivering this many messages. */
  max?: number;
  /** Stop when no message was delivered for this long (ms). */
  timeoutMs?: number;
  /** Keep following new messages after the replay (default true). */
  follow?: boolean;
  /** Deliver only messages carrying every one of these tags. */
  tags?: readonly string[];
  /** `continue` (default): skip overwritten messages and report them; `error`: throw RetentionGap. */
  gapPolicy?: GapPolicy;
  /** Stops the tail at once. */
  signal?: AbortSignal;
  /** Called for each gap under policy `continue`. */
  onGap?: (gap: Gap) => void;
  /** Called once when the tail ends by itself, with the reason. */
  onEnd?: (reason: TailEnd) => void;
  /**
   * JSONL only: the caller never modifies a chunk (it only writes or copies it), so a chunk
   * may be the very bytes handed to other tails of the same open pool that want the same
   * lines (followers at the live edge): formatted once instead of once per tail.
   */
  sharedChunks?: boolean;
}

/** What a tail reads from. */
export interface TailSource {
  path: string;
  /** File offset of the ring (error offsets are file offsets). */
  ringOffset: number;
  reader: FrameReader;
  readState: () => PoolState;
}

interface Batch {
  buf: Buffer;
  frames: FrameRef[];
  /** Set when `frames` are exactly a shared run's frames from `origin.from` on. */
  origin?: TakenRun | undefined;
}

/** The JSONL lines of a shared run's frames, built once: line k starts at `starts[k]`. */
interface SharedLines {
  buf: Buffer;
  starts: number[];
}

const MIN_POLL_MS = 2;
const MAX_POLL_MS = 50;
const MAX_FRAMES_PER_RUN = 4096;
/** Target size of a JSONL output chunk. */
const JSONL_CHUNK = 64 * 1024;
/** Upper bound of an envelope prefix: `{"seq":<16 digits>,"time":"<30 chars>","meta":{"tags":`. */
const MAX_PREFIX_BYTES = 96;
/** Consecutive failed reads of one live seq before it is reported as Corrupt. */
const MAX_READ_RETRIES = 4;

interface CheckedOptions {
  since: number | undefined;
  last: number | undefined;
  max: number | undefined;
  timeoutMs: number | undefined;
  follow: boolean;
  tags: string[];
  gapPolicy: GapPolicy;
}

function checkOptions(options: TailOptions): CheckedOptions {
  const since = checkCount("since", options.since, 1);
  const last = checkCount("last", options.last, 0);
  if (since !== undefined && last !== undefined) {
    throw new SpoolError("Usage", "give either since or last, not both", {
      hint: "use since to start at a seq, or last to replay the newest N messages",
    });
  }
  if (options.tags !== undefined && !Array.isArray(options.tags)) {
    throw new SpoolError("Usage", "the tag filter must be an array of strings", {
      hint: 'pass tags as a list of strings, e.g. ["build"]',
    });
  }
  return {
    since,
    last,
    max: checkCount("max", options.max, 0),
    timeoutMs: checkCount("timeoutMs", options.timeoutMs, 0),
    follow: options.follow !== false,
    tags: (options.tags ?? []).map((tag) => checkTag(tag)),
    gapPolicy: checkGapPolicy(options.gapPolicy),
  };
}

function hasTags(buf: Buffer, frame: FrameRef, wanted: readonly string[]): boolean {
  if (frame.head.tagsLen <= 2) return false;
  const start = frame.at + FRAME_HEADER_SIZE;
  const tags = JSON.parse(buf.toString("utf8", start, start + frame.head.tagsLen)) as string[];
  return wanted.every((tag) => tags.includes(tag));
}

/**
 * Wraps a tail generator so that `return()`/`throw()` also end it while a pull is pending: an
 * async generator queues a `return()` behind a running `next()`, and a following tail's `next()`
 * can wait for a message indefinitely (an idle pool), so the queued return (and the release of
 * the watcher in its `finally`) would wait with it. `stop` wakes the wait; the loop then ends.
 */
function stoppable<T>(start: (stop: AbortSignal) => AsyncGenerator<T>): AsyncIterableIterator<T> {
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
async function* batches(
  source: TailSource,
  options: TailOptions,
  stop: AbortSignal,
): AsyncGenerator<Batch> {
  const opts = checkOptions(options);
  const signal = options.signal;
  const end = (reason: TailEnd): void => options.onEnd?.(reason);
  const sub = opts.follow ? subscribe(source.path) : undefined;
  // An abort frees the watcher at once, even if the consumer never pulls again.
  const release = (): void => sub?.release();
  signal?.addEventListener("abort", release, { once: true });
  const cancel = signal ? AbortSignal.any([signal, stop]) : stop;
  try {
    let mark = sub?.mark() ?? 0;
    let state = source.readState();
    let expected = startSeq(opts, state);
    let pos: number | undefined;
    let delivered = 0;
    let idleSince = Date.now();
    let poll = MIN_POLL_MS;
    let retries = 0;
    /** Set once the tail has caught up: only then does it take runs other tails shared. */
    let live = false;
    for (;;) {
      if (stop.aborted) return;
      if (signal?.aborted) return end("aborted");
      if (opts.max !== undefined && delivered >= opts.max) return end("max");
      const gap = gapBefore(expected, state);
      if (gap) {
        if (opts.gapPolicy === "error") {
          throw new SpoolError(
            "RetentionGap",
            `messages ${gap.from}..${gap.to} were overwritten before they were read`,
            {
              path: source.path,
              seq: gap.from,
              hint: "read faster, use a larger pool, or follow with gap policy `continue` to skip ahead",
            },
          );
        }
        options.onGap?.(gap);
        expected = state.oldest;
        pos = undefined;
      }
      if (expected <= state.newest) {
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
        expected = run.nextSeq;
        pos = run.problem ? undefined : run.nextOffset;
        let frames =
          opts.tags.length > 0
            ? run.frames.filter((f) => hasTags(run.buf, f, opts.tags))
            : run.frames;
        if (opts.max !== undefined && frames.length > opts.max - delivered)
          frames = frames.slice(0, opts.max - delivered);
        if (frames.length > 0) {
          delivered += frames.length;
          idleSince = Date.now();
          poll = MIN_POLL_MS;
          const origin = "origin" in run && frames === run.frames ? run : undefined;
          yield { buf: run.buf, frames, origin };
        } else {
          // A run the filter emptied: nothing reached the consumer, so nothing awaited. Let the
          // event loop turn (an abort, other tails, a server's requests) before the next run,
          // or a filter matching nothing in a large pool would hold the thread for seconds.
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
        if (!run.problem && expected <= state.newest) continue;
        mark = sub?.mark() ?? 0;
        state = sharedState(source, sub);
        continue;
      }
      if (!sub) return end("caught-up");
      let wait = poll;
      if (opts.timeoutMs !== undefined) {
        const remaining = opts.timeoutMs - (Date.now() - idleSince);
        if (remaining <= 0) return end("timeout");
        wait = Math.min(wait, remaining);
      }
      live = true;
      await sub.wait(wait, mark, cancel);
      poll = Math.min(poll * 2, MAX_POLL_MS);
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

/** JSONL chunks: each holds whole lines, one envelope per message, spliced from stored bytes. */
export function tailJsonl(source: TailSource, options: TailOptions): AsyncIterableIterator<Buffer> {
  return stoppable((stop) => jsonlChunks(source, options, stop));
}

async function* jsonlChunks(
  source: TailSource,
  options: TailOptions,
  stop: AbortSignal,
): AsyncGenerator<Buffer> {
  const signal = options.signal;
  const sharing = options.sharedChunks === true;
  for await (const batch of batches(source, options, stop)) {
    const lines = sharing && batch.origin ? sharedLines(batch.origin.origin) : undefined;
    if (lines && batch.origin) {
      if (signal?.aborted) return options.onEnd?.("aborted");
      yield lines.buf.subarray(lines.starts[batch.origin.from]);
      continue;
    }
    const frames = batch.frames;
    let i = 0;
    while (i < frames.length) {
      // Each chunk is sized to the lines it will hold (at most ~64 KiB, at least one line): a
      // live follower's batch of a few lines then comes from Node's small-buffer pool instead of
      // a fresh 64 KiB allocation, and a replay's chunks stay large enough to amortise a write.
      const end = chunkEnd(frames, i);
      const out = Buffer.allocUnsafe(end.bytes);
      let at = 0;
      for (; i < end.index; i++) {
        const frame = frames[i] as FrameRef;
        const { timeSec, timeNanos, tagsLen, dataLen } = frame.head;
        at = writeEnvelopeLine(
          out,
          at,
          frame.seq,
          formatTime(timeSec, timeNanos),
          batch.buf,
          frame.at + FRAME_HEADER_SIZE,
          payloadLength(tagsLen, dataLen),
        );
      }
      if (signal?.aborted) return options.onEnd?.("aborted");
      yield out.subarray(0, at);
    }
  }
}

/**
 * The JSONL lines of all of a shared run's frames in one buffer (read-only: it is handed to
 * every tail that takes the run), built by the first tail that asks; undefined when the lines
 * would not fit one chunk.
 */
function sharedLines(run: SharedRun): SharedLines | undefined {
  if (run.derived !== undefined) return (run.derived as SharedLines | null) ?? undefined;
  const { frames } = run;
  const end = chunkEnd(frames, 0);
  if (end.index < frames.length) {
    run.derived = null;
    return undefined;
  }
  const buf = Buffer.allocUnsafe(end.bytes);
  const starts: number[] = [];
  let at = 0;
  for (const frame of frames) {
    starts.push(at);
    const { timeSec, timeNanos, tagsLen, dataLen } = frame.head;
    at = writeEnvelopeLine(
      buf,
      at,
      frame.seq,
      formatTime(timeSec, timeNanos),
      run.buf,
      frame.at + FRAME_HEADER_SIZE,
      payloadLength(tagsLen, dataLen),
    );
  }
  const lines: SharedLines = { buf: buf.subarray(0, at), starts };
  run.derived = lines;
  return lines;
}

/** Upper bound of one frame's envelope line in bytes. */
function lineBound(frame: FrameRef): number {
  return MAX_PREFIX_BYTES + payloadLength(frame.head.tagsLen, frame.head.dataLen);
}

/**
 * The frames `from`..`index - 1` that fill one JSONL chunk, and the chunk's size: as many lines
 * as fit in JSONL_CHUNK bytes, and always at least one (a larger line gets a chunk of its own).
 */
function chunkEnd(frames: readonly FrameRef[], from: number): { index: number; bytes: number } {
  let bytes = lineBound(frames[from] as FrameRef);
  let index = from + 1;
  while (index < frames.length) {
    const next = bytes + lineBound(frames[index] as FrameRef);
    if (next > JSONL_CHUNK) break;
    bytes = next;
    index++;
  }
  return { index, bytes };
}
