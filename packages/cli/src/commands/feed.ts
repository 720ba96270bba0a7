/**
 * `spool feed POOL [DATA]`: append one inline JSON value, a file (`--file F`, `-` for stdin), or
 * piped stdin (JSON Lines, JSON values, or JSON text sequences; `--in`).
 *
 * Invariants: receipts carry seq, time and meta but never the data; they are JSON lines when
 * stdout is not a terminal (one per stored message, in order), human text on a terminal; a
 * terminal stderr shows a progress line for stream input; the status is 0, the error's exit
 * code (`--errors stop`), or 1 when `--errors skip` rejected any record.
 */

import { checkTag, DURABILITIES, type Message } from "@spool/core";
import { parseDuration } from "../lib/args.js";
import type { CommandModule, Context } from "../lib/command.js";
import { usage } from "../lib/errors.js";
import { Feeder, type FeederSink } from "../lib/feeder.js";
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
  IN_OPTION,
  POOL_OPERAND,
  REMOTE_OPTIONS,
  remoteAccess,
  TAG_OPTION,
} from "../lib/shared-options.js";
import { paint } from "../lib/style.js";
import { isRemoteRef, openTarget } from "../lib/target.js";

const OPTIONS = commandOptions(
  "feed",
  {
    pool: POOL_OPERAND,
    data: { type: "string", optional: true, describe: "One JSON value (else --file or stdin)" },
  },
  {
    ...CREATE_OPTIONS,
    ...REMOTE_OPTIONS,
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
    if (args.data !== undefined && args.file !== undefined) {
      throw usage(
        "give DATA or --file, not both",
        "pass the message inline, or read messages with --file, not both",
      );
    }
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
    });
    try {
      const info = await target.info();
      const progress = stream && !args.quiet ? new Progress(ctx.io, "fed") : undefined;
      const sink = receiptSink(ctx, args.tag, stream, args.quiet, jsonReceipts, progress);
      const feeder = new Feeder(
        target,
        {
          tags: args.tag,
          durability: args.durability,
          retry: args.retry,
          retryDelayMs,
          errors: args.errors,
          maxBatchBytes: Math.max(1024, Math.min(1 << 20, Math.floor(info.ringSize / 4))),
          ifLastSeq: args.ifLastSeq,
        },
        sink,
      );
      try {
        if (input === undefined) await feeder.feed([{ text: args.data as string, line: 0 }]);
        else for await (const batch of readRecords(input, args.in)) await feeder.feed(batch);
      } finally {
        progress?.stop();
      }
      if (stream && !jsonReceipts && !args.quiet) {
        const rate = progress ? ` in ${(progress.elapsedMs / 1000).toFixed(2)}s` : "";
        void ctx.io.out.write(
          `${paint(ctx.io.color, "green", "stored")} ${feeder.stored} message(s)${sink.range()}${rate}\n`,
        );
      }
      if (args.errors === "skip") {
        notice(
          ctx.io,
          "summary",
          { stored: feeder.stored, rejected: feeder.rejected },
          `stored ${feeder.stored}, rejected ${feeder.rejected}`,
        );
      }
      return feeder.rejected > 0 ? 1 : 0;
    } finally {
      target.close();
    }
  },
};

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
    committed(messages: readonly Message[]) {
      progress?.add(messages.length);
      if (messages.length > 0) {
        first ??= (messages[0] as Message).seq;
        last = (messages[messages.length - 1] as Message).seq;
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
