/**
 * `spool cursor delete POOL NAME [OUTPUT]`: forgets a durable cursor (spec/cli/v0 §6.5).
 *
 * Invariants: an unknown cursor is NotFound (exit 3); `--json` prints `{"deleted":CURSOR}` (the
 * cursor as it was), `--jsonl` the CURSOR alone; a follow still using the cursor fails at its
 * next ack (NotFound).
 */
import type { CommandModule } from "../lib/command.js";
import { cursorInfoJson, printOne } from "../lib/consumer-text.js";
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
  "cursor delete",
  { pool: POOL_OPERAND, name: CURSOR_OPERAND },
  { ...REMOTE_OPTIONS, ...DOCUMENT_OUTPUT },
);

export const command: CommandModule = {
  builder: OPTIONS.builder,

  async run(raw, ctx) {
    const args = OPTIONS.parse(raw);
    const format = outputFormat(args, "document", "pretty");
    const target = await openTarget(args.pool, { dir: ctx.dir, remote: remoteAccess(args) });
    try {
      const info = await target.consumers().cursor(args.name).delete();
      printOne(
        ctx.io,
        format,
        "deleted",
        cursorInfoJson(info),
        () => `deleted cursor ${info.name} (committed ${info.committed})`,
      );
    } finally {
      target.close();
    }
    return 0;
  },
};
