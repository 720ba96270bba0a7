/**
 * Tails on JetStream: an ordered consumer from the tail's first seq, with core's tail rules
 * (`startSeq`, `gapBefore`) and the same gap accounting as file pools: the consumer's seqs are
 * expected to be contiguous, and a jump (messages the ring discarded before the tail read them)
 * is a gap, reported (policy `continue`) or thrown as RetentionGap (policy `error`).
 *
 * Invariants: options are checked before anything is read (Usage); the expected seq advances on
 * every message the consumer delivers, before the tag and where filters, so filtered tails see
 * the same gaps as unfiltered ones; `follow: false` ends with `caught-up` at the newest seq the
 * stream had when the tail started; an abort ends the tail at once (`aborted`); ending the loop
 * (break, return, throw, abort) stops the consumer and frees its server state.
 */
import {
  type Consumer,
  type ConsumerMessages,
  DeliverPolicy,
  type JsMsg,
} from "@nats-io/jetstream";
import {
  type Bounds,
  checkCount,
  checkGapPolicy,
  checkOneTailStart,
  checkTag,
  compileWhere,
  type Gap,
  gapBefore,
  type Instant,
  type Message,
  requireTime,
  SpoolError,
  seqAtOrAfterAsync,
  startSeq,
  type TailEnd,
  type TailOptions,
  type WhereFilter,
} from "@spool/core";
import type { PoolContext } from "./context.js";
import { toSpoolError } from "./errors.js";
import { streamState, timeAt } from "./reads.js";
import { messageOf, tagsOf } from "./stored.js";

/** How often a `follow: false` tail that got nothing re-reads the stream's bounds. */
const IDLE_CHECK_MS = 500;
const NANOS = 1_000_000_000n;

interface Checked {
  since: number | undefined;
  sinceTime: Instant | undefined;
  last: number | undefined;
  max: number | undefined;
  timeoutMs: number | undefined;
  follow: boolean;
  tags: string[];
  where: WhereFilter | undefined;
  gapPolicy: "continue" | "error";
}

function instantOfDate(value: Date): Instant {
  const ms = value.getTime();
  if (!Number.isFinite(ms)) {
    throw new SpoolError("Usage", "sinceTime is an invalid Date", {
      hint: 'pass a valid Date or RFC 3339 text, e.g. "2026-11-22T10:00:00Z"',
    });
  }
  const sec = Math.floor(ms / 1000);
  return { sec, nanos: (ms - sec * 1000) * 1_000_000 };
}

/** The tail options checked and defaulted (Usage for a bad one), as core checks them. */
export function checkTailOptions(options: TailOptions): Checked {
  const since = checkCount("since", options.since, 1);
  const last = checkCount("last", options.last, 0);
  const sinceTime =
    options.sinceTime === undefined
      ? undefined
      : options.sinceTime instanceof Date
        ? instantOfDate(options.sinceTime)
        : requireTime(options.sinceTime as string, "sinceTime");
  checkOneTailStart({ since, sinceTime, last });
  if (options.tags !== undefined && !Array.isArray(options.tags)) {
    throw new SpoolError("Usage", "the tag filter must be an array of strings", {
      hint: 'pass tags as a list of strings, e.g. ["build"]',
    });
  }
  if (options.cursor !== undefined || options.autoAck !== undefined) {
    throw new SpoolError("Usage", "durable cursors are not available on JetStream pools yet", {
      hint: "tail with since/last/sinceTime and keep the position yourself (spec/engines/jetstream/v0)",
    });
  }
  const where = options.where;
  return {
    since,
    sinceTime,
    last,
    max: checkCount("max", options.max, 0),
    timeoutMs: checkCount("timeoutMs", options.timeoutMs, 0),
    follow: options.follow !== false,
    tags: (options.tags ?? []).map((tag) => checkTag(tag)),
    where:
      where === undefined || (Array.isArray(where) && where.length === 0)
        ? undefined
        : compileWhere(where),
    gapPolicy: checkGapPolicy(options.gapPolicy),
  };
}

type Woken =
  | { kind: "message"; result: IteratorResult<JsMsg> }
  | { kind: "timer" }
  | { kind: "aborted" };

/** Waits for the next message, `ms` (when given) or the abort, whichever comes first. */
function wake(
  pending: Promise<IteratorResult<JsMsg>>,
  ms: number | undefined,
  signal: AbortSignal | undefined,
): Promise<Woken> {
  return new Promise<Woken>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = (): void => finish({ kind: "aborted" });
    function finish(woken: Woken): void {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(woken);
    }
    if (ms !== undefined) timer = setTimeout(() => finish({ kind: "timer" }), Math.max(0, ms));
    signal?.addEventListener("abort", onAbort, { once: true });
    pending.then(
      (result) => finish({ kind: "message", result }),
      (error: unknown) => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

function hasTags(tags: string[], wanted: readonly string[]): boolean {
  return wanted.every((tag) => tags.includes(tag));
}

/** Replays then follows pool `ctx` as spec/api/v0 §3.5 says (see the module header). */
export async function* tailPool<T>(
  ctx: PoolContext,
  options: TailOptions = {},
): AsyncGenerator<Message<T>> {
  const opts = checkTailOptions(options);
  const signal = options.signal;
  const end = (reason: TailEnd): void => options.onEnd?.(reason);
  if (signal?.aborted) return end("aborted");
  const onGap = (gap: Gap): void => {
    if (opts.gapPolicy === "error") {
      throw new SpoolError(
        "RetentionGap",
        `messages ${gap.from}..${gap.to} were overwritten before they were read`,
        {
          path: ctx.path,
          seq: gap.from,
          hint: "read faster, use a larger pool, or follow with gap policy `continue` to skip ahead",
        },
      );
    }
    options.onGap?.(gap);
  };
  const start = await streamState(ctx);
  let bounds: Bounds = start.bounds;
  let expected =
    opts.sinceTime === undefined
      ? startSeq(opts, bounds)
      : await seqAtOrAfterAsync(bounds.oldest, bounds.newest, opts.sinceTime, (seq) =>
          timeAt(ctx, seq),
        );
  const endSeq = opts.follow ? Number.POSITIVE_INFINITY : bounds.newest;
  if (opts.max === 0) return end("max");
  const startGap = gapBefore(expected, bounds);
  if (startGap) {
    onGap(startGap);
    expected = bounds.oldest;
  }
  if (expected > endSeq) return end("caught-up");

  let consumer: Consumer;
  let messages: ConsumerMessages;
  try {
    consumer = await ctx.js.consumers.get(ctx.stream, {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: expected,
    });
    messages = await consumer.consume({ max_messages: 256 });
  } catch (error) {
    throw toSpoolError(error, ctx.path, `tail of pool ${ctx.name}`);
  }
  const it = messages[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<JsMsg>> | undefined;
  let delivered = 0;
  let idleSince = Date.now();
  try {
    for (;;) {
      if (opts.max !== undefined && delivered >= opts.max) return end("max");
      pending ??= it.next();
      let ms: number | undefined;
      if (opts.timeoutMs !== undefined) {
        const remaining = opts.timeoutMs - (Date.now() - idleSince);
        if (remaining <= 0) return end("timeout");
        ms = remaining;
      }
      if (!opts.follow) ms = Math.min(ms ?? IDLE_CHECK_MS, IDLE_CHECK_MS);
      const woken = await wake(pending, ms, signal);
      if (woken.kind === "aborted") return end("aborted");
      if (woken.kind === "timer") {
        if (opts.timeoutMs !== undefined && Date.now() - idleSince >= opts.timeoutMs) {
          return end("timeout");
        }
        // follow: false and nothing came: the rest up to the end may have been discarded.
        bounds = (await streamState(ctx)).bounds;
        const gap = gapBefore(expected, bounds);
        if (gap) {
          onGap(gap);
          expected = bounds.oldest;
        }
        if (expected > endSeq) return end("caught-up");
        continue;
      }
      pending = undefined;
      if (woken.result.done) {
        throw new SpoolError("Io", `the tail of pool ${ctx.name} lost its JetStream consumer`, {
          path: ctx.path,
          hint: `check that nats-server is reachable at ${ctx.location}, then tail again from the next seq`,
        });
      }
      const m = woken.result.value;
      const seq = m.seq;
      if (seq < expected) continue;
      if (seq > expected) {
        onGap({ from: expected, to: seq - 1, count: seq - expected });
      }
      if (seq > endSeq) return end("caught-up");
      expected = seq + 1;
      const ns = m.timestampNanos;
      const message = messageOf<T>(
        seq,
        { sec: Number(ns / NANOS), nanos: Number(ns % NANOS) },
        tagsOf(m.headers),
        m.data,
      );
      let pass = opts.tags.length === 0 || hasTags(message.tags, opts.tags);
      if (pass && opts.where) {
        const verdict = opts.where.test(message.toJSON());
        if (verdict !== true && verdict !== false) {
          options.onWhereError?.({ seq, message: verdict.error });
          pass = false;
        } else {
          pass = verdict;
        }
      }
      if (pass) {
        delivered++;
        idleSince = Date.now();
        yield message;
        if (signal?.aborted) return end("aborted");
      }
      if (seq >= endSeq) {
        if (opts.max !== undefined && delivered >= opts.max) return end("max");
        return end("caught-up");
      }
    }
  } finally {
    pending?.catch(() => {});
    // stop() ends the pulls at once (close() would wait for buffered messages to be read);
    // the delete frees the consumer on the server instead of leaving it to expire.
    messages.stop();
    await consumer.delete().catch(() => {});
  }
}
