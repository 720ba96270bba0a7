/**
 * `spool follow POOL`: print messages as they arrive, optionally replaying history first.
 *
 * Invariants: without --tail/--since it starts at the next new message; `--tail N` replays the
 * newest N raw messages first (before tag and --where filters); `--since` takes a seq, an
 * RFC 3339 time or an age; `--no-follow` prints the selection up to the newest message and exits 0
 * (local and remote pools; `--timeout` does not apply then); `--replay` prints the selection at recorded pace and exits; JSONL
 * output (the default off a terminal) is the exact stored envelope; exit status 124 when
 * `--timeout` ends the follow, 9 (RetentionGap) under `--gap error`.
 */
import { checkTag, formatTime, TIMEOUT_EXIT_CODE } from "@spool/core";
import { parseDuration, parseSince } from "../lib/args.js";
import type { CommandModule } from "../lib/command.js";
import { usage } from "../lib/errors.js";
import { type FollowPlan, runFollow } from "../lib/follow-loop.js";
import { commandOptions } from "../lib/option-table.js";
import { STREAM_OUTPUT, streamFormat } from "../lib/output-format.js";
import {
  POOL_OPERAND,
  REMOTE_OPTIONS,
  remoteAccess,
  TAG_OPTION,
  TAIL_OPTION,
  TIMEOUT_OPTION,
} from "../lib/shared-options.js";
import { isRemoteRef, openTarget } from "../lib/target.js";

const OPTIONS = commandOptions(
  "follow",
  { pool: POOL_OPERAND },
  {
    ...REMOTE_OPTIONS,
    tail: TAIL_OPTION,
    since: { type: "string", describe: "Start at a seq, an RFC 3339 time, or an age (10m)" },
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
    const where =
      args.where.length > 0
        ? await (await import("../lib/where.js")).compileWhere(args.where)
        : undefined;
    const target = await openTarget(args.pool, {
      dir: ctx.dir,
      readOnly: true,
      remote: remoteAccess(args),
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
        },
        where,
        one: args.one,
        max: args.max,
        timeoutMs,
        replaySpeed: args.replay,
        format: streamFormat(args, ctx.io.stdoutTty),
        dataOnly: args.dataOnly,
      };
      const end = await runFollow(target, plan, ctx.io);
      return end === "timeout" ? TIMEOUT_EXIT_CODE : 0;
    } finally {
      target.close();
    }
  },
};
