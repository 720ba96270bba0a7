/**
 * `spool pool create NAME... [--size 64M] [--index-capacity N] [--json]`.
 *
 * Invariants: never truncates or replaces an existing pool (core's create); best effort over the
 * names (each is tried; the status is the exit code of the first failure); `--json` prints
 * `{"pools":[PoolInfo...]}` with the pools that were created.
 */
import { createPool, type PoolInfo, parseSize, type SpoolError } from "@spool/core";
import * as z from "zod/mini";
import { parseArgs } from "../lib/args.js";
import type { CommandModule } from "../lib/command.js";
import { toSpoolError } from "../lib/errors.js";
import { printJson, reportFailures } from "../lib/json-output.js";
import { humanBytes, poolInfoJson } from "../lib/pool-json.js";
import { paint } from "../lib/style.js";

const Args = z.object({
  names: z.array(z.string()),
  size: z.optional(z.string()),
  indexCapacity: z.optional(z.int().check(z.minimum(1))),
  json: z.boolean(),
});

export const command: CommandModule = {
  builder: (y) =>
    y
      .positional("names", { type: "string", array: true, describe: "Pool names or paths" })
      .option("size", { type: "string", describe: "Pool file size: bytes or 16K..1T (default 1M)" })
      .option("index-capacity", {
        type: "number",
        describe: "seq→offset index slots (default: one per 512 bytes)",
      })
      .option("json", { type: "boolean", default: false, describe: "Print JSON" }),

  async run(raw, ctx) {
    const args = parseArgs(Args, raw, "pool create", ["names"]);
    if (args.size !== undefined) parseSize(args.size); // fail before creating anything
    const created: PoolInfo[] = [];
    const failures: SpoolError[] = [];
    for (const name of args.names) {
      try {
        const pool = createPool(name, {
          dir: ctx.dir,
          ...(args.size === undefined ? {} : { size: args.size }),
          ...(args.indexCapacity === undefined ? {} : { indexCapacity: args.indexCapacity }),
        });
        created.push(pool.info());
        pool.close();
      } catch (error) {
        failures.push(toSpoolError(error));
      }
    }
    if (args.json) {
      printJson(ctx.io, { pools: created.map(poolInfoJson) });
    } else {
      for (const info of created) {
        void ctx.io.out.write(
          `${paint(ctx.io.color, "green", "created")} ${info.name} ${paint(ctx.io.color, "dim", `(${humanBytes(info.fileSize)}, ${info.path})`)}\n`,
        );
      }
    }
    return reportFailures(ctx.io, failures);
  },
};
