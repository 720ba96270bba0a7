/**
 * `spool follow POOL`: print messages as they arrive, optionally replaying history first.
 *
 * Invariants: without --tail/--since it starts at the next new message; `--tail N` replays the
 * newest N raw messages first (before tag and --where filters); `--since` takes a seq, an
 * RFC 3339 time or an age; `--no-follow` prints the selection up to the newest message and exits 0
 * (local and remote pools; `--timeout` does not apply then); `--replay` prints the selection at recorded pace and exits; JSONL
 * output (the default off a terminal) is the exact stored envelope; exit status 124 when
 * `--timeout` ends the follow, 9 (RetentionGap) under `--gap error`. With `--cursor NAME` the
 * follow starts after the cursor's committed seq (a new cursor is placed by --tail/--since, else
 * at the next new message) and acks each seq once its output was written to stdout; SIGINT and
 * SIGTERM then stop it after those acks are committed (exit 128 + N).
 */
import { constants } from "node:os";
import { checkConsumerName, checkTag, formatTime, TIMEOUT_EXIT_CODE } from "@spool/core";
import { ARCHIVE_OPTIONS, archiveUrl } from "../lib/archive-options.js";
import { parseDuration, parseSince } from "../lib/args.js";
import type { CommandModule } from "../lib/command.js";
import { CursorAcks } from "../lib/cursor-acks.js";
import { usage } from "../lib/errors.js";
import { type FollowPlan, runFollow } from "../lib/follow-loop.js";
import type { Io } from "../lib/io.js";
import { commandOptions } from "../lib/option-table.js";
import { STREAM_OUTPUT, streamFormat } from "../lib/output-format.js";
import {
  ENGINE_OPTIONS,
  engineAccess,
  POOL_OPERAND,
  REMOTE_OPTIONS,
  remoteAccess,
  TAG_OPTION,
  TAIL_OPTION,
  TIMEOUT_OPTION,
} from "../lib/shared-options.js";
import { isRemoteRef, openTarget, type PoolTarget } from "../lib/target.js";

const OPTIONS = commandOptions(
  "follow",
  { pool: POOL_OPERAND },
  {
    ...REMOTE_OPTIONS,
    ...ENGINE_OPTIONS,
    ...ARCHIVE_OPTIONS,
    tail: {
      ...TAIL_OPTION,
      describe: "Replay the newest N messages first (with --cursor: a new one)",
    },
    since: {
      type: "string",
      describe: "Start at a seq, an RFC 3339 time, or an age (10m) (with --cursor: a new one)",
    },
    cursor: {
      type: "string",
      describe:
        "Durable cursor: start after what it acked, ack each message once printed (a new cursor starts at --tail/--since, else at the next new message)",
    },
    one: { type: "boolean", describe: "Exit after the first matching message" },
    max: { type: "number", int: true, min: 0, describe: "Exit after N matching messages" },
    timeout: TIMEOUT_OPTION,
    tag: { ...TAG_OPTION, describe: "Only messages with this tag (repeatable: all must match)" },
    where: {
      type: "string",
      alias: ["w"],
      repeatable: true,
      describe: "Only messages for which this where (jq subset) expression is truthy (repeatable)",
    },
    ...STREAM_OUTPUT,
    "data-only": { type: "boolean", describe: "Print only each message's data" },
    replay: {
      type: "number",
      min: 0,
      describe: "Re-emit the selection at recorded pace × SPEED (0 = instant), then exit",
    },
    gap: {
      type: "string",
      alias: ["gap-policy"],
      choices: ["continue", "error"],
      default: "continue",
      describe: "On overwritten messages: report and go on, or fail (exit 9)",
    },
    follow: {
      type: "boolean",
      default: true,
      describe: "Keep following new messages (--no-follow: print what is there, then exit 0)",
    },
  },
);

export const command: CommandModule = {
  builder: OPTIONS.builder,

  async run(raw, ctx) {
    const args = OPTIONS.parse(raw);
    if (args.tail !== undefined && args.since !== undefined) {
      throw usage(
        "give --tail or --since, not both",
        "use --tail N to replay the newest N messages, or --since to start at a seq or time",
      );
    }
    for (const tag of args.tag) checkTag(tag);
    if (args.replay !== undefined && isRemoteRef(args.pool)) {
      throw usage(
        "--replay needs a local pool",
        "for a remote pool, replay with --since SEQ (or --tail N) and end with --timeout 1s",
      );
    }
    const timeoutMs =
      args.timeout === undefined ? undefined : parseDuration(args.timeout, "--timeout");
    const since = args.since === undefined ? undefined : parseSince(args.since, Date.now());
    const cursorName =
      args.cursor === undefined ? undefined : checkCursorFlag(args.cursor, args.replay);
    const where =
      args.where.length > 0
        ? await (await import("../lib/where.js")).compileWhere(args.where)
        : undefined;
    const target = await openTarget(args.pool, {
      dir: ctx.dir,
      // a cursor is written: created at the start, then acked
      readOnly: cursorName === undefined,
      remote: remoteAccess(args),
      engine: engineAccess(args),
      io: ctx.io,
      archive: archiveUrl(args),
    });
    try {
      const start: { since?: number; sinceTime?: string; last?: number } = {};
      if (args.tail !== undefined) start.last = args.tail;
      else if (since && "seq" in since) start.since = since.seq;
      else if (since) {
        // core's sinceTime locally; a remote pool's server seeks itself (since_time=)
        start.sinceTime = formatTime(since.time.sec, since.time.nanos);
      } else if (args.replay !== undefined) start.last = Number.MAX_SAFE_INTEGER;
      const plan: FollowPlan = {
        tail: {
          ...start,
          tags: args.tag,
          // A remote server filters too (where=), so only matching messages cross the network;
          // the CLI still applies the same expressions (and reports failures as notices).
          ...(isRemoteRef(args.pool) && args.where.length > 0 ? { where: args.where } : {}),
          gapPolicy: args.gap,
          follow: args.follow && args.replay === undefined,
          ...(cursorName === undefined ? {} : { cursor: cursorName }),
        },
        where,
        one: args.one,
        max: args.max,
        timeoutMs,
        replaySpeed: args.replay,
        format: streamFormat(args, ctx.io.stdoutTty),
        dataOnly: args.dataOnly,
      };
      if (cursorName === undefined) {
        const end = await runFollow(target, plan, ctx.io);
        return end === "timeout" ? TIMEOUT_EXIT_CODE : 0;
      }
      return await followWithCursor(target, plan, cursorName, ctx.io);
    } finally {
      target.close();
    }
  },
};

/** Checks `--cursor NAME` (the cursor alphabet, core's words) and what it cannot go with. */
function checkCursorFlag(name: string, replay: number | undefined): string {
  if (replay !== undefined) {
    throw usage(
      "--cursor and --replay do not go together",
      "--replay re-emits history at its recorded pace; follow with --cursor to resume and ack",
    );
  }
  return checkConsumerName(name, "cursor");
}

/**
 * Follows with a durable cursor: acks what was written; SIGINT/SIGTERM end the follow once the
 * acks of what was written are committed (exit 128 + N, as the signal would have).
 */
async function followWithCursor(
  target: PoolTarget,
  plan: FollowPlan,
  name: string,
  io: Io,
): Promise<number> {
  const stop = new AbortController();
  const acks = new CursorAcks(target.consumers().cursor(name), io.out, () => stop.abort());
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled !== undefined) process.exit(128 + (constants.signals[signal] ?? 0));
    signalled = signal;
    stop.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const end = await runFollow(
      target,
      { ...plan, handled: (seq) => acks.handled(seq) },
      io,
      stop.signal,
    );
    await acks.settle();
    if (signalled !== undefined) return 128 + (constants.signals[signalled] ?? 0);
    return end === "timeout" ? TIMEOUT_EXIT_CODE : 0;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
