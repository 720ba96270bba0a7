/**
 * `spool pool info POOL [--json]`: one pool's layout, bounds and usage.
 *
 * Invariants: read-only (opens without write access); `--json` prints `{"pool": PoolInfo}` in
 * the wire spelling of lib/pool-json.ts.
 */
import { openPool } from "@spool/core";
import type { CommandModule } from "../lib/command.js";
import { printJson } from "../lib/json-output.js";
import { commandOptions } from "../lib/option-table.js";
import { DOCUMENT_OUTPUT, outputFormat } from "../lib/output-format.js";
import { poolInfoJson, poolInfoText } from "../lib/pool-json.js";
import { POOL_OPERAND } from "../lib/shared-options.js";

const OPTIONS = commandOptions("pool info", { pool: POOL_OPERAND }, DOCUMENT_OUTPUT);

export const command: CommandModule = {
  builder: OPTIONS.builder,

  async run(raw, ctx) {
    const args = OPTIONS.parse(raw);
    const format = outputFormat(args, "document", "pretty");
    const pool = openPool(args.pool, { dir: ctx.dir, readOnly: true });
    try {
      const info = pool.info();
      if (format === "json") printJson(ctx.io, { pool: poolInfoJson(info) });
      else if (format === "jsonl") printJson(ctx.io, poolInfoJson(info));
      else void ctx.io.out.write(`${poolInfoText(info)}\n`);
    } finally {
      pool.close();
    }
    return 0;
  },
};
