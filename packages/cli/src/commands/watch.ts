/**
 * `spool watch POOL`: a live tail on a terminal, keyboard driven (@spool/tui's WatchView): filter
 * by tags and by a where expression, pause, jump to a seq, a time or an age, inspect a message's
 * stored envelope, gap notices where they happened (spec/cli/v0 §9.8).
 *
 * Invariants: takes the pools `follow` takes (a name, a path, http(s)://HOST:PORT/POOL with the
 * remote flags, nats://…/POOL with the engine flags) through the same target resolution, read
 * only; every option is checked (Usage) before the screen is taken; stdout and stdin must be
 * terminals (else Usage pointing at `spool follow`); memory is bounded by `--buffer`; the
 * terminal is left clean however the view ends; exit 0 on q or Ctrl-C, 128 + N on signal N.
 */
import { constants } from "node:os";
import { checkTag, compileWhere, formatTime, SpoolError } from "@spool/core";
import { parseSince } from "../lib/args.js";
import type { CommandModule } from "../lib/command.js";
import { usage } from "../lib/errors.js";
import { commandOptions } from "../lib/option-table.js";
import {
  ENGINE_OPTIONS,
  engineAccess,
  POOL_OPERAND,
  REMOTE_OPTIONS,
  remoteAccess,
  TAG_OPTION,
  TAIL_OPTION,
} from "../lib/shared-options.js";
import { openTarget } from "../lib/target.js";
import { endStatus, loadTui, requireTerminal } from "../lib/tui.js";

const OPTIONS = commandOptions(
  "watch",
  { pool: POOL_OPERAND },
  {
    ...REMOTE_OPTIONS,
    ...ENGINE_OPTIONS,
    tail: { ...TAIL_OPTION, describe: "Start with the newest N messages (default 100)" },
    since: {
      type: "string",
      describe: "Start at a seq, an RFC 3339 time, or an age (10m)",
    },
    tag: {
      ...TAG_OPTION,
      describe: "Show only messages with this tag (repeatable: all must match; t changes it)",
    },
    where: {
      type: "string",
      alias: ["w"],
      describe:
        "Show only messages for which this where (jq subset) expression holds (/ changes it)",
    },
    buffer: {
      type: "number",
      int: true,
      min: 1,
      default: 1000,
      describe: "Messages held in memory (the oldest leave first)",
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
        "use --tail N to start with the newest N messages, or --since to start at a seq or time",
      );
    }
    if (args.buffer > 1_000_000) {
      throw new SpoolError("Usage", `--buffer must be ≤ 1000000 (got ${args.buffer})`, {
        hint: "the view holds this many messages in memory; a few thousand is plenty on a screen",
      });
    }
    for (const tag of args.tag) checkTag(tag);
    if (args.where !== undefined) compileWhere(args.where, { label: "--where" });
    const since = args.since === undefined ? undefined : parseSince(args.since, Date.now());
    requireTerminal(
      ctx.io,
      "watch",
      `print the messages as JSON lines instead: spool follow ${args.pool}`,
    );
    const tui = await loadTui();
    const filter = { tags: args.tag, where: args.where ?? "" };
    const start =
      args.tail !== undefined
        ? { last: args.tail }
        : since && "seq" in since
          ? { since: since.seq }
          : since
            ? { sinceTime: formatTime(since.time.sec, since.time.nanos) }
            : { last: 100 };
    const target = await openTarget(args.pool, {
      dir: ctx.dir,
      readOnly: true,
      remote: remoteAccess(args),
      engine: engineAccess(args),
      io: ctx.io,
    });
    try {
      const end = await tui.runWatch({ pool: target, start, capacity: args.buffer, filter });
      return endStatus(end, constants.signals);
    } finally {
      target.close();
    }
  },
};
