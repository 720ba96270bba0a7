/**
 * `spool feed POOL [DATA]`: append one inline JSON value, a file (`--file F`, `-` for stdin), or
 * piped stdin (JSON Lines, JSON values, or JSON text sequences; `--in`).
 *
 * Invariants: receipts carry seq, time and meta but never the data; they are JSON lines when
 * stdout is not a terminal (one per stored message, in order), human text on a terminal; a
 * terminal stderr shows a progress line for stream input; the status is 0, the error's exit
 * code (`--errors stop`), or 1 when `--errors skip` rejected any record. With `--producer ID`,
 * record k of the input is producer seq k: the records the pool already committed for the
 * producer (its last seq, same epoch) are left out, so rerunning an interrupted feed appends
 * every record exactly once; duplicates the pool answers are receipts marked `duplicate`, not
 * errors.
 */

import {
  type Appended,
  checkProducerId,
  checkTag,
  DURABILITIES,
  decideProducer,
  type Message,
  type ProducerInfo,
  SpoolError,
} from "@spool/core";
import { parseDuration } from "../lib/args.js";
import type { CommandModule, Context } from "../lib/command.js";
import { usage } from "../lib/errors.js";
import { Feeder, type FeederProducer, type FeederSink } from "../lib/feeder.js";
import { fileInput, stdinInput } from "../lib/input.js";
import { setStdoutClosedHandler } from "../lib/io.js";
import { notice } from "../lib/notices.js";
import { commandOptions } from "../lib/option-table.js";
import { STREAM_OUTPUT, streamFormat } from "../lib/output-format.js";
import { Progress } from "../lib/progress.js";
import { receiptLines, receiptText } from "../lib/receipts.js";
import { readRecords } from "../lib/records.js";
import {
  CREATE_OPTIONS,
  createRequest,
  ENGINE_OPTIONS,
  engineAccess,
  IN_OPTION,
  POOL_OPERAND,
  REMOTE_OPTIONS,
  remoteAccess,
  TAG_OPTION,
} from "../lib/shared-options.js";
import { paint } from "../lib/style.js";
import { isEnginePool, isRemoteRef, openTarget, type PoolTarget } from "../lib/target.js";

const OPTIONS = commandOptions(
  "feed",
  {
    pool: POOL_OPERAND,
    data: { type: "string", optional: true, describe: "One JSON value (else --file or stdin)" },
  },
  {
    ...CREATE_OPTIONS,
    ...REMOTE_OPTIONS,
    ...ENGINE_OPTIONS,
    file: { type: "string", alias: ["f"], describe: "Read messages from a file (- for stdin)" },
    in: IN_OPTION,
    tag: TAG_OPTION,
    durability: {
      type: "string",
      choices: DURABILITIES,
      default: "fast",
      describe: "fast (page cache) or flush (fdatasync)",
    },
    retry: {
      type: "number",
      int: true,
      min: 0,
      default: 0,
      describe: "Retries when the pool is Busy",
    },
    "retry-delay": { type: "string", default: "50ms", describe: "Wait between Busy retries" },
    "lock-timeout": {
      type: "string",
      describe: "How long one append waits for another writer (default 10s; local pools)",
    },
    errors: {
      type: "string",
      choices: ["stop", "skip"],
      default: "stop",
      describe: "On a bad record: stop, or skip it and go on",
    },
    "if-last-seq": {
      type: "number",
      int: true,
      min: 0,
      describe: "Append only if the pool's newest seq is N (0: never appended to), else exit 10",
    },
    producer: {
      type: "string",
      describe:
        "Append as idempotent producer ID: record k is its seq k, and records the pool already committed for it are skipped (exactly-once reruns)",
    },
    "producer-epoch": {
      type: "number",
      int: true,
      min: 0,
      describe: "The producer's epoch (default 0); a higher one fences off older runs",
    },
    quiet: { type: "boolean", alias: ["q"], describe: "Print no receipts" },
    ...STREAM_OUTPUT,
    format: {
      ...STREAM_OUTPUT.format,
      describe: "Receipts: pretty (default on a terminal) or jsonl",
    },
  },
);

export const command: CommandModule = {
  builder: OPTIONS.builder,

  async run(raw, ctx) {
    const args = OPTIONS.parse(raw);
    const jsonReceipts = streamFormat(args, ctx.io.stdoutTty) === "jsonl";
    for (const tag of args.tag) checkTag(tag);
    const retryDelayMs = parseDuration(args.retryDelay, "--retry-delay");
    const lockTimeoutMs = parseDuration(args.lockTimeout ?? "10s", "--lock-timeout");
    if (args.lockTimeout !== undefined && isRemoteRef(args.pool)) {
      throw usage(
        "--lock-timeout applies to local pools only",
        "a remote server takes the pool's lock itself; use --retry for Busy answers",
      );
    }
    if (args.lockTimeout !== undefined && isEnginePool(args.pool, engineAccess(args))) {
      throw usage(
        "--lock-timeout applies to local pools only",
        "a JetStream pool has no lock file: its stream orders concurrent appends itself",
      );
    }
    if (args.data !== undefined && args.file !== undefined) {
      throw usage(
        "give DATA or --file, not both",
        "pass the message inline, or read messages with --file, not both",
      );
    }
    if (args.producerEpoch !== undefined && args.producer === undefined) {
      throw usage(
        "--producer-epoch needs --producer",
        "name the producer too, e.g. --producer ingest --producer-epoch 1",
      );
    }
    if (args.producer !== undefined) checkProducerId(args.producer, "--producer");
    const stream = args.data === undefined;
    const input =
      args.data !== undefined
        ? undefined
        : args.file !== undefined
          ? fileInput(args.file)
          : stdinInput(ctx.io.stdinTty, "DATA");
    // Receipts are a courtesy: if their reader goes away, keep storing the input.
    setStdoutClosedHandler(() => {});
    const target = await openTarget(args.pool, {
      dir: ctx.dir,
      lockTimeoutMs,
      create: createRequest(args, "feed"),
      remote: remoteAccess(args),
      engine: engineAccess(args),
    });
    try {
      const info = await target.info();
      const resume =
        args.producer === undefined
          ? undefined
          : await resumeProducer(target, args.producer, args.producerEpoch ?? 0, args.ifLastSeq);
      const progress = stream && !args.quiet ? new Progress(ctx.io, "fed") : undefined;
      const sink = receiptSink(ctx, args.tag, stream, args.quiet, jsonReceipts, progress);
      if (resume && !args.quiet) {
        const { id, epoch } = resume.producer;
        sink.skipped = (count) =>
          notice(
            ctx.io,
            "resumed",
            { producer: id, epoch, skipped: count },
            `producer ${id} skipped ${count} record(s) the pool already committed`,
          );
      }
      const feeder = new Feeder(
        target,
        {
          tags: args.tag,
          durability: args.durability,
          retry: args.retry,
          retryDelayMs,
          errors: args.errors,
          maxBatchBytes: Math.max(1024, Math.min(1 << 20, Math.floor(info.ringSize / 4))),
          ifLastSeq: resume ? resume.ifLastSeq : args.ifLastSeq,
          producer: resume?.producer,
          maxMessageBytes: info.maxMessageBytes,
        },
        sink,
      );
      try {
        if (input === undefined) await feeder.feed([{ text: args.data as string, line: 0 }]);
        else for await (const batch of readRecords(input, args.in)) await feeder.feed(batch);
        feeder.finish();
      } finally {
        progress?.stop();
      }
      if (stream && !jsonReceipts && !args.quiet) {
        const rate = progress ? ` in ${(progress.elapsedMs / 1000).toFixed(2)}s` : "";
        const duplicates =
          feeder.duplicates > 0 ? `, ${feeder.duplicates} duplicate(s) not stored again` : "";
        void ctx.io.out.write(
          `${paint(ctx.io.color, "green", "stored")} ${feeder.stored} message(s)${sink.range()}${duplicates}${rate}\n`,
        );
      }
      if (args.errors === "skip") {
        const counts = resume
          ? { skipped: feeder.skipped, duplicates: feeder.duplicates }
          : ({} as Record<string, number>);
        const more = resume ? `, skipped ${feeder.skipped}, duplicates ${feeder.duplicates}` : "";
        notice(
          ctx.io,
          "summary",
          { stored: feeder.stored, rejected: feeder.rejected, ...counts },
          `stored ${feeder.stored}, rejected ${feeder.rejected}${more}`,
        );
      }
      return feeder.rejected > 0 ? 1 : 0;
    } finally {
      target.close();
    }
  },
};

/** Where a producer's feed resumes: what to skip, and the `--if-last-seq` that goes with it. */
interface Resume {
  producer: FeederProducer;
  ifLastSeq: number | undefined;
}

/**
 * Reads what the pool keeps for the producer: the records to skip (its last seq, when the epoch
 * is the same; none for a higher epoch or an unknown producer). A stale epoch is refused before
 * any input is read, in core's words. With `--if-last-seq N`, the skipped records must sit right
 * after N (a rerun of the same conditional feed), and the next append expects N plus them.
 */
async function resumeProducer(
  target: PoolTarget,
  id: string,
  epoch: number,
  ifLastSeq: number | undefined,
): Promise<Resume> {
  const kept: ProducerInfo | null = await target.producerState(id);
  if (kept && kept.epoch > epoch) {
    // Throws the pool's own Conflict (carrying the current epoch) for a fenced-off epoch.
    decideProducer(
      { ...kept, batchFirstSeq: kept.lastSeq, timeSec: 0, timeNanos: 0 },
      { id, epoch, seq: kept.lastSeq + 1 },
      1,
      target.location,
    );
  }
  const skip = kept && kept.epoch === epoch ? kept.lastSeq : 0;
  if (ifLastSeq === undefined || skip === 0 || kept === null) {
    return { producer: { id, epoch, skip }, ifLastSeq };
  }
  if (kept.lastPoolSeq !== ifLastSeq + skip) {
    throw new SpoolError(
      "Conflict",
      `producer ${id} committed ${skip} record(s), the last at pool seq ${kept.lastPoolSeq}, not right after seq ${ifLastSeq}: nothing was appended`,
      {
        path: target.location,
        hint: `an earlier run of this producer did not start after seq ${ifLastSeq}: rerun with the --if-last-seq it was started with, or without --if-last-seq (or with a new --producer-epoch to start afresh)`,
      },
    );
  }
  return { producer: { id, epoch, skip }, ifLastSeq: ifLastSeq + skip };
}

interface ReceiptSink extends FeederSink {
  range(): string;
}

function receiptSink(
  ctx: Context,
  tags: readonly string[],
  stream: boolean,
  quiet: boolean,
  jsonReceipts: boolean,
  progress: Progress | undefined,
): ReceiptSink {
  const tagsJson = JSON.stringify(tags);
  let first: number | undefined;
  let last: number | undefined;
  return {
    committed(messages: readonly Appended[]) {
      progress?.add(messages.length);
      for (const m of messages) {
        if (m.duplicate) continue;
        first ??= (m as Message).seq;
        last = (m as Message).seq;
      }
      if (quiet) return;
      if (jsonReceipts) return ctx.io.out.write(receiptLines(messages, tagsJson));
      if (!stream) for (const m of messages) void ctx.io.out.write(receiptText(ctx.io.color, m));
      return undefined;
    },
    rejected(record, error) {
      notice(
        ctx.io,
        "rejected",
        { line: record.line, error: error.toJSON() },
        `skipped ${error.message}`,
      );
    },
    range: () =>
      first === undefined ? "" : first === last ? ` (seq ${first})` : ` (seq ${first}..${last})`,
  };
}
