/**
 * `spool duplex POOL`: send and receive on one pool at once.
 *
 * On a terminal (stdin is a TTY) it is a chat: `--me NAME` is required, each typed line is sent
 * as `{"from":NAME,"msg":LINE}`, and other writers' messages are shown above the prompt. With a
 * non-terminal stdin, the JSON records read from it (as `feed` reads them) are sent while the
 * pool is followed and printed like `follow` prints (JSONL off a terminal).
 *
 * Invariants: this process's own messages are never echoed back (they are recognised by the seqs
 * their appends returned, so nothing depends on the data's shape); the follow starts at the next
 * new message unless `--tail N`; ends on end of input (terminal), Ctrl-C, or `--timeout`
 * (status 124).
 */

import { createInterface } from "node:readline";
import { TIMEOUT_EXIT_CODE } from "@spool/core";
import * as z from "zod/mini";
import { parseDuration } from "../lib/args.js";
import type { CommandModule, Context } from "../lib/command.js";
import { printError, toSpoolError, usage } from "../lib/errors.js";
import { Feeder } from "../lib/feeder.js";
import { type FollowPlan, runFollow } from "../lib/follow-loop.js";
import { notice } from "../lib/notices.js";
import { commandOptions } from "../lib/option-table.js";
import { STREAM_OUTPUT, streamFormat } from "../lib/output-format.js";
import { readRecords } from "../lib/records.js";
import { partsOf, prettyLine } from "../lib/render.js";
import {
  CREATE_OPTIONS,
  createRequest,
  ENGINE_OPTIONS,
  engineAccess,
  IN_OPTION,
  POOL_OPERAND,
  REMOTE_OPTIONS,
  remoteAccess,
  TAIL_OPTION,
  TIMEOUT_OPTION,
} from "../lib/shared-options.js";
import { paint } from "../lib/style.js";
import { openTarget, type PoolTarget } from "../lib/target.js";

const OPTIONS = commandOptions(
  "duplex",
  { pool: POOL_OPERAND },
  {
    ...CREATE_OPTIONS,
    ...REMOTE_OPTIONS,
    ...ENGINE_OPTIONS,
    me: {
      type: "string",
      zod: z.optional(z.string().check(z.minLength(1))),
      describe: "Your name in chat mode (required on a terminal)",
    },
    tail: { ...TAIL_OPTION, describe: "Show the newest N messages first" },
    timeout: { ...TIMEOUT_OPTION, describe: "Exit 124 when nothing arrived for this long" },
    ...STREAM_OUTPUT,
    format: { ...STREAM_OUTPUT.format, describe: "Output format (default: pretty on a terminal)" },
    in: { ...IN_OPTION, describe: "Input format for piped stdin" },
  },
);
type Args = ReturnType<typeof OPTIONS.parse>;

export const command: CommandModule = {
  builder: OPTIONS.builder,

  async run(raw, ctx) {
    const args = OPTIONS.parse(raw);
    if (ctx.io.stdinTty && args.me === undefined) {
      throw usage(
        "duplex on a terminal needs --me NAME",
        "example: spool duplex chat --me alice (pipe JSON into duplex to send records instead)",
      );
    }
    const timeoutMs =
      args.timeout === undefined ? undefined : parseDuration(args.timeout, "--timeout");
    const target = await openTarget(args.pool, {
      dir: ctx.dir,
      create: createRequest(args, "duplex"),
      remote: remoteAccess(args),
      engine: engineAccess(args),
      io: ctx.io,
    });
    try {
      return ctx.io.stdinTty
        ? await chat(target, args, ctx, timeoutMs)
        : await pipe(target, args, ctx, timeoutMs);
    } finally {
      target.close();
    }
  },
};

function basePlan(
  args: Args,
  ctx: Context,
  timeoutMs: number | undefined,
  own: Set<number>,
): FollowPlan {
  return {
    tail: args.tail === undefined ? {} : { last: args.tail },
    where: undefined,
    one: false,
    timeoutMs,
    replaySpeed: undefined,
    format: streamFormat(args, ctx.io.stdoutTty),
    dataOnly: false,
    exclude: (seq) => own.has(seq),
  };
}

/** Non-terminal stdin: send its records while following. */
async function pipe(
  target: PoolTarget,
  args: Args,
  ctx: Context,
  timeoutMs: number | undefined,
): Promise<number> {
  const own = new Set<number>();
  const info = await target.info();
  const feeder = new Feeder(
    target,
    {
      tags: [],
      durability: "fast",
      retry: 0,
      retryDelayMs: 0,
      errors: "skip",
      maxBatchBytes: Math.max(1024, Math.min(1 << 20, Math.floor(info.ringSize / 4))),
    },
    {
      committed: (messages) => {
        for (const m of messages) if (m.seq !== null) own.add(m.seq);
      },
      rejected: (record, error) =>
        notice(
          ctx.io,
          "rejected",
          { line: record.line, error: error.toJSON() },
          `skipped ${error.message}`,
        ),
    },
  );
  let inflight: Promise<void> = Promise.resolve();
  const plan: FollowPlan = {
    ...basePlan(args, ctx, timeoutMs, own),
    settle: () => inflight.catch(() => {}),
  };
  const following = runFollow(target, plan, ctx.io);
  let followEnded = false;
  const sending = (async () => {
    for await (const batch of readRecords(process.stdin as AsyncIterable<Buffer>, args.in)) {
      if (followEnded) return;
      inflight = feeder.feed(batch);
      await inflight;
    }
  })();
  // --timeout (or a follow error) ends the command even while stdin is still open: wait for
  // whichever comes first, then let an append already under way finish.
  const first = await Promise.race([
    following.then((end) => ({ end })),
    sending.then(() => undefined),
  ]);
  followEnded = true;
  let end = first?.end;
  if (end === undefined) end = await following;
  else {
    sending.catch(() => {}); // stdin is abandoned; a late read error must not crash the exit
    await inflight.catch(() => {});
  }
  return end === "timeout" ? TIMEOUT_EXIT_CODE : 0;
}

/** Terminal: a line-based chat with a prompt. */
async function chat(
  target: PoolTarget,
  args: Args,
  ctx: Context,
  timeoutMs: number | undefined,
): Promise<number> {
  const me = args.me as string;
  const own = new Set<number>();
  const c = ctx.io.color;
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    prompt: `${paint(c, "bold", me)}> `,
  });
  const stop = new AbortController();
  const show = (line: Buffer): undefined => {
    let text: string;
    try {
      const data = JSON.parse(partsOf(line).data.toString("utf8")) as {
        from?: unknown;
        msg?: unknown;
      };
      text =
        typeof data === "object" &&
        data !== null &&
        typeof data.from === "string" &&
        typeof data.msg === "string"
          ? `${paint(c, "cyan", data.from)}: ${data.msg}\n`
          : prettyLine(line, c);
    } catch {
      text = prettyLine(line, c);
    }
    process.stdout.write(`\r\u001b[K${text}`);
    rl.prompt(true);
    return undefined;
  };
  let queue: Promise<void> = Promise.resolve();
  const plan: FollowPlan = {
    ...basePlan(args, ctx, timeoutMs, own),
    render: show,
    settle: () => queue,
  };
  const following = runFollow(target, plan, ctx.io, stop.signal);
  rl.on("line", (line) => {
    if (line.trim() === "") return rl.prompt();
    queue = queue.then(async () => {
      try {
        for (const m of await target.append([{ data: { from: me, msg: line }, tags: [] }]))
          own.add(m.seq);
      } catch (error) {
        printError(toSpoolError(error), ctx.io);
      }
      rl.prompt();
    });
  });
  rl.on("close", () => stop.abort());
  rl.prompt();
  const end = await following;
  rl.close();
  process.stdout.write("\n");
  return end === "timeout" ? TIMEOUT_EXIT_CODE : 0;
}
