/**
 * `spool group show POOL NAME [OUTPUT]`: one consumer group (spec/cli/v0 §6.6):
 * its frontier, lag, deliveries in flight, counters, settings and members.
 *
 * Invariants: read-only; an unknown group is NotFound (exit 3) and an invalid name Usage
 * (exit 2), with core's messages and hints; `--json` prints `{"group":GROUP}`, `--jsonl` the
 * GROUP alone.
 */
import type { CommandModule } from "../lib/command.js";
import { groupInfoJson, groupText, printOne } from "../lib/consumer-text.js";
import { commandOptions } from "../lib/option-table.js";
import { DOCUMENT_OUTPUT, outputFormat } from "../lib/output-format.js";
import {
  GROUP_OPERAND,
  POOL_OPERAND,
  REMOTE_OPTIONS,
  remoteAccess,
} from "../lib/shared-options.js";
import { openTarget } from "../lib/target.js";

const OPTIONS = commandOptions(
  "group show",
  { pool: POOL_OPERAND, name: GROUP_OPERAND },
  { ...REMOTE_OPTIONS, ...DOCUMENT_OUTPUT },
);

export const command: CommandModule = {
  builder: OPTIONS.builder,

  async run(raw, ctx) {
    const args = OPTIONS.parse(raw);
    const format = outputFormat(args, "document", "pretty");
    const target = await openTarget(args.pool, {
      dir: ctx.dir,
      readOnly: true,
      remote: remoteAccess(args),
    });
    try {
      const info = await target.consumers().group(args.name).info();
      printOne(ctx.io, format, "group", groupInfoJson(info), () => groupText(info));
    } finally {
      target.close();
    }
    return 0;
  },
};
