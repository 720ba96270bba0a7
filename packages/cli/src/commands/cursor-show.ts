/**
 * `spool cursor show POOL NAME [OUTPUT]`: one durable cursor (spec/cli/v0 §6.5).
 *
 * Invariants: read-only; an unknown cursor is NotFound (exit 3) and an invalid name Usage
 * (exit 2), with core's messages and hints; `--json` prints `{"cursor":CURSOR}`, `--jsonl` the
 * CURSOR alone.
 */
import type { CommandModule } from "../lib/command.js";
import { cursorInfoJson, cursorText, printOne } from "../lib/consumer-text.js";
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
  "cursor show",
  { pool: POOL_OPERAND, name: CURSOR_OPERAND },
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
      const info = await target.consumers().cursor(args.name).info();
      printOne(ctx.io, format, "cursor", cursorInfoJson(info), () => cursorText(info));
    } finally {
      target.close();
    }
    return 0;
  },
};
