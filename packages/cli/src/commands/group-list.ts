/**
 * `spool group list POOL [OUTPUT]`: the consumer groups a pool keeps (spec/cli/v0 §6.6), by name.
 *
 * Invariants: read-only (a local pool is opened without write access); `--json` prints
 * `{"groups":[GROUP...]}` in core's wire spelling (groupInfoJson), `--jsonl` one GROUP a line;
 * a pool without a ledger lists no groups.
 */
import type { CommandModule } from "../lib/command.js";
import { groupInfoJson, groupsTable, printList } from "../lib/consumer-text.js";
import { commandOptions } from "../lib/option-table.js";
import { DOCUMENT_OUTPUT, outputFormat } from "../lib/output-format.js";
import { POOL_OPERAND, REMOTE_OPTIONS, remoteAccess } from "../lib/shared-options.js";
import { openTarget } from "../lib/target.js";

const OPTIONS = commandOptions(
  "group list",
  { pool: POOL_OPERAND },
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
      const list = await target.consumers().groups();
      printList(ctx.io, format, "groups", list.map(groupInfoJson), () =>
        groupsTable(list, ctx.io.color),
      );
    } finally {
      target.close();
    }
    return 0;
  },
};
