/**
 * The follow pipeline shared by `follow` and `duplex`: core's JSONL tail → (exclude) → --where →
 * --one → --replay pacing → rendering → stdout.
 *
 * Invariants: tail semantics are core's (order, hand-over, gaps, tags, since/last); when no
 * per-line stage is needed the stored-bytes chunks go to stdout untouched (the fast path);
 * output waits for stdout to drain (bounded memory; a slow reader makes the tail wait); gaps
 * become rate-limited `drop` notices; `--timeout` is an idle timeout measured from the start or
 * the last printed message and ends the follow with "timeout" (the CLI exits 124); with
 * `handled` (follow --cursor), every seq the follow is done with (printed, or left out by a
 * filter) is reported right after its output was queued, in order, and never a seq past the
 * last printed one when --one/--max stop the follow mid-chunk.
 */
import type { TailOptions } from "@spool/core";
import { jsonlChunkLastSeq, parseTime } from "@spool/core";
import type { Io } from "./io.js";
import { DropReporter, notice } from "./notices.js";
import { dataLine, prettyData, prettyLine, seqOf, splitLines, timeOf } from "./render.js";
import type { PoolTarget } from "./target.js";
import type { WhereFilter } from "./where.js";

export interface FollowPlan {
  /** Where to start and what core filters: since/last/tags/gapPolicy/follow. */
  tail: Omit<TailOptions, "signal" | "onGap" | "onEnd" | "timeoutMs">;
  where: WhereFilter | undefined;
  /** Stop after the first printed message. */
  one: boolean;
  /** Stop after this many printed messages (`--max`). */
  max?: number | undefined;
  /** Idle timeout in ms. */
  timeoutMs: number | undefined;
  /** Re-emit at recorded pace divided by this speed (0 = instant); undefined = no pacing. */
  replaySpeed: number | undefined;
  format: "pretty" | "jsonl";
  dataOnly: boolean;
  /** Lines to leave out (duplex: our own messages). */
  exclude?: ((seq: number) => boolean) | undefined;
  /** Awaited before `exclude` runs, so appends in flight have recorded their seqs. */
  settle?: (() => Promise<void>) | undefined;
  /** A custom renderer (duplex chat); returns undefined to print nothing. */
  render?: ((line: Buffer) => string | undefined) | undefined;
  /** Told each seq the follow is done with, after its output was queued (follow --cursor). */
  handled?: ((seq: number) => void) | undefined;
}

export type FollowEnd = "done" | "timeout";

class IdleTimer {
  #last = Date.now();
  #timer: NodeJS.Timeout | undefined;
  constructor(
    readonly ms: number,
    readonly onIdle: () => void,
  ) {
    this.#arm(ms);
  }
  #arm(ms: number): void {
    this.#timer = setTimeout(() => {
      const idle = Date.now() - this.#last;
      if (idle >= this.ms) this.onIdle();
      else this.#arm(this.ms - idle);
    }, ms);
  }
  touch(): void {
    this.#last = Date.now();
  }
  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
  }
}

/** Sleeps `ms`, or less if `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

function nanosOf(time: string): bigint {
  const t = parseTime(time);
  return t ? BigInt(t.sec) * 1_000_000_000n + BigInt(t.nanos) : 0n;
}

/** The seq of a chunk's last line (core names it for its own chunks). */
function lastSeqOf(chunk: Buffer): number {
  const known = jsonlChunkLastSeq(chunk);
  if (known !== undefined) return known;
  const end = chunk.length > 0 && chunk[chunk.length - 1] === 10 ? chunk.length - 1 : chunk.length;
  return seqOf(chunk.subarray(chunk.lastIndexOf(10, end - 1) + 1));
}

function renderer(plan: FollowPlan, io: Io): (line: Buffer) => string | Buffer | undefined {
  if (plan.render) return plan.render;
  if (plan.format === "jsonl") return plan.dataOnly ? dataLine : (line) => line;
  return plan.dataOnly
    ? (line) => prettyData(line, io.color)
    : (line) => prettyLine(line, io.color);
}

/**
 * Follows `target` per `plan`, printing to io.out. Resolves when the tail ends (caught up,
 * `--one`, abort) or times out.
 */
export async function runFollow(
  target: PoolTarget,
  plan: FollowPlan,
  io: Io,
  signal?: AbortSignal,
): Promise<FollowEnd> {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  signal?.addEventListener("abort", stop, { once: true });
  let timedOut = false;
  const idle =
    plan.timeoutMs === undefined
      ? undefined
      : new IdleTimer(plan.timeoutMs, () => {
          timedOut = true;
          controller.abort();
        });
  const drops = new DropReporter(io, target.name);
  const perLine =
    plan.where !== undefined ||
    plan.exclude !== undefined ||
    (plan.replaySpeed ?? 0) > 0 ||
    plan.render !== undefined ||
    plan.format !== "jsonl" ||
    plan.dataOnly;
  const limit = plan.one ? 1 : plan.max;
  const coreMax = plan.where === undefined && plan.exclude === undefined ? limit : undefined;
  let printed = 0;
  const render = renderer(plan, io);
  let whereErrorAt = Number.NEGATIVE_INFINITY;
  let whereSuppressed = 0;
  let previous: bigint | undefined;
  try {
    const tail = target.tailJsonl({
      ...plan.tail,
      ...(coreMax === undefined ? {} : { max: coreMax }),
      signal: controller.signal,
      onGap: (gap) => drops.add(gap),
    });
    outer: for await (const chunk of tail) {
      if (!perLine) {
        const wait = io.out.write(chunk);
        plan.handled?.(lastSeqOf(chunk));
        idle?.touch();
        if (wait) await wait;
        continue;
      }
      let lines = splitLines(chunk);
      if (plan.exclude) {
        await plan.settle?.();
        lines = lines.filter((line) => !plan.exclude?.(seqOf(line)));
      }
      if (plan.where && lines.length > 0) {
        const verdicts = plan.where.test(lines);
        lines = lines.filter((line, i) => {
          const verdict = verdicts[i];
          if (typeof verdict !== "object") return verdict === true;
          if (Date.now() - whereErrorAt >= 1000) {
            const seq = seqOf(line);
            notice(
              io,
              "where_error",
              { seq, message: verdict.error, suppressed: whereSuppressed },
              `--where failed on #${seq}: ${verdict.error}`,
            );
            whereErrorAt = Date.now();
            whereSuppressed = 0;
          } else whereSuppressed++;
          return false;
        });
      }
      for (const line of lines) {
        if (limit !== undefined && printed >= limit) break outer;
        if (plan.replaySpeed !== undefined && plan.replaySpeed > 0) {
          const at = nanosOf(timeOf(line));
          if (previous !== undefined && at > previous) {
            await io.out.flush();
            await sleep(Number(at - previous) / 1e6 / plan.replaySpeed, controller.signal);
            if (controller.signal.aborted) break outer;
          }
          previous = at;
        }
        const text = render(line);
        if (text !== undefined) {
          const wait = io.out.write(text);
          if (wait) await wait;
        }
        idle?.touch();
        printed++;
        if (limit !== undefined && printed >= limit) {
          plan.handled?.(seqOf(line));
          break outer;
        }
      }
      plan.handled?.(lastSeqOf(chunk));
    }
  } finally {
    idle?.stop();
    signal?.removeEventListener("abort", stop);
    drops.flush();
  }
  return timedOut ? "timeout" : "done";
}
