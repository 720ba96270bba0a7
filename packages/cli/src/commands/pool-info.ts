/**
 * `spool pool info POOL [--json]`: one pool's layout, bounds and usage.
 *
 * Invariants: read-only (opens without write access); `--json` prints `{"pool": PoolInfo}` in
 * the wire spelling of lib/pool-json.ts.
 */
import { openPool } from "@spool/core";
import * as z from "zod/mini";
import { parseArgs } from "../lib/args.js";
import type { CommandModule } from "../lib/command.js";
import { printJson } from "../lib/json-output.js";
import { poolInfoJson, poolInfoText } from "../lib/pool-json.js";

const Args = z.object({ pool: z.string(), json: z.boolean() });

export const command: CommandModule = {
  builder: (y) =>
    y
      .positional("pool", { type: "string", describe: "Pool name or path" })
      .option("json", { type: "boolean", default: false, describe: "Print JSON" }),

  async run(raw, ctx) {
    const args = parseArgs(Args, raw, "pool info", ["pool"]);
    const pool = openPool(args.pool, { dir: ctx.dir, readOnly: true });
    try {
      const info = pool.info();
      if (args.json) printJson(ctx.io, { pool: poolInfoJson(info) });
      else void ctx.io.out.write(`${poolInfoText(info)}\n`);
    } finally {
      pool.close();
    }
    return 0;
  },
};
