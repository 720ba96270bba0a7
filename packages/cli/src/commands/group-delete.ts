/**
 * `spool group delete POOL NAME [OUTPUT]`: forgets a consumer group and its deliveries
 * (spec/cli/v0 §6.6).
 *
 * Invariants: an unknown group is NotFound (exit 3); `--json` prints `{"deleted":GROUP}` (the
 * group as it was), `--jsonl` the GROUP alone; members still working get NotFound at their next
 * ack, and a later claim creates the group afresh.
 */
import type { CommandModule } from "../lib/command.js";
import { groupInfoJson, printOne } from "../lib/consumer-text.js";
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
  "group delete",
  { pool: POOL_OPERAND, name: GROUP_OPERAND },
  { ...REMOTE_OPTIONS, ...DOCUMENT_OUTPUT },
);

export const command: CommandModule = {
  builder: OPTIONS.builder,

  async run(raw, ctx) {
    const args = OPTIONS.parse(raw);
    const format = outputFormat(args, "document", "pretty");
    const target = await openTarget(args.pool, { dir: ctx.dir, remote: remoteAccess(args) });
    try {
      const info = await target.consumers().group(args.name).delete();
      printOne(
        ctx.io,
        format,
        "deleted",
        groupInfoJson(info),
        () => `deleted group ${info.name} (${info.inFlight} in flight, ${info.lag} unfinished)`,
      );
    } finally {
      target.close();
    }
    return 0;
  },
};
