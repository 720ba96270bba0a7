/**
 * `spool pool create NAME... [--size 64M] [--index-capacity N] [--ledger-size 64K] [--json]`.
 *
 * Invariants: never truncates or replaces an existing pool (core's create); best effort over the
 * names (each is tried; the status is the exit code of the first failure); `--json` prints
 * `{"pools":[PoolInfo...]}` with the pools that were created.
 */
import { createPool, type PoolInfo, parseSize, type SpoolError } from "@spool/core";
import type { CommandModule } from "../lib/command.js";
import { toSpoolError } from "../lib/errors.js";
import { printJson, printJsonLines, reportFailures } from "../lib/json-output.js";
import { commandOptions } from "../lib/option-table.js";
import { DOCUMENT_OUTPUT, outputFormat } from "../lib/output-format.js";
import { humanBytes, poolInfoJson } from "../lib/pool-json.js";
import { paint } from "../lib/style.js";

const OPTIONS = commandOptions(
  "pool create",
  { names: { type: "string", repeatable: true, describe: "Pool names or paths" } },
  {
    size: { type: "string", describe: "Pool file size: bytes or 16K..1T (default 1M)" },
    "index-capacity": {
      type: "number",
      int: true,
      min: 1,
      describe: "seq→offset index slots (default: one per 512 bytes)",
    },
    "ledger-size": {
      type: "string",
      describe:
        "bytes kept for producer state: 2K..64M, a multiple of 16 (default 1/32 of the pool, up to 8M)",
    },
    ...DOCUMENT_OUTPUT,
  },
);

export const command: CommandModule = {
  builder: OPTIONS.builder,

  async run(raw, ctx) {
    const args = OPTIONS.parse(raw);
    const format = outputFormat(args, "document", "pretty");
    if (args.size !== undefined) parseSize(args.size); // fail before creating anything
    const created: PoolInfo[] = [];
    const failures: SpoolError[] = [];
    for (const name of args.names) {
      try {
        const pool = createPool(name, {
          dir: ctx.dir,
          ...(args.size === undefined ? {} : { size: args.size }),
          ...(args.indexCapacity === undefined ? {} : { indexCapacity: args.indexCapacity }),
          ...(args.ledgerSize === undefined ? {} : { ledgerSize: args.ledgerSize }),
        });
        created.push(pool.info());
        pool.close();
      } catch (error) {
        failures.push(toSpoolError(error));
      }
    }
    if (format === "json") printJson(ctx.io, { pools: created.map(poolInfoJson) });
    else if (format === "jsonl") printJsonLines(ctx.io, created.map(poolInfoJson));
    else {
      for (const info of created) {
        void ctx.io.out.write(
          `${paint(ctx.io.color, "green", "created")} ${info.name} ${paint(ctx.io.color, "dim", `(${humanBytes(info.fileSize)}, ${info.path})`)}\n`,
        );
      }
    }
    return reportFailures(ctx.io, failures);
  },
};
