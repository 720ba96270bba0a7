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
import * as z from "zod/mini";
import { parseArgs, parseDuration, parseSince } from "../lib/args.js";
import type { CommandModule } from "../lib/command.js";
import { usage } from "../lib/errors.js";
import { type FollowPlan, runFollow } from "../lib/follow-loop.js";
import { remoteAccess, remoteArgs, withRemoteOptions } from "../lib/shared-options.js";
import { isRemoteRef, openTarget } from "../lib/target.js";

const Args = z.object({
  pool: z.string(),
  tail: z.optional(z.int().check(z.minimum(0))),
  since: z.optional(z.string()),
  one: z.boolean(),
  max: z.optional(z.int().check(z.minimum(0))),
  timeout: z.optional(z.string()),
  tag: z.array(z.string()),
  where: z.array(z.string()),
  format: z.optional(z.enum(["pretty", "jsonl"])),
  jsonl: z.boolean(),
  dataOnly: z.boolean(),
  replay: z.optional(z.number().check(z.minimum(0))),
  gap: z.enum(["continue", "error"]),
  follow: z.boolean(),
  ...remoteArgs,
});

export const command: CommandModule = {
  builder: (y) =>
    withRemoteOptions(y)
      .positional("pool", { type: "string", describe: "Pool name or path" })
      .option("tail", {
        alias: "n",
        type: "number",
        describe: "Replay the newest N messages first",
      })
      .option("since", {
        type: "string",
        describe: "Start at a seq, an RFC 3339 time, or an age (10m)",
      })
      .option("one", {
        type: "boolean",
        default: false,
        describe: "Exit after the first matching message",
      })
      .option("max", {
        type: "number",
        describe: "Exit after N matching messages",
      })
      .option("timeout", {
        type: "string",
        describe: "Exit 124 when nothing arrived for this long (5s, 1m)",
      })
      .option("tag", {
        alias: "t",
        type: "string",
        array: true,
        default: [],
        describe: "Only messages with this tag (repeatable: all must match)",
      })
      .option("where", {
        alias: "w",
        type: "string",
        array: true,
        default: [],
        describe: "Only messages for which this jq expression is truthy (repeatable)",
      })
      .option("format", {
        choices: ["pretty", "jsonl"],
        describe: "pretty (default on a terminal) or jsonl",
      })
      .option("jsonl", { type: "boolean", default: false, describe: "Same as --format jsonl" })
      .option("data-only", {
        type: "boolean",
        default: false,
        describe: "Print only each message's data",
      })
      .option("replay", {
        type: "number",
        describe: "Re-emit the selection at recorded pace × SPEED (0 = instant), then exit",
      })
      .option("gap", {
        choices: ["continue", "error"],
        default: "continue",
        describe: "On overwritten messages: report and go on, or fail (exit 9)",
      })
      .option("follow", {
        type: "boolean",
        default: true,
        describe: "Keep following new messages (--no-follow: print what is there, then exit 0)",
      }),

  async run(raw, ctx) {
    const args = parseArgs(Args, raw, "follow", ["pool"]);
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
        format: args.jsonl ? "jsonl" : (args.format ?? (ctx.io.stdoutTty ? "pretty" : "jsonl")),
        dataOnly: args.dataOnly,
      };
      const end = await runFollow(target, plan, ctx.io);
      return end === "timeout" ? TIMEOUT_EXIT_CODE : 0;
    } finally {
      target.close();
    }
  },
};
