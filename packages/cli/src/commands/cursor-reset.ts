/**
 * `spool cursor reset POOL NAME --since SINCE [OUTPUT]`: moves a durable cursor (spec/cli/v0
 * §6.5) so that the next `follow --cursor NAME` starts at SINCE: a seq (that seq first), an
 * RFC 3339 time or an age (the first message committed at or after it; the next new message
 * when none is that recent), the same SINCE as `follow --since`.
 *
 * Invariants: creates the cursor when absent (core's reset); backwards moves are allowed;
 * `--json` prints `{"cursor":CURSOR}` as it is after the reset, `--jsonl` the CURSOR alone.
 */
import { formatTime } from "@spool/core";
import { parseSince } from "../lib/args.js";
import type { CommandModule } from "../lib/command.js";
import { cursorInfoJson, cursorText, printOne } from "../lib/consumer-text.js";
import { usage } from "../lib/errors.js";
import { commandOptions } from "../lib/option-table.js";
import { DOCUMENT_OUTPUT, outputFormat } from "../lib/output-format.js";
import {
  CURSOR_OPERAND,
  POOL_OPERAND,
  REMOTE_OPTIONS,
  remoteAccess,
} from "../lib/shared-options.js";
import { openTarget } from "../lib/target.js";

const OPTIONS = commandOptions(
  "cursor reset",
  { pool: POOL_OPERAND, name: CURSOR_OPERAND },
  {
    ...REMOTE_OPTIONS,
    since: {
      type: "string",
      describe:
        "Where the next follow starts: a seq, an RFC 3339 time, or an age (10m); 0s = the next new message",
    },
    ...DOCUMENT_OUTPUT,
  },
);

export const command: CommandModule = {
  builder: OPTIONS.builder,

  async run(raw, ctx) {
    const args = OPTIONS.parse(raw);
    const format = outputFormat(args, "document", "pretty");
    if (args.since === undefined) {
      throw usage(
        "cursor reset needs --since",
        "e.g. --since 1 (everything kept), --since 10m (the last ten minutes), --since 0s (only new messages)",
      );
    }
    const since = parseSince(args.since, Date.now());
    const to = "seq" in since ? since : { time: formatTime(since.time.sec, since.time.nanos) };
    const target = await openTarget(args.pool, { dir: ctx.dir, remote: remoteAccess(args) });
    try {
      const info = await target.consumers().cursor(args.name).reset(to);
      printOne(ctx.io, format, "cursor", cursorInfoJson(info), () => cursorText(info));
    } finally {
      target.close();
    }
    return 0;
  },
};
