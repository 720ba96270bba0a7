/**
 * The JSONL form of a tail: chunks of whole envelope lines spliced from the stored bytes (one
 * prefix + one copy per message, no parse or stringify).
 *
 * Invariants: every chunk holds whole lines, at most ~64 KiB unless one line is larger, sized to
 * its lines (a live batch of a few lines comes from Node's small-buffer pool); with
 * `sharedChunks`, a shared run's lines are formatted once and the same read-only bytes go to
 * every tail that takes the run.
 */
import type { FrameRef } from "./engine/reader.js";
import type { SharedRun } from "./engine/shared-runs.js";
import { FRAME_HEADER_SIZE, payloadLength } from "./format/frame.js";
import { writeEnvelopeLine } from "./message.js";
import { loadNative, type NativeAddon } from "./platform/native.js";
import { batches, stoppable, type TailSource } from "./tail.js";
import type { TailOptions } from "./tail-options.js";
import { formatTime } from "./time.js";

/** Target size of a JSONL output chunk. */
const JSONL_CHUNK = 64 * 1024;
/** Upper bound of an envelope prefix: `{"seq":<16 digits>,"time":"<30 chars>","meta":{"tags":`. */
const MAX_PREFIX_BYTES = 96;

/** The JSONL lines of a shared run's frames, built once: line k starts at `starts[k]`. */
interface SharedLines {
  buf: Buffer;
  starts: number[];
}

/** The seq of each chunk's last line (chunks are fresh views, so one entry per yield). */
const lastSeqs = new WeakMap<Buffer, number>();

/** The seq of the last line of a chunk `tailJsonl` yielded (for acking after it was written). */
export function jsonlChunkLastSeq(chunk: Buffer): number | undefined {
  return lastSeqs.get(chunk);
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
      const chunk = lines.buf.subarray(lines.starts[batch.origin.from]);
      lastSeqs.set(chunk, (batch.frames[batch.frames.length - 1] as FrameRef).seq);
      yield chunk;
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
      const at = writeLines(out, batch.buf, frames, i, end.index);
      i = end.index;
      if (signal?.aborted) return options.onEnd?.("aborted");
      const chunk = out.subarray(0, at);
      lastSeqs.set(chunk, (frames[i - 1] as FrameRef).seq);
      yield chunk;
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
  const at = writeLines(buf, run.buf, frames, 0, frames.length, starts);
  const lines: SharedLines = { buf: buf.subarray(0, at), starts };
  run.derived = lines;
  return lines;
}

/** An envelope prefix's bytes besides the seq's digits: the literals and the 30-byte time. */
const PREFIX_FIXED_BYTES = '{"seq":,"time":"","meta":{"tags":'.length + 30;

/** The decimal digits of a seq (a positive safe integer). */
function decimalDigits(n: number): number {
  let digits = 1;
  for (let limit = 10; n >= limit && digits < 16; limit *= 10) digits++;
  return digits;
}

/** Fields per line in the native writer's meta array (see native/envelope.h). */
const META_FIELDS = 5;

/** The addon's line writer: out, src, meta (seq, sec, nanos, payload offset, length), count. */
type NativeLines = NonNullable<NativeAddon["envelopeLines"]>;

let nativeLines: NativeLines | null | undefined;
let meta = new Float64Array(256 * META_FIELDS);

/** The addon's `envelopeLines`, or null where the addon predates it (the JS writer then runs). */
function linesWriter(): NativeLines | null {
  if (nativeLines !== undefined) return nativeLines;
  try {
    const lines = loadNative().envelopeLines;
    nativeLines = typeof lines === "function" ? lines : null;
  } catch {
    nativeLines = null;
  }
  return nativeLines;
}

/**
 * Writes the envelope lines of `frames[from..to)` (stored in `src`) into `out` from offset 0;
 * returns the bytes written. With `starts`, records where each line begins. The addon writes
 * the same bytes in one call (no per-line string, copy object or call); `out` is sized by
 * `chunkEnd`, so every line fits, and a line's length follows from its seq and payload.
 */
function writeLines(
  out: Buffer,
  src: Buffer,
  frames: readonly FrameRef[],
  from: number,
  to: number,
  starts?: number[],
): number {
  const native = linesWriter();
  if (native) {
    const count = to - from;
    if (meta.length < count * META_FIELDS) meta = new Float64Array(count * 2 * META_FIELDS);
    for (let i = from, m = 0; i < to; i++, m += META_FIELDS) {
      const frame = frames[i] as FrameRef;
      const head = frame.head;
      meta[m] = frame.seq;
      meta[m + 1] = head.timeSec;
      meta[m + 2] = head.timeNanos;
      meta[m + 3] = frame.at + FRAME_HEADER_SIZE;
      meta[m + 4] = payloadLength(head.tagsLen, head.dataLen);
    }
    const bytes = native(out, src, meta, count);
    if (starts) {
      let at = 0;
      for (let i = from, m = 0; i < to; i++, m += META_FIELDS) {
        starts.push(at);
        at += PREFIX_FIXED_BYTES + decimalDigits(meta[m] as number) + (meta[m + 4] as number);
      }
    }
    return bytes;
  }
  let at = 0;
  for (let i = from; i < to; i++) {
    const frame = frames[i] as FrameRef;
    starts?.push(at);
    const { timeSec, timeNanos, tagsLen, dataLen } = frame.head;
    at = writeEnvelopeLine(
      out,
      at,
      frame.seq,
      formatTime(timeSec, timeNanos),
      src,
      frame.at + FRAME_HEADER_SIZE,
      payloadLength(tagsLen, dataLen),
    );
  }
  return at;
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
